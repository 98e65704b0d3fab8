"""An artifact as drivers see it: Argo's ``Artifact`` dict plus the means to read secrets.

Argo names where an artifact lives by one location field (``s3``, ``gcs``, ``git``,
``http``, ``raw``...). A ``plugin`` location (``plugin: {name, configuration, key}``)
names a driver by ``name`` and carries its settings as a YAML string; its driver sees
that YAML, parsed, as :attr:`Artifact.location`, with ``key`` added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tiphys_core.artifacts.errors import ArtifactError
from tiphys_core.artifacts.secrets import Secrets

# Argo's ArtifactLocation fields, in its order.
LOCATION_KINDS = (
    "s3",
    "git",
    "http",
    "artifactory",
    "hdfs",
    "raw",
    "oss",
    "gcs",
    "azure",
    "plugin",
)
# The field of each location that says which object it is (Argo's HasKey/GetKey/SetKey).
KEY_FIELDS = {
    "s3": "key",
    "gcs": "key",
    "oss": "key",
    "azure": "blob",
    "hdfs": "path",
    "http": "url",
    "artifactory": "url",
    "git": "repo",
    "plugin": "key",
}


def location_kind(artifact: Mapping[str, Any]) -> str | None:
    """The artifact's location field (``raw``, ``s3``...), or None when it has none."""
    for kind in LOCATION_KINDS:
        if artifact.get(kind) is not None:
            return kind
    return None


def driver_name(artifact: Mapping[str, Any]) -> str | None:
    """The artifact driver that serves this artifact: its location kind, or a plugin's name."""
    kind = location_kind(artifact)
    if kind == "plugin":
        name = (artifact.get("plugin") or {}).get("name")
        return str(name) if name else None
    return kind


@dataclass(frozen=True)
class Artifact:
    """One artifact in Argo's shape (``{"name": ..., "s3": {"bucket": ..., "key": ...}}``).

    :param spec: the artifact as written (after ``{{...}}`` substitution).
    :param secrets: where ``accessKeySecret``-style selectors are read from.
    """

    spec: Mapping[str, Any]
    secrets: Secrets = field(default_factory=Secrets, compare=False)

    @property
    def name(self) -> str:
        return str(self.spec.get("name") or "")

    @property
    def kind(self) -> str:
        """The location field (``s3``...); :class:`ArtifactError` if there is none."""
        kind = location_kind(self.spec)
        if kind is None:
            raise ArtifactError(f"artifact {self.name!r} has no location (s3, gcs, git, ...)")
        return kind

    @property
    def location(self) -> Mapping[str, Any]:
        """The location's settings: ``spec[kind]``, or a plugin's parsed ``configuration``."""
        body = self.spec.get(self.kind) or {}
        if self.kind != "plugin":
            return body
        return _plugin_location(self.name, body)

    @property
    def key(self) -> str:
        """The object the location names (``s3.key``, ``git.repo``, ``http.url``...)."""
        field_name = KEY_FIELDS.get(self.kind)
        if field_name is None:
            return ""
        return str((self.spec.get(self.kind) or {}).get(field_name) or "")

    def with_key(self, key: str) -> Artifact:
        """The same location naming another object (e.g. a file under a directory key)."""
        field_name = KEY_FIELDS.get(self.kind)
        if field_name is None:
            raise ArtifactError(f"{self.kind} artifacts have no key")
        body = dict(self.spec.get(self.kind) or {})
        body[field_name] = key
        return Artifact({**self.spec, self.kind: body}, self.secrets)

    def secret(self, selector: Mapping[str, Any] | None) -> str | None:
        """The value of a secret selector in the location (``{name, key}``), or None if unset."""
        return self.secrets.select(selector)

    def describe(self) -> str:
        """Where the artifact lives, for messages (``s3://bucket/key``, a URL...)."""
        location = self.location
        bucket = location.get("bucket") or location.get("container") or ""
        if bucket:
            return f"{self.kind}://{bucket}/{self.key}"
        key = _without_credentials(self.key)
        return f"{self.kind} {key}" if key else self.kind


def _without_credentials(key: str) -> str:
    """A URL-like key without ``user:password@`` or its query (tokens live there)."""
    if "://" not in key:
        return key
    scheme, _, rest = key.partition("://")
    host, slash, path = rest.partition("/")
    host = host.rpartition("@")[2]
    return f"{scheme}://{host}{slash}{path.partition('?')[0]}"


def _plugin_location(name: str, body: Mapping[str, Any]) -> dict[str, Any]:
    import yaml  # only plugin locations need it; agents start without it

    configuration = body.get("configuration") or ""
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        parsed = (
            yaml.load(configuration, Loader=loader)  # a safe loader (C when built)
            if isinstance(configuration, str)
            else configuration
        )
    except yaml.YAMLError as exc:
        raise ArtifactError(
            f"artifact {name!r}: plugin.configuration is not YAML: {exc}".replace("\n", " ")
        ) from None
    if parsed is None:
        parsed = {}
    if not isinstance(parsed, Mapping):
        raise ArtifactError(f"artifact {name!r}: plugin.configuration must be a YAML mapping")
    return {**parsed, "key": str(body.get("key") or "")}


# What each location needs to be complete (Argo's ``HasLocation``); fewer is "key-only".
_FULL_LOCATION = {
    "s3": ("endpoint", "bucket", "key"),
    "gcs": ("bucket", "key"),
    "oss": ("endpoint", "bucket", "key"),
    "azure": ("endpoint", "container", "blob"),
    "hdfs": ("addresses", "path"),
    "http": ("url",),
    "artifactory": ("url",),
    "git": ("repo",),
    "raw": (),
    "plugin": ("name", "configuration", "key"),
}


def has_full_location(artifact: Mapping[str, Any]) -> bool:
    """Whether the artifact names everything its driver needs (not only a key)."""
    kind = location_kind(artifact)
    if kind is None:
        return False
    body = artifact.get(kind) or {}
    return all(body.get(name) for name in _FULL_LOCATION.get(kind, ()))


def artifact_key(artifact: Mapping[str, Any]) -> str:
    """The artifact's key (``s3.key``, ``git.repo``...), or "" when it has none."""
    kind = location_kind(artifact)
    field_name = KEY_FIELDS.get(kind or "")
    if kind is None or field_name is None:
        return ""
    return str((artifact.get(kind) or {}).get(field_name) or "")


def with_location(
    artifact: Mapping[str, Any], location: Mapping[str, Any], key: str
) -> dict[str, Any]:
    """``artifact`` stored at ``location`` (an archive location) under ``key``."""
    kind = location_kind(location)
    field_name = KEY_FIELDS.get(kind or "")
    if kind is None or field_name is None:
        raise ArtifactError(
            f"artifact {artifact.get('name')!r}: the archive location names no repository"
        )
    kept = {k: v for k, v in artifact.items() if k not in LOCATION_KINDS}
    body = {k: v for k, v in (location.get(kind) or {}).items()}
    body[field_name] = key
    return {**kept, kind: body}


def relocate(artifact: Mapping[str, Any], location: Mapping[str, Any] | None) -> dict[str, Any]:
    """A key-only artifact completed from the template's archive location (Argo's ``Relocate``)."""
    if has_full_location(artifact):
        return dict(artifact)
    if not location or location_kind(location) is None:
        raise ArtifactError(
            f"artifact {artifact.get('name')!r} has only a key and the template has no "
            "archive location (no artifact repository is configured)"
        )
    return with_location(artifact, location, artifact_key(artifact))
