"""Credentials: https basic auth, ssh keys and host keys, TLS; secrets stay out of sight."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from git_repositories import Served
from git_servers import HTTP_PASSWORD
from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError, Secrets
from tiphys_git import GitDriver


@pytest.fixture
def on_http(served_on: Callable[[str], Served]) -> Served:
    served = served_on("http")
    served.repository("project").commit({"README": b"hello\n"})
    return served


@pytest.fixture
def on_ssh(served_on: Callable[[str], Served]) -> Served:
    served = served_on("ssh")
    served.repository("project").commit({"README": b"hello\n"})
    return served


@pytest.fixture
def private_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp directory the driver's private directories go to, watched by the test."""
    directory = tmp_path / "temp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def secrets_with(tmp_path: Path, name: str, values: dict[str, str]) -> Secrets:
    secrets = Secrets(tmp_path / "secrets")
    secrets.put(name, values)
    return secrets


def test_wrong_password_is_a_clear_error_without_the_password(
    driver: GitDriver, on_http: Served, tmp_path: Path
) -> None:
    artifact = on_http("project")
    secrets = secrets_with(
        tmp_path, "git-http", {"username": "tiphys-user", "password": "not-the-password"}
    )
    wrong = Artifact(artifact.spec, secrets)
    with pytest.raises(ArtifactError) as raised:
        driver.load(wrong, str(tmp_path / "clone"))
    message = str(raised.value)
    assert not isinstance(raised.value, ArtifactNotFoundError)
    assert "authentication failed: check usernameSecret and passwordSecret" in message
    assert on_http.url("project") in message
    assert "not-the-password" not in message
    assert not (tmp_path / "clone").exists()


def test_no_credentials_for_a_server_that_wants_them_says_which_fields(
    driver: GitDriver, on_http: Served, tmp_path: Path
) -> None:
    artifact = on_http("project", usernameSecret=None, passwordSecret=None)
    with pytest.raises(ArtifactError, match=r"set usernameSecret and passwordSecret"):
        driver.load(artifact, str(tmp_path / "clone"))


def test_a_missing_secret_names_the_field(
    driver: GitDriver, on_http: Served, tmp_path: Path
) -> None:
    artifact = on_http("project", passwordSecret={"name": "git-http", "key": "nope"})
    with pytest.raises(ArtifactError, match=r"git\.passwordSecret: secret 'git-http' has no key"):
        driver.load(artifact, str(tmp_path / "clone"))


def test_a_password_written_into_the_url_is_masked_in_messages(
    driver: GitDriver, on_http: Served, tmp_path: Path
) -> None:
    url = on_http.url("project").replace("http://", "http://someone:url-secret-42@")
    artifact = on_http("project", repo=url, usernameSecret=None, passwordSecret=None)
    with pytest.raises(ArtifactError) as raised:
        driver.load(artifact, str(tmp_path / "clone"))
    assert "url-secret-42" not in str(raised.value)
    assert "someone:***@" in str(raised.value)


def test_credentials_reach_git_through_neither_arguments_nor_environment(
    driver: GitDriver,
    on_http: Served,
    on_ssh: Served,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trace = tmp_path / "trace"
    # GIT_TRACE logs every command git runs: helpers, ssh, child gits, with their arguments.
    monkeypatch.setenv("GIT_TRACE", str(trace))
    environment = dict(os.environ)
    driver.load(on_http("project"), str(tmp_path / "over-http"))
    driver.load(on_ssh("project"), str(tmp_path / "over-ssh"))
    assert dict(os.environ) == environment
    logged = trace.read_text()
    assert "credential" in logged and "ssh" in logged
    assert on_ssh.host.secrets is not None
    key_body = on_ssh.host.secrets.get("git-ssh", "key").splitlines()[1]
    assert HTTP_PASSWORD not in logged
    assert key_body not in logged


def test_private_files_are_removed_after_a_load(
    driver: GitDriver, on_http: Served, on_ssh: Served, tmp_path: Path, private_temp: Path
) -> None:
    driver.load(on_http("project"), str(tmp_path / "over-http"))
    driver.load(on_ssh("project"), str(tmp_path / "over-ssh"))
    with pytest.raises(ArtifactNotFoundError):
        driver.load(on_http("project", revision="missing"), str(tmp_path / "failed"))
    assert list(private_temp.iterdir()) == []


def test_the_users_credential_helpers_never_store_the_secrets(
    driver: GitDriver, on_http: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "stored-credentials"
    config = tmp_path / "gitconfig"
    config.write_text(f"[credential]\n\thelper = store --file={store}\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    driver.load(on_http("project"), str(tmp_path / "clone"))
    assert (tmp_path / "clone" / "README").is_file()
    assert not store.exists()


def test_ssh_key_secret_logs_in(driver: GitDriver, on_ssh: Served, tmp_path: Path) -> None:
    driver.load(on_ssh("project"), str(tmp_path / "clone"))
    assert (tmp_path / "clone" / "README").read_text() == "hello\n"


def test_unknown_ssh_host_key_fails_unless_insecure_ignore_host_key(
    driver: GitDriver, on_ssh: Served, tmp_path: Path
) -> None:
    artifact = on_ssh("project", insecureIgnoreHostKey=False)
    with pytest.raises(ArtifactError, match=r"host key .* insecureIgnoreHostKey"):
        driver.load(artifact, str(tmp_path / "clone"))


def test_a_key_the_server_does_not_know_is_refused_clearly(
    driver: GitDriver, on_ssh: Served, tmp_path: Path
) -> None:
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    artifact = on_ssh("project")
    secrets = secrets_with(tmp_path, "git-ssh", {"key": other.read_text()})
    with pytest.raises(ArtifactError, match=r"refused the login: check sshPrivateKeySecret"):
        driver.load(Artifact(artifact.spec, secrets), str(tmp_path / "clone"))


def test_a_secret_that_is_not_a_key_is_named(
    driver: GitDriver, on_ssh: Served, tmp_path: Path
) -> None:
    artifact = on_ssh("project")
    secrets = secrets_with(tmp_path, "git-ssh", {"key": "not a key at all"})
    with pytest.raises(ArtifactError, match=r"sshPrivateKeySecret is not a private key"):
        driver.load(Artifact(artifact.spec, secrets), str(tmp_path / "clone"))


def test_untrusted_tls_certificate_fails_unless_insecure_skip_tls(
    driver: GitDriver, served_on: Callable[[str], Served], tmp_path: Path
) -> None:
    served = served_on("https")
    served.repository("project").commit({"README": b"over tls\n"})
    with pytest.raises(ArtifactError, match=r"TLS certificate .* insecureSkipTLS"):
        driver.load(served("project"), str(tmp_path / "refused"))
    driver.load(served("project", insecureSkipTLS=True), str(tmp_path / "clone"))
    assert (tmp_path / "clone" / "README").read_text() == "over tls\n"
