"""Tell plugins what happens: workflow and node lifecycle hooks, from each committed step."""

from __future__ import annotations

import re
from typing import Any

from tiphys_core.engine import Engine, Node
from tiphys_core.plugins import Hooks

_ATTEMPT = re.compile(r"\((\d+)\)$")


# The hooks that hear of single nodes: without an implementation, nodes are not looked at.
NODE_HOOKS = (
    "tiphys_node_started",
    "tiphys_node_finished",
    "tiphys_node_retried",
    "tiphys_before_exit_handler",
    "tiphys_after_exit_handler",
)


class LifecycleObserver:
    """Turns the nodes an engine step changed into ``tiphys_*`` hook calls, each once.

    Which hooks have implementations is read when the workflow starts.
    """

    def __init__(self, hooks: Hooks, workflow: dict[str, Any]) -> None:
        self.hooks = hooks
        self.workflow = workflow
        self.started: set[str] = set()
        self.finished: set[str] = set()
        self.workflow_done = False
        self.watches_nodes = any(hooks.implemented(name) for name in NODE_HOOKS)

    def workflow_started(self) -> None:
        self.hooks.workflow_started(self.workflow)

    def step(self, engine: Engine, changed: list[Node]) -> None:
        exit_name = f"{engine.name}.onExit"
        for node in changed if self.watches_nodes else ():
            status = node.to_status()
            if node.id not in self.started:
                self.started.add(node.id)
                if node.name == exit_name:
                    self.hooks.before_exit_handler(
                        self.workflow, engine.globals.get("workflow.status", "")
                    )
                self.hooks.node_started(self.workflow, status)
                attempt = _ATTEMPT.search(node.name)
                parent = engine.nodes.get(node.parent_id)
                if (
                    attempt
                    and int(attempt.group(1)) > 0
                    and parent is not None
                    and parent.type == "Retry"
                ):
                    self.hooks.node_retried(
                        self.workflow, parent.to_status(), int(attempt.group(1))
                    )
            if node.finished and node.id not in self.finished:
                self.finished.add(node.id)
                self.hooks.node_finished(self.workflow, status)
                if node.name == exit_name:
                    self.hooks.after_exit_handler(self.workflow, status)
        if engine.finished and not self.workflow_done:
            self.workflow_done = True
            self.hooks.workflow_finished(self.workflow, engine.phase, engine.message)
