"""A steps template: groups run one after another, the steps of a group in parallel."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from tiphys_core.engine.children import (
    exit_hook_holder,
    expand_children,
    failed_without_continue,
    skipped_values,
    start_exit_hook,
)
from tiphys_core.engine.frame import TemplateFrame
from tiphys_core.engine.lifecycle import watches_for
from tiphys_core.engine.nodes import STEP_GROUP, Node
from tiphys_core.engine.outputs import template_outputs
from tiphys_core.engine.values import node_values
from tiphys_core.wire import ERROR, FAILED, OMITTED, SKIPPED, SUCCEEDED

if TYPE_CHECKING:
    from tiphys_core.engine.runtime import Engine


class StepsFrame(TemplateFrame):
    def __init__(
        self,
        engine: Engine,
        node: Node,
        template: dict[str, Any],
        values: Mapping[str, str],
        depth: int,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(engine, node, template, values, depth, context)
        self.groups = [g if isinstance(g, list) else [] for g in template.get("steps") or ()]
        self.index = -1
        self.previous: list[Node] = []

    def start(self) -> None:
        self._next_group()

    def _next_group(self) -> None:
        self.index += 1
        if self.index >= len(self.groups):
            outputs = template_outputs(self.engine, self.template, self.values)
            self.engine.complete(self.node, SUCCEEDED, outputs=outputs)
            return
        name = f"{self.node.name}[{self.index}]"
        group = self.engine.new_node(
            name, f"[{self.index}]", STEP_GROUP, self.node.id, self.node.id
        )
        for parent in self.previous or [self.node]:
            self.engine.add_child(parent, group)
        frame = StepGroupFrame(self, group, self.groups[self.index])
        self.engine.frames[group.id] = frame
        group.phase = "Running"
        self.engine.touch(group)
        frame.start()

    def child_finished(self, child: Node) -> None:
        """A step group ended."""
        nodes = self.engine.nodes
        self.previous = [
            nodes[c] for c in child.children if c in nodes and nodes[c].parent_id == child.id
        ]
        if child.phase != SUCCEEDED:
            self.engine.complete(
                self.node, child.phase if child.phase in (FAILED, ERROR) else FAILED, child.message
            )
            return
        self._next_group()


class StepGroupFrame:
    """One group: every step (and loop iteration) starts at once; done when all have ended
    (with their exit hooks)."""

    def __init__(self, steps: StepsFrame, node: Node, group: list[Any]) -> None:
        self.steps = steps
        self.engine = steps.engine
        self.node = node
        self.group = [s for s in group if isinstance(s, Mapping)]
        self.pending: set[str] = set()
        self.by_step: dict[str, list[Node]] = {}
        self.looped: set[str] = set()
        self.step_of: dict[str, Mapping[str, Any]] = {}  # node id -> its step
        self.hooks: set[str] = set()  # exit hook nodes

    def start(self) -> None:
        steps = self.steps
        for step in self.group:
            name = str(step.get("name"))
            children = expand_children(
                self.engine, step, f"{self.node.name}.{name}", name, steps.values,
                parent=self.node, boundary_id=steps.node.id, depth=steps.depth, context=steps.context,
            )  # fmt: skip
            self.by_step[name] = [child.node for child in children]
            if any(child.looped for child in children):
                self.looped.add(name)
            for child in children:
                self.step_of[child.node.id] = step
                self.pending.add(child.node.id)
                if step.get("hooks") is not None:
                    self.engine.watches += watches_for(
                        step["hooks"], child.node, self.node, steps.node.id,
                        _step_view(name, child.node, steps.values), steps.context,
                    )  # fmt: skip
        if not self.pending:
            self._finish()

    def timer_fired(self) -> None:
        pass

    def child_finished(self, child: Node) -> None:
        step = self.step_of.get(child.id)
        hook = exit_hook_holder(step) if step is not None and child.id not in self.hooks else None
        if hook is not None and child.phase not in (SKIPPED, OMITTED):
            steps = self.steps
            own = node_values("steps", str(step.get("name")) if step else "", child)
            hook_node = start_exit_hook(
                self.engine,
                hook,
                child,
                ChainMap(own, steps.values),
                self.node,
                steps.node.id,
                steps.depth,
                steps.context,
            )
            self.hooks.add(hook_node.id)
            self.pending.add(hook_node.id)
            if hook_node.finished:
                self.pending.discard(hook_node.id)
        self.pending.discard(child.id)
        if not self.pending:
            self._finish()

    def _finish(self) -> None:
        steps = self.steps
        failed = None
        for step in self.group:
            name = str(step.get("name"))
            nodes = self.by_step.get(name, [])
            failed = failed or next(
                (n for n in nodes if failed_without_continue(n, step.get("continueOn"))), None
            )
            if name in self.looped:
                steps.values.update(
                    node_values("steps", name, loop_summary(self.node, nodes), nodes)
                )
            elif nodes:
                steps.values.update(node_values("steps", name, nodes[0]))
                steps.values.update(
                    skipped_values(self.engine, "steps", name, step, nodes[0], steps.context)
                )
        if failed is not None:
            self.engine.complete(self.node, FAILED, f"child '{failed.id}' failed")
        else:
            self.engine.complete(self.node, SUCCEEDED)


def _step_view(name: str, node: Node, values: dict[str, Any]) -> Callable[[], Mapping[str, Any]]:
    """What a step's lifecycle hooks see: the step as it is now, and the steps before it."""
    return lambda: ChainMap(dict(node_values("steps", name, node)), values)


def loop_summary(group: Node, nodes: list[Node]) -> Node:
    """A stand-in node for a loop's status and times (its iterations are the real nodes)."""
    phase = SUCCEEDED
    for node in nodes:
        if node.phase in (FAILED, ERROR):
            phase = node.phase
    return Node(
        id=group.id, name=group.name, display_name=group.display_name, type=group.type,
        phase=phase, started_at=group.started_at, finished_at=group.finished_at,
    )  # fmt: skip
