"""Real git servers for the tests, each its own process on 127.0.0.1.

- ``git daemon`` (``git://``), without authentication;
- ``git http-backend`` behind basic auth (``http://``, or ``https://`` with a
  self-signed certificate), served by ``git_http_server.py``;
- OpenSSH's ``sshd`` (``ssh://``) with its own host key and ``authorized_keys``, started
  in the foreground (``-D``) from a config in a temporary directory.

Each launcher is a context manager yielding a :class:`GitHost`: where repositories go on
disk, the URL that serves them, and the location fields (secrets) a client needs.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tiphys_core.artifacts import Secrets
from tiphys_core.testing.ports import free_port

HERE = Path(__file__).resolve().parent
STARTUP_SECONDS = 20
HTTP_USER = "tiphys-user"
HTTP_PASSWORD = "correct horse battery staple"


@dataclass
class GitHost:
    """Repositories under ``root``, served at ``base_url`` (``base_url/relative``)."""

    transport: str
    root: Path
    base_url: str
    location_fields: dict[str, Any] = field(default_factory=dict)
    secrets: Secrets | None = None

    def url(self, relative: str) -> str:
        return f"{self.base_url}/{relative}"


class ServerUnavailable(RuntimeError):
    """The server's program is missing here (the tests then skip, saying which)."""


def file_host(root: Path) -> GitHost:
    """No server: ``file://`` URLs."""
    return GitHost("file", root, f"file://{root}")


@contextmanager
def git_daemon(root: Path, log: Path) -> Iterator[GitHost]:
    """``git daemon`` exporting every repository under ``root``."""
    port = free_port()
    command = [
        "git",
        "daemon",
        "--reuseaddr",
        "--listen=127.0.0.1",
        f"--port={port}",
        f"--base-path={root}",
        "--export-all",
        "--informative-errors",
        str(root),
    ]
    with _running(command, log, port):
        yield GitHost("daemon", root, f"git://127.0.0.1:{port}")


@contextmanager
def git_http_backend(
    root: Path, log: Path, secrets_root: Path, tls: tuple[Path, Path] | None = None
) -> Iterator[GitHost]:
    """``git http-backend`` behind basic auth (user and password from secret ``git-http``)."""
    secrets = Secrets(secrets_root)
    secrets.put("git-http", {"username": HTTP_USER, "password": HTTP_PASSWORD + "\n"})
    command = [
        sys.executable,
        str(HERE / "git_http_server.py"),
        str(root),
        HTTP_USER,
        HTTP_PASSWORD,
        *[str(path) for path in tls or ()],
    ]
    with log.open("wb") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        try:
            assert process.stdout is not None
            port = int(process.stdout.readline() or b"0")
            if not port:
                raise RuntimeError(f"the git http server did not start: {log.read_text()}")
            scheme = "https" if tls else "http"
            yield GitHost(
                scheme,
                root,
                f"{scheme}://127.0.0.1:{port}",
                {
                    "usernameSecret": {"name": "git-http", "key": "username"},
                    "passwordSecret": {"name": "git-http", "key": "password"},
                },
                secrets,
            )
        finally:
            _stop(process)


@contextmanager
def sshd(root: Path, directory: Path, secrets_root: Path) -> Iterator[GitHost]:
    """OpenSSH's sshd letting the current user in with a key (from secret ``git-ssh``)."""
    program = shutil.which("sshd", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if program is None:
        raise ServerUnavailable("sshd is not installed (Debian package openssh-server)")
    if os.geteuid() == 0:
        # sshd started by root needs its privilege separation directory, which Debian's
        # service unit (not the package) creates.
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    host_key, client_key = directory / "host_key", directory / "client_key"
    for key in (host_key, client_key):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
            check=True,
            capture_output=True,
        )
    authorized = directory / "authorized_keys"
    shutil.copy(client_key.with_suffix(".pub"), authorized)
    port = free_port()
    config = directory / "sshd_config"
    config.write_text(
        f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {host_key}\n"
        f"AuthorizedKeysFile {authorized}\nPidFile none\nStrictModes no\nUsePAM no\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\nAcceptEnv GIT_PROTOCOL\n"
    )
    secrets = Secrets(secrets_root)
    secrets.put("git-ssh", {"key": client_key.read_text()})
    command = [program, "-D", "-e", "-f", str(config)]
    with _running(command, directory / "sshd.log", port):
        yield GitHost(
            "ssh",
            root,
            f"ssh://{getpass.getuser()}@127.0.0.1:{port}{root}",
            {
                "sshPrivateKeySecret": {"name": "git-ssh", "key": "key"},
                "insecureIgnoreHostKey": True,
            },
            secrets,
        )


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with openssl."""
    if shutil.which("openssl") is None:
        raise ServerUnavailable("openssl is not installed (Debian package openssl)")
    certificate, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


@contextmanager
def _running(command: list[str], log: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` until the block ends, once it accepts connections on ``port``."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            _wait_for_port(process, port, log)
            yield process
        finally:
            _stop(process)


def _wait_for_port(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{process.args!r} did not listen on port {port}: {log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()
