"""The kubelet's probe workers for the containers of a local pod, and a daemon's readiness.

For each running container, as the kubelet does (``pkg/kubelet/prober``):

- a ``startupProbe`` runs first; until it passes, readiness and liveness probes do not
  run. After ``failureThreshold`` failures in a row the container is killed;
- then a ``readinessProbe`` (only watched for a daemon, the one thing readiness decides
  in a workflow) makes the container ready after ``successThreshold`` passes in a row;
  without one the container is ready once started;
- and a ``livenessProbe`` kills the container after ``failureThreshold`` failures in a
  row.

Every probe waits ``initialDelaySeconds`` from the container's start, then tries every
``periodSeconds``. Killing is the kubelet's: SIGTERM to the container's processes, SIGKILL
after the probe's ``terminationGracePeriodSeconds`` (else the pod's, 30 s; at least 2 s).
Argo's pods never restart a container, so its end is final: a main container ends the node
with its exit code, and the message says which probe killed it, in the kubelet's words
(``Container main failed liveness probe``) with the probe's last failure.

A daemon's node is daemoned once its pod runs and every container is ready (Argo's
``assessNodeStatus``): :class:`PodReadiness` reports it then.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

from tiphys_executor.isolation import Isolation
from tiphys_executor.probes import PROBE_FIELDS, Probe, Prober, Tried, parse_probe
from tiphys_executor.process import ProcessSpec, signal_group


class _Started(Protocol):
    """A started container process: its pid leads its process group."""

    @property
    def pid(self) -> int: ...


class PodReadiness:
    """Tells ``report`` once when a daemon's pod is ready; never after :meth:`stop`.

    The pod is ready once it runs (:meth:`running`) and every container that waits on a
    probe has said it is ready. A container without a ``readinessProbe`` or
    ``startupProbe`` is ready while it runs, as a ``containerSet`` container is in Argo's
    pod while its emissary waits on its dependencies.
    """

    def __init__(self, report: Callable[[], None]) -> None:
        self._report = report
        self._lock = threading.Lock()
        self._waiting: set[str] = set()
        self._running = False
        self._done = False

    def expect(self, name: str) -> Callable[[], None]:
        """Wait for container ``name`` too; what to call when it is ready."""
        with self._lock:
            self._waiting.add(name)
        return lambda: self._ready(name)

    def running(self) -> None:
        """The pod's main container (a ``containerSet``'s first one) has started."""
        with self._lock:
            self._running = True
            self._report_if_ready()

    def stop(self) -> None:
        """The pod ends: no report after this returns."""
        with self._lock:
            self._done = True

    def _ready(self, name: str) -> None:
        with self._lock:
            self._waiting.discard(name)
            self._report_if_ready()

    def _report_if_ready(self) -> None:
        if self._running and not self._waiting and not self._done:
            self._done = True
            self._report()


class _Run:
    """One run of the container's process: what its workers share."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.began = time.monotonic()
        self.stopped = threading.Event()
        self.kill_timer: threading.Timer | None = None


class ContainerProbes:
    """The probe workers of one container: started with its process, stopped at its end.

    :param name: the container's name (in the kill message).
    :param container: the container (Argo's shape) with its probes and ``ports``.
    :param spec: its process spec (an ``exec`` probe runs with its environment).
    :param on_ready: called once the container is ready (its startup and readiness probes
        passed); None: readiness is not watched and its ``readinessProbe`` is not read.
    :raises ProbeError: a probe it runs is not well formed.
    """

    def __init__(
        self,
        name: str,
        container: Mapping[str, Any],
        spec: ProcessSpec,
        isolation: Isolation,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self._startup = parse_probe(container, "startupProbe")
        self._readiness = parse_probe(container, "readinessProbe") if on_ready else None
        self._liveness = parse_probe(container, "livenessProbe")
        self._prober = Prober(container, spec, isolation)
        self._on_ready = on_ready
        self._lock = threading.Lock()
        self._run: _Run | None = None
        self.failure = ""

    @property
    def watching(self) -> bool:
        """Whether a probe runs or readiness is watched (else :meth:`started` does nothing)."""
        return self._on_ready is not None or bool(self._startup or self._liveness)

    def started(self, process: _Started) -> None:
        """The container's process started: probe it on a thread of its own."""
        run = _Run(process.pid)
        with self._lock:
            self._run = run
        if self._startup is None and self._readiness is None and self._liveness is None:
            self._ready(run)
            return
        worker = threading.Thread(target=self._work, args=(run,), name=f"tiphys-probe-{self.name}")
        worker.daemon = True
        worker.start()

    def stop(self) -> None:
        """The container's process ended: probe no more, call nothing after this returns.

        (A later :meth:`started` probes its next run, as for a ``containerSet`` retry.)
        """
        with self._lock:
            run, self._run = self._run, None
            if run is None:
                return
            run.stopped.set()
            timer, run.kill_timer = run.kill_timer, None
        if timer is not None:
            timer.cancel()  # it ended: its pid may be reused

    @property
    def killed(self) -> bool:
        """Whether a probe killed the container (:attr:`failure` says which and why)."""
        return bool(self.failure)

    def _work(self, run: _Run) -> None:
        if self._startup is not None and not self._until_passed(run, self._startup):
            return
        if self._on_ready is not None:
            if self._readiness is None:
                self._ready(run)
            else:
                readiness = threading.Thread(
                    target=self._until_ready,
                    args=(run, self._readiness),
                    name=f"tiphys-readiness-{self.name}",
                )
                readiness.daemon = True
                readiness.start()
        if self._liveness is not None:
            self._watch_liveness(run, self._liveness)

    def _tries(self, run: _Run, probe: Probe) -> Iterator[Tried]:
        """Try ``probe`` every period from its initial delay until the run stops."""
        due = run.began + probe.initial_delay
        while not run.stopped.wait(max(0.0, due - time.monotonic())):
            due = time.monotonic() + probe.period
            try:
                tried = self._prober.run(probe)
            except Exception as exc:  # the kubelet counts a probe's error as a failure
                tried = Tried(False, f"probe error: {exc}")
            if run.stopped.is_set():
                return
            yield tried

    def _until_passed(self, run: _Run, startup: Probe) -> bool:
        for failures, tried in enumerate(self._tries(run, startup), start=1):
            if tried.passed:
                return True
            if failures >= startup.failure_threshold:
                self._kill(run, startup, tried.output)
                return False
        return False

    def _until_ready(self, run: _Run, readiness: Probe) -> None:
        passes = 0
        for tried in self._tries(run, readiness):
            passes = passes + 1 if tried.passed else 0
            if passes >= readiness.success_threshold:
                self._ready(run)
                return

    def _watch_liveness(self, run: _Run, liveness: Probe) -> None:
        failures = 0
        for tried in self._tries(run, liveness):
            failures = 0 if tried.passed else failures + 1
            if failures >= liveness.failure_threshold:
                self._kill(run, liveness, tried.output)
                return

    def _ready(self, run: _Run) -> None:
        with self._lock:
            if not run.stopped.is_set() and self._on_ready is not None:
                self._on_ready()

    def _kill(self, run: _Run, probe: Probe, output: str) -> None:
        with self._lock:
            if run.stopped.is_set():
                return
            run.stopped.set()  # its other probes end; a killed container is not ready
            reason = f"Container {self.name} failed {probe.word} probe"
            self.failure = f"{reason}: {output}" if output else reason
            signal_group(run.pid, signal.SIGTERM)
            timer = threading.Timer(probe.grace, signal_group, (run.pid, signal.SIGKILL))
            timer.daemon = True
            run.kill_timer = timer
            timer.start()


def container_probes(
    name: str,
    container: Mapping[str, Any],
    spec: ProcessSpec,
    isolation: Isolation,
    pod: PodReadiness | None,
) -> ContainerProbes | None:
    """The probe workers ``container`` needs, or None when nothing is to be watched.

    :param pod: a daemon's readiness: the container's readiness is watched when it has a
        ``startupProbe`` or ``readinessProbe``; None: not a daemon.
    :raises ProbeError: a probe it runs is not well formed.
    """
    waits = pod is not None and any(
        isinstance(container.get(field), Mapping) for field in PROBE_FIELDS[:2]
    )
    on_ready = pod.expect(name) if pod is not None and waits else None
    probes = ContainerProbes(name, container, spec, isolation, on_ready)
    return probes if probes.watching else None


def with_probe_failure(message: str, probes: ContainerProbes | None) -> str:
    """``message`` (how the container ended) followed by why a probe killed it, if one did.

    Argo words a container's end ``<name>: <reason> (exit code N): <termination
    message>``; the probe's failure takes the termination message's place.
    """
    if probes is None or not probes.killed:
        return message
    return f"{message}: {probes.failure}"
