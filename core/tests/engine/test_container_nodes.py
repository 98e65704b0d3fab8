"""containerSet pods get one ``Container`` node per container, wired as their graph."""

from __future__ import annotations

from simulate import run
from tiphys_core.engine import Launch
from tiphys_core.wire import FAILED, SUCCEEDED, NodeResult

WORKFLOW = """
spec:
  entrypoint: main
  templates:
    - name: main
      containerSet:
        containers:
          - {name: a, image: alpine, command: ["true"]}
          - {name: b, image: alpine, command: ["true"], dependencies: [a]}
          - {name: c, image: alpine, command: ["true"], dependencies: [a, b]}
"""


def test_container_nodes_follow_the_graph_and_take_each_containers_report() -> None:
    def report(launch: Launch) -> NodeResult:
        result = NodeResult(launch.node_id, FAILED, "b: Error (exit code 3)")
        result.containers = [
            {"name": "a", "phase": SUCCEEDED, "startedAt": 5.0, "finishedAt": 6.0, "exitCode": "0"},
            {"name": "b", "phase": FAILED, "message": "Error (exit code 3)", "exitCode": "3"},
        ]
        return result

    engine = run(WORKFLOW, report)
    by_name = {node.name: node for node in engine.nodes.values()}
    pod, a, b, c = (by_name[n] for n in ("wf", "wf.a", "wf.b", "wf.c"))
    assert {a.type, b.type, c.type} == {"Container"}
    assert pod.children == [a.id]
    assert a.children == [b.id, c.id]
    assert b.children == [c.id]
    assert a.boundary_id == pod.id
    assert (a.phase, a.started_at, a.finished_at, a.outputs) == (
        SUCCEEDED, 5.0, 6.0, {"exitCode": "0"},
    )  # fmt: skip
    assert (b.phase, b.message) == (FAILED, "Error (exit code 3)")
    assert c.phase == FAILED  # never started: the pod's phase
    assert engine.phase == FAILED
