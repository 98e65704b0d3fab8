from __future__ import annotations

import queue
import random
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from tiphys_core.controller import Controller, SubmitOptions, prepare_submission
from tiphys_core.engine import Launch
from tiphys_core.store import Store, WorkflowRecord
from tiphys_core.wire import FAILED, SUCCEEDED, NodeRequest, NodeResult

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: chain-}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: echo, arguments: {parameters: [{name: m, value: a}]}}
      - {name: b, depends: a, template: echo, arguments: {parameters: [{name: m, value: "{{tasks.a.outputs.result}}b"}]}}
      - {name: c, depends: a, template: echo, arguments: {parameters: [{name: m, value: "{{tasks.a.outputs.result}}c"}]}}
      - {name: d, depends: b && c, template: echo, arguments: {parameters: [{name: m, value: "{{tasks.b.outputs.result}}{{tasks.c.outputs.result}}"}]}}
      - {name: e, depends: d, template: echo, withItems: [1, 2, 3], arguments: {parameters: [{name: m, value: "{{item}}"}]}}
  - name: echo
    inputs: {parameters: [{name: m}]}
    container: {image: alpine, command: [echo, "{{inputs.parameters.m}}"]}
"""


class Crash(Exception):
    pass


class FakeLauncher:
    """Runs nodes in-process: echo prints its argument; writes result.json as the real agent does."""

    def __init__(self, results: queue.Queue[NodeResult], crash_after: int | None = None) -> None:
        self.results = results
        self.crash_after = crash_after
        self.launched: Counter[str] = Counter()

    def launch(self, request: NodeRequest) -> None:
        if self.crash_after is not None and sum(self.launched.values()) >= self.crash_after:
            raise Crash
        self.launched[request.node_name] += 1
        args = request.template["container"]["command"][1:]
        result = NodeResult(
            request.node_id,
            SUCCEEDED,
            "",
            {"result": " ".join(args), "exitCode": "0"},
            time.time(),
            time.time(),
        )
        (Path(request.node_dir) / "result.json").write_text(result.to_json())
        self.results.put(result)

    def cancel(self, node_id: str) -> None:
        pass

    def close(self) -> None:
        pass


def submit(store: Store) -> str:
    name, uid, workflow = prepare_submission(
        yaml.safe_load(WORKFLOW), SubmitOptions(), store.name_taken
    )
    store.create(WorkflowRecord(uid, name, "default", "Pending", time.time(), workflow))
    return uid


def test_controller_runs_a_dag_to_success_and_persists_every_node(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite")
    uid = submit(store)
    results: queue.Queue[NodeResult] = queue.Queue()
    record = Controller(tmp_path, store, FakeLauncher(results), results).run(uid)
    assert record.phase == SUCCEEDED
    nodes = {n.display_name: n for n in store.nodes(uid).values()}
    assert nodes["d"].outputs == {"result": "abac", "exitCode": "0"}
    assert [nodes[f"e({i}:{i + 1})"].phase for i in range(3)] == [SUCCEEDED] * 3
    assert store.get(uid).phase == SUCCEEDED


@pytest.mark.parametrize("seed", range(12))
def test_controller_killed_at_any_launch_resumes_without_rerunning_finished_nodes(
    tmp_path: Path, seed: int
) -> None:
    store = Store(tmp_path / "db.sqlite")
    uid = submit(store)
    total: Counter[str] = Counter()
    crash_points = sorted(random.Random(seed).sample(range(1, 7), 2))
    for crash_after in [*crash_points, None]:
        results: queue.Queue[NodeResult] = queue.Queue()
        launcher = FakeLauncher(
            results, crash_after=None if crash_after is None else crash_after - sum(total.values())
        )
        try:
            record = Controller(tmp_path, Store(tmp_path / "db.sqlite"), launcher, results).run(uid)
        except Crash:
            record = None
        total.update(launcher.launched)
    assert record is not None and record.phase == SUCCEEDED
    assert max(total.values()) == 1, total  # no node ran twice
    assert len(total) == 7


def test_failed_node_fails_the_workflow_with_argo_message(tmp_path: Path) -> None:
    class Failing(FakeLauncher):
        def launch(self, request: NodeRequest) -> None:
            self.results.put(NodeResult(request.node_id, FAILED, "exit code 1", {"exitCode": "1"}))

    store = Store(tmp_path / "db.sqlite")
    uid = submit(store)
    results: queue.Queue[NodeResult] = queue.Queue()
    record = Controller(tmp_path, store, Failing(results), results).run(uid)
    assert record.phase == FAILED
    assert Launch  # the engine's action type is what the controller consumes


def test_controller_tells_plugins_about_the_workflow_and_each_node_once(tmp_path: Path) -> None:
    from tiphys_core import hookimpl
    from tiphys_core.plugins import Hooks, make_plugin_manager

    class Recorder:
        def __init__(self) -> None:
            self.events: list[tuple[str, str]] = []

        @hookimpl
        def tiphys_workflow_started(self, workflow: dict[str, object]) -> None:
            self.events.append(("workflow_started", ""))

        @hookimpl
        def tiphys_node_finished(self, node: dict[str, str]) -> None:
            self.events.append(("node_finished", node["displayName"]))

        @hookimpl
        def tiphys_workflow_finished(self, phase: str) -> None:
            self.events.append(("workflow_finished", phase))

    recorder = Recorder()
    hooks = Hooks(make_plugin_manager(load_entry_points=False, extra=[recorder], disabled=()))
    store = Store(tmp_path / "db.sqlite")
    uid = submit(store)
    results: queue.Queue[NodeResult] = queue.Queue()
    Controller(tmp_path, store, FakeLauncher(results), results, hooks).run(uid)
    finished = [name for event, name in recorder.events if event == "node_finished"]
    assert recorder.events[0] == ("workflow_started", "")
    assert recorder.events[-1] == ("workflow_finished", SUCCEEDED)
    assert sorted(set(finished)) == sorted(finished)  # each node once
    assert {"a", "b", "c", "d", "e(0:1)"} <= set(finished)


def test_nodes_are_looked_at_for_hooks_only_when_a_node_hook_is_implemented() -> None:
    from tiphys_core import hookimpl
    from tiphys_core.controller.observers import LifecycleObserver
    from tiphys_core.plugins import Hooks, make_plugin_manager

    class WorkflowOnly:
        @hookimpl
        def tiphys_workflow_finished(self, phase: str) -> None:
            pass

    class NodeWatcher:
        @hookimpl
        def tiphys_node_started(self, node: dict[str, str]) -> None:
            pass

    def observer(plugin: object) -> LifecycleObserver:
        manager = make_plugin_manager(load_entry_points=False, extra=[plugin], disabled=())
        return LifecycleObserver(Hooks(manager), {})

    assert not observer(WorkflowOnly()).watches_nodes
    assert observer(NodeWatcher()).watches_nodes
