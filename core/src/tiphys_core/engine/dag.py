"""A DAG template: each task starts once its dependencies allow, in parallel otherwise."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
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
from tiphys_core.engine.nodes import SKIPPED_TYPE, TASK_GROUP, Node
from tiphys_core.engine.outputs import template_outputs
from tiphys_core.engine.steps import loop_summary
from tiphys_core.engine.values import node_values
from tiphys_core.templating import (
    ContinueOn,
    DependsError,
    DependsExpr,
    TaskState,
    parse_depends,
)
from tiphys_core.wire import ERROR, FAILED, OMITTED, SKIPPED, SUCCEEDED

if TYPE_CHECKING:
    from tiphys_core.engine.runtime import Engine

_FAILURE_RESULTS = (".Failed", ".Errored", ".AllFailed", ".AnySucceeded")


class DAGFrame(TemplateFrame):
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
        self.hooks: dict[str, str] = {}  # exit hook node id -> task name
        dag = template.get("dag") or {}
        self.tasks: dict[str, Mapping[str, Any]] = {
            str(t.get("name")): t for t in dag.get("tasks") or ()
        }
        self.fail_fast = dag.get("failFast", True) is not False
        # Only the tasks that tolerate a failure: a name missing here widens nothing. (Objects
        # made once per task of a 100k-task DAG are what the garbage collector rescans.)
        continue_on: dict[str, ContinueOn] = {}
        for name, t in self.tasks.items():
            allowed = t.get("continueOn") or {}
            if allowed.get("failed") or allowed.get("error"):
                continue_on[name] = ContinueOn(
                    failed=bool(allowed.get("failed")), error=bool(allowed.get("error"))
                )
        self.depends: dict[str, DependsExpr | None] = {}
        self.dependents: dict[str, list[str]] = {}  # only tasks something depends on
        self.waiting: dict[str, int] = {}
        for name, task in self.tasks.items():
            text = task.get("depends")
            if not text and task.get("dependencies"):
                text = " && ".join(task["dependencies"])
            expression = parse_depends(text, continue_on) if text else None
            self.depends[name] = expression
            deps = {d for d in (expression.task_names() if expression else ()) if d in self.tasks}
            self.waiting[name] = len(deps)
            for dep in deps:
                self.dependents.setdefault(dep, []).append(name)
        self.targets = self._targets(dag.get("target"))
        self.done: dict[str, Node] = {}
        self.started: dict[str, Node] = {}
        self.groups: dict[str, list[Node]] = {}  # TaskGroup id -> iterations
        self.task_of: dict[str, str] = {}  # node id -> task name
        self.failed: Node | None = None
        self.targets_done = 0

    def _targets(self, target: Any) -> set[str]:
        if not isinstance(target, str) or not target.strip():
            return set(self.tasks)
        needed, stack = set(), [t for t in target.split() if t in self.tasks]
        while stack:
            name = stack.pop()
            if name not in needed:
                needed.add(name)
                expression = self.depends.get(name)
                stack.extend(
                    d for d in (expression.task_names() if expression else ()) if d in self.tasks
                )
        return needed

    def start(self) -> None:
        for name in self.tasks:
            if name in self.targets and self.waiting[name] == 0:
                self._run(name)
        self._maybe_finish()

    def _run(self, name: str) -> None:
        expression = self.depends[name]
        if expression is not None:
            states = {dep: self._state(dep) for dep in expression.task_names() if dep in self.done}
            try:
                go = expression.evaluate(states)
            except DependsError:
                go = False
            if not go or (self.fail_fast and self.failed is not None):
                omitted = self.engine.new_node(
                    f"{self.node.name}.{name}", name, SKIPPED_TYPE, self.node.id, self.node.id
                )
                self._link(name, omitted)
                self._started(name, omitted)
                self.engine.complete(omitted, OMITTED, "omitted: depends condition not met")
                return
        task = self.tasks[name]
        looped = (
            task.get("withItems") is not None
            or task.get("withParam") is not None
            or task.get("withSequence") is not None
        )
        parent = self.node
        if looped:
            parent = self.engine.new_node(
                f"{self.node.name}.{name}", name, TASK_GROUP, self.node.id, self.node.id
            )
            parent.phase = "Running"
            self.engine.frames[parent.id] = _TaskGroupFrame(self, parent, name)
        children = expand_children(
            self.engine, task, f"{self.node.name}.{name}", name, self.values,
            parent=parent, boundary_id=self.node.id, depth=self.depth, link=looped, context=self.context,
            name_variable="tasks.name",
        )  # fmt: skip
        node = parent if looped else children[0].node
        self._link(name, node)
        self._started(name, node)
        if task.get("hooks") is not None:
            self.engine.watches += watches_for(
                task["hooks"], node, self.node, self.node.id,
                lambda: ChainMap(node_values("tasks", name, node), self.values), self.context,
            )  # fmt: skip
        if looped:
            group_frame = self.engine.frames.get(parent.id)
            if isinstance(group_frame, _TaskGroupFrame):
                group_frame.expect([c.node for c in children])

    def _started(self, name: str, node: Node) -> None:
        self.started[name] = node
        self.task_of[node.id] = name

    def _link(self, name: str, node: Node) -> None:
        expression = self.depends[name]
        deps = [d for d in (expression.task_names() if expression else ()) if d in self.started]
        if not deps:
            self.engine.add_child(self.node, node)
        else:
            for dep in deps:
                self.engine.add_child(self.started[dep], node)

    def _state(self, name: str) -> TaskState:
        node = self.done[name]
        children = None
        if node.type == TASK_GROUP:
            children = tuple(n.phase for n in self.groups.get(node.id, []))
        return TaskState(node.phase, daemoned=node.daemoned, children_phases=children)

    def child_finished(self, child: Node) -> None:
        hooked = self.hooks.pop(child.id, None)
        if hooked is not None:  # an exit hook ended: now its task counts as done
            self.task_finished(hooked, self.started[hooked])
            return
        name = self.task_of.get(child.id)
        if name is None or name in self.done:
            return
        hook = exit_hook_holder(self.tasks[name])
        if hook is not None and child.phase not in (SKIPPED, OMITTED):
            own = node_values("tasks", name, child)
            hook_node = start_exit_hook(
                self.engine,
                hook,
                child,
                ChainMap(own, self.values),
                self.node,
                self.node.id,
                self.depth,
                self.context,
            )
            self.hooks[hook_node.id] = name
            return
        self.task_finished(name, child)

    def task_finished(self, name: str, node: Node) -> None:
        self.done[name] = node
        if name in self.targets:
            self.targets_done += 1
        iterations = self.groups.get(node.id)
        summary = loop_summary(node, iterations) if iterations is not None else node
        self.values.update(node_values("tasks", name, summary, iterations or ()))
        if iterations is None:
            self.values.update(
                skipped_values(self.engine, "tasks", name, self.tasks[name], node, self.context)
            )
        task = self.tasks[name]
        if failed_without_continue(node, task.get("continueOn")) and not self._failure_handled(
            name
        ):
            self.failed = self.failed or node
        for dependent in self.dependents.get(name, ()):
            self.waiting[dependent] -= 1
            if (
                self.waiting[dependent] == 0
                and dependent in self.targets
                and dependent not in self.started
            ):
                self._run(dependent)
        self._maybe_finish()

    def _failure_handled(self, name: str) -> bool:
        # A failure some task depends on explicitly (A.Failed, A.Errored, ...) is expected.
        for dependent in self.dependents.get(name, ()):
            text = self.tasks[dependent].get("depends") or ""
            if any(f"{name}{result}" in text for result in _FAILURE_RESULTS):
                return True
        return False

    def _maybe_finish(self) -> None:
        if self.node.finished or self.targets_done < len(self.targets):
            return
        if self.failed is None and self.engine.daemons.announced:
            self.failed = self.engine.daemons.late_failure(self.done, self.tasks, self.targets)
        if self.failed is not None:
            self.engine.complete(self.node, FAILED, f"child '{self.failed.id}' failed")
            return
        outputs = template_outputs(self.engine, self.template, self.values)
        self.engine.complete(self.node, SUCCEEDED, outputs=outputs)


class _TaskGroupFrame:
    """A looped task: its iterations run in parallel; it ends when they all have."""

    def __init__(self, dag: DAGFrame, node: Node, task: str) -> None:
        self.dag = dag
        self.node = node
        self.task = task
        self.pending: set[str] | None = None

    def expect(self, children: list[Node]) -> None:
        self.dag.groups[self.node.id] = children
        self.pending = {c.id for c in children if not c.finished}
        if not self.pending:
            self._finish()

    def timer_fired(self) -> None:
        pass

    def child_finished(self, child: Node) -> None:
        if self.pending is None:
            return
        self.pending.discard(child.id)
        if not self.pending:
            self._finish()

    def _finish(self) -> None:
        children = self.dag.groups.get(self.node.id, [])
        continue_on = self.dag.tasks[self.task].get("continueOn")
        bad = next((c for c in children if failed_without_continue(c, continue_on)), None)
        phase = (
            SUCCEEDED if bad is None else (bad.phase if bad.phase in (FAILED, ERROR) else FAILED)
        )
        self.dag.engine.complete(self.node, phase, f"child '{bad.id}' failed" if bad else "")
