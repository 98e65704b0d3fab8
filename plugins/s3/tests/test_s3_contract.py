"""Argo's driver verbs against real S3 servers (SeaweedFS and moto)."""

from __future__ import annotations

from tiphys_core.testing.artifact_contract import ArtifactDriverContract


class TestS3DriverContract(ArtifactDriverContract):
    """Every verb; the large object crosses boto3's multipart threshold (16 MiB parts here)."""

    large_size = 40 * 1024 * 1024
