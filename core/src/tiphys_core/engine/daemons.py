"""Daemons (``daemon: true``): done for their scope once ready, stopped when it ends.

As Argo's controller does (operator.go ``assessNodeStatus``, exec_control.go
``killDaemonedChildren``):

- A daemon's pod node becomes *daemoned* once it runs and is ready: here, when the
  executor reports ``Running`` (its process started, or its ``readinessProbe`` first
  passed). It stays ``Running`` with ``daemoned: true`` and its ``podIP``, but its step
  group counts it as done and DAG ``depends`` sees it as ``Daemoned``. A retry node whose
  attempt is daemoned is daemoned too, and counts as done for its scope the same way.
- When the steps or DAG node it belongs to (its boundary) finishes, the daemon is
  stopped and ends ``Succeeded``; its own report of being stopped is ignored. So it is when
  a workflow shutdown stops it (its scope ends then too).
- A daemon that ends on its own fails its node: with its error, or ``Failed`` when it
  exited 0, since a daemon is meant to run until stopped. Its scope, which heard it was
  ready, does not hear of that end again (a step group reads its steps' phases when it
  ends; a DAG looks at :meth:`Daemons.late_failure`), except a retry node, which retries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tiphys_core.engine.actions import Cancel
from tiphys_core.engine.nodes import POD, Node
from tiphys_core.wire import ERROR, FAILED, SUCCEEDED, NodeResult

if TYPE_CHECKING:
    from tiphys_core.engine.runtime import Engine, Frame

EXITED_MESSAGE = "daemon exited on its own (exit code 0); a daemon runs until its scope ends"
NOT_READY_MESSAGE = "daemon stopped before it was ready: its scope ended"


def is_daemon(template: Mapping[str, Any]) -> bool:
    """Whether ``template`` is a daemon (``daemon: true``)."""
    value = template.get("daemon")
    return value is True or (isinstance(value, str) and value.lower() == "true")


class Daemons:
    """The daemons of one engine's workflow, by the scope that stops them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pods: set[str] = set()  # daemon pod nodes launched
        self.by_scope: dict[str, set[str]] = {}  # boundary id -> its daemon and retry nodes
        self.announced: set[str] = set()  # nodes whose scope heard they are ready

    def launched(self, node: Node, template: Mapping[str, Any]) -> None:
        """A pod node launches; if a daemon, its scope will stop it. (A daemon launched
        again on recovery is not ready until it says so again.)"""
        if not is_daemon(template):
            return
        self.pods.add(node.id)
        self.by_scope.setdefault(node.boundary_id, set()).add(node.id)
        if node.daemoned or node.pod_ip:
            node.daemoned, node.pod_ip = False, ""
            self.engine.touch(node)

    def ready(self, report: NodeResult) -> None:
        """A daemon reports it is running and ready: it is daemoned, its scope goes on."""
        node = self.engine.nodes.get(report.node_id)
        if node is None or node.finished or node.daemoned or node.id not in self.pods:
            return  # a late or repeated report, or not a daemon
        if report.started_at:
            node.started_at = report.started_at
        node.host_node_name = report.host_node_name or node.host_node_name
        self._daemoned(node, report.pod_ip)

    def _daemoned(self, node: Node, pod_ip: str) -> None:
        from tiphys_core.engine.retry import RetryFrame

        node.daemoned, node.pod_ip = True, pod_ip
        self.engine.touch(node)
        frame = self.engine.frames.get(node.parent_id)
        if isinstance(frame, RetryFrame):  # the retry node stands for its attempt
            retry = frame.node
            retry.host_node_name = node.host_node_name or retry.host_node_name
            self.by_scope.setdefault(retry.boundary_id, set()).add(retry.id)
            self._daemoned(retry, pod_ip)
        elif frame is not None and node.id not in self.announced:
            # Nothing waits on a daemon outside any frame (an entrypoint or exit handler).
            self.announced.add(node.id)
            self.engine.announce(node)

    def heard_of(self, node: Node, frame: Frame) -> bool:
        """Whether ``frame`` should hear of ``node`` now: not of the end of a daemon it
        already counted as done, unless it retries it."""
        from tiphys_core.engine.retry import RetryFrame

        return not (
            node.finished and node.id in self.announced and not isinstance(frame, RetryFrame)
        )

    def final_phase(self, node: Node, report: NodeResult) -> tuple[str, str]:
        """The phase and message a daemon ends with when it reports its end itself."""
        if node.id not in self.pods:
            return report.phase, report.message
        daemoned, node.daemoned = node.daemoned, False
        if daemoned and self.engine.shutdown_strategy:
            return SUCCEEDED, ""  # stopped by the shutdown, which ends its scope too
        if report.phase == SUCCEEDED:
            return FAILED, EXITED_MESSAGE
        return report.phase, report.message

    def scope_ended(self, scope: Node) -> None:
        """``scope`` (a steps or DAG node) finished: stop the daemons it started."""
        ids = self.by_scope.pop(scope.id, None)
        for node_id in sorted(ids or ()):
            node = self.engine.nodes[node_id]
            if node.finished:
                continue
            if node.type == POD:
                self.engine.request(Cancel(node.id))
            daemoned, node.daemoned = node.daemoned, False
            if daemoned:
                self.engine.complete(node, SUCCEEDED)
            else:
                self.engine.complete(node, ERROR, NOT_READY_MESSAGE)

    def end_all(self) -> None:
        """The workflow ended: stop the daemons still running (none but those no scope
        owns, such as a daemon entrypoint). Marked in place: no frame may react now."""
        for ids in self.by_scope.values():
            for node_id in sorted(ids):
                node = self.engine.nodes[node_id]
                if node.finished:
                    continue
                if node.type == POD:
                    self.engine.request(Cancel(node.id))
                node.phase = SUCCEEDED if node.daemoned else ERROR
                node.message = "" if node.daemoned else NOT_READY_MESSAGE
                node.daemoned = False
                node.finished_at = self.engine.clock()
                self.engine.touch(node)
        self.by_scope.clear()

    def late_failure(
        self, done: Mapping[str, Node], tasks: Mapping[str, Mapping[str, Any]], targets: set[str]
    ) -> Node | None:
        """A DAG target counted as done while daemoned that has failed since: Argo assesses
        a DAG from its targets' phases when it ends."""
        from tiphys_core.engine.children import failed_without_continue

        for name in sorted(targets):
            node = done.get(name)
            if (
                node is not None
                and node.id in self.announced
                and failed_without_continue(node, tasks[name].get("continueOn"))
            ):
                return node
        return None
