"""Where an fsspec artifact lives: the configured ``url`` and ``options``, and a checked key.

Argo has no fsspec location, so the artifact uses Argo's plugin syntax::

    plugin:
      name: fsspec
      configuration: |
        url: file:///var/lib/tiphys/artifacts
        options: {}
      key: my-workflow/my-node/out.txt

The object is ``url`` joined with ``key``. Keys stay under ``url``: absolute keys and
``..`` segments are refused, so a workflow cannot reach files outside the repository.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tiphys_core.artifacts import Artifact, ArtifactError

# Names the local store gives files while it writes or removes them; never keys.
PRIVATE_PREFIX = ".tiphys-"
# fsspec protocols that name this machine's files.
LOCAL_PROTOCOLS = ("file", "local")


@dataclass(frozen=True)
class Repository:
    """The configured ``url`` and ``options`` that keys are under.

    :param local_root: the directory of a ``file://`` url, or None for other protocols.
    """

    url: str
    options: Mapping[str, Any]
    local_root: str | None


@dataclass(frozen=True)
class Location:
    """One object (or directory) in a repository: the artifact's ``key`` under the url."""

    artifact: str
    repository: Repository
    key: str

    @property
    def object_url(self) -> str:
        """The object's full URL, for messages."""
        url = self.repository.url
        return f"{url.rstrip('/')}/{self.key}" if self.key else url


def parse_location(artifact: Artifact) -> Location:
    """The artifact's fsspec location; :class:`ArtifactError` naming the field when it is wrong."""
    settings = artifact.location
    repository = parse_repository(artifact.name, settings)
    return Location(
        artifact.name, repository, check_key(artifact.name, str(settings.get("key") or ""))
    )


def parse_repository(name: str, settings: Mapping[str, Any]) -> Repository:
    """The ``url`` and ``options`` of a parsed plugin configuration, checked."""
    url = settings.get("url")
    if not url or not isinstance(url, str):
        raise ArtifactError(
            f"artifact {name!r}: plugin.configuration has no url "
            "(e.g. 'url: file:///var/lib/tiphys/artifacts')"
        )
    options = settings.get("options") or {}
    if not isinstance(options, Mapping) or not all(isinstance(k, str) for k in options):
        raise ArtifactError(
            f"artifact {name!r}: plugin.configuration options must be a mapping of "
            f"option names to values, not {options!r}"
        )
    return Repository(url=url, options=dict(options), local_root=local_root(name, url))


def check_key(name: str, key: str) -> str:
    """``key`` without empty or ``.`` segments; refused when it could leave the url."""
    if key.startswith("/") or "\0" in key:
        raise ArtifactError(f"artifact {name!r}: key {key!r} must be a relative path under the url")
    segments = [segment for segment in key.split("/") if segment not in ("", ".")]
    if ".." in segments:
        raise ArtifactError(f"artifact {name!r}: key {key!r} must not contain '..'")
    if any(segment.startswith(PRIVATE_PREFIX) for segment in segments):
        raise ArtifactError(
            f"artifact {name!r}: key {key!r}: names starting with {PRIVATE_PREFIX!r} are reserved"
        )
    return "/".join(segments)


def local_root(name: str, url: str) -> str | None:
    """The directory a ``file://`` url (or a plain absolute path) names; None for other URLs."""
    if "::" in url:  # a chained URL (simplecache::file://...) is fsspec's business
        return None
    protocol, separator, rest = url.partition("://")
    if not separator:
        if url.startswith("/"):
            return os.path.normpath(url)
        raise ArtifactError(
            f"artifact {name!r}: url {url!r} must be absolute (file:///dir) or name a protocol"
        )
    if protocol not in LOCAL_PROTOCOLS:
        return None
    host, _, path = rest.partition("/")
    if host not in ("", "localhost"):
        raise ArtifactError(
            f"artifact {name!r}: url {url!r} names a host; local urls look like file:///dir"
        )
    return os.path.normpath("/" + path)
