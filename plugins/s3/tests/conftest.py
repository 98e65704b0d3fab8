from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tiphys_core.artifacts import Artifact, Secrets
from tiphys_s3.driver import S3Driver
from tiphys_s3.testing import ACCESS_KEY, IMPLEMENTATIONS, SECRET_KEY, S3Server, s3_server

SECRET = "my-s3-cred"
ArtifactAt = Callable[[str], Artifact]


@pytest.fixture(scope="session", autouse=True)
def _no_outside_credentials(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """boto3 sees no credentials but the tests' own, and never asks an instance metadata service."""
    empty = tmp_path_factory.mktemp("aws-config")
    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_S3",
        ):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        patch.setenv("AWS_CONFIG_FILE", str(empty / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))
        yield


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """SeaweedFS (``weed mini``) on 127.0.0.1: checks signatures, creates no bucket by itself."""
    with s3_server(tmp_path_factory.mktemp("seaweedfs"), "seaweedfs") as server:
        yield server


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto's S3 server on 127.0.0.1 (accepts any credentials)."""
    with s3_server(tmp_path_factory.mktemp("moto"), "moto") as server:
        yield server


@pytest.fixture(scope="session", params=IMPLEMENTATIONS)
def server(request: pytest.FixtureRequest) -> S3Server:
    """Each S3 implementation in turn."""
    found: S3Server = request.getfixturevalue(request.param)
    return found


@pytest.fixture(scope="session")
def session_driver() -> Iterator[S3Driver]:
    """One driver for the session, as an agent keeps one (its clients are reused)."""
    driver = S3Driver()
    yield driver
    driver.close()


@pytest.fixture
def driver(session_driver: S3Driver) -> S3Driver:
    return session_driver


@pytest.fixture
def secrets(tmp_path: Path) -> Secrets:
    """Secrets holding the test servers' keys as ``my-s3-cred`` (ending in a newline, as
    files often do; every server here has the same keys)."""
    store = Secrets(tmp_path / "secrets")
    store.put(SECRET, {"accesskey": ACCESS_KEY + "\n", "secretkey": SECRET_KEY + "\n"})
    return store


@pytest.fixture
def prefix() -> str:
    """A fresh prefix in the bucket for each test."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def s3_at(server: S3Server, prefix: str, secrets: Secrets) -> Callable[..., Artifact]:
    """``s3_at(key, **fields)``: an artifact for ``<prefix>/<key>`` on the server, with secrets."""

    def make(key: str, **fields: Any) -> Artifact:
        location = server.location(f"{prefix}/{key}", secret=SECRET)
        location.update(fields)
        return Artifact({"name": "my-art", "s3": location}, secrets)

    return make


@pytest.fixture
def artifact_at(s3_at: Callable[..., Artifact]) -> ArtifactAt:
    return lambda key: s3_at(key)
