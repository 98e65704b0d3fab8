"""Nodes of a workflow run, in Argo's ``status.nodes`` shape, and their ids."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Any

from tiphys_core.wire import FINISHED_PHASES

# Node types, as Argo spells them.
POD = "Pod"
STEPS = "Steps"
STEP_GROUP = "StepGroup"
DAG = "DAG"
TASK_GROUP = "TaskGroup"
RETRY = "Retry"
SKIPPED_TYPE = "Skipped"
SUSPEND = "Suspend"


def fnv32a(text: str, prime: int = 0x01000193, mask: int = 0xFFFFFFFF) -> int:
    # The constants as parameters are local variables: a node id costs ~10% less.
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * prime) & mask
    return value


def node_id(workflow_name: str, node_name: str) -> str:
    """Argo's deterministic node id: the workflow name for the root, else ``<wf>-<fnv32a(name)>``."""
    if node_name == workflow_name:
        return workflow_name
    return f"{workflow_name}-{fnv32a(node_name)}"


@dataclass(slots=True)
class Node:
    """One node. ``to_status`` gives Argo's JSON; the rest is what the engine needs to resume."""

    id: str
    name: str
    display_name: str
    type: str
    phase: str
    template_name: str = ""
    boundary_id: str = ""
    parent_id: str = ""  # the node whose frame owns this one (not always the Argo parent)
    children: list[str] = field(default_factory=list)
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    message: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    # What the owning frame needs to continue after a restart: the template holder
    # (template/templateRef/inline) and arguments this node was started with.
    spec: dict[str, Any] = field(default_factory=dict)
    # A daemon that is ready: Running, yet done as far as its scope is concerned.
    daemoned: bool = False
    pod_ip: str = ""
    host_node_name: str = ""  # where its pod ran (Argo's hostNodeName)

    @property
    def finished(self) -> bool:
        return self.phase in FINISHED_PHASES

    def to_status(self) -> dict[str, Any]:
        """This node as Argo writes it in ``status.nodes[id]``."""
        status: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "displayName": self.display_name,
            "type": self.type,
            "phase": self.phase,
        }
        if self.template_name:
            status["templateName"] = self.template_name
        if self.boundary_id:
            status["boundaryID"] = self.boundary_id
        if self.children:
            status["children"] = list(self.children)
        if self.inputs:
            status["inputs"] = self.inputs
        if self.outputs:
            status["outputs"] = self.outputs
        if self.message:
            status["message"] = self.message
        if self.started_at is not None:
            status["startedAt"] = _rfc3339(self.started_at)
        if self.finished_at is not None:
            status["finishedAt"] = _rfc3339(self.finished_at)
        if self.daemoned:
            status["daemoned"] = True
        if self.pod_ip:
            status["podIP"] = self.pod_ip
        if self.host_node_name:
            status["hostNodeName"] = self.host_node_name
        return status

    def to_row(self) -> dict[str, Any]:
        """Everything, for the store (daemon and host fields only when set)."""
        row = {
            "id": self.id, "name": self.name, "display_name": self.display_name,
            "type": self.type, "phase": self.phase, "template_name": self.template_name,
            "boundary_id": self.boundary_id, "parent_id": self.parent_id,
            "children": self.children, "inputs": self.inputs, "outputs": self.outputs,
            "message": self.message, "started_at": self.started_at,
            "finished_at": self.finished_at, "spec": self.spec,
        }  # fmt: skip
        if self.daemoned:
            row["daemoned"] = True
        if self.pod_ip:
            row["pod_ip"] = self.pod_ip
        if self.host_node_name:
            row["host_node_name"] = self.host_node_name
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Node:
        return cls(**row)


def _rfc3339(seconds: float) -> str:
    return _rfc3339_second(int(seconds))


@functools.lru_cache(maxsize=256)
def _rfc3339_second(second: int) -> str:
    # Nodes finish in bursts within the same second: format each second once.
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
