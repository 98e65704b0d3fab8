"""Daemons in the executor: a ``Running`` report once ready (started, or readinessProbe
passed), then the result when stopped or ended; readiness probes against real servers."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import AgentProcess, Requests, container, needs_namespaces, sh, stored_result
from tiphys_core.testing.ports import free_port, listening
from tiphys_core.wire import ERROR, FAILED, RUNNING, SUCCEEDED, NodeResult
from tiphys_executor.container_probes import ContainerProbes
from tiphys_executor.isolation import Isolation
from tiphys_executor.node import RESULT_FILE, NodeContext, run_node
from tiphys_executor.probes import Probe, ProbeError, Prober, parse_probe, probe_port
from tiphys_executor.process import ProcessSpec
from tiphys_executor.registry import default_registry

SERVER = Path(__file__).with_name("http_test_server.py")


def daemon(template: dict[str, Any], probe: dict[str, Any] | None = None) -> dict[str, Any]:
    template = {**template, "daemon": True}
    if probe is not None:
        template["container"] = {**template["container"], "readinessProbe": probe}
    return template


def http_server_after(seconds: float, port: int) -> dict[str, Any]:
    """A container that starts an HTTP server on ``port`` after ``seconds``."""
    return sh(
        f"sleep {seconds}; exec {sys.executable} -m http.server {port} --bind 127.0.0.1",
    )


@pytest.fixture(scope="module")
def http_server() -> Iterator[int]:
    """The port of the test HTTP server (``/status/<code>``, ``/echo``)."""
    process = subprocess.Popen([sys.executable, str(SERVER)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = int(process.stdout.readline())
    yield port
    process.terminate()
    process.wait(10)
    process.stdout.close()


def test_daemon_without_probe_reports_running_once_started_then_its_end_when_stopped(
    agent: AgentProcess, make_request: Requests
) -> None:
    request = make_request(daemon(sh("sleep 30")), node_id="server")
    agent.send(request)
    report = agent.result()
    assert (report.node_id, report.phase, report.pod_ip) == ("server", RUNNING, "127.0.0.1")
    assert not report.final and report.started_at > 0
    assert not Path(request.node_dir, RESULT_FILE).exists()  # only results are kept
    agent.cancel("server")
    result = agent.result()
    assert (result.phase, result.message) == (ERROR, "terminated")
    # Stopped by the controller, which records it; replayed, it runs again.
    assert not Path(request.node_dir, RESULT_FILE).exists()


def test_http_probe_reports_running_only_once_the_server_answers(
    agent: AgentProcess, make_request: Requests
) -> None:
    port = free_port()
    probe = {"httpGet": {"path": "/", "port": port}, "periodSeconds": 1}
    agent.send(make_request(daemon(http_server_after(1, port), probe), node_id="web"))
    report = agent.result()
    assert report.phase == RUNNING
    assert listening(port)
    agent.cancel("web")
    assert agent.result().phase == ERROR


def test_tcp_probe_on_a_named_port(agent: AgentProcess, make_request: Requests) -> None:
    port = free_port()
    template = daemon(http_server_after(0.5, port))
    template["container"]["ports"] = [{"name": "web", "containerPort": port}]
    template["container"]["readinessProbe"] = {"tcpSocket": {"port": "web"}, "periodSeconds": 1}
    agent.send(make_request(template, node_id="tcp"))
    assert agent.result().phase == RUNNING
    assert listening(port)
    agent.cancel("tcp")
    agent.result()


def test_exec_probe_reports_running_when_its_command_succeeds(
    agent: AgentProcess, make_request: Requests
) -> None:
    request = make_request(sh("true"), node_id="exec")
    flag = Path(request.node_dir, "ready-flag")
    request.template = daemon(
        sh(f"sleep 1; touch {flag}; sleep 30"),
        {"exec": {"command": ["test", "-f", str(flag)]}, "periodSeconds": 1},
    )
    agent.send(request)
    assert agent.result().phase == RUNNING
    assert flag.exists()
    agent.cancel("exec")
    agent.result()


@needs_namespaces
def test_exec_probe_sees_the_daemons_private_tmp(
    agent: AgentProcess, make_request: Requests
) -> None:
    probe = {"exec": {"command": ["test", "-f", "/tmp/ready"]}, "periodSeconds": 1}
    request = make_request(daemon(sh("sleep 1; touch /tmp/ready; sleep 30"), probe))
    agent.send(request)
    assert agent.result().phase == RUNNING
    assert Path(request.node_dir, "tmp", "ready").exists()  # its /tmp, not the host's
    agent.cancel(request.node_id)
    agent.result()


def test_daemon_exiting_before_its_probe_passes_reports_and_records_only_its_result(
    agent: AgentProcess, make_request: Requests
) -> None:
    probe = {"tcpSocket": {"port": free_port()}, "periodSeconds": 1}
    request = make_request(daemon(sh("sleep 0.5; exit 3"), probe), node_id="dies")
    agent.send(request)
    result = agent.result()
    assert (result.phase, result.message) == (FAILED, "main: Error (exit code 3)")
    assert result.final
    assert NodeResult.from_json(stored_result(request.node_dir)) == result


def test_missing_command_of_a_daemon_is_an_error_without_a_running_report(
    agent: AgentProcess, make_request: Requests
) -> None:
    agent.send(make_request(daemon(container("no-such-command-here")), node_id="missing"))
    result = agent.result()
    assert result.phase == ERROR and "no-such-command-here" in result.message


def test_probe_naming_an_unknown_port_ends_the_node_with_a_clear_error(
    agent: AgentProcess, make_request: Requests
) -> None:
    probe = {"httpGet": {"port": "admin"}}
    result = agent.run(make_request(daemon(sh("sleep 30"), probe)))
    assert result.phase == ERROR
    assert "readinessProbe port 'admin'" in result.message


def test_script_daemon_reports_running(agent: AgentProcess, make_request: Requests) -> None:
    template = {
        "name": "s",
        "daemon": True,
        "script": {"image": "alpine", "command": ["sh"], "source": "sleep 30"},
    }
    agent.send(make_request(template, node_id="script"))
    assert agent.result().phase == RUNNING
    agent.cancel("script")
    assert agent.result().phase == ERROR


def test_non_daemon_sends_no_running_report(agent: AgentProcess, make_request: Requests) -> None:
    result = agent.run(make_request(sh("true")))
    assert (result.phase, result.final) == (SUCCEEDED, True)


def test_in_process_daemon_reports_through_the_nodes_callback(tmp_path: Path) -> None:
    reports: list[NodeResult] = []
    request = Requests(tmp_path)(daemon(sh("exit 0")))
    node = NodeContext(request, Isolation(enabled=False), on_running=reports.append)
    result = run_node(node, default_registry())
    assert [r.phase for r in reports] == [RUNNING]
    assert result.phase == SUCCEEDED  # the engine, not the executor, fails a daemon exiting 0


SPEC = ProcessSpec(argv=["true"], env={}, cwd="/", log_path="/dev/null")
PORTS = {"ports": [{"name": "http", "containerPort": 1}]}


class Tries:
    """Tries a readinessProbe once, as a daemon's readiness would."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.container = {"readinessProbe": body, **PORTS}
        probe = parse_probe(self.container, "readinessProbe")
        assert probe is not None
        self.probe: Probe = probe

    def probe_once(self) -> bool:
        return Prober(self.container, SPEC, Isolation(enabled=False)).run(self.probe).passed


def readiness(probe: dict[str, Any]) -> Tries:
    return Tries(probe)


@pytest.mark.parametrize(("status", "passes"), [(200, True), (302, True), (404, False)])
def test_http_probe_passes_for_status_200_to_399(
    http_server: int, status: int, passes: bool
) -> None:
    probe = {"httpGet": {"path": f"/status/{status}", "port": http_server}}
    assert readiness(probe).probe_once() is passes


def test_http_probe_sends_its_headers(http_server: int) -> None:
    probe = {
        "httpGet": {
            "path": "echo",
            "port": str(http_server),
            "httpHeaders": [{"name": "X-Probe", "value": "yes"}],
        }
    }
    assert readiness(probe).probe_once()


def test_probe_on_a_closed_port_fails() -> None:
    assert not readiness({"tcpSocket": {"port": free_port()}}).probe_once()
    assert not readiness({"httpGet": {"port": free_port()}}).probe_once()


def test_probe_port_by_number_or_container_port_name() -> None:
    ports = {"ports": [{"name": "http", "containerPort": 8086}]}
    assert probe_port(80, ports) == 80
    assert probe_port("8080", ports) == 8080
    assert probe_port("http", ports) == 8086
    with pytest.raises(ProbeError, match="neither a number nor the name"):
        probe_port("grpc", ports)
    with pytest.raises(ProbeError, match="not a port number"):
        probe_port(70000, ports)


def test_bad_probe_timing_is_a_probe_error() -> None:
    with pytest.raises(ProbeError, match=r"readinessProbe\.periodSeconds"):
        readiness({"tcpSocket": {"port": 1}, "periodSeconds": "often"})


def test_no_report_after_stop() -> None:
    ready = threading.Event()
    container_ = {"readinessProbe": {"tcpSocket": {"port": free_port()}, "initialDelaySeconds": 30}}
    probes = ContainerProbes("main", container_, SPEC, Isolation(enabled=False), ready.set)
    process = subprocess.Popen(["true"])
    probes.started(process)
    probes.stop()
    process.wait()
    assert not ready.is_set()
