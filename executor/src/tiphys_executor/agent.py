"""The warm executor agent: runs many nodes at once for one controller, over pipes.

Run as ``python -m tiphys_executor.agent``. It reads one JSON document per line on
stdin and writes one :class:`~tiphys_core.wire.NodeResult` per line on stdout as each
node ends (then writes it to ``<node_dir>/result.json``, where a controller that restarts
finds it), and before that a ``Running`` one when a daemon is ready (not written to the
file). A line is either a
:class:`~tiphys_core.wire.NodeRequest` or a cancellation ``{"cancel": "<node id>"}``
(optionally with ``"message"``), which terminates that node's process group; the node
then ends ``Error`` with that message (default ``terminated``).

At end of input (the controller closed the pipe or died) the agent terminates the nodes
still running, records no result for them (so a recovering controller runs them
again), and exits. Only each node's own command is spawned: no interpreter per node.

At start the agent builds one plugin manager and takes from it the template handlers
(the executor's own arrive through its entry point, like a third party's) and the
artifact drivers every node sees as ``node.drivers``. (Loading them on a thread of their
own gains nothing: the first node's own imports contend for the same interpreter.)
``http``, ``data`` and ``plugin`` templates run inside the agent, with no process per node.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import IO, Any

from tiphys_core.wire import ERROR, NodeRequest, NodeResult, WireVersionError

from tiphys_executor.isolation import Isolation
from tiphys_executor.node import NodeContext, run_node, write_result_file
from tiphys_executor.process import NodeControl
from tiphys_executor.registry import Lookup, registries_from_plugins
from tiphys_executor.spawn import keep_descriptors_private

CANCEL_MESSAGE = "terminated"
_SHUTDOWN_JOIN_SECONDS = 30.0
_MAX_IDLE_THREADS = 16


class Agent:
    """Dispatches requests from ``requests`` and reports results on ``results``.

    :param registry: template handlers by type name.
    :param drivers: artifact drivers by name, handed to every node (default: none).
    :param kill_grace: seconds between SIGTERM and SIGKILL when a node is stopped.
    """

    def __init__(
        self,
        requests: IO[bytes],
        results: IO[bytes],
        errors: IO[str],
        registry: Lookup[Any],
        isolation: Isolation,
        kill_grace: float = 10.0,
        drivers: Lookup[Any] | None = None,
    ) -> None:
        self._requests = requests
        self._results = results
        self._errors = errors
        self._registry = registry
        self._drivers = drivers
        self._isolation = isolation
        self._kill_grace = kill_grace
        self._write_lock = threading.Lock()
        self._lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._running: dict[str, NodeControl] = {}
        self._threads: list[threading.Thread] = []
        self._ready = 0  # threads taking turns at reading, not running a node
        self._end_of_input = threading.Event()
        # Snapshots: threads that spawned in a namespace are left in "/".
        self._environment = dict(os.environ)
        self._working_dir = os.getcwd()

    def serve(self) -> None:
        """Handle lines until end of input, then stop the nodes still running."""
        with self._lock:
            self._add_thread()
        self._end_of_input.wait()
        self._shutdown()

    def _add_thread(self) -> None:
        # Called with self._lock held.
        thread = threading.Thread(
            target=self._take_turns, name=f"tiphys-node-{len(self._threads)}", daemon=True
        )
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        self._ready += 1
        thread.start()

    def _take_turns(self) -> None:
        """Leader/follower: the thread that reads a request runs it; another reads on.

        The next reader takes over once this node's first process has started (or at once
        for a node that may do slow work first, such as fetching artifacts): it then wakes
        while the process runs, so neither a thread handoff nor a rival for the
        interpreter lies between a request's arrival and its spawn.
        """
        while True:
            self._read_lock.acquire()
            try:
                raw = b"" if self._end_of_input.is_set() else self._requests.readline()
            except BaseException:
                self._read_lock.release()
                raise
            if not raw:
                self._end_of_input.set()
                self._read_lock.release()
                return
            line = raw.strip()
            try:
                node = self._handle(line) if line else None
            except Exception as exc:  # a bug here must not leave the agent without a reader
                self.say(f"could not handle a line ({exc!r}): {line[:200]!r}")
                node = None
            if node is None:
                self._read_lock.release()
                continue
            if _spawns_at_once(node.request.template):
                node.control.on_started = self._read_lock.release
            else:
                self._read_lock.release()
            with self._lock:
                self._ready -= 1
                if self._ready == 0:
                    self._add_thread()
            try:
                self._run(node)
            finally:
                node.control.started()  # hands over reading if no process started
            with self._lock:
                if self._ready >= _MAX_IDLE_THREADS or self._isolation.stranded():
                    return
                self._ready += 1

    def _handle(self, line: bytes) -> NodeContext | None:
        """Act on one line; a node request is returned for the calling thread to run."""
        try:
            document: Any = json.loads(line)
        except ValueError as exc:
            self.say(f"ignoring a line that is not JSON ({exc}): {line[:200]!r}")
            return None
        if not isinstance(document, dict):
            self.say(f"ignoring a line that is not a JSON object: {line[:200]!r}")
            return None
        if "cancel" in document:
            self._cancel(str(document["cancel"]), str(document.get("message") or CANCEL_MESSAGE))
            return None
        return self._accept(document)

    def _accept(self, document: dict[str, Any]) -> NodeContext | None:
        try:
            request = NodeRequest.from_document(document)
        except (WireVersionError, TypeError, KeyError, ValueError) as exc:
            node_id = document.get("node_id")
            if isinstance(node_id, str) and node_id:
                self._send(NodeResult(node_id, ERROR, f"bad node request: {exc}").to_json())
            else:
                self.say(f"ignoring a request without a node_id: {exc}")
            return None
        request.node_dir = os.path.abspath(request.node_dir)
        request.workflow_dir = os.path.abspath(request.workflow_dir)
        control = NodeControl(kill_grace=self._kill_grace, held=[])
        node = NodeContext(
            request=request,
            isolation=self._isolation,
            control=control,
            environment=self._environment,
            working_dir=self._working_dir,
            drivers=self._drivers,
            on_running=self._report_running,
        )
        with self._lock:
            if request.node_id in self._running:
                self.say(f"node {request.node_id} is already running here; ignoring the repeat")
                return None
            self._running[request.node_id] = control
        return node

    def _run(self, node: NodeContext) -> None:
        try:
            self._run_and_report(node)
        finally:
            node.control.release()  # the node's views are torn down once it is reported

    def _run_and_report(self, node: NodeContext) -> None:
        try:
            result = run_node(node, self._registry)
        except Exception as exc:  # e.g. node_dir cannot be created: report, keep serving
            result = NodeResult(node.request.node_id, ERROR, f"executor error: {exc}")
        with self._lock:
            del self._running[node.request.node_id]
        if node.control.abandoned:
            return
        text = result.to_json()
        # Reported first, then written: the file is for a controller that restarts, which
        # takes far longer to than this write (were both killed in between, the node was
        # never recorded anywhere, and runs again); written first, it delayed every report.
        self._send(text)
        try:
            if not (node.control.cancelled and _is_daemon(node.request.template)):
                write_result_file(node.request.node_dir, text)
        except OSError as exc:
            self.say(f"could not write the result file of node {result.node_id}: {exc}")

    def _report_running(self, report: NodeResult) -> None:
        # Not in result.json: a controller that recovers runs a daemon again.
        self._send(report.to_json())

    def _cancel(self, node_id: str, message: str) -> None:
        with self._lock:
            control = self._running.get(node_id)
        if control is not None:
            control.cancel(message)

    def _shutdown(self) -> None:
        with self._lock:
            running = list(self._running.values())
        for control in running:
            control.abandon()
        with self._lock:
            threads = list(self._threads)
        deadline = time.monotonic() + _SHUTDOWN_JOIN_SECONDS
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _send(self, text: str) -> None:
        data = text.encode("utf-8") + b"\n"
        with self._write_lock:
            try:
                self._results.write(data)
                self._results.flush()
            except (BrokenPipeError, ValueError):
                pass  # the controller is gone; result.json has the result

    def say(self, message: str) -> None:
        """Tell the user something, on stderr (the controller relays it)."""
        with self._write_lock, contextlib.suppress(OSError, ValueError):
            print(f"tiphys executor agent: {message}", file=self._errors, flush=True)


def _is_daemon(template: dict[str, Any]) -> bool:
    """A daemon stopped by the controller is not recorded in result.json: the controller
    records it (``Succeeded``), and one that dies before it has is replayed by running the
    daemon again, not by reading a stopped daemon's ``Error``."""
    return str(template.get("daemon")).lower() == "true"


def _spawns_at_once(template: Mapping[str, Any]) -> bool:
    """Whether a node starts its first process after only brief work (a pod-like template
    without input artifacts to fetch)."""
    if not ("container" in template or "script" in template or "containerSet" in template):
        return False
    return not (template.get("inputs") or {}).get("artifacts")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m tiphys_executor.agent``."""
    parser = argparse.ArgumentParser(prog="python -m tiphys_executor.agent")
    parser.add_argument(
        "--no-isolation",
        action="store_true",
        help="run nodes in the host's filesystem view (no private /tmp, no volume mounts)",
    )
    parser.add_argument(
        "--kill-grace",
        type=float,
        default=10.0,
        help="seconds between SIGTERM and SIGKILL when a node is stopped (default 10)",
    )
    options = parser.parse_args(argv)
    holder: list[Agent] = []
    isolation = Isolation(
        enabled=not options.no_isolation, warn=lambda message: holder[0].say(message)
    )
    isolation.enter_user_namespace()  # while the agent has a single thread
    keep_descriptors_private()
    pending: list[str] = []  # messages from before the agent exists to say them
    registries = registries_from_plugins(pending.append)
    agent = Agent(
        sys.stdin.buffer,
        sys.stdout.buffer,
        sys.stderr,
        registries.template_handlers,
        isolation,
        kill_grace=options.kill_grace,
        drivers=registries.artifact_drivers,
    )
    holder.append(agent)
    for message in pending:
        agent.say(message)
    agent.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
