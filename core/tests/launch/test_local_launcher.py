"""LocalLauncher against a fake agent written by the test (tiphys-core alone is installed)."""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tiphys_core.launch import LauncherClosedError, LocalLauncher
from tiphys_core.wire import (
    ERROR,
    RUNNING,
    SUCCEEDED,
    WIRE_VERSION,
    NodeRequest,
    NodeResult,
    WorkflowIdentity,
)

FAKE_AGENT = """
import json, os, sys, threading
lock = threading.Lock()
print("fake agent ready", file=sys.stderr, flush=True)

def send(document):
    document["version"] = WIRE_VERSION
    document.setdefault("outputs", {})["pid"] = str(os.getpid())
    with lock:
        sys.stdout.write(json.dumps(document) + "\\n")
        sys.stdout.flush()

for line in sys.stdin:
    request = json.loads(line)
    if "cancel" in request:
        send({"node_id": request["cancel"], "phase": "Error", "message": request["message"]})
    elif request["node_id"].startswith("daemon"):  # ready, then runs until cancelled
        send({"node_id": request["node_id"], "phase": "Running", "pod_ip": "127.0.0.1"})
    elif request["node_id"].startswith("die"):
        sys.exit(3)
    elif not request["node_id"].startswith("hang"):
        send({"node_id": request["node_id"], "phase": "Succeeded"})
"""


@pytest.fixture
def fake_agent(tmp_path: Path) -> list[str]:
    script = tmp_path / "fake_agent.py"
    script.write_text(f"WIRE_VERSION = {WIRE_VERSION}\n{FAKE_AGENT}")
    return [sys.executable, str(script)]


@pytest.fixture
def results() -> queue.Queue[NodeResult]:
    return queue.Queue()


@pytest.fixture
def launcher(fake_agent: list[str], results: queue.Queue[NodeResult]) -> Iterator[LocalLauncher]:
    messages: list[str] = []
    running = LocalLauncher(results, agents=2, agent_command=fake_agent, on_message=messages.append)
    running.messages = messages  # type: ignore[attr-defined]
    yield running
    running.close()


def request(node_id: str) -> NodeRequest:
    return NodeRequest(
        WorkflowIdentity("wf"), node_id, f"wf.{node_id}", {"container": {}}, "/nowhere", "/nowhere"
    )


def test_results_arrive_on_the_queue(
    launcher: LocalLauncher, results: queue.Queue[NodeResult]
) -> None:
    launcher.launch(request("a"))
    result = results.get(timeout=10)
    assert (result.node_id, result.phase) == ("a", SUCCEEDED)
    assert launcher.in_flight() == 0


def test_daemon_running_report_arrives_before_its_result_and_keeps_it_in_flight(
    launcher: LocalLauncher, results: queue.Queue[NodeResult]
) -> None:
    launcher.launch(request("daemon-a"))
    report = results.get(timeout=10)
    assert (report.node_id, report.phase, report.final) == ("daemon-a", RUNNING, False)
    assert launcher.in_flight() == 1
    launcher.cancel("daemon-a")
    result = results.get(timeout=10)
    assert (result.phase, result.final) == (ERROR, True)
    assert launcher.in_flight() == 0


def test_results_can_go_to_a_callback(fake_agent: list[str]) -> None:
    got: list[NodeResult] = []
    arrived = threading.Event()

    def collect(result: NodeResult) -> None:
        got.append(result)
        arrived.set()

    with LocalLauncher(collect, agent_command=fake_agent, on_message=lambda _: None) as launcher:
        launcher.launch(request("b"))
        assert arrived.wait(10)
    assert [r.node_id for r in got] == ["b"]


def test_sequential_nodes_stay_on_one_warm_agent(
    launcher: LocalLauncher, results: queue.Queue[NodeResult]
) -> None:
    pids = set()
    for index in range(5):
        launcher.launch(request(f"s{index}"))
        pids.add(results.get(timeout=10).outputs["pid"])
    assert len(pids) == 1


def test_concurrent_nodes_spread_across_agents(
    launcher: LocalLauncher, results: queue.Queue[NodeResult]
) -> None:
    launcher.launch(request("hang-1"))
    launcher.launch(request("hang-2"))
    assert launcher.in_flight() == 2
    launcher.cancel("hang-1")
    launcher.cancel("hang-2")
    ended = [results.get(timeout=10) for _ in range(2)]
    assert len({r.outputs["pid"] for r in ended}) == 2


def test_cancel_passes_the_message_to_the_agent(
    launcher: LocalLauncher, results: queue.Queue[NodeResult]
) -> None:
    launcher.launch(request("hang-x"))
    launcher.cancel("hang-x", "workflow shutdown with strategy: Stop")
    result = results.get(timeout=10)
    assert (result.phase, result.message) == (ERROR, "workflow shutdown with strategy: Stop")


def test_cancel_of_an_unknown_node_is_ignored(launcher: LocalLauncher) -> None:
    launcher.cancel("never-launched")


def test_a_dead_agent_is_replaced_and_its_nodes_reported_as_error(
    launcher: LocalLauncher, results: queue.Queue[NodeResult]
) -> None:
    launcher.launch(request("hang-survivor"))  # occupies one agent
    launcher.launch(request("die-1"))  # goes to the other, which exits
    result = results.get(timeout=10)
    assert (result.node_id, result.phase) == ("die-1", ERROR)
    assert "executor agent exited (exit code 3)" in result.message
    launcher.launch(request("after"))
    assert results.get(timeout=10).node_id == "after"
    launcher.cancel("hang-survivor")
    assert results.get(timeout=10).node_id == "hang-survivor"


def test_agents_that_keep_dying_are_not_restarted_forever(results: queue.Queue[NodeResult]) -> None:
    messages: list[str] = []
    dying = [sys.executable, "-c", "import sys; sys.exit('No module named tiphys_executor')"]
    with LocalLauncher(
        results, agents=1, agent_command=dying, on_message=messages.append
    ) as launcher:
        deadline = time.monotonic() + 20
        while not any("keep exiting" in m for m in messages):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        launcher.launch(request("doomed"))
        result = results.get(timeout=10)
        assert (result.node_id, result.phase) == ("doomed", ERROR)
        assert "keep exiting" in result.message
        assert "No module named tiphys_executor" in result.message


def test_agent_messages_reach_the_user_once(
    launcher: LocalLauncher, results: queue.Queue[NodeResult]
) -> None:
    launcher.launch(request("warm"))
    results.get(timeout=10)
    deadline = time.monotonic() + 5
    while not launcher.messages and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)
    time.sleep(0.2)
    assert launcher.messages == ["fake agent ready"]  # type: ignore[attr-defined]


def test_a_node_cannot_be_launched_twice_while_running(launcher: LocalLauncher) -> None:
    launcher.launch(request("hang-dup"))
    with pytest.raises(ValueError, match="hang-dup"):
        launcher.launch(request("hang-dup"))


def test_launch_after_close_is_refused(
    fake_agent: list[str], results: queue.Queue[NodeResult]
) -> None:
    launcher = LocalLauncher(results, agent_command=fake_agent, on_message=lambda _: None)
    launcher.close()
    launcher.close()
    with pytest.raises(LauncherClosedError):
        launcher.launch(request("late"))


def test_agent_count_must_be_positive(
    fake_agent: list[str], results: queue.Queue[NodeResult]
) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        LocalLauncher(results, agents=0, agent_command=fake_agent)
