"""``http.auth.clientCert``: a client certificate from secrets, against nginx over TLS."""

from __future__ import annotations

import datetime
import ipaddress
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import MakeArtifact
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from tiphys_core.artifacts import ArtifactError, Secrets
from tiphys_http.driver import HTTPDriver
from tiphys_http.testing import TLS, NginxServer, nginx_server

CLIENT_CERT = {
    "clientCert": {
        "clientCertSecret": {"name": "client-tls", "key": "tls.crt"},
        "clientKeySecret": {"name": "client-tls", "key": "tls.key"},
    }
}


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[str, ec.EllipticCurvePrivateKey] | None = None,
    *,
    server: bool = False,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    issuer_name, issuer_key = issuer if issuer else (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if server:
        address = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        builder = builder.add_extension(x509.SubjectAlternativeName([address]), critical=False)
    if issuer is None:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(usage, critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(item: Any) -> str:
    if isinstance(item, x509.Certificate):
        return item.public_bytes(serialization.Encoding.PEM).decode()
    return str(
        item.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    )


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """PEM text of a CA, a server certificate for 127.0.0.1 and a client certificate."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("tiphys test CA", ca_key)
    server_key = ec.generate_private_key(ec.SECP256R1())
    client_key = ec.generate_private_key(ec.SECP256R1())
    issuer = ("tiphys test CA", ca_key)
    return {
        "ca.crt": _pem(ca),
        "server.crt": _pem(_certificate("127.0.0.1", server_key, issuer, server=True)),
        "server.key": _pem(server_key),
        "client.crt": _pem(_certificate("tiphys client", client_key, issuer)),
        "client.key": _pem(client_key),
    }


@pytest.fixture(scope="module")
def tls_nginx(
    nginx: NginxServer, tmp_path_factory: pytest.TempPathFactory, tls_files: dict[str, str]
) -> Iterator[NginxServer]:
    # ``nginx`` first: it skips the module when nginx is not installed.
    directory = tmp_path_factory.mktemp("tls")
    for name, text in tls_files.items():
        (directory / name).write_text(text)
    tls = TLS(directory / "server.crt", directory / "server.key", directory / "ca.crt")
    with nginx_server(directory / "www", tls=tls) as server:
        yield server


@pytest.fixture(scope="module", autouse=True)
def client_secret(secrets: Secrets, tls_files: dict[str, str]) -> None:
    secrets.put(
        "client-tls", {"tls.crt": tls_files["client.crt"], "tls.key": tls_files["client.key"]}
    )


@pytest.fixture
def ca_path(tls_nginx: NginxServer, tmp_path: Path, tls_files: dict[str, str]) -> Path:
    path = tmp_path / "ca.crt"
    path.write_text(tls_files["ca.crt"])
    return path


def test_a_client_certificate_from_secrets_is_presented(
    tls_nginx: NginxServer,
    make_artifact: MakeArtifact,
    ca_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_path))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    artifact = make_artifact(
        {"http": {"url": f"{tls_nginx.url}/certified.txt", "auth": CLIENT_CERT}}
    )
    source = tmp_path / "certified.txt"
    source.write_bytes(b"mutual TLS\n")
    HTTPDriver().save(str(source), artifact)
    HTTPDriver().load(artifact, str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_bytes() == b"mutual TLS\n"
    with HTTPDriver().open_stream(artifact) as stream:
        assert stream.read() == b"mutual TLS\n"
    assert list(scratch.iterdir()) == [], "the certificate's temporary files are removed"


def test_without_a_client_certificate_the_refusal_names_url_and_status(
    tls_nginx: NginxServer,
    make_artifact: MakeArtifact,
    ca_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_path))
    (tls_nginx.root / "guarded.txt").write_bytes(b"x")
    artifact = make_artifact({"http": {"url": f"{tls_nginx.url}/guarded.txt"}})
    with pytest.raises(ArtifactError, match=r"guarded\.txt: loading failed with HTTP 400"):
        HTTPDriver().load(artifact, str(tmp_path / "x"))


def test_an_untrusted_server_certificate_is_a_clear_error(
    tls_nginx: NginxServer,
    make_artifact: MakeArtifact,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    artifact = make_artifact({"http": {"url": f"{tls_nginx.url}/any", "auth": CLIENT_CERT}})
    with pytest.raises(
        ArtifactError, match=r"cannot reach the server: .*certificate verify failed"
    ):
        HTTPDriver().load(artifact, str(tmp_path / "x"))
