"""Daemons end to end: controller, local launcher and real executor agents.

A daemon serves the steps after it (reached at ``{{steps.X.ip}}``, 127.0.0.1 here) once
its readinessProbe passes, stays ``Running`` with ``daemoned: true`` meanwhile, and is
stopped, ending ``Succeeded``, when its scope ends. A controller that dies while a daemon
runs starts it again when it recovers, as Argo does with a lost pod.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from tiphys_core.controller import Controller, SubmitOptions, prepare_submission
from tiphys_core.engine import Engine, Node
from tiphys_core.launch import LocalLauncher
from tiphys_core.store import Store, WorkflowRecord
from tiphys_core.testing.ports import free_port, listening
from tiphys_core.wire import FAILED, RUNNING, SUCCEEDED, NodeResult

STEPS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: daemon-steps-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: server, template: server}
    - - name: client
        template: client
        arguments: {parameters: [{name: url, value: "http://{{steps.server.ip}}:PORT/"}]}
    - - name: after
        template: echo
        arguments: {parameters: [{name: text, value: "{{steps.client.outputs.result}}"}]}
  - name: server
    daemon: true
    container:
      image: python:3.12
      command: [sh, -c, 'echo start >> MARKS/server; exec PYTHON -m http.server PORT --bind 127.0.0.1']
      readinessProbe:
        httpGet: {path: /, port: PORT}
        periodSeconds: 1
  - name: client
    inputs: {parameters: [{name: url}]}
    script:
      image: python:3.12
      command: [PYTHON]
      source: |
        import urllib.request
        print(urllib.request.urlopen("{{inputs.parameters.url}}").status)
  - name: echo
    inputs: {parameters: [{name: text}]}
    container: {image: alpine, command: [echo, "{{inputs.parameters.text}}"]}
"""

DAG = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: daemon-dag-}
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
    container:
      image: python:3.12
      command: [PYTHON, -m, http.server, "PORT", --bind, 127.0.0.1]
      readinessProbe:
        tcpSocket: {port: PORT}
        periodSeconds: 1
  - name: client
    inputs: {parameters: [{name: url}]}
    script:
      image: python:3.12
      command: [PYTHON]
      source: |
        import urllib.request
        print(urllib.request.urlopen("{{inputs.parameters.url}}").status)
"""


class Crash(Exception):
    pass


@pytest.fixture
def marks(request: pytest.FixtureRequest) -> Path:
    # Nodes see a private /tmp, so their marks go where the whole machine sees them.
    directory = Path(tempfile.mkdtemp(prefix="tiphys-daemon-", dir="/var/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(directory, ignore_errors=True))
    return directory


@pytest.fixture
def port() -> int:
    return free_port()


def spec_text(text: str, port: int, marks: Path) -> str:
    return (
        text.replace("PORT", str(port))
        .replace("MARKS", str(marks))
        .replace("PYTHON", sys.executable)
    )


def submit(store: Store, text: str) -> str:
    name, uid, workflow = prepare_submission(
        yaml.safe_load(text), SubmitOptions(), store.name_taken
    )
    store.create(WorkflowRecord(uid, name, "default", "Pending", time.time(), workflow))
    return uid


class Observed:
    """What each engine step showed: node phases and daemoned flags, by display name."""

    def __init__(self, crash_when: str = "") -> None:
        self.steps: list[dict[str, tuple[str, bool]]] = []
        self.crash_when = crash_when

    def __call__(self, engine: Engine, changed: list[Node]) -> None:
        self.steps.append({n.display_name: (n.phase, n.daemoned) for n in engine.nodes.values()})
        if self.crash_when and any(n.display_name == self.crash_when for n in changed):
            self.crash_when = ""
            raise Crash  # the controller dies (its agents then stop their nodes)


def run(home: Path, uid: str, observed: Observed) -> WorkflowRecord:
    results: queue.Queue[NodeResult] = queue.Queue()
    launcher = LocalLauncher(results)
    try:
        return Controller(home, Store(home / "db.sqlite"), launcher, results).run(uid, observed)
    finally:
        launcher.close()


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "home"


def test_daemon_serves_later_steps_then_is_stopped_succeeded_when_its_scope_ends(
    home: Path, port: int, marks: Path
) -> None:
    store = Store(home / "db.sqlite")
    uid = submit(store, spec_text(STEPS, port, marks))
    observed = Observed()
    record = run(home, uid, observed)
    assert (record.phase, record.message) == (SUCCEEDED, "")
    nodes = {n.display_name: n for n in store.nodes(uid).values()}
    assert nodes["client"].outputs is not None and nodes["client"].outputs["result"] == "200"
    server = nodes["server"]
    assert (server.phase, server.daemoned, server.pod_ip) == (SUCCEEDED, False, "127.0.0.1")
    # While the client ran, the server was Running and daemoned.
    assert any(
        step.get("server") == (RUNNING, True) and "client" in step for step in observed.steps
    )
    assert not listening(port)  # stopped with its scope
    assert (marks / "server").read_text() == "start\n"


def test_dag_task_reaches_a_daemon_at_its_task_ip(home: Path, port: int, marks: Path) -> None:
    store = Store(home / "db.sqlite")
    uid = submit(store, spec_text(DAG, port, marks))
    record = run(home, uid, Observed())
    assert record.phase == SUCCEEDED
    nodes = {n.display_name: n for n in store.nodes(uid).values()}
    log = home / "workflows" / uid / "nodes" / f"{nodes['use'].id}-0" / "main.log"
    assert log.read_text() == "200\n"
    assert nodes["svc"].phase == SUCCEEDED
    assert not listening(port)


def test_daemon_that_exits_before_it_is_ready_fails_the_workflow(
    home: Path, port: int, marks: Path
) -> None:
    text = spec_text(STEPS, port, marks).replace("exec ", "exit 4; exec ", 1)
    store = Store(home / "db.sqlite")
    uid = submit(store, text)
    record = run(home, uid, Observed())
    assert record.phase == FAILED
    nodes = {n.display_name: n for n in store.nodes(uid).values()}
    assert (nodes["server"].phase, nodes["server"].message) == (
        FAILED,
        "main: Error (exit code 4)",
    )
    assert "client" not in nodes


def test_controller_dying_while_a_daemon_runs_starts_it_again_on_recovery(
    home: Path, port: int, marks: Path
) -> None:
    store = Store(home / "db.sqlite")
    uid = submit(store, spec_text(STEPS, port, marks))
    with pytest.raises(Crash):
        run(home, uid, Observed(crash_when="client"))
    assert not listening(port)  # its agent stopped it when the controller went away
    stored = {n.display_name: n for n in store.nodes(uid).values()}
    assert "server" not in stored or not stored["server"].finished  # commits are batched
    record = run(home, uid, Observed())
    assert record.phase == SUCCEEDED
    assert (marks / "server").read_text() == "start\nstart\n"
    nodes = {n.display_name: n for n in store.nodes(uid).values()}
    assert nodes["server"].phase == SUCCEEDED


def test_cli_run_shows_the_daemons_pod_ip_and_phase(tmp_path: Path, port: int, marks: Path) -> None:
    source = tmp_path / "wf.yaml"
    source.write_text(spec_text(STEPS, port, marks))
    env = {**os.environ, "TIPHYS_HOME": str(tmp_path / "cli-home")}
    command = [sys.executable, "-m", "tiphys_core"]
    ran = subprocess.run(
        [*command, "run", "--embedded", "--no-color", str(source)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    shown = subprocess.run(
        [*command, "get", "@latest", "-o", "json"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    nodes: dict[str, Any] = json.loads(shown.stdout)["status"]["nodes"]
    server = next(n for n in nodes.values() if n["displayName"] == "server")
    assert (server["phase"], server["podIP"]) == (SUCCEEDED, "127.0.0.1")
    assert "daemoned" not in server
