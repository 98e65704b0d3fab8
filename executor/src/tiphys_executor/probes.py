"""A container's probes as the kubelet reads and runs them: the settings of one, one try.

A probe (``startupProbe``, ``readinessProbe`` or ``livenessProbe``) runs against the
container's host process with Kubernetes' defaults: ``initialDelaySeconds`` 0,
``periodSeconds`` 10, ``timeoutSeconds`` 1, ``successThreshold`` 1 and
``failureThreshold`` 3 (a 0 is the default, as the API server defaults it). Kinds:

- ``httpGet``: a GET to ``host`` (default 127.0.0.1: the pod's address is the machine's)
  on ``port`` (a number, or the name of one of the container's ``ports``) at ``path``,
  with ``httpHeaders``; any status from 200 to 399 passes (as the kubelet, redirects are
  not followed and certificates are not checked over ``scheme: HTTPS``);
- ``tcpSocket``: a connection to ``host:port`` opens;
- ``grpc``: approximated by a connection to its ``port`` opening (the gRPC health
  protocol needs an HTTP/2 client the executor does not carry);
- ``exec``: ``command`` exits 0. It runs with the container's environment and working
  directory and sees its ``/tmp`` and volumes (not a private ``/`` the container may have).

A failed try says why in the kubelet's words (``HTTP probe failed with statuscode: 500``,
``dial tcp 127.0.0.1:8080: connect: connection refused``, an exec probe's output), which
the kubelet shows in its ``Unhealthy`` events and tiphys in the node's message.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tiphys_executor.isolation import BindMount, Isolation, PrivateRoot
from tiphys_executor.process import ProcessSpec, signal_group

PROBE_FIELDS = ("startupProbe", "readinessProbe", "livenessProbe")
_KINDS = ("httpGet", "tcpSocket", "grpc", "exec")
_USER_AGENT = "kube-probe/tiphys"
# The kubelet keeps at most this much of a probe's response body or command output.
_OUTPUT_LIMIT = 10 * 1024
# Kubernetes' pod default terminationGracePeriodSeconds, and the kubelet's floor for it.
POD_GRACE_SECONDS = 30.0
MINIMUM_GRACE_SECONDS = 2.0


class ProbeError(ValueError):
    """A probe cannot be run as written (the message names the probe and says why)."""


@dataclass(frozen=True)
class Probe:
    """One probe of a container, with Kubernetes' defaults filled in.

    :param field: ``startupProbe``, ``readinessProbe`` or ``livenessProbe``.
    :param kind: ``httpGet``, ``tcpSocket``, ``grpc`` or ``exec``.
    :param grace: seconds from SIGTERM to SIGKILL when this probe's failure kills the
        container (its ``terminationGracePeriodSeconds``, else the pod's).
    """

    field: str
    kind: str
    action: Mapping[str, Any]
    initial_delay: float = 0.0
    period: float = 10.0
    timeout: float = 1.0
    success_threshold: int = 1
    failure_threshold: int = 3
    grace: float = POD_GRACE_SECONDS

    @property
    def word(self) -> str:
        """``liveness``, ``readiness`` or ``startup``, as the kubelet names the probe."""
        return self.field.removesuffix("Probe")


def parse_probe(container: Mapping[str, Any], field: str) -> Probe | None:
    """The container's probe ``field``, or None when it has none.

    :raises ProbeError: the probe has no action, a setting that is not a number, or a
        port that is neither a number nor one of the container's named ports.
    """
    body = container.get(field)
    if not isinstance(body, Mapping):
        return None
    kind = next((kind for kind in _KINDS if body.get(kind) is not None), "")
    if not kind:
        raise ProbeError(f"{field} has no action: give one of {', '.join(_KINDS)}")
    action = body[kind]
    if not isinstance(action, Mapping):
        raise ProbeError(f"{field}.{kind} must be a mapping")
    if kind == "exec" and not exec_command(action):
        raise ProbeError(f"{field}.exec.command is empty")
    if kind != "exec":
        probe_port(action.get("port"), container, field)
    grace = _number(body, field, "terminationGracePeriodSeconds", POD_GRACE_SECONDS)
    return Probe(
        field,
        kind,
        action,
        initial_delay=max(_number(body, field, "initialDelaySeconds", 0.0), 0.0),
        period=_number(body, field, "periodSeconds", 10.0),
        timeout=_number(body, field, "timeoutSeconds", 1.0),
        success_threshold=int(_number(body, field, "successThreshold", 1.0)),
        failure_threshold=int(_number(body, field, "failureThreshold", 3.0)),
        grace=max(grace, MINIMUM_GRACE_SECONDS),
    )


def _number(body: Mapping[str, Any], field: str, name: str, default: float) -> float:
    value = body.get(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ProbeError(f"{field}.{name} {value!r} is not a number") from None
    return number if number > 0 else default


def probe_port(port: Any, container: Mapping[str, Any], field: str = "readinessProbe") -> int:
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
        raise ProbeError(f"{field} port {port!r} is not a port number (1 to 65535)")
    names = [str(e.get("name")) for e in container.get("ports") or () if isinstance(e, Mapping)]
    raise ProbeError(
        f"{field} port {port!r} is neither a number nor the name of one of the "
        f"container's ports ({', '.join(names) or 'it names none'})"
    )


def exec_command(action: Any) -> list[str]:
    """The argv of an ``exec`` probe (empty when it has none)."""
    command = action.get("command") if isinstance(action, Mapping) else None
    return [str(part) for part in command or ()]


@dataclass(frozen=True)
class Tried:
    """One try of a probe: whether it passed and, when not, why in the kubelet's words."""

    passed: bool
    output: str = ""


class Prober:
    """Tries the probes of one container.

    :param container: the container (Argo's shape), whose ``ports`` name probe ports.
    :param spec: its process spec: an ``exec`` probe runs with its environment, working
        directory and mounts.
    """

    def __init__(
        self, container: Mapping[str, Any], spec: ProcessSpec, isolation: Isolation
    ) -> None:
        self._container = container
        self._spec = spec
        self._isolation = isolation

    def run(self, probe: Probe) -> Tried:
        """Try ``probe`` once."""
        action = probe.action
        if probe.kind == "exec":
            return self._exec(exec_command(action), probe.timeout)
        port = probe_port(action.get("port"), self._container, probe.field)
        host = str(action.get("host") or "127.0.0.1")
        if probe.kind == "httpGet":
            return _http_get(action, host, port, probe.timeout)
        return _tcp_connect(host, port, probe.timeout)

    def _exec(self, argv: list[str], timeout: float) -> Tried:
        spec = self._spec
        # A second overlay on the container's private root is not possible: the probe
        # sees the host's / with the container's /tmp and volumes.
        mounts: Sequence[BindMount] = [m for m in spec.mounts if not isinstance(m, PrivateRoot)]
        cwd = spec.cwd if os.path.isdir(spec.cwd) else "/"

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=spec.env,
                cwd=cwd,
                start_new_session=True,
            )

        try:
            process = self._isolation.spawn(mounts, start)
        except OSError as exc:  # e.g. the command is missing: the probe fails, as in a pod
            return Tried(False, f"{argv[0]}: {exc.strerror or exc}")
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            signal_group(process.pid, signal.SIGKILL)
            process.communicate()
            return Tried(False, f"command {' '.join(argv)!r} timed out")
        finally:
            signal_group(process.pid, signal.SIGKILL)  # what it left behind ends with it
        if process.returncode == 0:
            return Tried(True)
        text = output[:_OUTPUT_LIMIT].decode("utf-8", "replace").strip()
        code = process.returncode if process.returncode >= 0 else 128 - process.returncode
        return Tried(False, text or f"command {' '.join(argv)!r} exited with code {code}")


def _http_get(action: Mapping[str, Any], host: str, port: int, timeout: float) -> Tried:
    # Imported here: most containers are not probed over HTTP (ssl alone is ~8 ms).
    import http.client
    import ssl

    path = str(action.get("path") or "/")
    if not path.startswith("/"):
        path = "/" + path
    headers = {"User-Agent": _USER_AGENT, "Accept": "*/*"}
    for header in action.get("httpHeaders") or ():
        if isinstance(header, Mapping) and header.get("name"):
            headers[str(header["name"])] = str(header.get("value") or "")
    scheme = "https" if str(action.get("scheme") or "HTTP").upper() == "HTTPS" else "http"
    connection: http.client.HTTPConnection
    if scheme == "https":
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
        response.read(_OUTPUT_LIMIT)
    except (OSError, ValueError, http.client.HTTPException) as exc:  # ValueError: a bad host
        url = f"{scheme}://{host}:{port}{path}"
        if isinstance(exc, TimeoutError):
            return Tried(False, f'Get "{url}": context deadline exceeded')
        return Tried(False, f'Get "{url}": {_dial_error(exc, host, port)}')
    finally:
        connection.close()
    if 200 <= response.status < 400:
        return Tried(True)
    return Tried(False, f"HTTP probe failed with statuscode: {response.status}")


def _tcp_connect(host: str, port: int, timeout: float) -> Tried:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return Tried(True)
    except (OSError, ValueError) as exc:
        return Tried(False, _dial_error(exc, host, port))


def _dial_error(exc: BaseException, host: str, port: int) -> str:
    """A connection error as Go's net package words it (what the kubelet shows)."""
    where = f"dial tcp {host}:{port}"
    if isinstance(exc, ConnectionRefusedError):
        return f"{where}: connect: connection refused"
    if isinstance(exc, TimeoutError):
        return f"{where}: i/o timeout"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{where}: {exc.strerror.lower()}"
    return f"{where}: {exc}"
