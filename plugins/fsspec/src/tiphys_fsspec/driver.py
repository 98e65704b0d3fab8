"""The ``fsspec`` artifact driver: Argo's verbs on objects under an fsspec URL.

``file://`` urls (tiphys's local artifact repository) are served by
:class:`~tiphys_fsspec.local.LocalStore` without importing fsspec; every other URL by
:class:`~tiphys_fsspec.remote.RemoteStore`. Missing objects raise
:class:`ArtifactNotFoundError`; every other failure an :class:`ArtifactError` naming
the artifact and the object's URL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import BinaryIO, TypeVar

from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError

from tiphys_fsspec.local import LocalStore
from tiphys_fsspec.location import Location, Repository, check_key, parse_location
from tiphys_fsspec.store import Store

T = TypeVar("T")

# Repositories a driver remembers by their configuration text (a workflow names a few).
REMEMBERED_REPOSITORIES = 64

# Options fsspec's local filesystem takes; none changes how LocalStore reads or writes
# (it always makes parent directories), so they are accepted and not used.
LOCAL_OPTIONS = frozenset(
    {"auto_mkdir", "skip_instance_cache", "use_listings_cache", "listings_expiry_time"}
)


class FsspecDriver:
    """Serves ``plugin: {name: fsspec, configuration: "url: ...", key: ...}`` artifacts."""

    name = "fsspec"

    def __init__(self) -> None:
        # Parsing the configuration's YAML costs more than copying a small local file,
        # and every artifact of a repository carries the same text: parse it once.
        self._stores: dict[str, tuple[Repository, Store]] = {}

    def load(self, artifact: Artifact, path: str) -> None:
        """Copy the object to the file ``path``, or a directory key's tree into ``path``."""
        self._run(artifact, "load", lambda store, key: store.load(key, path))

    def save(self, path: str, artifact: Artifact) -> None:
        """Copy the file or directory at ``path`` to the key, replacing what was there."""
        self._run(artifact, "save", lambda store, key: store.save(path, key), whole_key=False)

    def open_stream(self, artifact: Artifact) -> BinaryIO:
        """A readable stream of the object."""
        return self._run(artifact, "open", lambda store, key: store.open(key))

    def list_objects(self, artifact: Artifact) -> list[str]:
        """The object's key, or the keys of every object under a directory key, sorted."""
        return self._run(artifact, "list", lambda store, key: store.list_objects(key))

    def is_directory(self, artifact: Artifact) -> bool:
        """Whether the key is a directory (a prefix with objects under it)."""
        return self._run(artifact, "inspect", lambda store, key: store.is_directory(key))

    def delete(self, artifact: Artifact) -> None:
        """Remove the object, or everything under a directory key."""
        self._run(artifact, "delete", lambda store, key: store.delete(key), whole_key=False)

    def _run(
        self,
        artifact: Artifact,
        verb: str,
        action: Callable[[Store, str], T],
        *,
        whole_key: bool = True,
    ) -> T:
        location, store = self._open(artifact)
        if not whole_key and not location.key:
            # An empty key is the whole repository: never overwrite or remove all of it.
            raise ArtifactError(
                f"artifact {location.artifact!r}: cannot {verb} with an empty key "
                f"(it would {verb} everything at {location.repository.url})"
            )
        with _reported(location, verb):
            return action(store, location.key)

    def _open(self, artifact: Artifact) -> tuple[Location, Store]:
        configuration = _configuration_text(artifact)
        opened = self._stores.get(configuration) if configuration is not None else None
        if opened is None:
            location = parse_location(artifact)
            opened = (location.repository, open_store(location.artifact, location.repository))
            if configuration is not None:
                if len(self._stores) >= REMEMBERED_REPOSITORIES:
                    self._stores.clear()
                self._stores[configuration] = opened
            return location, opened[1]
        repository, store = opened
        return Location(artifact.name, repository, check_key(artifact.name, artifact.key)), store


def open_store(artifact: str, repository: Repository) -> Store:
    """The store serving the repository: local files, or an fsspec filesystem."""
    if repository.local_root is not None:
        unknown = sorted(set(repository.options) - LOCAL_OPTIONS)
        if unknown:
            raise ArtifactError(
                f"artifact {artifact!r}: plugin.configuration options "
                f"{', '.join(unknown)} are not options of local (file://) urls "
                f"(known: {', '.join(sorted(LOCAL_OPTIONS))})"
            )
        return LocalStore(repository.local_root)
    try:
        from tiphys_fsspec.remote import RemoteStore

        return RemoteStore(repository.url, repository.options)
    except ImportError as exc:  # fsspec names the package a protocol needs (s3fs, gcsfs...)
        raise ArtifactError(
            f"artifact {artifact!r}: {repository.url} needs a package: {exc}"
        ) from exc
    except Exception as exc:  # filesystems raise all kinds of errors for bad options
        raise ArtifactError(
            f"artifact {artifact!r}: cannot open {repository.url} with options "
            f"{dict(repository.options)!r}: {_reason(exc)}"
        ) from exc


def _configuration_text(artifact: Artifact) -> str | None:
    """The plugin configuration as written, when it is text (the cache key)."""
    body = artifact.spec.get("plugin")
    if artifact.kind != "plugin" or not isinstance(body, Mapping):
        return None
    configuration = body.get("configuration")
    return configuration if isinstance(configuration, str) else None


@contextmanager
def _reported(location: Location, verb: str) -> Iterator[None]:
    """Turn what a store raises into the errors the executor reports."""
    try:
        yield
    except ArtifactError:
        raise
    except FileNotFoundError as exc:
        raise ArtifactNotFoundError(
            f"artifact {location.artifact!r}: nothing at {location.object_url}"
        ) from exc
    except Exception as exc:  # fsspec filesystems (and their SDKs) raise their own types
        raise ArtifactError(
            f"artifact {location.artifact!r}: cannot {verb} {location.object_url}: {_reason(exc)}"
        ) from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} ({exc.filename})" if exc.filename else exc.strerror
    return str(exc) or type(exc).__name__
