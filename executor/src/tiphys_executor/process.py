"""Running a node's main process: spawn, log, capture stdout, deadline and cancel.

The process gets its own session (so the whole process group can be signalled), stdin
from ``/dev/null``, and stdout/stderr appended to its log. When the result is wanted,
stdout goes through a pipe that is copied to the log and whose tail is kept; when the
log is shared (the containers of a ``containerSet``), both go through pipes that copy
whole lines with the container's prefix. When the main process exits, whatever it left
running in its group is killed, as a container's processes end with it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO

from tiphys_executor.fsutil import ensure_existing_dir
from tiphys_executor.isolation import BindMount, Isolation
from tiphys_executor.spawn import Process, spawn

# Argo keeps the last 256 kB of stdout as outputs.result; one more byte is kept so the
# trailing newline can be trimmed first, as Argo does.
RESULT_LIMIT = 256 * 1024
_CHUNK = 65536
_READER_JOIN_SECONDS = 5.0


@dataclass
class ProcessSpec:
    """What to run and how.

    :param deadline: seconds since the epoch at which the process is killed, or None.
    :param log_prefix: written before each line of its output in the log, which other
        processes share (``"a: "`` for container ``a`` of a ``containerSet``).
    """

    argv: list[str]
    env: dict[str, str]
    cwd: str
    log_path: str
    capture_stdout: bool = False
    mounts: Sequence[BindMount] = ()
    deadline: float | None = None
    log_prefix: str = ""


@dataclass
class ProcessOutcome:
    """How the process ended; ``exit_code`` is None when it never started."""

    exit_code: int | None
    stdout_tail: bytes | None = None
    deadline_exceeded: bool = False
    cancelled: bool = False


@dataclass
class NodeControl:
    """Cancellation of one node, shared by the agent's reader and the node's threads.

    Several processes may run at once (the containers of a ``containerSet``); cancelling
    terminates them all and keeps new ones from starting.

    :param kill_grace: seconds between SIGTERM and SIGKILL.
    :param held: None, or where the node's main processes leave a descriptor of their
        private view (mount namespace), which keeps it after they end; whoever reports the
        node closes them with :meth:`release` once it has, so the view's teardown (which
        waits for the kernel) is not between the process's end and the report.
    :param on_started: called once, when the node's first process has started (see
        :meth:`attach`; a part's, see :meth:`child`) or :meth:`started` is called,
        whichever comes first.
    """

    kill_grace: float = 10.0
    message: str = ""
    held: list[int] | None = None
    on_started: Callable[[], None] | None = None
    _cancelled: bool = False
    _abandoned: bool = False
    _processes: dict[int, Process] = field(default_factory=dict)
    _timers: dict[int, list[threading.Timer]] = field(default_factory=dict)
    _children: list[NodeControl] = field(default_factory=list)
    _woken: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    @property
    def abandoned(self) -> bool:
        """Stopped because its agent is shutting down: no result is recorded."""
        return self._abandoned

    def abandon(self) -> None:
        """Stop the node without recording a result (its controller will run it again)."""
        self._abandoned = True
        self.cancel("the executor agent stopped")

    def child(self) -> NodeControl:
        """A control for a part of the node: cancelling the node cancels it, not the reverse.

        A ``containerSet`` stops its other containers through one when a container fails.
        """
        child = NodeControl(kill_grace=self.kill_grace, on_started=self.started)
        with self._lock:
            self._children.append(child)
            cancelled, message = self._cancelled, self.message
        if cancelled:
            child.cancel(message)
        return child

    def cancel(self, message: str) -> None:
        """Stop the node: terminate its process groups now, or refuse to start them."""
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            self.message = message
            processes = list(self._processes.values())
            children = list(self._children)
        self._woken.set()
        for process in processes:
            self.terminate(process)
        for child in children:
            child.cancel(message)

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; False if the node was cancelled before or meanwhile."""
        return not self._woken.wait(max(0.0, seconds)) and not self._cancelled

    def attach(self, process: Process) -> None:
        """Record a running process of the node; terminate it if the node was cancelled."""
        with self._lock:
            self._processes[process.pid] = process
            cancelled = self._cancelled
        self.started()
        if cancelled:
            self.terminate(process)

    def started(self) -> None:
        """Call :attr:`on_started` unless it was called already."""
        with self._lock:
            action, self.on_started = self.on_started, None
        if action is not None:
            action()

    def terminate(self, process: Process) -> None:
        """SIGTERM the process group, then SIGKILL it after the grace period."""
        signal_group(process.pid, signal.SIGTERM)
        timer = threading.Timer(self.kill_grace, signal_group, (process.pid, signal.SIGKILL))
        timer.daemon = True
        with self._lock:
            self._timers.setdefault(process.pid, []).append(timer)
        timer.start()

    def release(self) -> None:
        """Close the descriptors in :attr:`held` (the views are torn down now)."""
        while self.held:
            with contextlib.suppress(OSError):
                os.close(self.held.pop())

    def detach(self, process: Process) -> None:
        """The process has been reaped: forget it and stop its pending kills."""
        with self._lock:
            self._processes.pop(process.pid, None)
            timers = self._timers.pop(process.pid, [])
        for timer in timers:
            timer.cancel()


def signal_group(pgid: int, signum: int) -> None:
    """Send ``signum`` to a process group; one already gone (or not ours) is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def run_process(
    spec: ProcessSpec,
    isolation: Isolation,
    control: NodeControl,
    on_start: Callable[[Process], None] | None = None,
) -> ProcessOutcome:
    """Run the process to its end, honouring the deadline and cancellation.

    :param on_start: called with the process once it has started (a daemon's readiness).

    :raises FileNotFoundError: the command (``exc.filename``) or working dir is missing.
    :raises PermissionError: the command is not executable.
    :raises IsolationError: the node's private view could not be set up.
    """
    if control.cancelled:
        return ProcessOutcome(exit_code=None, cancelled=True)
    if spec.deadline is not None and spec.deadline <= time.time():
        return ProcessOutcome(exit_code=None, deadline_exceeded=True)
    log_fd = os.open(spec.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    try:
        prefix = spec.log_prefix.encode("utf-8")
        stdout: int = subprocess.PIPE if spec.capture_stdout or prefix else log_fd
        stderr: int = log_fd
        if prefix:
            stderr = subprocess.PIPE if spec.capture_stdout else subprocess.STDOUT

        own_working_dir = isolation.available  # the spawning thread then has its own

        def start() -> Process:
            ensure_existing_dir(spec.cwd)  # runtimes create workingDir
            return spawn(
                spec.argv, spec.env, spec.cwd, stdout, stderr, own_working_dir, isolation.commands
            )

        process = isolation.spawn(spec.mounts, start, hold=control.held)
        tail = (
            _PipeCopier(process.stdout, log_fd, prefix, spec.capture_stdout)
            if process.stdout is not None
            else None
        )
        errors = _PipeCopier(process.stderr, log_fd, prefix) if process.stderr is not None else None
        control.attach(process)
        deadline_exceeded = False
        try:
            if on_start is not None:
                on_start(process)
            timeout = None if spec.deadline is None else max(0.0, spec.deadline - time.time())
            try:
                returncode = process.wait(timeout)
            except subprocess.TimeoutExpired:
                deadline_exceeded = not control.cancelled
                control.terminate(process)
                returncode = process.wait()
        finally:
            control.detach(process)
            # What the main process left behind ends with it, as in a container.
            signal_group(process.pid, signal.SIGKILL)
        if errors is not None:
            errors.finish()
        stdout_tail = tail.finish() if tail is not None and spec.capture_stdout else None
    finally:
        os.close(log_fd)
    exit_code = returncode if returncode >= 0 else 128 - returncode
    return ProcessOutcome(
        exit_code=exit_code,
        stdout_tail=stdout_tail,
        deadline_exceeded=deadline_exceeded,
        cancelled=control.cancelled and not deadline_exceeded,
    )


class Background:
    """A process run alongside the main one (a sidecar): started now, stopped later."""

    def __init__(self, spec: ProcessSpec, isolation: Isolation) -> None:
        log_fd = os.open(
            spec.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644
        )
        try:
            own_working_dir = isolation.available

            def start() -> Process:
                ensure_existing_dir(spec.cwd)
                return spawn(
                    spec.argv, spec.env, spec.cwd, log_fd, log_fd, own_working_dir,
                    isolation.commands,
                )  # fmt: skip

            self.process = isolation.spawn(spec.mounts, start)
        finally:
            os.close(log_fd)

    def stop(self, grace: float) -> tuple[int, bool]:
        """Stop it (SIGTERM, then SIGKILL after ``grace``): its exit code, and whether
        it had already ended on its own."""
        returncode = self.process.poll()
        ended_alone = returncode is not None
        if returncode is None:
            signal_group(self.process.pid, signal.SIGTERM)
            try:
                returncode = self.process.wait(grace)
            except subprocess.TimeoutExpired:
                signal_group(self.process.pid, signal.SIGKILL)
                returncode = self.process.wait()
        signal_group(self.process.pid, signal.SIGKILL)
        return (returncode if returncode >= 0 else 128 - returncode), ended_alone


class _PipeCopier:
    """Copies a process's output pipe to the log; optionally prefixes lines, keeps the tail.

    With a prefix, only whole lines are written (each chunk's in one ``write``, which
    ``O_APPEND`` keeps whole), so processes sharing the log do not split each other's
    lines; a line longer than a chunk is cut, and a last line gets its newline.
    """

    def __init__(
        self, pipe: IO[bytes], log_fd: int, prefix: bytes = b"", keep_tail: bool = False
    ) -> None:
        self._pipe = pipe
        self._prefix = prefix
        self._keep_tail = keep_tail
        # Its own descriptor: a straggler may outlive the node's, which is then closed.
        self._log_fd = os.dup(log_fd)
        self._tail = bytearray()
        self._thread = threading.Thread(target=self._copy, name="tiphys-output", daemon=True)
        self._thread.start()

    def _copy(self) -> None:
        fd = self._pipe.fileno()
        partial = b""
        try:
            while True:
                chunk = os.read(fd, _CHUNK)
                if not chunk:
                    break
                if self._keep_tail:
                    self._tail += chunk
                    if len(self._tail) > 2 * (RESULT_LIMIT + 1):
                        del self._tail[: -(RESULT_LIMIT + 1)]
                if self._prefix:
                    data, partial = _prefix_lines(self._prefix, partial + chunk)
                else:
                    data = chunk
                _write_all(self._log_fd, data)
            if partial:
                _write_all(self._log_fd, self._prefix + partial + b"\n")
        except OSError:
            return
        finally:
            os.close(self._log_fd)

    def finish(self) -> bytes:
        """Wait for the copy to end (briefly); the kept tail of the output."""
        # A process that escaped the group may hold the pipe open; do not wait forever.
        self._thread.join(_READER_JOIN_SECONDS)
        if not self._thread.is_alive():
            self._pipe.close()
        return bytes(self._tail[-(RESULT_LIMIT + 1) :])


def _prefix_lines(prefix: bytes, buffered: bytes) -> tuple[bytes, bytes]:
    """The whole lines of ``buffered``, each prefixed, and the unfinished rest."""
    end = buffered.rfind(b"\n") + 1
    if end == 0:
        if len(buffered) < _CHUNK:
            return b"", buffered
        return prefix + buffered + b"\n", b""
    lines = buffered[: end - 1].split(b"\n")
    return b"".join(prefix + line + b"\n" for line in lines), buffered[end:]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
