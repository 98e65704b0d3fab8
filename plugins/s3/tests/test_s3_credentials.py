"""Where the driver finds credentials, and what a user reads when they are wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError, Secrets
from tiphys_s3.driver import S3Driver
from tiphys_s3.testing import S3Server

SECRET = "my-s3-cred"


def round_trip(driver: S3Driver, artifact: Artifact, tmp_path: Path) -> bytes:
    source = tmp_path / "source.txt"
    source.write_bytes(b"credentials work\n")
    driver.save(str(source), artifact)
    target = tmp_path / "loaded.txt"
    driver.load(artifact, str(target))
    return target.read_bytes()


def test_keys_come_from_the_secrets_the_location_names(
    server: S3Server, secrets: Secrets, prefix: str, tmp_path: Path
) -> None:
    artifact = Artifact(
        {"name": "out", "s3": server.location(f"{prefix}/secret.txt", secret=SECRET)}, secrets
    )
    assert round_trip(S3Driver(), artifact, tmp_path) == b"credentials work\n"


def test_session_token_secret_is_read_with_the_keys(
    seaweedfs: S3Server, tmp_path: Path, prefix: str
) -> None:
    secrets = Secrets(tmp_path / "secrets")
    secrets.put(SECRET, {"accesskey": "x", "secretkey": "y"})
    location = {
        **seaweedfs.location(f"{prefix}/token.txt", secret=SECRET),
        "sessionTokenSecret": {"name": SECRET, "key": "token"},
    }
    with pytest.raises(ArtifactError, match=r"sessionTokenSecret.*no key 'token'"):
        S3Driver().load(Artifact({"name": "in", "s3": location}, secrets), str(tmp_path / "t"))


def test_without_secrets_the_keys_come_from_the_environment(
    server: S3Server, prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    artifact = Artifact({"name": "out", "s3": server.location(f"{prefix}/env.txt")}, Secrets())
    assert round_trip(S3Driver(), artifact, tmp_path) == b"credentials work\n"


def test_use_sdk_creds_reads_the_shared_credentials_file(
    seaweedfs: S3Server, prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[default]\n"
        f"aws_access_key_id = {seaweedfs.access_key}\n"
        f"aws_secret_access_key = {seaweedfs.secret_key}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    location = {**seaweedfs.location(f"{prefix}/sdk.txt"), "useSDKCreds": True}
    artifact = Artifact({"name": "out", "s3": location}, Secrets())
    assert round_trip(S3Driver(), artifact, tmp_path) == b"credentials work\n"


def test_a_wrong_secret_key_is_a_clear_error_naming_the_artifact(
    seaweedfs: S3Server, prefix: str, tmp_path: Path
) -> None:
    secrets = Secrets(tmp_path / "secrets")
    secrets.put(SECRET, {"accesskey": seaweedfs.access_key, "secretkey": "not-the-secret"})
    location = seaweedfs.location(f"{prefix}/data.txt", secret=SECRET)
    artifact = Artifact({"name": "my-art", "s3": location}, secrets)
    (tmp_path / "data.txt").write_text("x")
    with pytest.raises(ArtifactError) as caught:
        S3Driver().save(str(tmp_path / "data.txt"), artifact)
    message = str(caught.value)
    assert "'my-art'" in message
    assert f"s3://tiphys/{prefix}/data.txt" in message
    assert "secret key does not match" in message
    assert "secretKeySecret" in message
    with pytest.raises(ArtifactError, match=r"secret key does not match|access denied") as loading:
        S3Driver().load(artifact, str(tmp_path / "loaded"))
    # A refusal is not a missing object: an optional artifact must not be skipped for it.
    assert not isinstance(loading.value, ArtifactNotFoundError)


def test_an_unknown_access_key_is_a_clear_error(
    seaweedfs: S3Server, prefix: str, tmp_path: Path
) -> None:
    secrets = Secrets(tmp_path / "secrets")
    secrets.put(SECRET, {"accesskey": "nobody", "secretkey": seaweedfs.secret_key})
    location = seaweedfs.location(f"{prefix}/data.txt", secret=SECRET)
    artifact = Artifact({"name": "my-art", "s3": location}, secrets)
    with pytest.raises(ArtifactError, match=r"does not know the access key"):
        S3Driver().list_objects(artifact)


def test_no_credentials_anywhere_is_a_clear_error(
    seaweedfs: S3Server, prefix: str, tmp_path: Path
) -> None:
    artifact = Artifact({"name": "in", "s3": seaweedfs.location(f"{prefix}/x")}, Secrets())
    with pytest.raises(ArtifactError, match=r"no credentials.*accessKeySecret"):
        S3Driver().load(artifact, str(tmp_path / "x"))


def test_a_missing_secret_names_the_field_and_the_file(
    seaweedfs: S3Server, prefix: str, tmp_path: Path
) -> None:
    location = seaweedfs.location(f"{prefix}/x", secret=SECRET)
    artifact = Artifact({"name": "in", "s3": location}, Secrets(tmp_path / "nothing"))
    with pytest.raises(ArtifactError, match=r"s3\.accessKeySecret: secret 'my-s3-cred' has no key"):
        S3Driver().load(artifact, str(tmp_path / "x"))


def test_an_unreachable_endpoint_says_to_check_the_endpoint(tmp_path: Path) -> None:
    secrets = Secrets(tmp_path / "secrets")
    secrets.put(SECRET, {"accesskey": "a", "secretkey": "b"})
    location = {
        "endpoint": "127.0.0.1:1",
        "insecure": True,
        "bucket": "tiphys",
        "key": "x",
        "accessKeySecret": {"name": SECRET, "key": "accesskey"},
        "secretKeySecret": {"name": SECRET, "key": "secretkey"},
    }
    with pytest.raises(ArtifactError, match=r"cannot reach http://127\.0\.0\.1:1.*s3\.endpoint"):
        S3Driver().load(Artifact({"name": "in", "s3": location}, secrets), str(tmp_path / "x"))


def test_tls_to_a_plain_http_server_says_to_set_insecure(
    seaweedfs: S3Server, secrets: Secrets, prefix: str, tmp_path: Path
) -> None:
    location = {**seaweedfs.location(f"{prefix}/x", secret=SECRET), "insecure": False}
    with pytest.raises(ArtifactError, match=r"TLS with https://127\.0\.0\.1:\d+ failed.*insecure"):
        S3Driver().load(Artifact({"name": "in", "s3": location}, secrets), str(tmp_path / "x"))
