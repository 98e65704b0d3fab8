"""The ``s3`` artifact driver: Argo's verbs over boto3 (``workflow/artifacts/s3/s3.go``).

A key names an object, or a directory when objects exist under ``key/``: loading a key
that holds no object downloads the tree under it, saving a directory uploads each file
to ``key/<relative path>``. Files move through boto3's transfer manager, in parts and
in parallel, straight between disk and network; nothing is held whole in memory.
"""

from __future__ import annotations

import io
import os
import posixpath
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

from boto3.s3.transfer import create_transfer_manager
from botocore.exceptions import BotoCoreError, ClientError
from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError, BaseDriver

from tiphys_s3.client import S3Client, S3Clients, transfer_config
from tiphys_s3.errors import ALREADY_EXISTS_CODES, error_code, failure, is_not_found, translated
from tiphys_s3.location import S3Location

# DeleteObjects takes at most this many keys per request.
DELETE_BATCH = 1000
STREAM_BUFFER = 1024 * 1024


class S3Driver(BaseDriver):
    """Argo's ``s3`` artifacts: AWS S3 and S3-compatible stores (MinIO, SeaweedFS, Ceph...)."""

    name = "s3"

    def __init__(self) -> None:
        self._clients = S3Clients()

    def close(self) -> None:
        """Close the connections of the clients this driver made."""
        self._clients.close()

    # -- verbs ---------------------------------------------------------------------------

    def load(self, artifact: Artifact, path: str) -> None:
        """Download the object to the file ``path``, or the tree under a directory key to ``path``."""
        location = S3Location.of(artifact)
        with translated(location, "load"):
            client = self._client(location)
            if _names_object(location.key):
                try:
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                    self._transfer_down(client, location, [(location.key, path)])
                    return
                except ClientError as exc:
                    # As Argo: a key without an object may still be a directory.
                    if not is_not_found(exc):
                        raise
            keys = self._keys_under(client, location)
            if not keys:
                raise ArtifactNotFoundError(
                    f"{location.describe()}: cannot load: no object or directory has this key"
                )
            root = Path(path)
            root.mkdir(parents=True, exist_ok=True)
            prefix = location.prefix
            targets = [(key, _local_path(root, key[len(prefix) :], location)) for key in keys]
            for _, target in targets:
                Path(target).parent.mkdir(parents=True, exist_ok=True)
            self._transfer_down(client, location, targets)

    def save(self, path: str, artifact: Artifact) -> None:
        """Upload the file at ``path`` to the key, or each file of a directory under ``key/``."""
        location = S3Location.of(artifact)
        source = Path(path)
        with translated(location, "save"):
            if source.is_dir():
                uploads = [
                    (str(file), location.prefix + relative)
                    for file, relative in _files_under(source)
                ]
            elif source.is_file():
                if not _names_object(location.key):
                    raise ArtifactError(
                        f"{location.describe()}: cannot save the file {path}: "
                        "s3.key must name an object (not empty, not ending in '/')"
                    )
                uploads = [(path, location.key)]
            else:
                raise ArtifactError(
                    f"{location.describe()}: cannot save {path}: no such file or directory"
                )
            client = self._client(location)
            if location.create_bucket:
                _create_bucket(client, location)
            with create_transfer_manager(client, transfer_config()) as manager:
                futures = [
                    manager.upload(file, location.bucket, key, extra_args=dict(location.encryption))
                    for file, key in uploads
                ]
                for future in futures:
                    future.result()

    def open_stream(self, artifact: Artifact) -> BinaryIO:
        """A stream of the object's bytes, read from the network as it is consumed."""
        location = S3Location.of(artifact)
        with translated(location, "open"):
            client = self._client(location)
            try:
                answer = client.get_object(Bucket=location.bucket, Key=location.key)
            except ClientError as exc:
                if is_not_found(exc) and self._is_directory(client, location):
                    raise ArtifactError(
                        f"{location.describe()}: cannot open a stream of a directory key; "
                        "load it instead"
                    ) from None
                raise
        raw = _ObjectStream(answer["Body"], location)
        return cast(BinaryIO, io.BufferedReader(raw, buffer_size=STREAM_BUFFER))

    def list_objects(self, artifact: Artifact) -> list[str]:
        """Every key under a directory key, or the key itself when it names one object."""
        location = S3Location.of(artifact)
        with translated(location, "list"):
            client = self._client(location)
            keys = self._keys_under(client, location)
            if keys:
                return sorted(keys)
            if _names_object(location.key) and _object_exists(client, location):
                return [location.key]
        raise ArtifactNotFoundError(
            f"{location.describe()}: cannot list: no object or directory has this key"
        )

    def is_directory(self, artifact: Artifact) -> bool:
        """Whether any object exists under ``key/`` (Argo's ``IsDirectory``)."""
        location = S3Location.of(artifact)
        with translated(location, "check"):
            return self._is_directory(self._client(location), location)

    def delete(self, artifact: Artifact) -> None:
        """Delete the object and everything under ``key/`` (nothing there is not an error)."""
        location = S3Location.of(artifact)
        if not location.prefix:
            raise ArtifactError(
                f"{location.describe()}: cannot delete: s3.key is empty, which would mean "
                "every object in the bucket"
            )
        with translated(location, "delete"):
            client = self._client(location)
            if _names_object(location.key):
                client.delete_object(Bucket=location.bucket, Key=location.key)
            # Directory markers ("dir/" objects some consoles make) go too.
            keys = self._keys_under(client, location, markers=True)
            for start in range(0, len(keys), DELETE_BATCH):
                batch = keys[start : start + DELETE_BATCH]
                answer = client.delete_objects(
                    Bucket=location.bucket,
                    Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
                )
                errors = answer.get("Errors") or []
                if errors:
                    first = errors[0]
                    raise ArtifactError(
                        f"{location.describe()}: cannot delete {len(errors)} object(s), "
                        f"e.g. {first.get('Key')!r}: {first.get('Code')}: {first.get('Message')}"
                    )

    # -- helpers -------------------------------------------------------------------------

    def _client(self, location: S3Location) -> S3Client:
        return self._clients.get(location)

    def _transfer_down(
        self, client: S3Client, location: S3Location, targets: list[tuple[str, str]]
    ) -> None:
        with create_transfer_manager(client, transfer_config()) as manager:
            futures = [manager.download(location.bucket, key, target) for key, target in targets]
            for future in futures:
                future.result()

    def _keys_under(
        self, client: S3Client, location: S3Location, markers: bool = False
    ) -> list[str]:
        """Every key under the location's directory prefix (Argo's ``ListDirectory``)."""
        keys: list[str] = []
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=location.bucket, Prefix=location.prefix
        )
        for page in pages:
            for entry in page.get("Contents") or []:
                key = str(entry["Key"])
                # "dir/" objects are directory markers, not files (Argo skips them too).
                if markers or not key.endswith("/"):
                    keys.append(key)
        return keys

    def _is_directory(self, client: S3Client, location: S3Location) -> bool:
        answer = client.list_objects_v2(Bucket=location.bucket, Prefix=location.prefix, MaxKeys=1)
        return bool(answer.get("Contents") or answer.get("CommonPrefixes"))


class _ObjectStream(io.RawIOBase):
    """An object's body as a raw stream whose failures are :class:`ArtifactError`."""

    def __init__(self, body: Any, location: S3Location) -> None:
        self._body = body
        self._location = location

    def readable(self) -> bool:
        return True

    def readall(self) -> bytes:
        # RawIOBase's readall reads 8 KiB at a time; read(-1) of a big object wants more.
        pieces = []
        while piece := self.read(STREAM_BUFFER):
            pieces.append(piece)
        return b"".join(pieces)

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        try:
            data = self._body.read(len(view))
        except (BotoCoreError, ClientError, OSError) as exc:
            raise failure(exc, self._location, "read") from None
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def _names_object(key: str) -> bool:
    """Whether ``key`` can name an object (Argo treats "" and ``dir/`` as directories)."""
    return bool(key) and not key.endswith("/")


def _object_exists(client: S3Client, location: S3Location) -> bool:
    try:
        client.head_object(Bucket=location.bucket, Key=location.key)
    except ClientError as exc:
        if is_not_found(exc):
            return False
        raise
    return True


def _create_bucket(client: S3Client, location: S3Location) -> None:
    """Create the bucket (``createBucketIfNotPresent``); one that exists already is fine."""
    request: dict[str, Any] = {"Bucket": location.bucket}
    # us-east-1 is the one region that must not be named as a location constraint.
    if location.region and location.region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": location.region}
    if location.object_locking:
        request["ObjectLockEnabledForBucket"] = True
    try:
        client.create_bucket(**request)
    except ClientError as exc:
        if error_code(exc) not in ALREADY_EXISTS_CODES:
            raise


def _files_under(root: Path) -> Iterator[tuple[Path, str]]:
    """Each regular file under ``root`` with its ``/``-separated relative path (sorted).

    Symbolic links are skipped, as Argo's ``PutDirectory`` does.
    """
    for directory, subdirectories, files in os.walk(root):
        subdirectories.sort()
        for name in sorted(files):
            file = Path(directory) / name
            if file.is_symlink() or not file.is_file():
                continue
            yield file, file.relative_to(root).as_posix()


def _local_path(root: Path, relative: str, location: S3Location) -> str:
    """Where the object at ``relative`` (under the directory key) goes under ``root``."""
    cleaned = posixpath.normpath(relative.lstrip("/")) if relative.strip("/") else ""
    if not cleaned or cleaned == "." or cleaned == ".." or cleaned.startswith("../"):
        raise ArtifactError(
            f"{location.describe()}: cannot load the object {location.prefix + relative!r}: "
            "its key does not name a file inside the directory"
        )
    return str(root / cleaned)
