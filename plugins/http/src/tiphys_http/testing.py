"""Debian's nginx on 127.0.0.1, for tests: a directory served over HTTP(S) with WebDAV writes.

:func:`nginx_server` runs nginx in the foreground (``daemon off``) with its own config,
prefix, pid and log files in a temporary directory, on a free port, and stops it when
the ``with`` block ends. What it serves:

- ``/``: the directory, with ``Range`` requests (nginx's default for files) and WebDAV
  ``PUT``/``DELETE`` (``create_full_put_path on``, so a PUT makes missing directories);
- ``protected`` (default ``/private/``): the same, behind HTTP basic auth for ``users``;
- whatever ``server_config`` adds (more ``location`` blocks);
- over TLS when ``tls`` is given, requiring a client certificate when it names a CA.

Stdlib only, so any distribution's tests can use it::

    with nginx_server(tmp_path, users={"ann": "pw"}) as server:
        requests.get(server.url + "/private/file", auth=("ann", "pw"))
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TLS", "NginxError", "NginxServer", "find_nginx", "nginx_server"]

NGINX_MISSING = "nginx is not installed (Debian package nginx: `.ci/debian-packages nginx=nginx`)"
# Debian puts nginx in /usr/sbin, which a non-root PATH often lacks.
_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
_PORT_ATTEMPTS = 5


class NginxError(RuntimeError):
    """nginx did not start; the message carries its error log."""


@dataclass(frozen=True)
class TLS:
    """Serve HTTPS.

    :param certificate: the server's certificate (PEM; valid for 127.0.0.1).
    :param key: its private key (PEM, unencrypted).
    :param client_ca: when set, every client must present a certificate this CA signed.
    """

    certificate: Path
    key: Path
    client_ca: Path | None = None


@dataclass(frozen=True)
class NginxServer:
    """A running nginx: where it listens and what it serves."""

    url: str
    port: int
    root: Path
    protected: str
    run_directory: Path

    @property
    def error_log(self) -> Path:
        return self.run_directory / "error.log"

    @property
    def access_log(self) -> Path:
        return self.run_directory / "access.log"


def find_nginx() -> str | None:
    """The nginx executable's path, or None when nginx is not installed."""
    return shutil.which("nginx", path=_SEARCH_PATH)


@contextmanager
def nginx_server(
    directory: str | os.PathLike[str],
    *,
    users: Mapping[str, str] | None = None,
    protected: str = "/private/",
    server_config: str = "",
    tls: TLS | None = None,
    startup_timeout: float = 20.0,
) -> Iterator[NginxServer]:
    """Serve ``directory`` with nginx on 127.0.0.1 until the block ends.

    :param users: basic-auth users (name -> password) for the ``protected`` location.
    :param protected: the location (a path prefix ending in ``/``) behind basic auth.
    :param server_config: nginx directives added inside the ``server`` block.
    :param tls: serve HTTPS with these files (see :class:`TLS`).
    :param startup_timeout: how long nginx may take to listen before :class:`NginxError`.
    :raises NginxError: nginx is missing or did not start (with its error log).
    """
    executable = find_nginx()
    if executable is None:
        raise NginxError(NGINX_MISSING)
    if (
        not protected.startswith("/")
        or not protected.endswith("/")
        or set(protected) & set(' ;{}"')
    ):
        raise ValueError(f"protected must be a path like /private/, not {protected!r}")
    root = Path(directory).resolve()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tiphys-nginx-") as run_name:
        run = Path(run_name)
        (run / "htpasswd").write_text(_htpasswd(users or {}), encoding="utf-8")
        last_error = ""
        for _ in range(_PORT_ATTEMPTS):
            port = _free_port()
            config = _config(run, root, port, protected, server_config, tls)
            (run / "nginx.conf").write_text(config, encoding="utf-8")
            process = _start(executable, run)
            try:
                last_error = _wait_listening(process, run, port, startup_timeout)
                if not last_error:
                    scheme = "https" if tls else "http"
                    yield NginxServer(f"{scheme}://127.0.0.1:{port}", port, root, protected, run)
                    return
            finally:
                _stop(process)
            # Another process may take the port between our probe and nginx's bind.
            if "Address already in use" not in last_error:
                break
        raise NginxError(f"nginx did not start: {last_error}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start(executable: str, run: Path) -> subprocess.Popen[bytes]:
    with open(run / "stderr.log", "wb") as stderr:
        # Its own session, so a stuck master and its workers can be killed as a group.
        return subprocess.Popen(
            [
                executable,
                "-p",
                f"{run}/",
                "-c",
                str(run / "nginx.conf"),
                "-e",
                str(run / "error.log"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )


def _wait_listening(process: subprocess.Popen[bytes], run: Path, port: int, timeout: float) -> str:
    """Empty once nginx accepts connections on ``port``, else why it did not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return _logs(run) or f"nginx exited with status {process.returncode}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return ""
        except OSError:
            time.sleep(0.02)
    return f"nginx was not listening on 127.0.0.1:{port} after {timeout:g}s. {_logs(run)}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # nginx's fast shutdown; the master stops its workers
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _logs(run: Path) -> str:
    texts = []
    for name in ("stderr.log", "error.log"):
        path = run / name
        if path.exists():
            texts.append(path.read_text(encoding="utf-8", errors="replace").strip())
    return " ".join(text for text in texts if text)


def _htpasswd(users: Mapping[str, str]) -> str:
    lines = []
    for name, password in users.items():
        if not name or ":" in name or "\n" in name or "\n" in password:
            raise ValueError(f"basic-auth user {name!r}: names hold no ':' and no newline")
        # {SSHA}: salted SHA-1, which nginx reads natively (stdlib's crypt is deprecated).
        salt = secrets.token_bytes(8)
        digest = hashlib.sha1(password.encode("utf-8") + salt).digest()
        lines.append(f"{name}:{{SSHA}}{base64.b64encode(digest + salt).decode('ascii')}\n")
    return "".join(lines)


def _quoted(path: Path) -> str:
    text = str(path)
    if any(character in text for character in '"\\\n$;{}'):
        raise ValueError(f"nginx cannot be configured with the path {text!r}")
    return f'"{text}"'


def _config(
    run: Path, root: Path, port: int, protected: str, server_config: str, tls: TLS | None
) -> str:
    # A master running as root hands requests to workers of another user, which could
    # not read a private temporary directory: keep them as the same user.
    user = "user root root;" if os.geteuid() == 0 else ""
    temp_paths = "\n".join(
        f"    {name}_temp_path {_quoted(run / name)};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    listen = f"listen 127.0.0.1:{port}{' ssl' if tls else ''};"
    tls_lines = ""
    if tls is not None:
        tls_lines = (
            f"ssl_certificate {_quoted(tls.certificate)};\n"
            f"        ssl_certificate_key {_quoted(tls.key)};\n"
        )
        if tls.client_ca is not None:
            tls_lines += (
                f"        ssl_client_certificate {_quoted(tls.client_ca)};\n"
                "        ssl_verify_client on;\n"
            )
    return f"""\
daemon off;
master_process on;
worker_processes 1;
{user}
pid {_quoted(run / "nginx.pid")};
error_log {_quoted(run / "error.log")} warn;
events {{
    worker_connections 256;
}}
http {{
    default_type application/octet-stream;
    access_log {_quoted(run / "access.log")};
{temp_paths}
    client_max_body_size 0;
    sendfile on;
    server {{
        {listen}
        server_name localhost;
        root {_quoted(root)};
        {tls_lines}
        location / {{
            dav_methods PUT DELETE;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }}
        location {protected} {{
            auth_basic "tiphys";
            auth_basic_user_file {_quoted(run / "htpasswd")};
            dav_methods PUT DELETE;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }}
{server_config}
    }}
}}
"""
