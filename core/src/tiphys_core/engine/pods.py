"""Launching a leaf node's pod: its deadline, whether its result is captured, the
parallelism gate it waits at, and the pods launched that have not ended yet.

As Argo's controller creates a pod for a container, script, resource, data, http or
plugin template (``workflowpod.go``): a launch asked for during a shutdown fails the node
instead, unless the workflow's exit handler runs (exit handlers still run on Stop).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tiphys_core.engine.actions import Launch
from tiphys_core.engine.nodes import Node
from tiphys_core.engine.retry import parse_duration
from tiphys_core.wire import FAILED, RUNNING

if TYPE_CHECKING:
    from tiphys_core.engine.runtime import Engine


class Pods:
    """The pods of one engine's workflow."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.running: set[str] = set()  # pod nodes launched (or waiting at the gate), not ended

    def launch(
        self, node: Node, template: dict[str, Any], extra: Mapping[str, str], step_name: Any
    ) -> None:
        """Ask for ``node``'s pod to run ``template`` (once the parallelism gate lets it)."""
        engine = self.engine
        node.phase = RUNNING
        engine.touch(node)
        if engine.shutdown_strategy and not engine.exit_node_id:
            engine.complete(
                node, FAILED, f"workflow shutdown with strategy: {engine.shutdown_strategy}"
            )
            return
        attempt = int(extra.get("retries", "0") or 0)
        capture = engine.results_referenced.wanted(step_name)
        deadline = pod_deadline(template, node.started_at or engine.clock())
        launch = Launch(node.id, node.name, template, attempt, capture, deadline)
        engine.daemons.launched(node, template)
        self.running.add(node.id)
        engine.gate.offer(node, launch, engine.request)

    def ended(self, node: Node) -> None:
        """``node`` finished: if its pod was launched, its place at the gate is free."""
        if node.id in self.running:
            self.running.discard(node.id)
            self.engine.gate.finished(node, self.engine.request)


def pod_deadline(template: Mapping[str, Any], started: float) -> float | None:
    """When the pod must be stopped: the sooner of the template's ``timeout`` and
    ``activeDeadlineSeconds`` after ``started``; None without either."""
    timeout, seconds = template.get("timeout"), template.get("activeDeadlineSeconds")
    if timeout is None and seconds is None:
        return None
    limits = [parse_duration(timeout)]
    if isinstance(seconds, int) or (isinstance(seconds, str) and seconds.isdigit()):
        limits.append(float(seconds))
    limits = [limit for limit in limits if limit > 0]
    return started + min(limits) if limits else None
