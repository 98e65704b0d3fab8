"""The controller loop: event-driven, one engine step per event, steps committed together
within :data:`COMMIT_SECONDS` (a crash meanwhile is replayed from the nodes' result files)."""

from __future__ import annotations

import heapq
import os
import queue
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from tiphys_core.artifacts import Secrets
from tiphys_core.artifacts.repositories import RepositoryError, archive_location, resolve_repository
from tiphys_core.controller.artifact_gc import ON_COMPLETION, artifacts_to_collect, collect
from tiphys_core.controller.observers import LifecycleObserver
from tiphys_core.engine import Cancel, Engine, Launch, Node, SetTimer
from tiphys_core.plugins import Hooks
from tiphys_core.store import Store, WorkflowRecord
from tiphys_core.wire import ERROR, NodeRequest, NodeResult, WorkflowIdentity

StepObserver = Callable[[Engine, list[Node]], None]


def tune_garbage_collector() -> None:
    """Collect the young generation less often: a large workflow holds millions of long-lived
    objects, and CPython's default thresholds rescan them far more than they change."""
    import gc

    gc.set_threshold(50_000, 20, 100)


COMMAND_POLL_SECONDS = 0.25
# While results keep coming, commands are looked for at most this often.
COMMAND_BUSY_SECONDS = 0.02
# Engine steps are committed together, at most this long after the first of them: what a
# crash loses meanwhile is replayed (a finished node's result is in its result.json).
COMMIT_SECONDS = 0.05


def _selector(text: Any) -> Callable[[Node], bool] | None:
    """Argo's ``--node-field-selector``: ``displayName=x``, ``name=x``, ``templateName=x``, ``id=x``."""
    if not isinstance(text, str) or "=" not in text:
        return None
    field, _, wanted = text.partition("=")
    attribute = {
        "displayName": "display_name",
        "name": "name",
        "templateName": "template_name",
        "id": "id",
    }
    key = attribute.get(field.strip())
    if key is None:
        return None
    return lambda node: str(getattr(node, key)) == wanted.strip()


def workflow_volumes(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The volumes every node may mount: ``spec.volumes`` and ``spec.volumeClaimTemplates``."""
    entries = [*(spec.get("volumes") or ()), *(spec.get("volumeClaimTemplates") or ())]
    return [dict(entry) for entry in entries if isinstance(entry, Mapping)]


def _starts_exit_handler(engine: Engine, changed: list[Node]) -> bool:
    exit_name = f"{engine.name}.onExit"
    return any(node.name == exit_name for node in changed)


def _new_node_dir(path: str) -> bool:
    """Make a node's directory; False if it was there (one ``mkdir`` in the usual case)."""
    try:
        os.mkdir(path)
    except FileNotFoundError:
        os.makedirs(path, exist_ok=True)
    except FileExistsError:
        return False
    return True


def _stored_result(node_dir: str) -> NodeResult | None:
    """The result a node wrote before the controller stopped, if any."""
    try:
        with open(os.path.join(node_dir, "result.json"), encoding="utf-8") as handle:
            return NodeResult.from_json(handle.read())
    except FileNotFoundError:
        return None


class Launcher(Protocol):
    """Runs leaf nodes; reports each result to the callback it was built with."""

    def launch(self, request: NodeRequest) -> None: ...

    def cancel(self, node_id: str) -> None: ...

    def close(self) -> None: ...


class Controller:
    """Runs workflows stored in ``store`` through ``launcher``; results arrive on ``results``."""

    def __init__(
        self,
        home: Path,
        store: Store,
        launcher: Launcher,
        results: queue.Queue[NodeResult],
        hooks: Hooks | None = None,
    ) -> None:
        self.home = home
        self.store = store
        self.launcher = launcher
        self.results = results
        self.hooks = hooks

    def run(self, uid: str, on_step: StepObserver | None = None) -> WorkflowRecord:
        """Run (or resume) one workflow to its end. Safe to call again after a crash."""
        record = self.store.get(uid)
        if record is None:
            raise KeyError(uid)
        try:
            archive = archive_location(
                resolve_repository((record.document.get("spec") or {}), self.home).repository
            )
        except RepositoryError as err:
            return self._refuse(record, str(err))
        engine = Engine(
            record.document, uid=uid, nodes=self.store.nodes(uid),
            lookup_workflow_template=self._lookup_template, created=record.created,
            archive_location=archive,
        )  # fmt: skip
        if record.started is None:
            record.started = time.time()
        observer = LifecycleObserver(self.hooks, record.document) if self.hooks else None
        if observer is not None:
            observer.workflow_started()
        engine.start()
        volumes = workflow_volumes(engine.spec)
        timers: list[tuple[float, str]] = []
        in_flight: set[str] = set()
        uncommitted: dict[str, Node] = {}
        commit_by = 0.0  # monotonic time by which the uncommitted steps are committed
        commit_now = False
        obey_at = 0.0  # monotonic time from which commands are looked for again
        while True:
            changed, actions = engine.drain()
            record.phase, record.message = engine.phase, engine.message
            if engine.finished and record.finished is None:
                record.finished = time.time()
                record.outputs = engine.workflow_outputs()
            # Hooks hear of a step once its nodes are launched, except of the exit handler's
            # start: tiphys_before_exit_handler is told before it runs.
            told = (
                observer is not None
                and observer.watches_nodes
                and _starts_exit_handler(engine, changed)
            )
            if told and observer is not None:
                observer.step(engine, changed)
            # Launch first: the agents spawn while this step is committed and shown. A node
            # that ends before a crash is found in its result.json when the step is replayed.
            for action in actions:
                self._act(action, record, in_flight, timers, volumes)
            if observer is not None and not told:
                observer.step(engine, changed)
            if not uncommitted:
                commit_by = time.monotonic() + COMMIT_SECONDS
            uncommitted.update((node.id, node) for node in changed)
            if engine.finished or not in_flight or commit_now or time.monotonic() >= commit_by:
                self.store.commit(record, uncommitted.values())
                uncommitted.clear()
                commit_now = False
            if on_step is not None:
                on_step(engine, changed)
            if engine.finished:
                for node_id in list(in_flight):
                    self.launcher.cancel(node_id)
                self._collect_artifacts(engine, ON_COMPLETION)
                return record
            now = time.monotonic()
            if now >= obey_at and self._obey(engine, record.uid):
                commit_now = True  # the commands are taken: commit what they did at once
            else:
                obey_at = max(obey_at, now + COMMAND_BUSY_SECONDS)
                self._wait(engine, timers, in_flight, commit_by if uncommitted else None)

    def _act(
        self,
        action: Any,
        record: WorkflowRecord,
        in_flight: set[str],
        timers: list[tuple[float, str]],
        volumes: list[dict[str, Any]],
    ) -> None:
        if isinstance(action, Launch):
            workflow_dir = os.path.join(self.home, "workflows", record.uid)
            node_dir = os.path.join(workflow_dir, "nodes", f"{action.node_id}-{action.attempt}")
            stored = None if _new_node_dir(node_dir) else _stored_result(node_dir)
            if stored is not None:  # finished before a crash: take the result, do not run again
                self.results.put(stored)
            else:
                self.launcher.launch(
                    NodeRequest(
                        workflow=WorkflowIdentity(record.name, record.namespace, record.uid),
                        node_id=action.node_id, node_name=action.node_name, template=action.template,
                        node_dir=node_dir, workflow_dir=workflow_dir,
                        attempt=action.attempt, capture_result=action.capture_result,
                        deadline=action.deadline, pod_name=action.node_id, volumes=volumes,
                    )
                )  # fmt: skip
            in_flight.add(action.node_id)
        elif isinstance(action, Cancel):
            self.launcher.cancel(action.node_id)
        elif isinstance(action, SetTimer):
            heapq.heappush(timers, (action.at, action.node_id))

    def _obey(self, engine: Engine, uid: str) -> bool:
        """Apply commands other processes sent (``tiphys stop|terminate|suspend|resume``);
        True when there were any (the engine may have new actions)."""
        commands = self.store.take_commands(uid)
        for command, arguments in commands:
            if command in ("Stop", "Terminate"):
                engine.shutdown(command)
            elif command == "suspend":
                engine.suspend()
            elif command == "set":
                engine.set_outputs(
                    _selector(arguments.get("selector")), arguments.get("parameters") or {}
                )
            elif command == "resume":
                engine.resume(_selector(arguments.get("selector")), arguments.get("outputs"))
        return bool(commands)

    def _wait(
        self,
        engine: Engine,
        timers: list[tuple[float, str]],
        in_flight: set[str],
        commit_by: float | None = None,
    ) -> None:
        """Block until a result arrives, a timer is due, a command may have come or
        ``commit_by`` (monotonic) is reached."""
        timeout = max(0.0, timers[0][0] - time.time()) if timers else None
        if not in_flight and timeout is None and not engine.waiting_for_someone:
            raise RuntimeError(
                "the workflow is waiting on nothing: nothing runs and no timer is set"
            )
        # Commands from other processes are looked for at this pace; results are not.
        poll = COMMAND_POLL_SECONDS if timeout is None else min(timeout, COMMAND_POLL_SECONDS)
        if commit_by is not None:
            poll = max(0.0, min(poll, commit_by - time.monotonic()))
        try:
            result = self.results.get(timeout=poll)
        except queue.Empty:
            if timers and timers[0][0] <= time.time():
                _, node_id = heapq.heappop(timers)
                engine.timer_fired(node_id)
            return
        if not result.final:  # a daemon is ready; it runs on
            engine.node_running(result)
            return
        in_flight.discard(result.node_id)
        engine.node_result(result)

    def _refuse(self, record: WorkflowRecord, message: str) -> WorkflowRecord:
        record.phase, record.message = ERROR, message
        record.started = record.started or time.time()
        record.finished = record.finished or time.time()
        self.store.commit(record, [])
        return record

    def _collect_artifacts(self, engine: Engine, strategy: str) -> None:
        chosen = artifacts_to_collect(engine.spec, engine.nodes.values(), strategy)
        if chosen and self.hooks is not None:
            secrets = Secrets(self.home / "secrets")
            drivers = self.hooks.artifact_drivers()
            for problem in collect(chosen, drivers, secrets, engine.archive_location):
                print(f"tiphys: artifact garbage collection: {problem}", file=sys.stderr)

    def _lookup_template(self, name: str, cluster: bool) -> Mapping[str, Any] | None:
        kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
        document = self.store.get_template(kind, name)
        return (document or {}).get("spec")
