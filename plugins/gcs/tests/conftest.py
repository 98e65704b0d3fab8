from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud.storage import Client  # type: ignore[import-untyped]
from tiphys_core.artifacts import Artifact, Secrets
from tiphys_gcs.driver import GCSDriver
from tiphys_gcs.testing import create_bucket, gcs_server

BUCKET = "tiphys-artifacts"

ArtifactAt = Callable[[str], Artifact]


@pytest.fixture(scope="session")
def gcs_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """fake-gcs-server on 127.0.0.1 with the bucket ``tiphys-artifacts``.

    The memory backend: the filesystem one cannot hold an object ``a`` beside ``a/b``.
    """
    with gcs_server(tmp_path_factory.mktemp("fake-gcs"), memory=True) as endpoint:
        create_bucket(endpoint, BUCKET)
        yield endpoint


@pytest.fixture
def driver() -> Iterator[GCSDriver]:
    gcs = GCSDriver()
    yield gcs
    gcs.close()


@pytest.fixture
def secrets(tmp_path: Path) -> Secrets:
    return Secrets(tmp_path / "secrets")


@pytest.fixture
def prefix() -> str:
    """A fresh prefix in the bucket for each test."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def gcs_at(gcs_endpoint: str, prefix: str, secrets: Secrets) -> Callable[..., Artifact]:
    """``gcs_at(key, **fields)``: an artifact for ``<prefix>/<key>`` on the emulator."""

    def make(key: str, **fields: Any) -> Artifact:
        location = {"bucket": BUCKET, "key": f"{prefix}/{key}", "endpoint": gcs_endpoint}
        location.update(fields)
        return Artifact({"name": "my-art", "gcs": location}, secrets)

    return make


@pytest.fixture
def put_object(gcs_endpoint: str) -> Iterator[Callable[[str, bytes], None]]:
    """``put_object(name, data)``: place an object as another tool would, not via the driver."""
    client = Client(
        project=None,
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": gcs_endpoint},
    )
    yield lambda name, data: client.bucket(BUCKET).blob(name).upload_from_string(data)
    client.close()


@pytest.fixture
def artifact_at(gcs_at: Callable[..., Artifact]) -> ArtifactAt:
    return lambda key: gcs_at(key)
