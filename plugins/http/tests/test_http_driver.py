"""The http and artifactory drivers against nginx: headers, credentials, errors, streaming."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from conftest import CLIENT_SECRET, HEADER_NAME, HEADER_VALUE, PASSWORD, MakeArtifact
from tiphys_core.artifacts import (
    Artifact,
    ArtifactError,
    ArtifactNotFoundError,
    Secrets,
    UnsupportedVerbError,
)
from tiphys_http.driver import ArtifactoryDriver, HTTPDriver
from tiphys_http.testing import NginxServer

BASIC_AUTH = {
    "basicAuth": {
        "usernameSecret": {"name": "http-cred", "key": "username"},
        "passwordSecret": {"name": "http-cred", "key": "password"},
    }
}
WRONG_AUTH = {
    "basicAuth": {
        "usernameSecret": {"name": "wrong-cred", "key": "username"},
        "passwordSecret": {"name": "wrong-cred", "key": "password"},
    }
}


def _place(server: NginxServer, relative: str, data: bytes) -> str:
    """Put a file straight into nginx's directory; its URL."""
    path = server.root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return f"{server.url}/{relative}"


def _http(url: str, **settings: Any) -> dict[str, Any]:
    return {"http": {"url": url, **settings}}


# -- headers ---------------------------------------------------------------------------


def test_headers_are_sent_with_get_and_put(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    headers = [{"name": HEADER_NAME, "value": HEADER_VALUE}]
    artifact = make_artifact(_http(f"{nginx.url}/headers/one.txt", headers=headers))
    source = tmp_path / "one.txt"
    source.write_bytes(b"with a header\n")
    HTTPDriver().save(str(source), artifact)
    HTTPDriver().load(artifact, str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_bytes() == b"with a header\n"
    with HTTPDriver().open_stream(artifact) as stream:
        assert stream.read() == b"with a header\n"


def test_without_the_header_the_server_refusal_names_url_and_status(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    _place(nginx, "headers/two.txt", b"x")
    artifact = make_artifact(_http(f"{nginx.url}/headers/two.txt"))
    with pytest.raises(ArtifactError) as caught:
        HTTPDriver().load(artifact, str(tmp_path / "two.txt"))
    assert not isinstance(caught.value, ArtifactNotFoundError)
    message = str(caught.value)
    assert "artifact 'art'" in message
    assert f"{nginx.url}/headers/two.txt" in message
    assert "403 Forbidden" in message
    assert not (tmp_path / "two.txt").exists()


def test_a_repeated_header_name_sends_every_value(
    nginx: NginxServer, make_artifact: MakeArtifact
) -> None:
    url = _place(nginx, "repeated-header/file.txt", b"both")
    headers = [
        {"name": "X-Tiphys-Repeated", "value": "one"},
        {"name": "x-tiphys-repeated", "value": "two"},
    ]
    with HTTPDriver().open_stream(make_artifact(_http(url, headers=headers))) as stream:
        assert stream.read() == b"both"


def test_a_header_without_a_name_is_a_clear_error(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    artifact = make_artifact(_http(f"{nginx.url}/a", headers=[{"value": "x"}]))
    with pytest.raises(ArtifactError, match=r"http\.headers\[0\] needs a name"):
        HTTPDriver().load(artifact, str(tmp_path / "a"))


# -- basic auth ------------------------------------------------------------------------


def test_basic_auth_from_secrets_loads_and_saves(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    url = f"{nginx.url}{nginx.protected}basic/report.csv"
    artifact = make_artifact(_http(url, auth=BASIC_AUTH))
    source = tmp_path / "report.csv"
    source.write_bytes(b"a,b\n1,2\n")
    HTTPDriver().save(str(source), artifact)
    assert (nginx.root / "private/basic/report.csv").read_bytes() == b"a,b\n1,2\n"
    HTTPDriver().load(artifact, str(tmp_path / "loaded.csv"))
    assert (tmp_path / "loaded.csv").read_bytes() == b"a,b\n1,2\n"


def test_a_wrong_password_gives_a_clear_error_without_the_secret(
    nginx: NginxServer, make_artifact: MakeArtifact, secrets: Secrets, tmp_path: Path
) -> None:
    url = _place(nginx, "private/wrong/file.txt", b"secret data")
    artifact = make_artifact(_http(url, auth=WRONG_AUTH))
    with pytest.raises(ArtifactError) as caught:
        HTTPDriver().load(artifact, str(tmp_path / "file.txt"))
    message = str(caught.value)
    assert "401 Unauthorized" in message
    assert url in message
    assert "refused the credentials" in message
    assert secrets.get("wrong-cred", "password") not in message
    assert not (tmp_path / "file.txt").exists()


def test_a_protected_url_without_credentials_says_which_field_to_set(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    url = _place(nginx, "private/anonymous.txt", b"x")
    with pytest.raises(ArtifactError, match=r"401 Unauthorized.*set http\.auth\.basicAuth"):
        HTTPDriver().load(make_artifact(_http(url)), str(tmp_path / "x"))


def test_a_missing_secret_names_the_artifact_field_and_secret(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    auth = {
        "basicAuth": {
            "usernameSecret": {"name": "http-cred", "key": "username"},
            "passwordSecret": {"name": "no-such-secret", "key": "password"},
        }
    }
    artifact = make_artifact(_http(f"{nginx.url}/x", auth=auth))
    with pytest.raises(ArtifactError) as caught:
        HTTPDriver().load(artifact, str(tmp_path / "x"))
    message = str(caught.value)
    assert "artifact 'art'" in message
    assert "http.auth.basicAuth.passwordSecret" in message
    assert "no-such-secret" in message


def test_credentials_in_the_url_and_query_values_stay_out_of_messages(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    url = nginx.url.replace("://", f"://ann:{PASSWORD.replace(':', '%3A')}@")
    artifact = make_artifact(_http(f"{url}/private/nothing-here?token=abc123&flag"))
    with pytest.raises(ArtifactNotFoundError) as caught:
        HTTPDriver().load(artifact, str(tmp_path / "x"))
    message = str(caught.value)
    assert f"{nginx.url}/private/nothing-here?token=***&flag" in message
    assert "abc123" not in message
    assert "horse" not in message


# -- artifactory -----------------------------------------------------------------------


def _artifactory(url: str, secret: str = "http-cred") -> dict[str, Any]:
    return {
        "artifactory": {
            "url": url,
            "usernameSecret": {"name": secret, "key": "username"},
            "passwordSecret": {"name": secret, "key": "password"},
        }
    }


def test_artifactory_saves_and_loads_with_its_username_and_password(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    artifact = make_artifact(_artifactory(f"{nginx.url}/private/repo/libs/app-1.0.tgz"))
    source = tmp_path / "app.tgz"
    source.write_bytes(b"\x1f\x8b not really gzip")
    ArtifactoryDriver().save(str(source), artifact)
    ArtifactoryDriver().load(artifact, str(tmp_path / "back.tgz"))
    assert (tmp_path / "back.tgz").read_bytes() == source.read_bytes()


def test_artifactory_with_a_wrong_password_names_url_and_status(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    url = _place(nginx, "private/repo/denied.txt", b"x")
    artifact = make_artifact(_artifactory(url, secret="wrong-cred"))
    with pytest.raises(
        ArtifactError, match=r"artifact 'art': .*denied\.txt: loading failed with HTTP 401"
    ):
        ArtifactoryDriver().load(artifact, str(tmp_path / "x"))


def test_artifactory_requires_both_secrets(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    artifact = make_artifact({"artifactory": {"url": f"{nginx.url}/private/x"}})
    with pytest.raises(ArtifactError, match=r"artifactory\.usernameSecret is required"):
        ArtifactoryDriver().load(artifact, str(tmp_path / "x"))


def test_artifactory_cannot_delete_list_or_tell_directories_as_in_argo(
    nginx: NginxServer, make_artifact: MakeArtifact
) -> None:
    artifact = make_artifact(_artifactory(f"{nginx.url}/private/x"))
    for verb in ("delete", "list_objects", "is_directory"):
        with pytest.raises(UnsupportedVerbError, match=f"artifactory .* {verb}"):
            getattr(ArtifactoryDriver(), verb)(artifact)


# -- oauth2 ----------------------------------------------------------------------------


def _oauth2(token_url_key: str) -> dict[str, Any]:
    return {
        "oauth2": {
            "clientIDSecret": {"name": "oauth", "key": "client-id"},
            "clientSecretSecret": {"name": "oauth", "key": "client-secret"},
            "tokenURLSecret": {"name": "oauth", "key": token_url_key},
            "scopes": ["read", "write"],
            "endpointParams": [{"key": "audience", "value": "artifacts"}],
        }
    }


@pytest.mark.parametrize("token_url_key", ["token-url-header", "token-url-body"])
def test_oauth2_client_credentials_get_a_bearer_token(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path, token_url_key: str
) -> None:
    # token-url-header accepts the client credentials only in a basic-auth header,
    # token-url-body only without one (Go's fallback sends them in the form body).
    url = _place(nginx, "bearer/data.bin", b"behind a token")
    artifact = make_artifact(_http(url, auth=_oauth2(token_url_key)))
    HTTPDriver().load(artifact, str(tmp_path / "data.bin"))
    assert (tmp_path / "data.bin").read_bytes() == b"behind a token"


def test_oauth2_token_endpoint_refusal_names_the_secret_not_the_url(
    nginx: NginxServer, make_artifact: MakeArtifact, secrets: Secrets, tmp_path: Path
) -> None:
    secrets.put("oauth-broken", {"token-url": f"{nginx.url}/teapot"})
    auth = _oauth2("token-url")
    auth["oauth2"]["tokenURLSecret"]["name"] = "oauth-broken"
    artifact = make_artifact(_http(f"{nginx.url}/bearer/data.bin", auth=auth))
    with pytest.raises(ArtifactError) as caught:
        HTTPDriver().load(artifact, str(tmp_path / "x"))
    message = str(caught.value)
    assert "OAuth2 token endpoint (secret oauth-broken/token-url)" in message
    assert "HTTP 418" in message
    assert "/teapot" not in message
    assert CLIENT_SECRET not in message


# -- transfers -------------------------------------------------------------------------


def test_open_stream_reads_the_body_in_pieces(
    nginx: NginxServer, make_artifact: MakeArtifact
) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    artifact = make_artifact(_http(_place(nginx, "stream/pieces.bin", data)))
    with HTTPDriver().open_stream(artifact) as stream:
        head = stream.read(10)
        rest = stream.read()
    assert head + rest == data


def test_load_and_save_keep_memory_bounded_for_a_large_file(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    size = 48 * 1024 * 1024
    source = tmp_path / "large.bin"
    with open(source, "wb") as handle:
        for _ in range(size // (1024 * 1024)):
            handle.write(os.urandom(1024 * 1024))
    artifact = make_artifact(_http(f"{nginx.url}/memory/large.bin"))
    tracemalloc.start()
    try:
        HTTPDriver().save(str(source), artifact)
        HTTPDriver().load(artifact, str(tmp_path / "loaded.bin"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (tmp_path / "loaded.bin").stat().st_size == size
    assert peak < size // 4, f"peak Python memory {peak} bytes for a {size}-byte artifact"


def test_a_put_redirected_with_307_resends_the_file(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    source = tmp_path / "moved.txt"
    source.write_bytes(b"follow me\n")
    HTTPDriver().save(str(source), make_artifact(_http(f"{nginx.url}/moved")))
    assert (nginx.root / "redirected/target").read_bytes() == b"follow me\n"


def test_saving_a_directory_is_refused_with_a_clear_error(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError, match=r"is a directory.*archive"):
        HTTPDriver().save(str(tmp_path), make_artifact(_http(f"{nginx.url}/dir")))


def test_loading_into_a_missing_directory_names_the_path(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    url = _place(nginx, "plain/file.txt", b"x")
    target = tmp_path / "no" / "such" / "dir" / "file.txt"
    with pytest.raises(ArtifactError, match=f"cannot write {target}: No such file"):
        HTTPDriver().load(make_artifact(_http(url)), str(target))


def test_saving_a_missing_file_names_it(
    nginx: NginxServer, make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    missing = tmp_path / "not-there.txt"
    with pytest.raises(ArtifactError, match=f"cannot read {missing}: No such file"):
        HTTPDriver().save(str(missing), make_artifact(_http(f"{nginx.url}/x")))


def test_an_unreachable_server_is_named_with_the_reason(
    make_artifact: MakeArtifact, tmp_path: Path
) -> None:
    artifact = make_artifact(_http("http://127.0.0.1:1/file?sig=s3cr3t"))
    with pytest.raises(ArtifactError) as caught:
        HTTPDriver().load(artifact, str(tmp_path / "x"))
    message = str(caught.value)
    assert "http://127.0.0.1:1/file?sig=***: cannot reach the server: Connection refused" in message
    assert "s3cr3t" not in message


def test_an_empty_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match=r"artifact 'art': http\.url is empty"):
        HTTPDriver().load(Artifact({"name": "art", "http": {"url": ""}}), str(tmp_path / "x"))


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "not a url", "http:///no-host", "http://[::1/x"]
)
def test_a_url_that_is_not_http_is_a_clear_error(url: str, tmp_path: Path) -> None:
    artifact = Artifact({"name": "art", "http": {"url": url}})
    with pytest.raises(ArtifactError, match=r"http\.url .* is not an http:// or https:// URL"):
        HTTPDriver().load(artifact, str(tmp_path / "x"))
