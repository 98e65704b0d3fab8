"""The agent's protocol, end to end through a real ``python -m tiphys_executor.agent``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from agent_helpers import AgentProcess, Requests, container, sh, stored_result
from tiphys_core.wire import ERROR, SUCCEEDED, NodeResult


def test_agent_runs_a_container_node_and_reports_succeeded_with_exit_code(
    agent: AgentProcess, make_request: Requests
) -> None:
    result = agent.run(make_request(container("true")))
    assert result.phase == SUCCEEDED
    assert result.message == ""
    assert result.outputs == {"exitCode": "0"}
    assert 0 < result.started_at <= result.finished_at


def test_result_file_holds_the_reported_result(agent: AgentProcess, make_request: Requests) -> None:
    request = make_request(sh("echo hi"))
    result = agent.run(request)
    stored = stored_result(request.node_dir)
    assert NodeResult.from_json(stored) == result
    assert stored.strip() == agent.lines[-1].strip()
    assert not [p.name for p in Path(request.node_dir).iterdir() if p.name.endswith(".tmp")]


def test_agent_runs_many_nodes_at_once_and_reports_each_as_it_ends(
    agent: AgentProcess, make_request: Requests
) -> None:
    slow = make_request(sh("sleep 1"), node_id="slow")
    fast = [make_request(container("true"), node_id=f"fast-{i}") for i in range(5)]
    started = time.monotonic()
    agent.send(slow)
    for request in fast:
        agent.send(request)
    finished = [agent.result().node_id for _ in range(6)]
    assert finished[-1] == "slow"
    assert sorted(finished[:5]) == sorted(r.node_id for r in fast)
    assert time.monotonic() - started < 5


def test_unknown_template_type_is_an_error_naming_the_type(
    agent: AgentProcess, make_request: Requests
) -> None:
    result = agent.run(make_request({"name": "r", "resource": {"action": "create"}}))
    assert result.phase == ERROR
    assert "'resource'" in result.message
    assert "container" in result.message


def test_template_without_a_type_is_an_error(agent: AgentProcess, make_request: Requests) -> None:
    result = agent.run(make_request({"name": "empty"}))
    assert result.phase == ERROR
    assert "no type" in result.message


def test_suspend_node_succeeds_immediately(agent: AgentProcess, make_request: Requests) -> None:
    result = agent.run(make_request({"name": "wait", "suspend": {"duration": "1h"}}), timeout=5)
    assert result.phase == SUCCEEDED


def test_pod_nodes_report_this_host_as_their_host_node_name_and_others_none(
    agent: AgentProcess, make_request: Requests
) -> None:
    import os

    assert agent.run(make_request(container("true"))).host_node_name == os.uname().nodename
    suspend = agent.run(make_request({"name": "wait", "suspend": {}}), timeout=5)
    assert suspend.host_node_name == ""


def test_request_of_another_wire_version_is_reported_as_error(
    agent: AgentProcess, make_request: Requests
) -> None:
    document = json.loads(make_request(container("true"), node_id="old").to_json())
    document["version"] = 99
    agent.send_line(json.dumps(document))
    result = agent.result()
    assert (result.node_id, result.phase) == ("old", ERROR)
    assert "version" in result.message


def test_lines_that_are_not_requests_are_ignored_and_the_agent_keeps_serving(
    agent: AgentProcess, make_request: Requests
) -> None:
    agent.send_line("this is not json")
    agent.send_line("[1, 2]")
    agent.send_line(json.dumps({"cancel": "nobody"}))
    assert agent.run(make_request(container("true"))).phase == SUCCEEDED
    code, stderr = agent.close()
    assert code == 0
    assert "not JSON" in stderr


def test_agent_exits_cleanly_at_end_of_input(agent: AgentProcess) -> None:
    code, _ = agent.close()
    assert code == 0


def test_end_of_input_stops_running_nodes_and_records_no_result(
    agent: AgentProcess, make_request: Requests
) -> None:
    request = make_request(sh("true"))
    marker = Path(request.node_dir, "still-running")  # the node's directory is visible to it
    request.template = sh(f"sleep 30; touch {marker}")
    agent.send(request)
    time.sleep(0.5)
    started = time.monotonic()
    code, _ = agent.close()
    assert code == 0
    assert time.monotonic() - started < 10
    assert not Path(request.node_dir, "result.json").exists()
    assert agent.lines == []
    assert not marker.exists()


def test_agent_module_runs_as_python_dash_m_tiphys_executor() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tiphys_executor", "--help"], capture_output=True, text=True
    )
    assert completed.returncode == 0
    assert "--no-isolation" in completed.stdout


def test_the_agent_reads_on_after_a_node_that_never_starts_its_process(
    agent: AgentProcess, make_request: Requests
) -> None:
    # A container node holds the reading until its process starts: one that fails
    # before (no such command) must hand reading over all the same.
    for index in range(3):
        agent.send(make_request(container("no-such-command-tiphys"), node_id=f"missing-{index}"))
    agent.send(make_request(sh("true"), node_id="after"))
    results = {result.node_id: result.phase for result in (agent.result() for _ in range(4))}
    assert results == {
        "missing-0": ERROR,
        "missing-1": ERROR,
        "missing-2": ERROR,
        "after": SUCCEEDED,
    }
