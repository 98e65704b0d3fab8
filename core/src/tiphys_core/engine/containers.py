"""``containerSet`` pods: one ``Container`` node per container, as Argo's controller shows them.

Each container's node is ``<pod node name>.<container name>`` under the pod node's
boundary; the pod node is the parent of containers without dependencies, and each
container the parent of those that depend on it (container_set_template.go). They start
``Pending`` and end as the executor reports each container; a container it does not
report (never started) takes the pod's phase.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tiphys_core.engine.nodes import Node

if TYPE_CHECKING:
    from tiphys_core.engine.runtime import Engine

CONTAINER = "Container"


def add_container_nodes(engine: Engine, pod: Node, template: Mapping[str, Any]) -> list[str]:
    """Create (or find, on replay) the pod's container nodes; their ids."""
    containers = (template.get("containerSet") or {}).get("containers") or ()
    nodes: dict[str, Node] = {}
    for container in containers:
        name = str(container.get("name") or "")
        nodes[name] = engine.new_node(f"{pod.name}.{name}", name, CONTAINER, pod.id, pod.id)
    for container in containers:
        child = nodes[str(container.get("name") or "")]
        dependencies = [d for d in container.get("dependencies") or () if d in nodes]
        for dependency in dependencies or ():
            engine.add_child(nodes[dependency], child)
        if not dependencies:
            engine.add_child(pod, child)
    return [node.id for node in nodes.values()]


def finish_container_nodes(
    engine: Engine, pod: Node, ids: Sequence[str], reports: Sequence[Mapping[str, Any]]
) -> None:
    """End each container node as reported; unreported ones take the pod's phase."""
    by_name = {str(report.get("name")): report for report in reports}
    for node_id in ids:
        node = engine.nodes.get(node_id)
        if node is None or node.finished:
            continue
        report = by_name.get(node.display_name)
        if report is None:
            engine.complete(node, pod.phase, pod.message, finished_at=pod.finished_at)
            continue
        if report.get("startedAt"):
            node.started_at = float(report["startedAt"])
        outputs = {"exitCode": report["exitCode"]} if report.get("exitCode") else None
        engine.complete(
            node,
            str(report.get("phase") or pod.phase),
            str(report.get("message") or ""),
            outputs,
            float(report.get("finishedAt") or 0) or None,
        )
