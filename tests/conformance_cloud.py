"""Argo's S3 and GCS examples, pointed at local servers (SeaweedFS, fake-gcs-server).

The examples name cloud endpoints (``s3.amazonaws.com``) and secrets
(``my-s3-credentials``, ``my-gcs-credentials``); here each runs against a server on
127.0.0.1: the S3 endpoint is rewritten (with ``insecure: true``), the GCS driver is
sent to the emulator with ``STORAGE_EMULATOR_HOST``, the secrets are created with the
servers' credentials, and the objects the input examples read are put there first.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

S3_EXAMPLES = ("input-artifact-s3.yaml", "output-artifact-s3.yaml")
GCS_EXAMPLES = ("input-artifact-gcs.yaml", "output-artifact-gcs.yaml")
S3_BUCKETS = ("my-bucket-name", "my-bucket")
INPUT_KEY = "path/in/bucket"


class CloudServers:
    """Local S3 and GCS servers, each started on first use; stopped on :meth:`close`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._stack = contextlib.ExitStack()
        self._s3: Any = None
        self._gcs: str | None = None

    def close(self) -> None:
        self._stack.close()

    def prepare(self, file: str, text: str, home: Path, env: dict[str, str]) -> str:
        """The example's text for the local servers; secrets and input objects made."""
        from tiphys_core.artifacts import Secrets

        secrets = Secrets(home / "secrets")
        if file in S3_EXAMPLES:
            server = self._s3_server()
            secrets.put(
                "my-s3-credentials",
                {"accessKey": server.access_key, "secretKey": server.secret_key},
            )
            self._put_s3(server, "my-bucket-name")
            return re.sub(
                r"^(\s*)endpoint: s3\.amazonaws\.com$",
                rf"\1endpoint: {server.endpoint}\n\1insecure: true",
                text,
                flags=re.MULTILINE,
            )
        endpoint = self._gcs_server()
        env["STORAGE_EMULATOR_HOST"] = endpoint
        secrets.put("my-gcs-credentials", {"serviceAccountKey": _service_account_key(self.root)})
        self._put_gcs(endpoint, "my-bucket-name")
        return text

    def _s3_server(self) -> Any:
        if self._s3 is None:
            from tiphys_s3.testing import s3_server

            self._s3 = self._stack.enter_context(s3_server(self.root / "s3", buckets=S3_BUCKETS))
        return self._s3

    def _gcs_server(self) -> str:
        if self._gcs is None:
            from tiphys_gcs.testing import create_bucket, gcs_server

            self._gcs = str(self._stack.enter_context(gcs_server(self.root / "gcs", memory=True)))
            for bucket in ("my-bucket-name", "my-bucket"):
                create_bucket(self._gcs, bucket)
        return self._gcs

    def _put_s3(self, server: Any, bucket: str) -> None:
        from tiphys_core.artifacts import Artifact, Secrets
        from tiphys_s3.driver import S3Driver

        source = self.root / "input.txt"
        source.write_text("an object in S3\n")
        secrets = Secrets(self.root / "secrets")
        secrets.put("local", server.secret_values())
        location = server.location(INPUT_KEY, bucket=bucket, secret="local")
        S3Driver().save(str(source), Artifact({"name": "seed", "s3": location}, secrets))

    def _put_gcs(self, endpoint: str, bucket: str) -> None:
        from tiphys_core.artifacts import Artifact
        from tiphys_gcs.driver import GCSDriver

        source = self.root / "input.txt"
        source.write_text("an object in GCS\n")
        location = {"bucket": bucket, "key": INPUT_KEY, "endpoint": endpoint}
        GCSDriver().save(str(source), Artifact({"name": "seed", "gcs": location}))


def _service_account_key(root: Path) -> str:
    """A well-formed service-account key (the emulator takes requests without a token)."""
    pem = root / "service-account.pem"
    if not pem.exists():
        subprocess.run(
            ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
             "-out", str(pem)],
            check=True, capture_output=True,
        )  # fmt: skip
    return json.dumps({
        "type": "service_account", "project_id": "tiphys-test",
        "private_key_id": "0" * 40, "private_key": pem.read_text(),
        "client_email": "tiphys@tiphys-test.iam.gserviceaccount.com", "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    })  # fmt: skip


@contextlib.contextmanager
def cloud_servers(root: Path) -> Iterator[CloudServers]:
    servers = CloudServers(root)
    try:
        yield servers
    finally:
        servers.close()


def is_cloud_example(file: str) -> bool:
    return file in S3_EXAMPLES or file in GCS_EXAMPLES


__all__ = ["CloudServers", "cloud_servers", "is_cloud_example"]
