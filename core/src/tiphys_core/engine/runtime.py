"""The engine: a pure, incremental state machine over a workflow's node tree.

Events (start, a node's result, a timer) go in; node changes and actions (launch,
cancel, set timer) come out through :meth:`Engine.drain`. No I/O happens here. Work per
event is proportional to the nodes it touches: each running steps/DAG/retry node has a
frame that reacts to its children finishing; nothing rescans the tree.

Restart is replay: an engine built over stored nodes re-runs the same decisions;
:meth:`Engine.execute` finds existing nodes by their deterministic ids and reuses
them, so finished nodes are never run again.

A node's template is worked out in :mod:`.node_templates`, a leaf's pod launched in
:mod:`.pods`, and the workflow's exit handler and final phase are in :mod:`.exit_handler`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from tiphys_core.engine.actions import Action, SetTimer
from tiphys_core.engine.containers import add_container_nodes, finish_container_nodes
from tiphys_core.engine.daemons import Daemons
from tiphys_core.engine.dag import DAGFrame
from tiphys_core.engine.exit_handler import ExitHandler
from tiphys_core.engine.gates import LaunchGate
from tiphys_core.engine.global_outputs import (
    inputs_status,
    record_global_outputs,
    workflow_outputs,
)
from tiphys_core.engine.interventions import Interventions
from tiphys_core.engine.joined import joined_spec, positive_int
from tiphys_core.engine.lifecycle import Watch, evaluate_watches, watches_for
from tiphys_core.engine.node_templates import NodeTemplates
from tiphys_core.engine.nodes import DAG, POD, RETRY, STEPS, SUSPEND, Node, fnv32a, node_id
from tiphys_core.engine.pods import Pods
from tiphys_core.engine.results import result_references
from tiphys_core.engine.retry import RetryFrame
from tiphys_core.engine.steps import StepsFrame
from tiphys_core.engine.suspend import SuspendFrame
from tiphys_core.engine.templates import TemplateError, TemplateResolver
from tiphys_core.engine.values import UNNAMED_STEP, workflow_globals
from tiphys_core.spec.template_types import LEAF_TYPES, template_type
from tiphys_core.wire import ERROR, FAILED, PENDING, RUNNING, SKIPPED, SUCCEEDED, NodeResult

MAX_RECURSION_DEPTH = 100
WORKFLOW_DEADLINE = "<workflow activeDeadlineSeconds>"
_SHORT_CHILDREN = 8  # a node with fewer children has no set of them beside the list


class Frame(Protocol):
    """A running non-leaf node: it decides what runs next when a child finishes."""

    node: Node

    def child_finished(self, child: Node) -> None: ...

    def timer_fired(self) -> None: ...


class Engine(Interventions, ExitHandler):
    """Runs one workflow's spec. Build it, call :meth:`start`, then feed events."""

    def __init__(
        self,
        workflow: Mapping[str, Any],
        *,
        uid: str = "",
        nodes: Mapping[str, Node] | None = None,
        lookup_workflow_template: Callable[[str, bool], Mapping[str, Any] | None] | None = None,
        clock: Callable[[], float] = time.time,
        created: float | None = None,
        archive_location: Mapping[str, Any] | None = None,
    ) -> None:
        """:param archive_location: the artifact repository as a location keyed by its
        ``keyFormat`` (see :func:`tiphys_core.artifacts.repositories.archive_location`), given
        to templates with artifacts that name no location; None: no repository."""
        self.workflow = workflow
        self.name: str = (workflow.get("metadata") or {}).get("name", "")
        self.spec: Mapping[str, Any] = joined_spec(
            workflow.get("spec") or {}, lookup_workflow_template
        )
        self.resolver = TemplateResolver(self.spec, lookup_workflow_template)
        self.clock = clock
        self.nodes: dict[str, Node] = dict(nodes or {})
        self.frames: dict[str, Frame] = {}
        self.created = created if created is not None else clock()
        # Globals from the spec joined with a workflowTemplateRef's (its arguments count too).
        self.globals = workflow_globals({**workflow, "spec": self.spec}, uid, self.created)
        self.global_outputs: dict[str, str] = {}
        self.phase = PENDING
        self.message = ""
        self.results_referenced = result_references(self.spec)
        self._actions: list[Action] = []
        self._changed: dict[str, Node] = {}
        self._notify: deque[Node] = deque()
        self.templates = NodeTemplates(self)
        self.exit_node_id = ""  # the workflow's exit handler, once it runs
        self.gate = LaunchGate(positive_int(self.spec.get("parallelism")), self.nodes)
        self.pods = Pods(self)
        self.shutdown_strategy = ""  # "Stop" or "Terminate" once asked
        self._shutdown_message = ""
        self._children: dict[str, set[str]] = {}
        self.watches: list[Watch] = []  # lifecycle hooks waiting for their expression
        self.archive_location = archive_location
        self._containers: dict[str, list[str]] = {}  # containerSet pod -> its container nodes
        self.daemons = Daemons(self)

    # -- events -------------------------------------------------------------------------

    def start(self) -> None:
        """Begin (or, over stored nodes, resume) the workflow at its entrypoint."""
        self.phase = RUNNING
        self.gate.held = bool(self.spec.get("suspend"))
        deadline = positive_int(self.spec.get("activeDeadlineSeconds"))
        if deadline:
            self.request(SetTimer(WORKFLOW_DEADLINE, self.created + deadline))
        holder: dict[str, Any] = {"template": self.spec.get("entrypoint")}
        root = self.execute(
            self.name, self.name, holder, self.spec.get("arguments"), "", "", UNNAMED_STEP
        )
        self.watches += watches_for(
            self.spec.get("hooks"), self.name, None, "", lambda: self.globals
        )
        self._pump()
        if root.finished and self.phase == RUNNING:
            self._root_finished(root)
            self._pump()

    def node_result(self, result: NodeResult) -> None:
        """A leaf node ended (the executor's report)."""
        node = self.nodes.get(result.node_id)
        if node is None or node.finished:
            return  # a duplicate or late report: results are idempotent
        node.started_at = result.started_at or node.started_at
        node.host_node_name = result.host_node_name or node.host_node_name
        outputs = dict(result.outputs)
        containers = self._containers.pop(node.id, None)  # ended as reported, below
        phase, message = self.daemons.final_phase(node, result)
        self.complete(node, phase, message, outputs or None, result.finished_at or None)
        if containers:
            finish_container_nodes(self, node, containers, result.containers)
        self._pump()

    def node_running(self, report: NodeResult) -> None:
        """A leaf node reports it runs: a daemon that is ready (see :mod:`.daemons`)."""
        self.daemons.ready(report)
        self._pump()

    def timer_fired(self, node_id_: str) -> None:
        if node_id_ == WORKFLOW_DEADLINE:
            if not self.finished:
                self.shutdown("Stop", "Max duration limit exceeded")
            return
        frame = self.frames.get(node_id_)
        if frame is not None:
            frame.timer_fired()
            self._pump()

    def drain(self) -> tuple[list[Node], list[Action]]:
        """Nodes changed and actions requested since the last drain."""
        changed, actions = list(self._changed.values()), self._actions
        self._changed, self._actions = {}, []
        return changed, actions

    @property
    def finished(self) -> bool:
        return self.phase in (SUCCEEDED, FAILED, ERROR)

    # -- for frames ---------------------------------------------------------------------

    def execute(
        self,
        name: str,
        display_name: str,
        holder: Mapping[str, Any],
        arguments: Mapping[str, Any] | None,
        parent_id: str,
        boundary_id: str,
        extra: Mapping[str, str],
        *,
        in_retry: bool = False,
        depth: int = 0,
        context: Mapping[str, Any] | None = None,
    ) -> Node:
        """Start the node ``name`` running what ``holder`` names, or return it if it exists."""
        nid = self.id_for(name)
        existing = self.nodes.get(nid)
        if existing is not None and existing.finished:
            self._notify.append(existing)
            return existing
        node = existing or self._new_node(nid, name, display_name, POD, parent_id, boundary_id)
        if depth > MAX_RECURSION_DEPTH:
            self.complete(node, ERROR, f"maximum recursion depth exceeded ({MAX_RECURSION_DEPTH})")
            return node
        try:
            template, context, local = self.templates.resolve(holder, context)
            node.template_name = template.get("name") or str(holder.get("template") or "")
            if template.get("retryStrategy") is not None and not in_retry:  # {} retries too
                node.type = RETRY
                self._start_frame(RetryFrame(self, node, holder, arguments, extra, depth, context))
                return node
            values, template = self.templates.substitute(node, template, local, arguments, extra)
        except TemplateError as err:
            self.complete(node, ERROR, str(err))
            return node
        node.inputs = inputs_status(template)
        self.templates.by_node[nid] = template
        kind = template_type(template)
        if kind in LEAF_TYPES:
            node.type = POD
            if kind == "containerSet":
                self._containers[nid] = add_container_nodes(self, node, template)
            self.pods.launch(node, template, extra, holder.get("name"))
        elif kind == "steps":
            node.type = STEPS
            self._start_frame(StepsFrame(self, node, template, values, depth, context))
        elif kind == "dag":
            node.type = DAG
            self._start_frame(DAGFrame(self, node, template, values, depth, context))
        elif kind == "suspend":
            node.type = SUSPEND
            self._start_frame(SuspendFrame(self, node, template))
        else:
            self.complete(
                node, ERROR, f'template "{node.template_name}" has no type this engine runs'
            )
        return node

    def complete(
        self,
        node: Node,
        phase: str,
        message: str = "",
        outputs: dict[str, Any] | None = None,
        finished_at: float | None = None,
    ) -> None:
        """Finish ``node``; its parent frame hears of it once the current event is handled."""
        if node.finished:
            return
        node.phase = phase
        node.message = message or node.message
        if outputs is not None:
            node.outputs = outputs
        node.finished_at = finished_at or self.clock()
        if node.started_at is None:
            node.started_at = node.finished_at
        self.frames.pop(node.id, None)
        if node.id in self.daemons.by_scope:
            self.daemons.scope_ended(node)
        containers = self._containers.pop(node.id, None)
        if containers:  # the pod ended without a report (stopped, deadline)
            finish_container_nodes(self, node, containers, ())
        self.pods.ended(node)
        self._record_global_outputs(node)
        self.touch(node)
        self._notify.append(node)

    def id_for(self, name: str) -> str:
        """Argo's id for node ``name``; when 32 bits of hash collide with another node's name
        (1 in ~80k pairs: a 100k-item loop has a few), a salted id keeps both nodes."""
        nid = node_id(self.name, name)
        salt = 0
        while (existing := self.nodes.get(nid)) is not None and existing.name != name:
            salt += 1
            nid = f"{self.name}-{fnv32a(f'{name}/{salt}')}"
        return nid

    def add_child(self, parent: Node, child: Node) -> None:
        children = parent.children
        if len(children) < _SHORT_CHILDREN:  # searched as fast as a set would be
            if child.id in children:
                return
        else:  # a set beside each long list: fan-outs of 100k children stay linear
            known = self._children.get(parent.id)
            if known is None:
                known = self._children[parent.id] = set(children)
            if child.id in known:
                return
            known.add(child.id)
        children.append(child.id)
        self.touch(parent)

    def touch(self, node: Node) -> None:
        self._changed[node.id] = node

    def announce(self, node: Node) -> None:
        """Tell ``node``'s frame it counts as done while it still runs (a daemoned node)."""
        self._notify.append(node)

    def request(self, action: Action) -> None:
        self._actions.append(action)

    def new_node(
        self, name: str, display_name: str, type_: str, parent_id: str, boundary_id: str
    ) -> Node:
        """A structural node (StepGroup, TaskGroup, Skipped), or the stored one on replay."""
        nid = self.id_for(name)
        existing = self.nodes.get(nid)
        if existing is not None:
            return existing
        return self._new_node(nid, name, display_name, type_, parent_id, boundary_id)

    def template_of(self, node: Node) -> dict[str, Any]:
        return self.templates.by_node.get(node.id, {})

    # -- internals ----------------------------------------------------------------------

    def _new_node(
        self, nid: str, name: str, display: str, type_: str, parent: str, boundary: str
    ) -> Node:
        node = Node(
            id=nid, name=name, display_name=display, type=type_, phase=PENDING,
            boundary_id=boundary, parent_id=parent, started_at=self.clock(),
        )  # fmt: skip
        self.nodes[nid] = node
        self.touch(node)
        return node

    def _start_frame(self, frame: Frame) -> None:
        limit = positive_int(getattr(frame, "template", {}).get("parallelism"))
        if limit:
            self.gate.limit(frame.node.id, limit)
        frame.node.phase = RUNNING
        self.touch(frame.node)
        self.frames[frame.node.id] = frame
        start = getattr(frame, "start", None)
        if start is not None:
            start()

    def _record_global_outputs(self, node: Node) -> None:
        outputs = node.outputs
        if not outputs or not (outputs.get("parameters") or outputs.get("artifacts")):
            return  # nothing can be global: no look-up in the table of every node's template
        template = self.templates.by_node.get(node.id)
        if template:
            record_global_outputs(self.global_outputs, template, outputs)

    def _pump(self) -> None:
        """Deliver finished nodes to their parents' frames, iteratively (no deep recursion);
        then fire the lifecycle hooks whose expressions now hold."""
        self._deliver()
        if self.watches and not self.finished:
            evaluate_watches(self)
            self._deliver()

    def _deliver(self) -> None:
        while self._notify:
            node = self._notify.popleft()
            if node.id == self.name:
                self._root_finished(node)
                continue
            if node.id == self.exit_node_id:
                self._workflow_finished()
                continue
            frame = self.frames.get(node.parent_id)
            if frame is not None and (
                not self.daemons.announced or self.daemons.heard_of(node, frame)
            ):
                frame.child_finished(node)

    def workflow_outputs(self) -> dict[str, Any]:
        return workflow_outputs(self.global_outputs)


__all__ = ["SKIPPED", "Engine", "Frame", "SetTimer"]
