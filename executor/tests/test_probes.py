"""Liveness and startup probes, and a daemon's readiness over all its containers, against
real processes: a failing probe kills its container and the node's message names it."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import AgentProcess, Requests, container, sh
from tiphys_core.testing.ports import free_port, listening
from tiphys_core.wire import ERROR, FAILED, RUNNING, SUCCEEDED
from tiphys_executor.container_probes import PodReadiness
from tiphys_executor.probes import POD_GRACE_SECONDS, ProbeError, parse_probe


def http_server(port: int) -> list[str]:
    """A container command serving HTTP on ``port`` (``/`` answers 200, others 404)."""
    return [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]


def with_probes(template: dict[str, Any], **probes: dict[str, Any]) -> dict[str, Any]:
    template["container"].update(probes)
    return template


def fast(**fields: Any) -> dict[str, Any]:
    """A probe body tried every second."""
    return {"periodSeconds": 1, **fields}


def listens(port: int | str) -> dict[str, Any]:
    """A startupProbe that passes once ``port`` accepts connections (so a liveness probe
    after it meets a running server, however slowly the server starts)."""
    return fast(tcpSocket={"port": port}, failureThreshold=60)


# -- liveness ---------------------------------------------------------------------------


def test_failing_liveness_probe_kills_the_main_container_and_names_the_probe(
    agent: AgentProcess, make_request: Requests
) -> None:
    port = free_port()
    liveness = fast(httpGet={"path": "/healthz", "port": port}, failureThreshold=2)
    template = with_probes(
        container(*http_server(port), image="python:3.12"),
        startupProbe=listens(port),
        livenessProbe=liveness,
    )
    result = agent.run(make_request(template))
    assert result.phase == FAILED
    assert result.message == (
        "main: Error (exit code 143): Container main failed liveness probe: "
        "HTTP probe failed with statuscode: 404"
    )
    assert result.outputs["exitCode"] == "143"
    assert not listening(port)


def test_passing_liveness_probe_leaves_the_container_to_finish(
    agent: AgentProcess, make_request: Requests
) -> None:
    # A generous timeout: a try that passes must not time out on a busy machine.
    liveness = fast(exec={"command": ["true"]}, failureThreshold=1, timeoutSeconds=30)
    result = agent.run(make_request(with_probes(sh("sleep 2.5"), livenessProbe=liveness)))
    assert (result.phase, result.message) == (SUCCEEDED, "")


def test_liveness_exec_probe_output_is_the_message(
    agent: AgentProcess, make_request: Requests
) -> None:
    liveness = fast(exec={"command": ["sh", "-c", "echo disk full; exit 1"]}, failureThreshold=1)
    result = agent.run(make_request(with_probes(sh("sleep 30"), livenessProbe=liveness)))
    assert result.phase == FAILED
    assert result.message == (
        "main: Error (exit code 143): Container main failed liveness probe: disk full"
    )


def test_liveness_probe_on_a_named_port(agent: AgentProcess, make_request: Requests) -> None:
    port = free_port()
    template = container(*http_server(port), image="python:3.12")
    template["container"]["ports"] = [{"name": "web", "containerPort": port}]
    liveness = fast(httpGet={"path": "/missing", "port": "web"}, failureThreshold=1)
    template = with_probes(template, startupProbe=listens("web"), livenessProbe=liveness)
    result = agent.run(make_request(template))
    assert result.phase == FAILED and "failed liveness probe" in result.message


def test_container_ignoring_sigterm_is_killed_after_the_probes_grace_period(
    agent: AgentProcess, make_request: Requests
) -> None:
    liveness = fast(
        exec={"command": ["false"]}, failureThreshold=1, terminationGracePeriodSeconds=1
    )
    # Ignored signals stay ignored in the children too, so only SIGKILL ends them.
    template = with_probes(sh("trap '' TERM; sleep 30"), livenessProbe=liveness)
    result = agent.run(make_request(template))
    assert result.phase == FAILED
    assert result.message.startswith("main: Error (exit code 137): Container main failed liveness")


def test_liveness_probe_with_a_bad_port_name_is_an_error_before_the_container_runs(
    agent: AgentProcess, make_request: Requests
) -> None:
    marker = make_request.node_dir("bad-port") / "ran"
    liveness = fast(tcpSocket={"port": "admin"})
    template = with_probes(sh(f"touch {marker}"), livenessProbe=liveness)
    result = agent.run(make_request(template, node_id="bad-port"))
    assert result.phase == ERROR
    assert "livenessProbe port 'admin' is neither a number nor the name" in result.message
    assert not marker.exists()


def test_readiness_probe_of_a_plain_container_is_not_read(
    agent: AgentProcess, make_request: Requests
) -> None:
    # Readiness decides nothing for a node that is not a daemon (nor does Argo read it).
    template = with_probes(sh("true"), readinessProbe=fast(tcpSocket={"port": "nope"}))
    assert agent.run(make_request(template)).phase == SUCCEEDED


# -- startup ----------------------------------------------------------------------------


def test_failing_startup_probe_kills_the_container(
    agent: AgentProcess, make_request: Requests
) -> None:
    port = free_port()
    startup = fast(tcpSocket={"port": port}, failureThreshold=2)
    result = agent.run(make_request(with_probes(sh("sleep 30"), startupProbe=startup)))
    assert result.phase == FAILED
    assert result.message == (
        "main: Error (exit code 143): Container main failed startup probe: "
        f"dial tcp 127.0.0.1:{port}: connect: connection refused"
    )


def test_liveness_probe_waits_for_the_startup_probe_to_pass(
    agent: AgentProcess, make_request: Requests
) -> None:
    flag = make_request.node_dir("slow-start") / "started"
    check = {"exec": {"command": ["test", "-f", str(flag)]}}
    template = with_probes(
        sh(f"sleep 1.5; touch {flag}; sleep 1.5"),
        startupProbe=fast(**check, failureThreshold=30),
        # Run from the start, this would kill the container at its first try.
        livenessProbe=fast(**check, failureThreshold=1, timeoutSeconds=30),
    )
    result = agent.run(make_request(template, node_id="slow-start"))
    assert (result.phase, result.message) == (SUCCEEDED, "")


# -- a daemon's readiness -----------------------------------------------------------------


def test_daemon_with_a_startup_probe_is_running_once_it_passes(
    agent: AgentProcess, make_request: Requests
) -> None:
    flag = make_request.node_dir("daemon-startup") / "started"
    template = with_probes(
        sh(f"sleep 1; touch {flag}; sleep 30"),
        startupProbe=fast(exec={"command": ["test", "-f", str(flag)]}, failureThreshold=30),
    )
    agent.send(make_request({**template, "daemon": True}, node_id="daemon-startup"))
    assert agent.result().phase == RUNNING
    assert flag.exists()
    agent.cancel("daemon-startup")
    assert agent.result().phase == ERROR


def test_daemon_whose_liveness_fails_after_it_is_ready_ends_failed(
    agent: AgentProcess, make_request: Requests
) -> None:
    flag = make_request.node_dir("daemon-sick") / "sick"
    template = with_probes(
        sh(f"sleep 1.5; touch {flag}; sleep 30"),
        livenessProbe=fast(exec={"command": ["test", "!", "-f", str(flag)]}, failureThreshold=1),
    )
    agent.send(make_request({**template, "daemon": True}, node_id="daemon-sick"))
    assert agent.result().phase == RUNNING
    result = agent.result()
    assert result.phase == FAILED
    assert result.message.startswith(
        "main: Error (exit code 143): Container main failed liveness probe"
    )


def test_daemon_waits_for_its_sidecars_readiness_too(
    agent: AgentProcess, make_request: Requests
) -> None:
    port = free_port()
    sidecar = {
        "name": "web",
        "image": "python:3.12",
        "command": ["sh", "-c", f"sleep 1; exec {' '.join(http_server(port))}"],
        "readinessProbe": fast(tcpSocket={"port": port}),
    }
    template = {**sh("sleep 30"), "daemon": True, "sidecars": [sidecar]}
    agent.send(make_request(template, node_id="with-sidecar"))
    assert agent.result().phase == RUNNING
    assert listening(port)
    agent.cancel("with-sidecar")
    agent.result()


def test_sidecar_killed_by_its_liveness_probe_does_not_fail_the_node(
    agent: AgentProcess, make_request: Requests
) -> None:
    port = free_port()
    sidecar = {
        "name": "web",
        "image": "python:3.12",
        "command": http_server(port),
        "startupProbe": listens(port),
        "livenessProbe": fast(httpGet={"path": "/missing", "port": port}, failureThreshold=1),
    }
    # The main container ends once the sidecar's server has come and gone.
    wait = (
        "import socket, time\n"
        "seen = False\n"
        "for _ in range(300):\n"
        "    try:\n"
        f"        socket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n"
        "        seen = True\n"
        "    except OSError:\n"
        "        if seen: break\n"
        "    time.sleep(0.05)\n"
        "else:\n"
        "    raise SystemExit(1)\n"
    )
    main = container(sys.executable, "-c", wait, image="python:3.12")
    result = agent.run(make_request({**main, "sidecars": [sidecar]}))
    # Argo ignores a sidecar's 143/137: the kubelet's SIGTERM is how sidecars end.
    assert (result.phase, result.message) == (SUCCEEDED, "")


# -- containerSet -----------------------------------------------------------------------


def test_container_set_member_killed_by_liveness_fails_the_node_without_a_retry(
    agent: AgentProcess, make_request: Requests
) -> None:
    runs = make_request.node_dir("set-liveness") / "runs"
    member = {
        "name": "b",
        "image": "alpine",
        "command": ["sh", "-c", f"echo run >> {runs}; sleep 30"],
        "livenessProbe": fast(exec={"command": ["false"]}, failureThreshold=1),
    }
    template = {
        "name": "group",
        "containerSet": {
            "containers": [member],
            "retryStrategy": {"retries": 3},
        },
    }
    result = agent.run(make_request(template, node_id="set-liveness"))
    assert result.phase == FAILED
    assert result.message == (
        "b: Error (exit code 143): Container b failed liveness probe: "
        "command 'false' exited with code 1"
    )
    (report,) = result.containers
    assert report["message"].startswith("Error (exit code 143): Container b failed liveness")
    assert runs.read_text() == "run\n"


def test_container_set_daemon_is_running_once_its_probed_containers_are_ready(
    agent: AgentProcess, make_request: Requests
) -> None:
    port = free_port()
    server = {
        "name": "main",
        "image": "python:3.12",
        "command": ["sh", "-c", f"sleep 1; exec {' '.join(http_server(port))}"],
        "readinessProbe": fast(httpGet={"path": "/", "port": port}),
    }
    helper = {"name": "helper", "image": "alpine", "command": ["sleep", "30"]}
    template = {"name": "svc", "daemon": True, "containerSet": {"containers": [server, helper]}}
    agent.send(make_request(template, node_id="set-daemon"))
    report = agent.result()
    assert (report.phase, report.pod_ip) == (RUNNING, "127.0.0.1")
    assert listening(port)
    agent.cancel("set-daemon")
    assert agent.result().phase == ERROR
    assert not listening(port)


# -- reading probes ---------------------------------------------------------------------


def test_probe_settings_default_as_kubernetes_defaults_them() -> None:
    probe = parse_probe({"livenessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 0}},
                        "livenessProbe")  # fmt: skip
    assert probe is not None
    assert (probe.period, probe.timeout, probe.failure_threshold) == (10.0, 1.0, 3)
    assert (probe.initial_delay, probe.success_threshold, probe.grace) == (
        0.0,
        1,
        POD_GRACE_SECONDS,
    )
    assert probe.word == "liveness"


def test_probe_grace_period_is_at_least_two_seconds() -> None:
    body = {"startupProbe": {"exec": {"command": ["true"]}, "terminationGracePeriodSeconds": 1}}
    probe = parse_probe(body, "startupProbe")
    assert probe is not None and probe.grace == 2.0


@pytest.mark.parametrize(
    ("body", "wanted"),
    [
        ({}, "livenessProbe has no action"),
        ({"exec": {"command": []}}, r"livenessProbe\.exec\.command is empty"),
        ({"tcpSocket": {"port": 0}}, "not a port number"),
        ({"httpGet": {"port": 80}, "failureThreshold": "x"}, r"livenessProbe\.failureThreshold"),
    ],
)
def test_malformed_probe_is_a_probe_error(body: dict[str, Any], wanted: str) -> None:
    with pytest.raises(ProbeError, match=wanted):
        parse_probe({"livenessProbe": body}, "livenessProbe")


def test_pod_is_ready_once_running_and_every_expected_container_is() -> None:
    reported = threading.Event()
    pod = PodReadiness(reported.set)
    main_ready, sidecar_ready = pod.expect("main"), pod.expect("web")
    main_ready()
    pod.running()
    assert not reported.is_set()
    sidecar_ready()
    assert reported.is_set()


def test_pod_stopped_never_reports() -> None:
    reported = threading.Event()
    pod = PodReadiness(reported.set)
    pod.stop()
    pod.running()
    assert not reported.is_set()


def test_exec_probe_that_times_out_leaves_nothing_running(tmp_path: Path) -> None:
    from tiphys_executor.isolation import Isolation
    from tiphys_executor.probes import Prober
    from tiphys_executor.process import ProcessSpec

    pids = tmp_path / "pids"
    script = f"sleep 30 & echo $! > {pids}; echo $$ >> {pids}; sleep 30"
    container_ = {"livenessProbe": {"exec": {"command": ["sh", "-c", script]}}}
    probe = parse_probe(container_, "livenessProbe")
    assert probe is not None
    spec = ProcessSpec(argv=["true"], env={}, cwd=str(tmp_path), log_path="/dev/null")
    tried = Prober(container_, spec, Isolation(enabled=False)).run(probe)
    assert not tried.passed and "timed out" in tried.output
    left = [int(pid) for pid in pids.read_text().split()]
    # Killed: each is gone once its exit (which closed the probe's pipe) completes.
    for _ in range(500):
        left = [pid for pid in left if alive(pid)]
        if not left:
            break
        time.sleep(0.01)
    assert not left


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, killed and not yet reaped by its new parent, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
