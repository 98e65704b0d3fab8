"""Kill the controller with SIGKILL at random moments; the workflow still finishes, and no
node whose result was recorded runs again."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: crash}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: mark, arguments: {parameters: [{name: id, value: a}]}}
      - {name: b, depends: a, template: mark, arguments: {parameters: [{name: id, value: b}]}}
      - {name: c, depends: a, template: mark, arguments: {parameters: [{name: id, value: c}]}}
      - {name: d, depends: b && c, template: mark, arguments: {parameters: [{name: id, value: d}]}}
      - {name: e, depends: d, template: mark, withItems: [e1, e2, e3, e4], arguments: {parameters: [{name: id, value: "{{item}}"}]}}
      - {name: f, depends: e, template: mark, arguments: {parameters: [{name: id, value: f}]}}
  - name: mark
    inputs: {parameters: [{name: id}]}
    script:
      image: python:3.12
      command: [python3]
      source: |
        import os, time
        marks = os.environ["MARKS"]
        with open(os.path.join(marks, "{{inputs.parameters.id}}"), "a") as f:
            f.write("start\\n")
        time.sleep(0.4)
        print("{{inputs.parameters.id}}")
"""


def tiphys(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tiphys_core", *args], env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
def test_sigkilled_controller_resumes_without_rerunning_recorded_nodes(
    tmp_path: Path, seed: int, request: pytest.FixtureRequest
) -> None:
    rng = random.Random(seed)
    # Nodes see a private /tmp, so their markers go where the whole machine sees them.
    marks = Path(tempfile.mkdtemp(prefix="tiphys-marks-", dir="/var/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(marks, ignore_errors=True))
    home = tmp_path / "home"
    env = {**os.environ, "TIPHYS_HOME": str(home), "MARKS": str(marks)}
    source = tmp_path / "wf.yaml"
    source.write_text(WORKFLOW)
    log = tmp_path / "cli.log"
    submitted = tiphys(env, log, "submit", str(source), "-o", "name")
    assert submitted.wait(timeout=60) == 0, log.read_text()
    # step id -> how many times it had started when its result was first seen on disk
    recorded: dict[str, int] = {}
    kills = 0
    for _ in range(40):
        controller = tiphys(env, log, "wait", "crash")
        try:
            # Kill at random moments, later each time (a loaded machine starts slowly),
            # until some node's result was on disk at a kill; then let it finish.
            again = kills < 6 or (not recorded and kills < 20)
            code = controller.wait(timeout=rng.uniform(0.3, 1.0) + 0.25 * kills if again else 60)
        except subprocess.TimeoutExpired:
            os.killpg(controller.pid, signal.SIGKILL)  # the controller and its agents
            controller.wait()
            kills += 1
            time.sleep(0.5)  # let orphaned node processes of the dead agents end
            for result in (home / "workflows").rglob("result.json"):
                step_id = (result.parent / "main.log").read_text().split()[0]
                recorded.setdefault(step_id, _starts(marks)[step_id])
            continue
        assert code == 0, log.read_text()
        break
    else:
        pytest.fail("the workflow never finished")
    assert kills >= 1
    starts = _starts(marks)
    assert set(starts) == {"a", "b", "c", "d", "e1", "e2", "e3", "e4", "f"}
    assert recorded, "some node finished before a kill"
    # A node whose result was on disk when the controller died never started again.
    assert {step: starts[step] for step in recorded} == recorded


def _starts(marks: Path) -> dict[str, int]:
    return {p.name: p.read_text().count("start") for p in marks.iterdir()}
