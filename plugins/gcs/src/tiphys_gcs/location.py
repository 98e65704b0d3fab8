"""A ``gcs:`` artifact location, checked: Argo's ``GCSArtifact`` plus tiphys's ``endpoint``.

Argo's fields are ``bucket``, ``key`` and ``serviceAccountKeySecret`` (a secret selector
whose value is a service-account JSON key; without it the application default
credentials are used). tiphys adds ``endpoint``, the URL of a GCS emulator such as
fake-gcs-server, where requests are anonymous. Without it the ``STORAGE_EMULATOR_HOST``
variable of google-cloud-storage is honoured the same way.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tiphys_core.artifacts import Artifact, ArtifactError


@dataclass(frozen=True)
class GCSLocation:
    """Where a gcs artifact lives.

    :param artifact: the artifact, for its name, secrets and messages.
    :param bucket: the bucket name.
    :param key: the object name or directory prefix, cleaned as Argo does
        (``filepath.Clean``: no trailing ``/``, no ``.`` or ``..`` segments).
    :param key_secret: the ``serviceAccountKeySecret`` selector, or None.
    :param endpoint: an emulator URL (``http://127.0.0.1:4443``), or "" for Google's.
    """

    artifact: Artifact
    bucket: str
    key: str
    key_secret: Mapping[str, Any] | None
    endpoint: str

    @classmethod
    def of(cls, artifact: Artifact) -> GCSLocation:
        """The location of a ``gcs:`` artifact; :class:`ArtifactError` naming what is missing."""
        body = artifact.location
        label = _label(artifact)
        bucket = str(body.get("bucket") or "").strip()
        if not bucket:
            raise ArtifactError(f"{label}: gcs.bucket is required (the bucket's name)")
        if "/" in bucket:
            raise ArtifactError(f"{label}: gcs.bucket {bucket!r} must be a bucket name, not a path")
        raw_key = str(body.get("key") or "")
        if not raw_key.strip():
            raise ArtifactError(f"{label}: gcs.key is required (the object's name in the bucket)")
        selector = body.get("serviceAccountKeySecret")
        if selector is not None and not isinstance(selector, Mapping):
            raise ArtifactError(f"{label}: gcs.serviceAccountKeySecret must be {{name, key}}")
        return cls(
            artifact=artifact,
            bucket=bucket,
            key=clean_key(raw_key),
            key_secret=selector or None,
            endpoint=str(body.get("endpoint") or "").rstrip("/"),
        )

    @property
    def url(self) -> str:
        return f"gs://{self.bucket}/{self.key}"

    @property
    def prefix(self) -> str:
        """The prefix of the objects of the key as a directory (``key/``)."""
        return f"{self.key}/"

    def at(self, key: str) -> GCSLocation:
        """The same bucket and credentials naming another object."""
        return GCSLocation(self.artifact, self.bucket, key, self.key_secret, self.endpoint)

    def describe(self) -> str:
        """The artifact and its URL, for messages."""
        return f"{_label(self.artifact)} at {self.url}"


def clean_key(key: str) -> str:
    """``key`` as Go's ``filepath.Clean`` leaves it, which is what Argo's GCS driver uses."""
    cleaned = posixpath.normpath(key)
    # POSIX keeps a leading "//"; Go's Clean does not.
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


def _label(artifact: Artifact) -> str:
    return f"gcs artifact {artifact.name!r}" if artifact.name else "gcs artifact"
