"""How a workflow ends: once its entrypoint's node has, its exit handler runs (``onExit``
or ``hooks.exit``, seeing ``workflow.status`` and ``workflow.failures``), then its phase is
settled, as Argo's ``exit_handler.go`` and ``operator.go`` do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tiphys_core.engine.actions import Action, Cancel
from tiphys_core.engine.nodes import Node
from tiphys_core.engine.values import UNNAMED_STEP, workflow_failures
from tiphys_core.wire import ERROR, FAILED, RUNNING, SUCCEEDED

if TYPE_CHECKING:
    from tiphys_core.engine.daemons import Daemons
    from tiphys_core.engine.runtime import Frame


class ExitHandler:
    """Mixed into :class:`~tiphys_core.engine.runtime.Engine`."""

    name: str
    spec: Mapping[str, Any]
    nodes: dict[str, Node]
    frames: dict[str, Frame]
    globals: dict[str, str]
    daemons: Daemons
    phase: str
    message: str
    exit_node_id: str
    shutdown_strategy: str
    _shutdown_message: str

    # Provided by Engine.
    def id_for(self, name: str) -> str:
        raise NotImplementedError

    def execute(
        self,
        name: str,
        display_name: str,
        holder: Mapping[str, Any],
        arguments: Mapping[str, Any] | None,
        parent_id: str,
        boundary_id: str,
        extra: Mapping[str, str],
    ) -> Node:
        raise NotImplementedError

    def request(self, action: Action) -> None:
        raise NotImplementedError

    def _root_finished(self, root: Node) -> None:
        if self.phase != RUNNING or self.exit_node_id:
            return
        if self.shutdown_strategy == "Terminate":
            self._workflow_finished()
            return
        exit_template = self.spec.get("onExit") or (
            (self.spec.get("hooks") or {}).get("exit") or {}
        ).get("template")
        self.globals["workflow.status"] = root.phase
        self.globals["workflow.failures"] = workflow_failures(self.nodes.values())
        if exit_template:
            holder = (self.spec.get("hooks") or {}).get("exit") or {"template": exit_template}
            self.exit_node_id = self.id_for(f"{self.name}.onExit")
            exit_node = self.execute(
                f"{self.name}.onExit",
                f"{self.name}.onExit",
                holder,
                holder.get("arguments"),
                "",
                "",
                UNNAMED_STEP,
            )
            if exit_node.finished:
                self._workflow_finished()
            return
        self._workflow_finished()

    def _workflow_finished(self) -> None:
        root = self.nodes[self.name]
        self.phase = root.phase if root.phase in (SUCCEEDED, FAILED, ERROR) else ERROR
        self.message = root.message
        if self.shutdown_strategy:
            self.phase = FAILED
            self.message = self._shutdown_message
        exit_node = self.nodes.get(self.exit_node_id) if self.exit_node_id else None
        if exit_node is not None and exit_node.phase in (FAILED, ERROR) and self.phase == SUCCEEDED:
            self.phase = exit_node.phase
            self.message = exit_node.message
        for frame in list(self.frames.values()):  # anything left running
            self.request(Cancel(frame.node.id))
        self.daemons.end_all()
