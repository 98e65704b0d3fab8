"""The engine: a pure, incremental state machine over a workflow's node tree.

Events (start, a node's result, a timer) go in; node changes and actions (launch,
cancel, set timer) come out through :meth:`Engine.drain`. No I/O happens here. Work per
event is proportional to the nodes it touches: each running steps/DAG/retry node has a
frame that reacts to its children finishing; nothing rescans the tree.

Restart is replay: an engine built over stored nodes re-runs the same decisions;
:meth:`Engine.execute` finds existing nodes by their deterministic ids and reuses
them, so finished nodes are never run again.
"""

from __future__ import annotations

import time
from collections import ChainMap, deque
from collections.abc import Callable, Mapping
from typing import Any, Protocol, cast

from tiphys_core.engine.actions import Action, Cancel, Launch, SetTimer
from tiphys_core.engine.artifacts import (
    bind_input_artifacts,
    input_artifact_values,
    path_values,
    with_archive_location,
)
from tiphys_core.engine.containers import add_container_nodes, finish_container_nodes
from tiphys_core.engine.daemons import Daemons
from tiphys_core.engine.gates import LaunchGate
from tiphys_core.engine.global_outputs import (
    inputs_status,
    record_global_outputs,
    workflow_outputs,
)
from tiphys_core.engine.interventions import Interventions
from tiphys_core.engine.joined import joined_spec, positive_int
from tiphys_core.engine.lifecycle import Watch, evaluate_watches, watches_for
from tiphys_core.engine.nodes import DAG, POD, RETRY, STEPS, SUSPEND, Node, fnv32a, node_id
from tiphys_core.engine.results import result_references
from tiphys_core.engine.templates import TemplateError, TemplateResolver, bind_inputs
from tiphys_core.engine.values import (
    UNNAMED_STEP,
    workflow_duration,
    workflow_failures,
    workflow_globals,
)
from tiphys_core.spec.template_types import LEAF_TYPES, template_type
from tiphys_core.wire import ERROR, FAILED, PENDING, RUNNING, SKIPPED, SUCCEEDED, NodeResult

MAX_RECURSION_DEPTH = 100
WORKFLOW_DEADLINE = "<workflow activeDeadlineSeconds>"
_UNSUBSTITUTED_FIELDS = ("withItems", "withParam", "withSequence", "inline", "hooks")


class Frame(Protocol):
    """A running non-leaf node: it decides what runs next when a child finishes."""

    node: Node

    def child_finished(self, child: Node) -> None: ...

    def timer_fired(self) -> None: ...


class Engine(Interventions):
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
        self._templates: dict[str, dict[str, Any]] = {}
        self._exit_node_id = ""
        self._compiled: dict[Any, Any] = {}
        self.gate = LaunchGate(positive_int(self.spec.get("parallelism")), self.nodes)
        self.shutdown_strategy = ""  # "Stop" or "Terminate" once asked
        self._shutdown_message = ""
        self._bodies: dict[int, tuple[Mapping[str, Any], Any]] = {}
        self._launched: set[str] = set()  # pods launched and not yet finished
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
            template, context = self.resolver.resolve(holder, context)
            node.template_name = template.get("name") or str(holder.get("template") or "")
            if template.get("retryStrategy") is not None and not in_retry:  # {} retries too
                from tiphys_core.engine.retry import RetryFrame

                node.type = RETRY
                self._start_frame(RetryFrame(self, node, holder, arguments, extra, depth, context))
                return node
            outer: Mapping[str, str] = ChainMap(dict(extra), self.global_outputs, self.globals)
            if template.get("inputs"):
                template["inputs"] = inputs_section = dict(
                    self._substitute(template["inputs"], outer, node)
                )
                inputs = bind_inputs(template, arguments)
                inputs_section["parameters"] = [
                    {**param, "value": inputs[f"inputs.parameters.{param['name']}"]}
                    for param in inputs_section.get("parameters") or ()
                ]
                if inputs_section.get("artifacts"):
                    bound = bind_input_artifacts(template, (arguments or {}).get("artifacts"))
                    inputs_section["artifacts"] = bound
                    inputs.update(input_artifact_values(bound))
            else:
                inputs = {}
            if template.get("outputs") or template.get("inputs"):
                inputs.update(path_values(template))
            if self.archive_location is not None and template_type(template) in LEAF_TYPES:
                template = with_archive_location(template, self.archive_location, self.spec)
            values = ChainMap(inputs, cast(dict[str, str], outer))
            # A local template without inputs reads the same every time: compile it once.
            plain = isinstance(holder.get("template"), str) and not template.get("inputs")
            cache_key = f"{holder['template']}@{id(context)}" if plain else ""
            template = self._substitute(template, values, node, cache_key)
        except TemplateError as err:
            self.complete(node, ERROR, str(err))
            return node
        node.inputs = inputs_status(template)
        self._templates[nid] = template
        kind = template_type(template)
        if kind in LEAF_TYPES:
            node.type = POD
            if kind == "containerSet":
                self._containers[nid] = add_container_nodes(self, node, template)
            self._launch(node, template, extra, holder.get("name"))
        elif kind == "steps":
            from tiphys_core.engine.steps import StepsFrame

            node.type = STEPS
            self._start_frame(StepsFrame(self, node, template, values, depth, context))
        elif kind == "dag":
            from tiphys_core.engine.dag import DAGFrame

            node.type = DAG
            self._start_frame(DAGFrame(self, node, template, values, depth, context))
        elif kind == "suspend":
            from tiphys_core.engine.suspend import SuspendFrame

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
        if node.id in self._launched:
            self._launched.discard(node.id)
            self.gate.finished(node, self.request)
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
        known = self._children.get(parent.id)
        if known is None:  # a set beside each list: fan-outs of 100k children stay linear
            known = self._children[parent.id] = set(parent.children)
        if child.id not in known:
            known.add(child.id)
            parent.children.append(child.id)
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

    def compiled_body(self, holder: Mapping[str, Any]) -> Any:
        """A step or task, compiled once: without loop fields, inline template and hooks
        (hooks are substituted when they run, once the node they watch has outputs)."""
        from tiphys_core.templating import compile_structure

        key = id(holder)
        cached = self._bodies.get(key)
        if cached is None or cached[0] is not holder:
            body = {k: v for k, v in holder.items() if k not in _UNSUBSTITUTED_FIELDS}
            cached = self._bodies[key] = (holder, compile_structure(body))
        return cached[1]

    def template_of(self, node: Node) -> dict[str, Any]:
        return self._templates.get(node.id, {})

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

    def _launch(
        self, node: Node, template: dict[str, Any], extra: Mapping[str, str], step_name: Any
    ) -> None:
        node.phase = RUNNING
        self.touch(node)
        from tiphys_core.engine.retry import parse_duration

        started = node.started_at or self.clock()
        limits = [parse_duration(template.get("timeout"))]
        seconds = template.get("activeDeadlineSeconds")
        if isinstance(seconds, int) or (isinstance(seconds, str) and seconds.isdigit()):
            limits.append(float(seconds))
        limits = [limit for limit in limits if limit > 0]
        deadline = started + min(limits) if limits else None
        attempt = int(extra.get("retries", "0") or 0)
        capture = self.results_referenced.wanted(step_name)
        launch = Launch(node.id, node.name, template, attempt, capture, deadline)
        if self.shutdown_strategy and not self._exit_node_id:  # exit handlers still run on Stop
            self.complete(
                node, FAILED, f"workflow shutdown with strategy: {self.shutdown_strategy}"
            )
            return
        self.daemons.launched(node, template)
        self._launched.add(node.id)
        self.gate.offer(node, launch, self.request)

    def _substitute(
        self, template: Any, values: Mapping[str, str], node: Node, cache_key: str = ""
    ) -> Any:
        """``template`` with its ``{{...}}`` resolved; compiled once per template, rendered per node."""
        from tiphys_core.templating import TemplatingError, compile_structure

        compiled = self._compiled.get(cache_key) if cache_key else None
        if compiled is None:
            compiled = compile_structure(template, field=f"templates.{node.template_name}")
            if cache_key:
                self._compiled[cache_key] = compiled
        root = self.nodes.get(self.name)
        started = root.started_at if root is not None and root.started_at else self.created
        duration = workflow_duration(started, self.clock())
        local = ChainMap(
            {"pod.name": node.id, "node.name": node.name, "workflow.duration": duration},
            cast(dict[str, str], values),
        )
        try:
            return compiled.render(local, share=True)
        except TemplatingError as err:
            raise TemplateError(str(err).splitlines()[0]) from None

    def _record_global_outputs(self, node: Node) -> None:
        template = self._templates.get(node.id)
        if template and node.outputs:
            record_global_outputs(self.global_outputs, template, node.outputs)

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
            if node.id == self._exit_node_id:
                self._workflow_finished()
                continue
            frame = self.frames.get(node.parent_id)
            if frame is not None and (
                not self.daemons.announced or self.daemons.heard_of(node, frame)
            ):
                frame.child_finished(node)

    def _root_finished(self, root: Node) -> None:
        if self.phase != RUNNING or self._exit_node_id:
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
            self._exit_node_id = self.id_for(f"{self.name}.onExit")
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
        exit_node = self.nodes.get(self._exit_node_id) if self._exit_node_id else None
        if exit_node is not None and exit_node.phase in (FAILED, ERROR) and self.phase == SUCCEEDED:
            self.phase = exit_node.phase
            self.message = exit_node.message
        for frame in list(self.frames.values()):  # anything left running
            self.request(Cancel(frame.node.id))
        self.daemons.end_all()

    def workflow_outputs(self) -> dict[str, Any]:
        return workflow_outputs(self.global_outputs)


__all__ = ["SKIPPED", "Engine", "Frame", "SetTimer"]
