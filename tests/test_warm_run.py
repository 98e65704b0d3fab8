"""``tiphys run`` handing off to the standing controller, with real executor agents: the
same output and exit status as an embedded run, and nodes that see the environment and
working directory of the ``tiphys run`` that submitted them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

HELLO = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: hello-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: greet, template: say}
    - - {name: again, template: say}
  - name: say
    container: {image: alpine, command: [sh, -c, "echo hello"]}
"""

FAILING = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: hello-}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: ok, template: say}
      - {name: broken, depends: ok, template: fail}
  - name: say
    container: {image: alpine, command: [echo, fine]}
  - name: fail
    container: {image: alpine, command: [sh, -c, "echo oops >&2; exit 3"]}
"""

WHERE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: where-NAME}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: alpine, command: [sh, -c, 'echo "mark=$WARM_MARK dir=$(pwd)"']}
"""

TIMEOUT = 120


def cli(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tiphys_core", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip


def normalized(text: str) -> str:
    """Generated names, node ids and durations blanked: they differ between any two runs."""
    text = re.sub(r"\bhello-[a-z0-9]{5}\b", "hello-NAME", text)
    text = re.sub(r"hello-NAME-\d+", "hello-NAME-ID", text)
    return re.sub(r"\b\d+(\.\d+)?s\b|\b\d+m\d+s\b", "D", text)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    # A pinned build: code edited elsewhere in the checkout meanwhile does not retire it.
    environment = {**os.environ, "TIPHYS_HOME": str(tmp_path / "home"), "TIPHYS_BUILD_ID": "test"}
    environment.pop("TIPHYS_CONTROLLER_IDLE", None)
    yield environment
    cli(environment, "controller", "--stop")


@pytest.mark.parametrize(("text", "code"), [(HELLO, 0), (FAILING, 1)], ids=["succeeds", "fails"])
def test_warm_run_output_and_exit_status_equal_an_embedded_run(
    env: dict[str, str], tmp_path: Path, text: str, code: int
) -> None:
    source = tmp_path / "wf.yaml"
    source.write_text(text)
    embedded = cli(
        {**env, "TIPHYS_HOME": str(tmp_path / "embedded")}, "run", "--embedded", str(source)
    )
    assert cli(env, "run", str(source)).returncode == code  # starts the standing controller
    warm = cli(env, "run", str(source))
    assert embedded.returncode == warm.returncode == code, warm.stderr
    assert normalized(warm.stdout) == normalized(embedded.stdout)
    assert (
        cli(env, "controller", "--status").stdout.count("controller pid") == 1
    )  # it was handed off, not run here
    name = re.search(r"Name:\s+(\S+)", warm.stdout)
    assert name is not None
    logs = cli(env, "logs", name.group(1)).stdout
    assert ("hello" if code == 0 else "oops") in logs


def test_nodes_see_the_environment_and_directory_of_their_own_client(
    env: dict[str, str], tmp_path: Path
) -> None:
    # As an embedded run's nodes do: whatever the executor makes of its agent's environment
    # and working directory, a warm run's nodes see the same.
    # Node processes get a private /tmp: these directories live where they can see them.
    places = [Path(tempfile.mkdtemp(prefix="tiphys-warm-", dir="/var/tmp")) for _ in range(2)]
    embedded_env = {**env, "TIPHYS_HOME": str(tmp_path / "embedded")}
    try:
        for index, place in enumerate(places):
            source = tmp_path / f"where{index}.yaml"
            source.write_text(WHERE.replace("NAME", str(index)))
            client = {**env, "WARM_MARK": f"m{index}"}
            done = cli(client, "run", str(source), cwd=place)
            assert done.returncode == 0, done.stderr
            embedded = cli({**client, **embedded_env}, "run", "--embedded", str(source), cwd=place)
            assert embedded.returncode == 0, embedded.stderr
            warm_logs = cli(env, "logs", f"where-{index}").stdout
            assert f"mark=m{index} dir=" in warm_logs
            assert warm_logs == cli(embedded_env, "logs", f"where-{index}").stdout
    finally:
        for place in places:
            shutil.rmtree(place, ignore_errors=True)
