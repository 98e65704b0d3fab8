"""An https endpoint whose certificate a private CA signed: trusted through ``caSecret``."""

from __future__ import annotations

import datetime
import ipaddress
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from tiphys_core.artifacts import Artifact, ArtifactError, Secrets
from tiphys_s3.driver import S3Driver
from tiphys_s3.testing import S3Server, s3_server

SECRET = "my-s3-cred"


def write_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA, and a certificate it signed for 127.0.0.1: (CA, certificate, key) PEM files."""
    now = datetime.datetime.now(datetime.UTC)
    valid = (now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=1))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tiphys test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = (directory / "ca.pem", directory / "server.pem", directory / "server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[S3Server, str]]:
    """SeaweedFS serving https with a certificate from a private CA; the CA's PEM text."""
    directory = tmp_path_factory.mktemp("seaweedfs-tls")
    ca, certificate, key = write_certificates(directory)
    with s3_server(directory / "server", tls=(certificate, key)) as server:
        yield server, ca.read_text()


def tls_artifact(server: S3Server, secrets: Secrets, key: str, **fields: object) -> Artifact:
    location = {
        **server.location(key, secret=SECRET),
        "endpoint": server.https_endpoint,
        "insecure": False,
        **fields,
    }
    return Artifact({"name": "sealed", "s3": location}, secrets)


def test_ca_secret_makes_the_private_ca_trusted(
    tls_server: tuple[S3Server, str],
    secrets: Secrets,
    prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The driver writes the CA to a file for botocore, in the temporary directory.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    server, ca = tls_server
    secrets.put("my-ca", {"ca.crt": ca})
    artifact = tls_artifact(
        server, secrets, f"{prefix}/tls.txt", caSecret={"name": "my-ca", "key": "ca.crt"}
    )
    (tmp_path / "tls.txt").write_text("over https\n")
    driver = S3Driver()
    driver.save(str(tmp_path / "tls.txt"), artifact)
    driver.load(artifact, str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_text() == "over https\n"
    assert len(list(tmp_path.glob("tiphys-s3-ca-*.pem"))) == 1


def test_without_ca_secret_the_private_ca_is_refused_with_a_hint(
    tls_server: tuple[S3Server, str], secrets: Secrets, prefix: str, tmp_path: Path
) -> None:
    server, _ = tls_server
    artifact = tls_artifact(server, secrets, f"{prefix}/tls.txt")
    with pytest.raises(ArtifactError, match=r"TLS with https://127\.0\.0\.1:\d+ failed.*caSecret"):
        S3Driver().load(artifact, str(tmp_path / "x"))
