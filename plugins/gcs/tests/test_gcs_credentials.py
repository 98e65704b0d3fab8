"""serviceAccountKeySecret and the default credentials, as far as an emulator can show them.

Against an emulator the driver parses the key but sends anonymous requests (trading the
key for a token would call Google), so the key is checked by parsing and signing with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import crypt
from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError, Secrets
from tiphys_gcs.client import READ_WRITE_SCOPE, service_account_credentials
from tiphys_gcs.driver import GCSDriver

SELECTOR = {"name": "gcs-credentials", "key": "serviceAccountKey"}


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_json(signer: rsa.RSAPrivateKey, token_uri: str, **overrides: Any) -> str:
    """A service-account key file as ``gcloud iam service-accounts keys create`` writes it."""
    pem = signer.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    key = {
        "type": "service_account",
        "project_id": "tiphys-test",
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": "artifacts@tiphys-test.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    }
    key.update(overrides)
    return json.dumps(key)


def with_key(gcs_at: Callable[..., Artifact], key: str) -> Artifact:
    return gcs_at(key, serviceAccountKeySecret=SELECTOR)


# -- the key, parsed ----------------------------------------------------------------------


def test_a_generated_service_account_key_is_parsed_with_the_read_write_scope(
    private_key: rsa.RSAPrivateKey,
) -> None:
    credentials = service_account_credentials(key_json(private_key, "http://127.0.0.1:9/token"))
    assert credentials.service_account_email == "artifacts@tiphys-test.iam.gserviceaccount.com"  # type: ignore[attr-defined]
    assert credentials.project_id == "tiphys-test"  # type: ignore[attr-defined]
    assert credentials.scopes == [READ_WRITE_SCOPE]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("not json at all", "not JSON"),
        ('["a", "list"]', "expected a JSON object"),
        ('{"type": "authorized_user"}', 'expected "service_account"'),
        ('{"type": "service_account", "private_key": "x"}', "missing fields"),
    ],
)
def test_a_malformed_key_is_a_clear_error(value: str, complaint: str) -> None:
    with pytest.raises(ArtifactError, match="is not a service-account JSON key") as caught:
        service_account_credentials(value)
    assert complaint in str(caught.value)


def test_a_key_whose_private_key_is_not_pem_names_the_problem_without_repeating_it(
    private_key: rsa.RSAPrivateKey,
) -> None:
    secret_looking = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ5dGVz\n-----END PRIVATE KEY-----\n"
    value = key_json(private_key, "http://127.0.0.1:9/token", private_key=secret_looking)
    with pytest.raises(ArtifactError, match="is not a service-account JSON key") as caught:
        service_account_credentials(value)
    assert "c2VjcmV0LWJ5dGVz" not in str(caught.value)


# -- the key, used by the driver ----------------------------------------------------------


def test_the_parsed_key_signs_what_its_public_key_verifies(
    private_key: rsa.RSAPrivateKey,
) -> None:
    credentials = service_account_credentials(key_json(private_key, "http://127.0.0.1:9/token"))
    signature = credentials.sign_bytes(b"payload")  # type: ignore[attr-defined]
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    verifier = crypt.RSAVerifier.from_string(public_pem)  # type: ignore[no-untyped-call]
    assert verifier.verify(b"payload", signature)


def test_with_a_key_secret_the_driver_round_trips_an_object_on_the_emulator(
    driver: GCSDriver,
    gcs_at: Callable[..., Artifact],
    secrets: Secrets,
    private_key: rsa.RSAPrivateKey,
    tmp_path: Path,
) -> None:
    secrets.put(
        "gcs-credentials", {"serviceAccountKey": key_json(private_key, "http://127.0.0.1:9/t")}
    )
    source = tmp_path / "hello.txt"
    source.write_text("hello\n")
    driver.save(str(source), with_key(gcs_at, "hello.txt"))
    driver.load(with_key(gcs_at, "hello.txt"), str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_text() == "hello\n"


def test_a_malformed_key_secret_fails_the_verb_naming_the_field(
    driver: GCSDriver, gcs_at: Callable[..., Artifact], secrets: Secrets, tmp_path: Path
) -> None:
    secrets.put("gcs-credentials", {"serviceAccountKey": "{not json"})
    with pytest.raises(ArtifactError) as caught:
        driver.load(with_key(gcs_at, "anything"), str(tmp_path / "x"))
    message = str(caught.value)
    assert not isinstance(caught.value, ArtifactNotFoundError)
    assert "gcs artifact 'my-art'" in message
    assert "serviceAccountKeySecret is not a service-account JSON key: not JSON" in message


def test_a_missing_key_secret_is_an_error_not_a_missing_artifact(
    driver: GCSDriver, gcs_at: Callable[..., Artifact], tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError) as caught:
        driver.load(with_key(gcs_at, "anything"), str(tmp_path / "x"))
    assert not isinstance(caught.value, ArtifactNotFoundError)
    assert "serviceAccountKeySecret" in str(caught.value)
    assert "gcs-credentials" in str(caught.value)


# -- no key: the application default credentials ------------------------------------------


def test_without_a_key_or_default_credentials_the_error_says_what_to_set(
    driver: GCSDriver,
    gcs_at: Callable[..., Artifact],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # No emulator, and default credentials pointing at a missing file: google-auth fails
    # before any network call (NO_GCE_CHECK keeps it from probing a metadata server).
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-such-key.json"))
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    artifact = Artifact({"name": "my-art", "gcs": {"bucket": "real-bucket", "key": "k"}})
    with pytest.raises(ArtifactError) as caught:
        driver.load(artifact, str(tmp_path / "x"))
    message = str(caught.value)
    assert message.startswith("gcs artifact 'my-art' at gs://real-bucket/k: ")
    assert "no serviceAccountKeySecret is set" in message
    assert "application default credentials are not available" in message
