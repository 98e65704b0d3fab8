"""Private views: each node's own /tmp and its volume mounts (Linux mount namespaces)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from agent_helpers import AgentProcess, Requests, needs_namespaces, sh
from tiphys_core.wire import ERROR, SUCCEEDED
from tiphys_executor.isolation import BindMount, Isolation
from tiphys_executor.process import NodeControl, ProcessSpec, run_process


@needs_namespaces
def test_parallel_nodes_writing_the_same_tmp_path_do_not_collide(
    agent: AgentProcess, make_request: Requests
) -> None:
    name = f"/tmp/tiphys-shared-{uuid.uuid4().hex}.txt"
    requests = []
    for index in range(4):
        template = sh(f"echo {index} > {name}; sleep 0.5; cat {name}")
        template["outputs"] = {"parameters": [{"name": "mine", "valueFrom": {"path": name}}]}
        requests.append(make_request(template, node_id=f"n{index}", capture_result=True))
    for request in requests:
        agent.send(request)
    results = {r.node_id: r for r in (agent.result() for _ in requests)}
    for index in range(4):
        result = results[f"n{index}"]
        assert result.phase == SUCCEEDED, result.message
        assert result.outputs["result"] == str(index)
        assert result.outputs["parameters"][0]["value"] == str(index)
        assert (
            Path(requests[index].node_dir, "tmp", os.path.basename(name)).read_text()
            == f"{index}\n"
        )
    assert not os.path.exists(name)


@needs_namespaces
def test_claim_volume_is_shared_by_the_workflows_nodes(
    agent: AgentProcess, make_request: Requests
) -> None:
    claim = {"metadata": {"name": "workdir"}, "spec": {"accessModes": ["ReadWriteOnce"]}}
    mount = [{"name": "workdir", "mountPath": "/mnt/tiphys-test-vol"}]
    writer = sh("echo shared > /mnt/tiphys-test-vol/file", volumeMounts=mount)
    reader = sh("cat /mnt/tiphys-test-vol/file", volumeMounts=mount)
    assert agent.run(make_request(writer, volumes=[claim])).phase == SUCCEEDED
    result = agent.run(make_request(reader, volumes=[claim], capture_result=True))
    assert result.outputs.get("result") == "shared", result.message
    assert (
        Path(make_request.base, "workflow", "volumes", "workdir", "file").read_text() == "shared\n"
    )


@needs_namespaces
def test_empty_dir_volume_belongs_to_one_node_and_feeds_output_parameters(
    agent: AgentProcess, make_request: Requests
) -> None:
    template = sh(
        "test ! -e /tmp/tiphys-scratch/x && echo mine > /tmp/tiphys-scratch/x",
        volumeMounts=[{"name": "scratch", "mountPath": "/tmp/tiphys-scratch"}],
    )
    template["volumes"] = [{"name": "scratch", "emptyDir": {}}]
    template["outputs"] = {
        "parameters": [{"name": "x", "valueFrom": {"path": "/tmp/tiphys-scratch/x"}}]
    }
    for _ in range(2):
        result = agent.run(make_request(template))
        assert result.phase == SUCCEEDED, result.message
        assert result.outputs["parameters"][0]["value"] == "mine"


@needs_namespaces
def test_volume_mount_naming_no_volume_is_an_error_naming_it(
    agent: AgentProcess, make_request: Requests
) -> None:
    template = sh("true", volumeMounts=[{"name": "ghost", "mountPath": "/mnt/ghost"}])
    result = agent.run(make_request(template))
    assert result.phase == ERROR
    assert "'ghost'" in result.message


def test_without_isolation_nodes_run_in_the_hosts_view(
    make_request: Requests, tmp_path: Path
) -> None:
    agent = AgentProcess("--no-isolation")
    try:
        target = tmp_path / "host-file"
        result = agent.run(make_request(sh(f"echo host > {target}")))
        assert result.phase == SUCCEEDED, result.message
        assert target.read_text() == "host\n"
    finally:
        agent.close()


def test_unavailable_namespaces_are_reported_once(monkeypatch: object) -> None:
    said: list[str] = []
    isolation = Isolation(warn=said.append)

    def refuse() -> str:
        return "unshare(CLONE_NEWNS): Operation not permitted"

    isolation._probe = refuse  # type: ignore[method-assign]
    assert not isolation.available
    assert not isolation.available
    assert len(said) == 1
    assert "Operation not permitted" in said[0]
    assert "private /tmp" in said[0]
    assert "host's /" in said[0]


@needs_namespaces
def test_a_later_node_sees_nothing_of_an_earlier_nodes_view(
    agent: AgentProcess, make_request: Requests
) -> None:
    # Nothing of a node's private view (files, mounts) may show in a later node's.
    volume = [{"name": "scratch", "emptyDir": {}}]
    mount = [{"name": "scratch", "mountPath": "/tmp/tiphys-vol"}]
    for round_index in range(3):
        writer = sh("echo mine > /tmp/left-behind; echo v > /tmp/tiphys-vol/f", volumeMounts=mount)
        writer["volumes"] = volume
        assert agent.run(make_request(writer)).phase == SUCCEEDED
        checker = sh("test ! -e /tmp/left-behind && test ! -e /tmp/tiphys-vol/f")
        result = agent.run(make_request(checker))
        assert result.phase == SUCCEEDED, f"round {round_index}: {result.message}"
    assert not os.path.exists("/tmp/left-behind")


@needs_namespaces
def test_a_missing_host_path_volume_is_an_error_about_the_mount(
    agent: AgentProcess, make_request: Requests
) -> None:
    template = sh("true", volumeMounts=[{"name": "h", "mountPath": "/mnt/tiphys-hp"}])
    template["volumes"] = [
        {"name": "h", "hostPath": {"path": "/nonexistent/tiphys/file", "type": "File"}}
    ]
    result = agent.run(make_request(template))
    assert result.phase == ERROR
    assert "/nonexistent/tiphys/file" in result.message
    assert "command" not in result.message


@needs_namespaces
def test_a_held_view_outlives_its_process_until_released(tmp_path: Path) -> None:
    # The agent holds a node's view until it has reported the node, so tearing it down
    # does not delay the report; releasing it closes what was held.
    node_tmp = tmp_path / "tmp"
    node_tmp.mkdir()
    spec = ProcessSpec(
        argv=["sh", "-c", "echo inside > /tmp/marker"],
        env=dict(os.environ),
        cwd=str(tmp_path),
        log_path=str(tmp_path / "main.log"),
        mounts=[BindMount(str(node_tmp), "/tmp")],
    )
    control = NodeControl(held=[])
    outcome = run_process(spec, Isolation(), control)
    assert outcome.exit_code == 0
    assert (node_tmp / "marker").read_text() == "inside\n"
    [held] = control.held
    view = os.readlink(f"/proc/self/fd/{held}")
    assert view.startswith("mnt:[") and view != os.readlink("/proc/self/ns/mnt")
    control.release()
    assert control.held == []
    with pytest.raises(OSError):
        os.fstat(held)
    assert run_process(spec, Isolation(), NodeControl()).exit_code == 0  # nothing held
