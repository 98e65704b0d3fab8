"""``plugin: {greet: {who: ...}}``: succeeds with ``outputs.result`` = ``hello <who>``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tiphys_core.wire import ERROR, SUCCEEDED, NodeResult

if TYPE_CHECKING:
    from tiphys_executor.node import NodeContext


class GreetHandler:
    """Runs inside the executor agent; no process is started."""

    def run(self, node: NodeContext) -> NodeResult:
        body = node.request.template["plugin"]["greet"] or {}
        who = body.get("who")
        if not who:
            return NodeResult(node.request.node_id, ERROR, "plugin.greet.who is required")
        return NodeResult(node.request.node_id, SUCCEEDED, outputs={"result": f"hello {who}"})
