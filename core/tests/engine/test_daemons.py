"""Daemons (``daemon: true``) in the engine: done for their scope once ready, stopped
(``Succeeded``) when it ends, failed when they end on their own."""

from __future__ import annotations

import copy

import yaml
from tiphys_core.engine import Cancel, Engine, Launch, Node
from tiphys_core.engine.daemons import EXITED_MESSAGE
from tiphys_core.wire import ERROR, FAILED, RUNNING, SUCCEEDED, NodeResult

STEPS = """
metadata: {name: wf}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: server, template: server}
    - - name: client
        template: client
        arguments: {parameters: [{name: ip, value: "{{steps.server.ip}}"}]}
  - name: server
    daemon: true
    container: {image: nginx, command: [nginx]}
  - name: client
    inputs: {parameters: [{name: ip}]}
    container: {image: curl, command: [curl, "http://{{inputs.parameters.ip}}/"]}
"""

DAG = """
metadata: {name: wf}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: server, template: server}
      - name: client
        depends: server
        template: client
        arguments: {parameters: [{name: ip, value: "{{tasks.server.ip}}"}]}
      - {name: other, template: client, arguments: {parameters: [{name: ip, value: x}]}}
  - name: server
    daemon: true
    container: {image: nginx, command: [nginx]}
  - name: client
    inputs: {parameters: [{name: ip}]}
    container: {image: curl, command: [curl, "http://{{inputs.parameters.ip}}/"]}
"""


class Run:
    """An engine driven by hand: the test plays the executor."""

    def __init__(self, text: str, nodes: dict[str, Node] | None = None) -> None:
        self.engine = Engine(yaml.safe_load(text), nodes=nodes, clock=lambda: 1000.0)
        self.engine.start()
        self.launched: dict[str, Launch] = {}
        self.cancelled: list[str] = []
        self.take()

    def take(self) -> list[Launch]:
        _, actions = self.engine.drain()
        new = [a for a in actions if isinstance(a, Launch)]
        self.launched.update({a.node_name: a for a in new})
        self.cancelled += [a.node_id for a in actions if isinstance(a, Cancel)]
        return new

    def node(self, name: str) -> Node:
        return next(n for n in self.engine.nodes.values() if n.name == name)

    def ready(self, name: str) -> list[Launch]:
        report = NodeResult(self.launched[name].node_id, RUNNING, pod_ip="127.0.0.1")
        self.engine.node_running(report)
        return self.take()

    def end(self, name: str, phase: str = SUCCEEDED, message: str = "") -> list[Launch]:
        self.engine.node_result(NodeResult(self.launched[name].node_id, phase, message))
        return self.take()


def test_next_step_group_waits_until_the_daemon_is_ready() -> None:
    run = Run(STEPS)
    assert list(run.launched) == ["wf[0].server"]
    run.engine.node_running(NodeResult("unknown", RUNNING))  # ignored
    assert run.take() == []
    started = run.ready("wf[0].server")
    assert [launch.node_name for launch in started] == ["wf[1].client"]


def test_daemoned_node_stays_running_with_its_ip_in_status_and_scope() -> None:
    run = Run(STEPS)
    started = run.ready("wf[0].server")
    server = run.node("wf[0].server")
    assert server.phase == RUNNING
    assert server.to_status()["daemoned"] is True
    assert server.to_status()["podIP"] == "127.0.0.1"
    assert started[0].template["container"]["command"] == ["curl", "http://127.0.0.1/"]
    assert run.node("wf[0]").phase == SUCCEEDED  # the step group counts it as done


def test_daemon_is_stopped_and_succeeds_when_its_steps_scope_ends() -> None:
    run = Run(STEPS)
    run.ready("wf[0].server")
    run.end("wf[1].client")
    server = run.node("wf[0].server")
    assert run.engine.phase == SUCCEEDED
    assert server.phase == SUCCEEDED
    assert "daemoned" not in server.to_status()
    assert run.cancelled == [server.id]
    run.end("wf[0].server", ERROR, "terminated")  # its report of being stopped: ignored
    assert server.phase == SUCCEEDED


def test_repeated_ready_report_is_ignored() -> None:
    run = Run(STEPS)
    run.ready("wf[0].server")
    assert run.ready("wf[0].server") == []


def test_daemon_failing_before_it_is_ready_fails_the_workflow() -> None:
    run = Run(STEPS)
    run.end("wf[0].server", FAILED, "main: Error (exit code 1)")
    assert run.node("wf[0].server").message == "main: Error (exit code 1)"
    assert run.engine.phase == FAILED
    assert "wf[1].client" not in run.launched


def test_daemon_exiting_zero_on_its_own_fails_as_in_argo() -> None:
    run = Run(STEPS)
    run.ready("wf[0].server")
    run.end("wf[0].server", SUCCEEDED)
    server = run.node("wf[0].server")
    assert (server.phase, server.message) == (FAILED, EXITED_MESSAGE)
    assert "daemoned" not in server.to_status()


def test_daemon_dying_while_its_step_group_runs_fails_the_group() -> None:
    run = Run(
        STEPS.replace(
            "- - {name: server, template: server}",
            """- - {name: server, template: server}
      - {name: slow, template: client, arguments: {parameters: [{name: ip, value: x}]}}""",
        )
    )
    run.ready("wf[0].server")
    run.end("wf[0].server", FAILED, "main: Error (exit code 2)")
    assert run.node("wf[0]").phase == RUNNING  # still waiting for slow
    run.end("wf[0].slow")
    assert run.node("wf[0]").phase == FAILED
    assert run.engine.phase == FAILED


def test_dag_task_depending_on_a_daemon_starts_once_it_is_ready() -> None:
    run = Run(DAG)
    assert sorted(run.launched) == ["wf.other", "wf.server"]
    started = run.ready("wf.server")
    assert [launch.node_name for launch in started] == ["wf.client"]
    assert started[0].template["container"]["command"] == ["curl", "http://127.0.0.1/"]
    run.end("wf.client")
    assert run.engine.phase == RUNNING  # "other" still runs; the daemon with it
    run.end("wf.other")
    assert run.engine.phase == SUCCEEDED
    assert run.node("wf.server").phase == SUCCEEDED


def test_dag_depends_sees_a_ready_daemon_as_daemoned() -> None:
    run = Run(DAG.replace("depends: server", 'depends: "server.Daemoned"'))
    assert [launch.node_name for launch in run.ready("wf.server")] == ["wf.client"]


def test_dag_target_daemon_failing_after_ready_fails_the_dag() -> None:
    run = Run(DAG.replace("depends: server", "depends: other"))
    run.ready("wf.server")
    run.end("wf.server", ERROR, "main: killed")
    run.end("wf.other")
    run.end("wf.client")
    assert run.node("wf").phase == FAILED
    assert run.engine.phase == FAILED


def test_daemon_in_a_nested_scope_is_stopped_when_that_scope_ends() -> None:
    run = Run("""
metadata: {name: wf}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: inner, template: inner}
    - - {name: after, template: work}
  - name: inner
    steps:
    - - {name: server, template: server}
    - - {name: use, template: work}
  - name: server
    daemon: true
    container: {image: nginx, command: [nginx]}
  - name: work
    container: {image: alpine, command: [true]}
""")
    run.ready("wf[0].inner[0].server")
    run.end("wf[0].inner[1].use")
    server = run.node("wf[0].inner[0].server")
    assert server.phase == SUCCEEDED  # stopped with its scope, before "after" runs
    assert server.id in run.cancelled
    assert "wf[1].after" in run.launched


def test_daemon_with_retries_is_retried_when_it_dies_and_stopped_with_its_scope() -> None:
    run = Run(
        STEPS.replace("    daemon: true\n", "    daemon: true\n    retryStrategy: {limit: 2}\n")
    )
    run.ready("wf[0].server(0)")
    retry = run.node("wf[0].server")
    assert retry.daemoned and retry.pod_ip == "127.0.0.1"
    assert "wf[1].client" in run.launched  # the retry node counts as done
    again = run.end("wf[0].server(0)", FAILED, "main: Error (exit code 1)")
    assert [launch.node_name for launch in again] == ["wf[0].server(1)"]
    run.ready("wf[0].server(1)")
    run.end("wf[1].client")
    assert run.engine.phase == SUCCEEDED
    assert run.node("wf[0].server").phase == SUCCEEDED
    assert run.node("wf[0].server(1)").phase == SUCCEEDED
    assert run.node("wf[0].server(1)").id in run.cancelled


def test_stopped_workflow_ends_its_ready_daemon_succeeded() -> None:
    run = Run(STEPS)
    run.ready("wf[0].server")
    run.engine.shutdown("Stop")
    run.take()
    assert run.node("wf[0].server").id in run.cancelled
    run.end("wf[0].server", ERROR, "terminated")
    run.end("wf[1].client", ERROR, "terminated")
    assert run.node("wf[0].server").phase == SUCCEEDED
    assert run.engine.phase == FAILED


def test_recovered_daemon_runs_again_and_its_scope_waits_for_it_to_be_ready() -> None:
    first = Run(STEPS)
    first.ready("wf[0].server")
    stored = copy.deepcopy(first.engine.nodes)  # the controller dies here
    assert stored[first.launched["wf[0].server"].node_id].daemoned
    rows = {nid: Node.from_row(node.to_row()) for nid, node in stored.items()}
    second = Run(STEPS, nodes=rows)
    server = second.node("wf[0].server")
    assert list(second.launched) == ["wf[0].server"]  # launched again, not ready yet
    assert not server.daemoned and "podIP" not in server.to_status()
    assert [launch.node_name for launch in second.ready("wf[0].server")] == ["wf[1].client"]


def test_node_rows_keep_daemon_fields_only_when_set() -> None:
    node = Node(id="n", name="n", display_name="n", type="Pod", phase=RUNNING)
    assert "daemoned" not in node.to_row()
    node.daemoned, node.pod_ip = True, "127.0.0.1"
    assert Node.from_row(node.to_row()) == node
