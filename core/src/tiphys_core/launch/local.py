"""The local launcher: a pool of warm executor agents on this machine.

Each agent is a long-lived process (``python -m tiphys_executor.agent`` by default)
that runs many nodes at once; requests and results travel as one JSON document per
line over its stdin/stdout (see :mod:`tiphys_core.wire`). Results are delivered as
they arrive, from the launcher's reader threads, to a callback or a queue the
controller blocks on: nothing polls. A daemon's ``Running`` report (it is ready) is
delivered the same way, ahead of its result; the node is still running then.

A dead agent is replaced at once and the nodes it was running are reported ``Error``.
Agents' stderr is relayed line by line, each distinct line once, so a warning every
agent gives (such as missing mount namespaces) reaches the user once.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tiphys_core.wire import ERROR, NodeRequest, NodeResult

DEFAULT_AGENTS = 2
CANCEL_MESSAGE = "terminated"
# An agent that keeps dying young is not restarted forever.
_RESTART_WINDOW_SECONDS = 10.0
_RESTARTS_PER_WINDOW = 5
_CLOSE_TIMEOUT_SECONDS = 15.0
_STDERR_DRAIN_SECONDS = 1.0

ResultSink = Callable[[NodeResult], None] | queue.Queue[NodeResult]


def default_agent_command() -> list[str]:
    """``[sys.executable, "-m", "tiphys_executor.agent"]``."""
    return [sys.executable, "-m", "tiphys_executor.agent"]


class LauncherClosedError(RuntimeError):
    pass


@dataclass
class _Agent:
    index: int
    process: subprocess.Popen[bytes]
    in_flight: set[str] = field(default_factory=set)
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    last_message: str = ""
    stderr_reader: threading.Thread | None = None


class LocalLauncher:
    """Runs nodes on a pool of warm executor agents.

    :param results: where each :class:`NodeResult` goes: a callable (called from a
        launcher thread; keep it quick and thread-safe) or a queue. A daemon's ``Running``
        report goes there too (``result.final`` is False), before its result.
    :param agents: how many agent processes to keep (each runs many nodes at once).
    :param agent_command: the argv that starts one agent.
    :param env: the agents' environment (default: this process's).
    :param on_message: receives each distinct line the agents write to stderr
        (default: printed to this process's stderr).
    """

    def __init__(
        self,
        results: ResultSink,
        *,
        agents: int = DEFAULT_AGENTS,
        agent_command: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        on_message: Callable[[str], None] | None = None,
    ) -> None:
        if agents < 1:
            raise ValueError(f"agents must be at least 1, not {agents}")
        self._deliver: Callable[[NodeResult], None] = (
            results.put if isinstance(results, queue.Queue) else results
        )
        self._command = list(agent_command) if agent_command else default_agent_command()
        self._env = dict(env) if env is not None else None
        self._on_message = on_message or _print_to_stderr
        self._lock = threading.Lock()
        self._seen_messages: set[str] = set()
        self._restarts: list[float] = []
        self._broken = ""
        self._closed = False
        self._threads: list[threading.Thread] = []
        self._agents = [self._start_agent(index) for index in range(agents)]

    def launch(self, request: NodeRequest) -> None:
        """Hand ``request`` to the least busy agent; its result arrives later.

        :raises ValueError: the node is already running here.
        :raises LauncherClosedError: after :meth:`close`.
        """
        line = request.to_json().encode("utf-8") + b"\n"
        with self._lock:
            if self._closed:
                raise LauncherClosedError("the launcher is closed")
            if any(request.node_id in agent.in_flight for agent in self._agents):
                raise ValueError(f"node {request.node_id} is already running")
            if self._broken:
                broken = self._broken
                agent = None
            else:
                agent = self._pick()
                agent.in_flight.add(request.node_id)
        if agent is None:
            self._deliver(NodeResult(request.node_id, ERROR, broken, finished_at=time.time()))
            return
        self._write(agent, line)

    def cancel(self, node_id: str, message: str = CANCEL_MESSAGE) -> None:
        """Stop a running node; it ends ``Error`` with ``message``. Unknown ids are ignored."""
        with self._lock:
            agent = next((a for a in self._agents if node_id in a.in_flight), None)
        if agent is not None:
            line = json.dumps({"cancel": node_id, "message": message}).encode("utf-8") + b"\n"
            self._write(agent, line)

    def in_flight(self) -> int:
        """How many nodes are running."""
        with self._lock:
            return sum(len(agent.in_flight) for agent in self._agents)

    def close(self, timeout: float = _CLOSE_TIMEOUT_SECONDS) -> None:
        """Stop the agents (nodes still running are stopped, with no result) and wait."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            agents = list(self._agents)
        for agent in agents:
            if agent.process.stdin is not None:
                with agent.write_lock, contextlib.suppress(OSError):
                    agent.process.stdin.close()
        deadline = time.monotonic() + timeout
        for agent in agents:
            try:
                agent.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                agent.process.kill()
                agent.process.wait()
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> LocalLauncher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _pick(self) -> _Agent:
        # Least busy first; ties go to the first agent, whose threads are warm, so a
        # sequential chain stays on one agent while parallel nodes spread out.
        return min(self._agents, key=lambda agent: len(agent.in_flight))

    def _write(self, agent: _Agent, line: bytes) -> None:
        stdin = agent.process.stdin
        assert stdin is not None
        with agent.write_lock:
            try:
                stdin.write(line)
                stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                pass  # the agent died: its reader reports the node and restarts it

    def _start_agent(self, index: int) -> _Agent:
        process = subprocess.Popen(
            self._command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self._env,
        )
        agent = _Agent(index, process)
        for target, name in ((self._read_results, "results"), (self._read_messages, "stderr")):
            thread = threading.Thread(
                target=target, args=(agent,), name=f"tiphys-agent-{index}-{name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
            if name == "stderr":
                agent.stderr_reader = thread
        return agent

    def _read_results(self, agent: _Agent) -> None:
        stdout = agent.process.stdout
        assert stdout is not None
        for raw in stdout:
            try:
                result = NodeResult.from_json(raw.decode("utf-8"))
            except (ValueError, TypeError) as exc:
                self._message(f"executor agent {agent.index} sent a bad result: {exc}")
                continue
            with self._lock:
                known = result.node_id in agent.in_flight
                if result.final:
                    agent.in_flight.discard(result.node_id)
            if known:
                self._deliver(result)
        stdout.close()
        self._agent_ended(agent)

    def _read_messages(self, agent: _Agent) -> None:
        stderr = agent.process.stderr
        assert stderr is not None
        for raw in stderr:
            text = raw.decode("utf-8", errors="replace").rstrip("\n")
            if text.strip():
                agent.last_message = text.strip()
            self._message(text)
        stderr.close()

    def _message(self, text: str) -> None:
        with self._lock:
            if text in self._seen_messages:
                return
            self._seen_messages.add(text)
        self._on_message(text)

    def _agent_ended(self, agent: _Agent) -> None:
        code = agent.process.wait()
        if agent.stderr_reader is not None:
            agent.stderr_reader.join(_STDERR_DRAIN_SECONDS)
        if agent.process.stdin is not None:
            with agent.write_lock, contextlib.suppress(OSError):
                agent.process.stdin.close()
        with self._lock:
            if self._closed:
                return
            lost = sorted(agent.in_flight)
            agent.in_flight.clear()
            message = f"executor agent exited (exit code {code}) while the node ran"
            now = time.monotonic()
            self._restarts = [t for t in self._restarts if now - t < _RESTART_WINDOW_SECONDS]
            if len(self._restarts) >= _RESTARTS_PER_WINDOW:
                said = f": {agent.last_message}" if agent.last_message else ""
                self._broken = (
                    f"executor agents keep exiting (last exit code {code}{said}); "
                    f"check that {' '.join(self._command)!s} runs"
                )
            else:
                self._restarts.append(now)
                self._agents[agent.index] = self._start_agent(agent.index)
        for node_id in lost:
            self._deliver(NodeResult(node_id, ERROR, message, finished_at=time.time()))
        if self._broken:
            self._message(self._broken)


def _print_to_stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
