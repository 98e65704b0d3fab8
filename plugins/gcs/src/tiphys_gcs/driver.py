"""The ``gcs`` artifact driver: Argo's verbs over google-cloud-storage.

Keys and directories work as in Argo's GCS driver (``workflow/artifacts/gcs/gcs.go``):
the key is cleaned like ``filepath.Clean``; saving a directory uploads each file under it
to ``key/<relative path>``; a key that names no object but has objects under ``key/`` is
a directory, loaded as the tree of those objects (names ending in ``/``, the "folder"
placeholders some tools make, are skipped). Beyond Argo: ``is_directory`` is
implemented, ``delete`` of a directory key removes everything under it, and only
objects under ``key/`` belong to a directory (Argo lists by the bare prefix, so a key
``out`` would also pick up ``out.txt``).

Objects stream in both directions: uploads over 8 MiB go as resumable uploads in 16 MiB
chunks (the chunk size of Argo's Go client), downloads are streamed to the file, and
:meth:`GCSDriver.open_stream` reads in 16 MiB ranges, so no object is held whole in memory.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from google.api_core.exceptions import GoogleAPICallError, NotFound
from google.api_core.retry import Retry
from google.cloud.storage import Blob, Bucket, Client  # type: ignore[import-untyped]
from google.cloud.storage.retry import DEFAULT_RETRY  # type: ignore[import-untyped]
from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError, BaseDriver

from tiphys_gcs.client import Clients
from tiphys_gcs.location import GCSLocation

# A multiple of 256 KiB, as resumable uploads require; the most a transfer buffers.
CHUNK_SIZE = 16 * 1024 * 1024
# Overwriting a key with the same file is idempotent, so uploads may be retried (Argo
# retries saves too); google-cloud-storage retries them only with a generation match.
UPLOAD_RETRY: Retry = DEFAULT_RETRY


class GCSDriver(BaseDriver):
    """Argo's ``gcs`` artifacts: load, save, open_stream, list_objects, is_directory, delete."""

    name = "gcs"

    def __init__(self) -> None:
        self._clients = Clients()

    # -- load / save ---------------------------------------------------------------------

    def load(self, artifact: Artifact, path: str) -> None:
        """Download the object to the file ``path``, or a directory key's tree into ``path``."""
        location = GCSLocation.of(artifact)
        with self._reporting(location, "load"):
            bucket = self._bucket(location)
            if self._download(bucket.blob(location.key), Path(path)):
                return
            names = self._names_under(bucket, location.prefix)
            if not names:
                raise ArtifactNotFoundError(f"{location.describe()}: no such object or directory")
            root = Path(path)
            for name in names:
                target = root.joinpath(*_relative_parts(location, name))
                if not self._download(bucket.blob(name), target):
                    raise ArtifactNotFoundError(
                        f"{location.describe()}: {name!r} was deleted while loading the directory"
                    )

    def save(self, path: str, artifact: Artifact) -> None:
        """Upload the file at ``path`` to the key, or each file of a directory to ``key/<path>``."""
        location = GCSLocation.of(artifact)
        source = Path(path)
        with self._reporting(location, "save"):
            bucket = self._bucket(location)
            if source.is_dir():
                for relative in _files_under(source):
                    self._upload(bucket, location.prefix + relative, source / relative)
            elif source.exists():
                self._upload(bucket, location.key, source)
            else:
                raise ArtifactError(f"{location.describe()}: nothing to save at {path}")

    # -- streams, listings, directories -------------------------------------------------

    def open_stream(self, artifact: Artifact) -> BinaryIO:
        """A stream of the object, read in ranges of ``CHUNK_SIZE`` bytes."""
        location = GCSLocation.of(artifact)
        with self._reporting(location, "open"):
            bucket = self._bucket(location)
            blob = bucket.get_blob(location.key)
            if blob is None:
                if self._names_under(bucket, location.prefix, limit=1):
                    raise ArtifactError(
                        f"{location.describe()}: is a directory; a stream reads one object"
                    )
                raise ArtifactNotFoundError(f"{location.describe()}: no such object")
            reader = blob.open("rb", chunk_size=CHUNK_SIZE)
        raw = _ReportingReader(reader, lambda: self._reporting(location, "read"))
        return io.BufferedReader(raw, buffer_size=64 * 1024)

    def list_objects(self, artifact: Artifact) -> list[str]:
        """The object at the key, if any, and every object under ``key/`` (sorted full keys)."""
        location = GCSLocation.of(artifact)
        with self._reporting(location, "list"):
            bucket = self._bucket(location)
            names = self._names_under(bucket, location.prefix)
            if bucket.get_blob(location.key) is not None:
                names.append(location.key)
        if not names:
            raise ArtifactNotFoundError(f"{location.describe()}: no such object or directory")
        return sorted(names)

    def is_directory(self, artifact: Artifact) -> bool:
        """Whether objects exist under ``key/`` (GCS has no directories, only prefixes)."""
        location = GCSLocation.of(artifact)
        with self._reporting(location, "check"):
            return bool(self._names_under(self._bucket(location), location.prefix, limit=1))

    def delete(self, artifact: Artifact) -> None:
        """Delete the object at the key and every object under ``key/``."""
        location = GCSLocation.of(artifact)
        with self._reporting(location, "delete"):
            bucket = self._bucket(location)
            deleted = 0
            for name in [location.key, *self._names_under(bucket, location.prefix, folders=True)]:
                try:
                    bucket.delete_blob(name, retry=DEFAULT_RETRY)
                    deleted += 1
                except NotFound:
                    continue
            if not deleted:
                raise ArtifactNotFoundError(f"{location.describe()}: no such object or directory")

    def close(self) -> None:
        """Close the storage clients' connections."""
        self._clients.close()

    # -- helpers ---------------------------------------------------------------------------

    def _bucket(self, location: GCSLocation) -> Bucket:
        client: Client = self._clients.for_location(location)
        return client.bucket(location.bucket)

    def _download(self, blob: Blob, target: Path) -> bool:
        """Stream ``blob`` to ``target``; False (and no file left) if there is no such object."""
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with target.open("wb") as handle:
                blob.download_to_file(handle, retry=DEFAULT_RETRY)
        except NotFound:
            # A missing bucket shows in the listing that follows, reported by _reporting.
            target.unlink(missing_ok=True)
            return False
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return True

    def _upload(self, bucket: Bucket, name: str, source: Path) -> None:
        blob = bucket.blob(name, chunk_size=CHUNK_SIZE)
        blob.upload_from_filename(str(source), retry=UPLOAD_RETRY)

    @staticmethod
    def _names_under(
        bucket: Bucket, prefix: str, *, limit: int | None = None, folders: bool = False
    ) -> list[str]:
        """Object names under ``prefix``; "folder" placeholders (ending in ``/``) only if asked."""
        names: list[str] = []
        # A short first page when only a few names are wanted (placeholders may come first).
        page_size = None if limit is None else limit + 15
        fields = "items(name),nextPageToken"
        for blob in bucket.list_blobs(prefix=prefix, fields=fields, page_size=page_size):
            name: str = blob.name
            if name.endswith("/") and not folders:
                continue
            names.append(name)
            if limit is not None and len(names) >= limit:
                break
        return names

    @contextmanager
    def _reporting(self, location: GCSLocation, verb: str) -> Iterator[None]:
        """Turn the SDK's and the file system's errors into ones naming the artifact."""
        try:
            yield
        except ArtifactError:
            raise
        except NotFound as exc:
            if not _bucket_exists(self._bucket(location)):
                raise ArtifactError(
                    f"{location.describe()}: cannot {verb}: bucket {location.bucket!r} "
                    "does not exist"
                ) from exc
            raise ArtifactNotFoundError(f"{location.describe()}: no such object") from exc
        except Exception as exc:  # the SDK raises many unrelated types; each is reported
            raise ArtifactError(f"{location.describe()}: cannot {verb}: {_reason(exc)}") from exc


class _ReportingReader(io.RawIOBase):
    """A blob reader whose errors name the artifact."""

    def __init__(self, reader: Any, reporting: Any) -> None:
        self._reader = reader
        self._reporting = reporting

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with self._reporting():
            data: bytes = self._reader.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._reader.close()
        super().close()


def _bucket_exists(bucket: Bucket) -> bool:
    """Whether the bucket exists; True when that cannot be told (the first error stands)."""
    try:
        return bool(bucket.exists(retry=None))
    except Exception:
        return True


def _files_under(root: Path) -> list[str]:
    """The files under ``root`` as sorted ``/``-separated relative paths.

    A symlink to a file is uploaded as the file's content; symlinked directories are not
    descended (no loops).
    """
    found: list[str] = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories.sort()
        base = Path(directory).relative_to(root)
        found.extend((base / name).as_posix() for name in files)
    return sorted(found)


def _relative_parts(location: GCSLocation, name: str) -> list[str]:
    """The path under the directory key of object ``name``, refusing ones that leave it."""
    parts = [part for part in name[len(location.prefix) :].split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        raise ArtifactError(
            f"{location.describe()}: object {name!r} would be written outside the directory"
        )
    return parts


def _reason(exc: BaseException) -> str:
    if isinstance(exc, GoogleAPICallError):
        message = exc.message or str(exc)
        return f"{exc.code} {message}" if exc.code else message
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
