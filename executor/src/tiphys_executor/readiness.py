"""When a daemon (``daemon: true``) is ready: at once when it starts, or when its
``readinessProbe`` first passes.

Argo lets the workflow go on past a daemon once its pod runs and its containers are
ready; the kubelet decides readiness with the container's ``readinessProbe``. Here the
probe runs as the kubelet runs it, against the daemon's host process: after
``initialDelaySeconds`` (default 0), every ``periodSeconds`` (default 10), each try given
``timeoutSeconds`` (default 1), ready after ``successThreshold`` (default 1) passes in a
row. Kinds:

- ``httpGet``: a GET to ``host`` (default 127.0.0.1: the pod's address is the machine's)
  on ``port`` (a number, or the name of one of the container's ``ports``) at ``path``,
  with ``httpHeaders``; any status from 200 to 399 passes (as the kubelet, redirects are
  not followed and certificates are not checked over ``scheme: HTTPS``);
- ``tcpSocket``: a connection to ``host:port`` opens;
- ``grpc``: approximated by a connection to its ``port`` opening (the gRPC health
  protocol needs an HTTP/2 client the executor does not carry);
- ``exec``: ``command`` exits 0. It runs with the container's environment and working
  directory and sees its ``/tmp`` and volumes (not a private ``/`` the daemon may have).

A daemon without a probe is ready as soon as its process has started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tiphys_executor.isolation import BindMount, Isolation, PrivateRoot
from tiphys_executor.process import ProcessSpec

_KINDS = ("httpGet", "tcpSocket", "grpc", "exec")
_USER_AGENT = "kube-probe/tiphys"
# A probe thread is waited for at most this much beyond its probe's timeout.
_JOIN_MARGIN_SECONDS = 5.0


class ProbeError(ValueError):
    """The ``readinessProbe`` cannot be run as written (the message says why)."""


def _seconds(probe: Mapping[str, Any], field: str, default: float, least: float) -> float:
    value = probe.get(field)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ProbeError(f"readinessProbe.{field} {value!r} is not a number") from None
    return max(number, least)


def probe_port(port: Any, container: Mapping[str, Any]) -> int:
    """A probe's ``port``: a number, or the name of one of the container's ``ports``.

    :raises ProbeError: no such port.
    """
    number: Any = port
    if not isinstance(port, int) and not (isinstance(port, str) and port.isdigit()):
        number = next(
            (
                entry.get("containerPort")
                for entry in container.get("ports") or ()
                if isinstance(entry, Mapping) and entry.get("name") == port
            ),
            None,
        )
    if number is not None:
        if str(number).isdigit() and 0 < int(number) < 65536:
            return int(number)
        raise ProbeError(f"readinessProbe port {port!r} is not a port number (1 to 65535)")
    names = [str(e.get("name")) for e in container.get("ports") or () if isinstance(e, Mapping)]
    raise ProbeError(
        f"readinessProbe port {port!r} is neither a number nor the name of one of the "
        f"container's ports ({', '.join(names) or 'it names none'})"
    )


class Readiness:
    """Tells ``report`` once when a daemon is ready; never after :meth:`stop`.

    :param container: the daemon's container (Argo's shape), with its ``readinessProbe``.
    :param spec: the daemon's process spec (an ``exec`` probe runs with its environment,
        working directory and mounts).
    :param report: called once, when the daemon is ready.
    :raises ProbeError: the probe is not well formed.
    """

    def __init__(
        self,
        container: Mapping[str, Any],
        spec: ProcessSpec,
        isolation: Isolation,
        report: Callable[[], None],
    ) -> None:
        self._container = container
        self._spec = spec
        self._isolation = isolation
        self._report = report
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        probe = container.get("readinessProbe")
        self._probe: Mapping[str, Any] = probe if isinstance(probe, Mapping) else {}
        self._kind = next((kind for kind in _KINDS if self._probe.get(kind) is not None), "")
        self._initial_delay = _seconds(self._probe, "initialDelaySeconds", 0.0, 0.0)
        self._period = _seconds(self._probe, "periodSeconds", 10.0, 1.0)
        self._timeout = _seconds(self._probe, "timeoutSeconds", 1.0, 1.0)
        self._threshold = int(_seconds(self._probe, "successThreshold", 1.0, 1.0))
        if self._kind in ("httpGet", "tcpSocket", "grpc"):
            probe_port(self._probe[self._kind].get("port"), container)
        if self._kind == "exec" and not _exec_command(self._probe["exec"]):
            raise ProbeError("readinessProbe.exec.command is empty")

    def started(self, process: subprocess.Popen[bytes]) -> None:
        """The daemon's process started: ready now, or probe it on a thread of its own."""
        if not self._kind:
            self._ready()
            return
        self._thread = threading.Thread(target=self._probe_until_ready, name="tiphys-readiness")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        """The daemon ended: probe no more, and never report after this returns."""
        with self._lock:
            self._stopped.set()
        if self._thread is not None:
            self._thread.join(self._timeout + _JOIN_MARGIN_SECONDS)

    def _ready(self) -> None:
        with self._lock:
            if not self._stopped.is_set():
                self._report()

    def _probe_until_ready(self) -> None:
        if self._stopped.wait(self._initial_delay):
            return
        passed = 0
        while not self._stopped.is_set():
            passed = passed + 1 if self.probe_once() else 0
            if passed >= self._threshold:
                self._ready()
                return
            if self._stopped.wait(self._period):
                return

    def probe_once(self) -> bool:
        """Run the probe once; whether it passed."""
        body: Mapping[str, Any] = self._probe[self._kind]
        if self._kind == "httpGet":
            return _http_get(body, probe_port(body.get("port"), self._container), self._timeout)
        if self._kind in ("tcpSocket", "grpc"):
            port = probe_port(body.get("port"), self._container)
            return _tcp_connect(str(body.get("host") or "127.0.0.1"), port, self._timeout)
        return self._exec(_exec_command(body))

    def _exec(self, argv: list[str]) -> bool:
        spec = self._spec
        # A second overlay on the daemon's private root is not possible: the probe sees
        # the host's / with the daemon's /tmp and volumes.
        mounts: Sequence[BindMount] = [m for m in spec.mounts if not isinstance(m, PrivateRoot)]
        cwd = spec.cwd if os.path.isdir(spec.cwd) else "/"

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=spec.env,
                cwd=cwd,
                start_new_session=True,
            )

        try:
            process = self._isolation.spawn(mounts, start)
        except OSError:
            return False  # e.g. the command is missing: the probe fails, as in a pod
        try:
            return process.wait(self._timeout) == 0
        except subprocess.TimeoutExpired:
            return False
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _exec_command(body: Any) -> list[str]:
    command = body.get("command") if isinstance(body, Mapping) else None
    return [str(part) for part in command or ()]


def _http_get(body: Mapping[str, Any], port: int, timeout: float) -> bool:
    # Imported here: most nodes are not daemons probed over HTTP (ssl alone is ~8 ms).
    import http.client
    import ssl

    host = str(body.get("host") or "127.0.0.1")
    path = str(body.get("path") or "/")
    if not path.startswith("/"):
        path = "/" + path
    headers = {"User-Agent": _USER_AGENT, "Accept": "*/*"}
    for header in body.get("httpHeaders") or ():
        if isinstance(header, Mapping) and header.get("name"):
            headers[str(header["name"])] = str(header.get("value") or "")
    connection: http.client.HTTPConnection
    if str(body.get("scheme") or "HTTP").upper() == "HTTPS":
        # The kubelet does not verify a probed server's certificate.
        unverified = ssl.create_default_context()
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=unverified)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read(10 * 1024)  # the kubelet reads at most 10 KiB of the body
        return 200 <= response.status < 400
    except (OSError, ValueError, http.client.HTTPException):  # ValueError: a bad host
        return False
    finally:
        connection.close()


def _tcp_connect(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False
