"""Container probes end to end: controller, local launcher and real executor agents.

A failing livenessProbe kills its container, which ends its node ``Failed`` with the
exit code and a message naming the probe (Argo's pods never restart a container); a
daemon killed so ends ``Failed`` after it served; a ``containerSet`` can be a daemon,
daemoned once its probed containers are ready and stopped with its scope.
"""

from __future__ import annotations

import queue
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from tiphys_core.controller import Controller, SubmitOptions, prepare_submission
from tiphys_core.engine import Node
from tiphys_core.launch import LocalLauncher
from tiphys_core.store import Store, WorkflowRecord
from tiphys_core.testing.ports import free_port, listening
from tiphys_core.wire import FAILED, SUCCEEDED, NodeResult

KILLED_BY_LIVENESS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: liveness-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: serve, template: serve}
  - name: serve
    container:
      image: python:3.12
      command: [PYTHON, -m, http.server, "PORT", --bind, 127.0.0.1]
      ports: [{name: web, containerPort: PORT}]
      startupProbe: {tcpSocket: {port: web}, periodSeconds: 1, failureThreshold: 60}
      livenessProbe:
        httpGet: {path: /healthz, port: web}
        periodSeconds: 1
        failureThreshold: 2
"""

DAEMON_TURNS_SICK = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: sick-daemon-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: server, template: server}
    - - {name: client, template: client}
  - name: server
    daemon: true
    container:
      image: alpine
      command: [sh, -c, 'touch MARKS/healthy; sleep 60']
      startupProbe: {exec: {command: [test, -f, MARKS/healthy]}, periodSeconds: 1, failureThreshold: 60}
      readinessProbe: {exec: {command: [test, -f, MARKS/healthy]}, periodSeconds: 1}
      livenessProbe:
        exec: {command: [test, -f, MARKS/healthy]}
        periodSeconds: 1
        timeoutSeconds: 30
        failureThreshold: 1
  - name: client
    script:
      image: python:3.12
      command: [PYTHON]
      source: |
        import os, time
        os.remove("MARKS/healthy")  # the server turns sick while the client runs
        for _ in range(600):
            if os.path.exists("MARKS/gone"):
                break
            time.sleep(0.05)
"""

CONTAINER_SET_DAEMON = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: set-daemon-}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: svc, template: svc}
      - name: use
        depends: svc
        template: client
        arguments: {parameters: [{name: url, value: "http://{{tasks.svc.ip}}:PORT/"}]}
  - name: svc
    daemon: true
    containerSet:
      containers:
      - name: main
        image: python:3.12
        command: [sh, -c, 'sleep 1; exec PYTHON -m http.server PORT --bind 127.0.0.1']
        ports: [{name: http, containerPort: PORT}]
        readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 1}
      - name: helper
        image: alpine
        command: [sleep, "60"]
  - name: client
    inputs: {parameters: [{name: url}]}
    script:
      image: python:3.12
      command: [PYTHON]
      source: |
        import urllib.request
        print(urllib.request.urlopen("{{inputs.parameters.url}}").status)
"""


@pytest.fixture
def marks() -> Iterator[Path]:
    # Nodes see a private /tmp, so shared files go where the whole machine sees them.
    directory = Path(tempfile.mkdtemp(prefix="tiphys-probes-", dir="/var/tmp"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def run_workflow(home: Path, text: str) -> tuple[WorkflowRecord, dict[str, Node]]:
    """Run ``text`` to its end; its record and its nodes by display name."""
    store = Store(home / "db.sqlite")
    name, uid, workflow = prepare_submission(
        yaml.safe_load(text), SubmitOptions(), store.name_taken
    )
    store.create(WorkflowRecord(uid, name, "default", "Pending", time.time(), workflow))
    results: queue.Queue[NodeResult] = queue.Queue()
    launcher = LocalLauncher(results)
    try:
        record = Controller(home, store, launcher, results).run(uid)
    finally:
        launcher.close()
    return record, {n.display_name: n for n in store.nodes(uid).values()}


def test_step_killed_by_its_liveness_probe_fails_with_the_probe_named(tmp_path: Path) -> None:
    port = free_port()
    text = KILLED_BY_LIVENESS.replace("PORT", str(port)).replace("PYTHON", sys.executable)
    record, nodes = run_workflow(tmp_path / "home", text)
    assert record.phase == FAILED
    serve = nodes["serve"]
    assert (serve.phase, serve.message) == (
        FAILED,
        "main: Error (exit code 143): Container main failed liveness probe: "
        "HTTP probe failed with statuscode: 404",
    )
    assert serve.outputs is not None and serve.outputs["exitCode"] == "143"
    assert not listening(port)


def test_daemon_whose_liveness_fails_after_serving_ends_its_node_failed(
    tmp_path: Path, marks: Path
) -> None:
    text = DAEMON_TURNS_SICK.replace("MARKS", str(marks)).replace("PYTHON", sys.executable)
    # The client ends once the server has been killed.
    watcher = _when_killed(marks)
    record, nodes = run_workflow(tmp_path / "home", text)
    watcher.join()
    server = nodes["server"]
    assert server.phase == FAILED
    assert server.message.startswith(
        "main: Error (exit code 143): Container main failed liveness probe"
    )
    assert nodes["client"].phase == SUCCEEDED
    # As in Argo: the server's step group ended when the server was daemoned, and does not
    # read its phase again, so the workflow goes on to succeed.
    assert record.phase == SUCCEEDED


def _when_killed(marks: Path) -> threading.Thread:
    """Marks ``gone`` once no process of the server runs (its sleep was killed)."""

    def watch() -> None:
        deadline = time.monotonic() + 60
        seen = False
        while time.monotonic() < deadline:
            running = _server_running(marks)
            seen = seen or running
            if seen and not running:
                break
            time.sleep(0.05)
        (marks / "gone").touch()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _server_running(marks: Path) -> bool:
    needle = f"touch {marks}/healthy".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "cmdline").read_bytes():
                    return True
            except OSError:
                continue
    return False


def test_container_set_daemon_serves_a_dag_task_then_stops_with_its_scope(
    tmp_path: Path,
) -> None:
    port = free_port()
    text = CONTAINER_SET_DAEMON.replace("PORT", str(port)).replace("PYTHON", sys.executable)
    record, nodes = run_workflow(tmp_path / "home", text)
    assert (record.phase, record.message) == (SUCCEEDED, "")
    assert nodes["use"].phase == SUCCEEDED  # it fetched from the daemon (or raised)
    svc = nodes["svc"]
    assert (svc.phase, svc.pod_ip) == (SUCCEEDED, "127.0.0.1")
    assert nodes["main"].phase == SUCCEEDED
    assert not listening(port)
