"""The standing controller as ``tiphys run`` users meet it: started on demand, reused warm,
printing what an embedded run prints, and never leaving a client hanging.

Each test has its own state directory; its controller is stopped at the end. The
workflows here need no executor (skipped steps, suspend nodes, deadlines): the core
distribution is tested alone. tests/test_warm_run.py runs real nodes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SKIPPED = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: skip-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: maybe, template: never, when: "1 == 2"}
    - - {name: wait, template: pause}
  - name: pause
    suspend: {duration: "0"}
  - name: never
    container: {image: alpine, command: [echo, never]}
"""

DEADLINE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: late-}
spec:
  entrypoint: main
  activeDeadlineSeconds: 1
  templates:
  - name: main
    steps:
    - - {name: approve, template: wait}
  - name: wait
    suspend: {}
"""

HELD = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: held}
spec:
  entrypoint: main
  templates:
  - name: main
    suspend: {}
"""

INVALID = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: bad-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: missing}
"""

TIMEOUT = 60
WAIT_SECONDS = 30.0


def cli(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tiphys_core", *args],
        env=env, input=stdin, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip


def controller_pid(env: dict[str, str]) -> int | None:
    status = cli(env, "controller", "--status")
    found = re.search(r"controller pid (\d+)", status.stdout)
    return int(found.group(1)) if status.returncode == 0 and found else None


def background(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """``tiphys ARGS`` left running, its output kept for ``communicate``."""
    return subprocess.Popen(
        [sys.executable, "-m", "tiphys_core", *args], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def held_runs(env: dict[str, str]) -> None:
    eventually(lambda: "Status:      Running" in cli(env, "get", "held").stdout, "held runs")


def assert_waited_until_stopped(waiting: subprocess.Popen[str]) -> None:
    """``tiphys wait held`` saw the workflow fail when it was stopped."""
    out, err = waiting.communicate(timeout=TIMEOUT)
    assert waiting.returncode == 1, err
    assert out.startswith("held Failed (")


def eventually(check: object, what: str) -> None:
    """Poll ``check`` until it holds (bounded, so a broken controller fails the test)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    pytest.fail(f"gave up waiting: {what}")


def normalized(text: str) -> str:
    """Output with generated names and durations blanked: they differ between any two runs."""
    text = re.sub(r"\b(skip|late|bad)-[a-z0-9]{5}(-\d+)?\b", r"\1-NAME\2", text)
    text = re.sub(r"-NAME-\d+", "-NAME-ID", text)
    return re.sub(r"\b\d+(\.\d+)?s\b|\b\d+m\d+s\b", "D", text)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A state directory of its own; its standing controller, if any, is stopped after."""
    # A pinned build: code edited elsewhere in the checkout meanwhile does not retire it.
    environment = {**os.environ, "TIPHYS_HOME": str(tmp_path / "home"), "TIPHYS_BUILD_ID": "test"}
    environment.pop("TIPHYS_CONTROLLER_IDLE", None)
    yield environment
    cli(environment, "controller", "--stop")


def write(tmp_path: Path, text: str, name: str = "wf.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_first_run_starts_a_controller_and_the_second_hands_off_to_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    source = write(tmp_path, SKIPPED)
    assert controller_pid(env) is None
    first = cli(env, "run", source)
    assert first.returncode == 0, first.stderr
    pid = controller_pid(env)
    assert pid is not None
    second = cli(env, "run", source)
    assert second.returncode == 0, second.stderr
    assert controller_pid(env) == pid  # no second controller was started
    log = (Path(env["TIPHYS_HOME"]) / "controller.log").read_text()
    assert log.count(" serving ") == 1
    assert log.count(" Succeeded") == 2


@pytest.mark.parametrize(("text", "code"), [(SKIPPED, 0), (DEADLINE, 1)], ids=["succeeds", "fails"])
def test_warm_run_prints_what_an_embedded_run_prints(
    env: dict[str, str], tmp_path: Path, text: str, code: int
) -> None:
    source = write(tmp_path, text)
    embedded_env = {**env, "TIPHYS_HOME": str(tmp_path / "embedded-home")}
    embedded = cli(embedded_env, "run", "--embedded", source)
    assert cli(env, "run", source).returncode == code  # starts the controller
    warm = cli(env, "run", source)
    assert (embedded.returncode, warm.returncode) == (code, code)
    assert normalized(warm.stdout) == normalized(embedded.stdout)
    assert "Status:      " + ("Succeeded" if code == 0 else "Failed") in warm.stdout


def test_validation_errors_come_back_with_file_line_and_field(
    env: dict[str, str], tmp_path: Path
) -> None:
    source = write(tmp_path, INVALID)
    cli(env, "run", write(tmp_path, SKIPPED, "ok.yaml"))  # a controller is up
    warm = cli(env, "run", source)
    embedded = cli({**env, "TIPHYS_HOME": str(tmp_path / "other")}, "run", "--embedded", source)
    assert warm.returncode == embedded.returncode == 1
    assert warm.stderr == embedded.stderr
    assert warm.stderr.startswith(
        f'{source}:10:29: spec.templates[0].steps[0][0].template: template "missing" is not defined'
    )
    assert warm.stderr.endswith("tiphys: not submitted: fix the errors above\n")
    assert "Name:" not in warm.stdout


def test_documents_from_stdin_and_parameter_overrides_reach_the_controller(
    env: dict[str, str], tmp_path: Path
) -> None:
    parameters = tmp_path / "params.yaml"
    parameters.write_text("message: from-file\n")
    text = SKIPPED.replace(
        "  entrypoint: main\n",
        "  entrypoint: main\n  arguments: {parameters: [{name: message, value: x}]}\n",
    )
    done = cli(env, "submit", "-", "-f", str(parameters), "-o", "name", "--wait", stdin=text)
    assert done.returncode == 0, done.stderr
    name = done.stdout.splitlines()[0]
    assert name.startswith("skip-")
    got = cli(env, "get", name, "-o", "json")
    assert '"value": "from-file"' in got.stdout
    assert controller_pid(env) is not None


def test_submit_without_a_controller_leaves_the_workflow_pending_as_before(
    env: dict[str, str], tmp_path: Path
) -> None:
    done = cli(env, "submit", write(tmp_path, HELD))
    assert done.returncode == 0
    assert "Status: Pending (run `tiphys controller` or `tiphys wait held`)" in done.stdout
    assert controller_pid(env) is None


def test_a_standing_controller_adopts_pending_workflows_and_wait_follows_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert cli(env, "submit", write(tmp_path, HELD)).returncode == 0
    controller = subprocess.Popen(
        [sys.executable, "-m", "tiphys_core", "controller"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        held_runs(env)
        waiting = background(env, "wait", "held")
        assert "stop requested" in cli(env, "stop", "held").stdout
        assert_waited_until_stopped(waiting)
    finally:
        controller.terminate()
        assert controller.wait(timeout=TIMEOUT) == 0


def test_controller_exits_by_itself_after_the_idle_period(
    env: dict[str, str], tmp_path: Path
) -> None:
    env["TIPHYS_CONTROLLER_IDLE"] = "0.5"
    assert cli(env, "run", write(tmp_path, SKIPPED)).returncode == 0
    home = Path(env["TIPHYS_HOME"])
    eventually(lambda: not (home / "controller.sock").exists(), "the idle controller exits")
    eventually(lambda: "stopped" in (home / "controller.log").read_text(), "its last log line")
    assert "idle: exiting" in (home / "controller.log").read_text()
    assert controller_pid(env) is None


def test_socket_left_by_a_killed_controller_is_replaced(
    env: dict[str, str], tmp_path: Path
) -> None:
    source = write(tmp_path, SKIPPED)
    assert cli(env, "run", source).returncode == 0
    pid = controller_pid(env)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    home = Path(env["TIPHYS_HOME"])
    eventually(lambda: not _alive(pid), "the controller dies")
    assert (home / "controller.sock").exists()  # nobody cleaned up after it
    again = cli(env, "run", source)
    assert again.returncode == 0, again.stderr
    assert controller_pid(env) not in (None, pid)


def test_client_says_so_and_fails_when_its_controller_is_killed(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert cli(env, "run", write(tmp_path, SKIPPED)).returncode == 0
    pid = controller_pid(env)
    assert pid is not None
    client = background(env, "run", write(tmp_path, HELD))
    held_runs(env)
    os.kill(pid, signal.SIGKILL)
    _, err = client.communicate(timeout=TIMEOUT)
    assert client.returncode == 1
    assert f"the standing controller (pid {pid}) went away before workflow held finished" in err
    assert "`tiphys wait held`" in err


def test_a_second_controller_is_kept_out_by_the_lock(env: dict[str, str], tmp_path: Path) -> None:
    assert cli(env, "run", write(tmp_path, SKIPPED)).returncode == 0
    pid = controller_pid(env)
    second = cli(env, "controller")
    assert second.returncode == 1
    assert f"another controller (pid {pid}) drives the workflows in" in second.stderr
    assert controller_pid(env) == pid


def test_embedded_run_beside_a_standing_controller_is_driven_once(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert cli(env, "run", write(tmp_path, SKIPPED)).returncode == 0  # a controller is up
    embedded = background(env, "run", "--embedded", write(tmp_path, HELD, "held.yaml"))
    held_runs(env)
    # The standing controller is asked to follow it: it must not drive it a second time.
    waiting = background(env, "wait", "held")
    assert "stop requested" in cli(env, "stop", "held").stdout
    out, err = embedded.communicate(timeout=TIMEOUT)
    assert embedded.returncode == 1, err
    assert "Status:      Failed" in out
    assert_waited_until_stopped(waiting)
    log = (Path(env["TIPHYS_HOME"]) / "controller.log").read_text()
    assert "workflow held running" not in log


def test_a_controller_of_another_build_is_replaced_when_idle(
    env: dict[str, str], tmp_path: Path
) -> None:
    source = write(tmp_path, SKIPPED)
    assert cli(env, "run", source).returncode == 0
    old = controller_pid(env)
    env["TIPHYS_BUILD_ID"] = "test-2"  # as after an upgrade or an edit
    again = cli(env, "run", source)
    assert again.returncode == 0, again.stderr
    assert controller_pid(env) not in (None, old)
    log = (Path(env["TIPHYS_HOME"]) / "controller.log").read_text()
    assert log.count("retiring: the tiphys code changed since it started") == 1
    assert log.count(" serving ") == 2


def test_stop_ends_the_controller_and_status_says_none_answers(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert cli(env, "run", write(tmp_path, SKIPPED)).returncode == 0
    stopped = cli(env, "controller", "--stop")
    assert re.fullmatch(r"controller pid \d+ stopping\n", stopped.stdout)
    status = cli(env, "controller", "--status")
    assert status.returncode == 1
    assert status.stdout.startswith("no standing controller answers for ")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (its parent is gone, init reaps it soon) counts as dead.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except OSError:
        return False
