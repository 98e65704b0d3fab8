"""Suspend, resume and stop running workflows from another process, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

APPROVAL = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: approval}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: approve, template: wait}
    - - {name: after, template: say}
  - name: wait
    suspend: {}
  - name: say
    container: {image: alpine, command: [echo, approved]}
"""

LONG = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: long}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: alpine, command: [sleep, "60"]}
"""


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tiphys_core", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def start_waiting(
    env: dict[str, str], tmp_path: Path, text: str, name: str
) -> subprocess.Popen[bytes]:
    source = tmp_path / f"{name}.yaml"
    source.write_text(text)
    assert cli(env, "submit", str(source)).returncode == 0
    log = (tmp_path / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tiphys_core", "wait", name],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return process


def test_resume_releases_a_manual_suspend_node(tmp_path: Path) -> None:
    env = {**os.environ, "TIPHYS_HOME": str(tmp_path / "home")}
    waiting = start_waiting(env, tmp_path, APPROVAL, "approval")
    time.sleep(1.0)
    assert waiting.poll() is None  # held at the suspend node
    assert (
        "resume requested"
        in cli(env, "resume", "approval", "--node-field-selector", "displayName=approve").stdout
    )
    assert waiting.wait(timeout=30) == 0
    assert "approved" in cli(env, "logs", "approval").stdout


def test_stop_fails_a_running_workflow_with_argo_message(tmp_path: Path) -> None:
    env = {**os.environ, "TIPHYS_HOME": str(tmp_path / "home")}
    waiting = start_waiting(env, tmp_path, LONG, "long")
    time.sleep(1.0)
    cli(env, "stop", "long")
    assert waiting.wait(timeout=30) == 1
    got = cli(env, "get", "long").stdout
    assert "Status:      Failed" in got
    assert "Stopped with strategy 'Stop'" in got


FLAKY = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: flaky}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: first, template: count}
    - - {name: second, template: maybe}
  - name: count
    container: {image: alpine, command: [sh, -c, "echo ran >> \\"$MARKS/first\\""], env: [{name: MARKS, value: "MARKS_DIR"}]}
  - name: maybe
    container: {image: alpine, command: [sh, -c, "test -f \\"MARKS_DIR/fixed\\""]}
"""


def test_retry_reruns_failed_nodes_only_and_resubmit_starts_over(tmp_path: Path) -> None:
    import shutil
    import tempfile

    marks = Path(
        tempfile.mkdtemp(prefix="tiphys-retry-", dir="/var/tmp")
    )  # visible past the private /tmp
    try:
        env = {**os.environ, "TIPHYS_HOME": str(tmp_path / "home")}
        source = tmp_path / "flaky.yaml"
        source.write_text(FLAKY.replace("MARKS_DIR", str(marks)))
        assert cli(env, "run", str(source)).returncode == 1
        (marks / "fixed").touch()
        assert cli(env, "retry", "flaky", "--wait").returncode == 0
        assert (marks / "first").read_text().count(
            "ran"
        ) == 1  # the succeeded step did not run again
        resubmitted = cli(env, "resubmit", "flaky", "--wait")
        assert resubmitted.returncode == 0
        assert resubmitted.stdout.startswith("flaky-")
        assert (marks / "first").read_text().count("ran") == 2
    finally:
        shutil.rmtree(marks, ignore_errors=True)


def test_retry_sets_old_results_aside_before_the_workflow_can_be_adopted_again(
    tmp_path: Path,
) -> None:
    """A controller starting while ``retry`` works must not find a failed node's old
    result.json where it looks for the new one: while the retry waits to reset the rows
    (the store is held here), the result is already gone, and a retry killed there leaves
    the workflow finished, for the next retry to complete."""
    import json
    import shutil
    import signal
    import sqlite3
    import tempfile

    marks = Path(tempfile.mkdtemp(prefix="tiphys-retry-", dir="/var/tmp"))
    try:
        home = tmp_path / "home"
        env = {**os.environ, "TIPHYS_HOME": str(home), "TIPHYS_BUILD_ID": "test"}
        source = tmp_path / "flaky.yaml"
        source.write_text(FLAKY.replace("MARKS_DIR", str(marks)))
        assert cli(env, "run", "--embedded", str(source)).returncode == 1
        document = json.loads(cli(env, "get", "flaky", "-o", "json").stdout)
        nodes = document["status"]["nodes"].values()
        second = next(node["id"] for node in nodes if node["displayName"] == "second")
        workflow_dir = next((home / "workflows").iterdir())
        stale = workflow_dir / "nodes" / f"{second}-0" / "result.json"
        assert stale.is_file()

        held = sqlite3.connect(home / "tiphys.db", isolation_level=None)
        held.execute("BEGIN IMMEDIATE")  # the retry cannot reset the rows until released
        retry = subprocess.Popen([sys.executable, "-m", "tiphys_core", "retry", "flaky"], env=env)
        try:
            deadline = time.monotonic() + 30
            while stale.exists() and retry.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not stale.exists(), "the old result was still there when the rows were reset"
            assert retry.poll() is None  # waiting for the store: nothing was reset yet
            phase = held.execute("SELECT phase FROM workflows WHERE name = 'flaky'").fetchone()
            assert phase == ("Failed",)
        finally:
            retry.send_signal(signal.SIGKILL)  # killed between the two steps
            retry.wait()
            held.execute("ROLLBACK")
            held.close()
        assert "Status:      Failed" in cli(env, "get", "flaky").stdout  # nobody adopts it

        (marks / "fixed").touch()
        again = cli(env, "retry", "flaky", "--wait")
        assert again.returncode == 0, again.stderr
        assert again.stdout.startswith("workflow flaky retried: ")
        assert (marks / "first").read_text().count("ran") == 1
        assert '"phase":"Succeeded"' in stale.read_text().replace(" ", "")
        assert [p.name for p in workflow_dir.iterdir() if p.name.startswith(".")] == []
    finally:
        cli(env, "controller", "--stop")
        shutil.rmtree(marks, ignore_errors=True)
