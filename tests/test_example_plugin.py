"""A third-party plugin, installed as users install one, used end to end by ``tiphys run``.

``tests/example-plugin`` is its own distribution (not a workspace member). A fresh
virtualenv gets tiphys-core, tiphys-executor and it from their paths (once per session);
then ``tiphys plugins`` must list it, and workflows use its ``greet`` template type and
its ``example-dir`` artifact driver (as a data template's source and as an input artifact).
Its driver also passes the shared artifact driver contract, in this process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tiphys_core.artifacts import Artifact
from tiphys_core.testing.artifact_contract import ArtifactDriverContract

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "tests" / "example-plugin"
# Node processes get a private /tmp: what they read (and the state dir) lives in /var/tmp.
SHARED_TMP = "/var/tmp"


def uv_command() -> list[str] | None:
    try:
        from uv import find_uv_bin  # the uv package of the dev group (tox-uv needs it)

        return [find_uv_bin()]
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        return [found] if found else None


@pytest.fixture(scope="session")
def example_venv() -> Iterator[Path]:
    """A fresh virtualenv with tiphys-core, tiphys-executor (and the raw and fsspec drivers
    it depends on) and tiphys-example installed."""
    uv = uv_command()
    if uv is None:
        pytest.skip("uv is not available to create a fresh virtualenv")
    base = Path(tempfile.mkdtemp(prefix="tiphys-example-venv-", dir=SHARED_TMP))
    venv = base / "venv"
    try:
        subprocess.run(
            [*uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        subprocess.run(
            [*uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
             str(REPO / "core"), str(REPO / "plugins" / "raw"), str(REPO / "plugins" / "fsspec"),
             str(REPO / "executor"), str(EXAMPLE)],
            check=True, capture_output=True, text=True, cwd=base,
        )  # fmt: skip
        yield venv
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A directory node processes see at the same path (not under the private /tmp)."""
    path = Path(tempfile.mkdtemp(prefix="tiphys-example-", dir=SHARED_TMP))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def tiphys(example_venv: Path, scratch: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs ``tiphys`` from the fresh virtualenv with its own TIPHYS_HOME."""
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
        "TIPHYS_HOME": str(scratch / "home"),
        "TIPHYS_DISABLE_PLUGINS": "",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(example_venv / "bin" / "tiphys"), *args],
            env=environment, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip

    return run


@pytest.fixture
def store(scratch: Path) -> Path:
    """The example-dir driver's root, holding a few objects."""
    root = scratch / "store"
    (root / "greetings").mkdir(parents=True)
    (root / "greetings" / "hello.txt").write_text("from the example store\n")
    (root / "greetings" / "other.log").write_text("not listed\n")
    return root


def run_workflow(
    tiphys: Callable[..., subprocess.CompletedProcess[str]], scratch: Path, text: str
) -> tuple[subprocess.CompletedProcess[str], str]:
    """``tiphys run`` of the workflow; its outcome and its logs (``tiphys logs``)."""
    source = scratch / "workflow.yaml"
    source.write_text(textwrap.dedent(text))
    done = tiphys("run", str(source))
    name = yaml_name(text)
    return done, tiphys("logs", name).stdout


def yaml_name(text: str) -> str:
    for line in text.splitlines():
        if "metadata:" in line and "name:" in line:
            return line.split("name:")[1].strip(" }")
    raise AssertionError("the test workflow needs metadata: {name: ...} on one line")


def test_tiphys_plugins_lists_the_example_with_its_version_and_hooks(tiphys: Any) -> None:
    done = tiphys("plugins", "-o", "json")
    assert done.returncode == 0, done.stderr
    plugins = {info["name"]: info for info in json.loads(done.stdout)}
    example = plugins["example"]
    assert (example["distribution"], example["version"]) == ("tiphys-example", "0.1.0")
    assert example["hooks"] == [
        "tiphys_register_artifact_drivers",
        "tiphys_register_template_handlers",
    ]
    assert example["problem"] == ""
    assert "tiphys_register_template_handlers" in plugins["executor"]["hooks"]
    text = tiphys("plugins").stdout
    assert "example  (tiphys-example 0.1.0)" in text


def test_workflow_uses_the_plugin_template_type_and_lists_through_its_driver(
    tiphys: Any, scratch: Path, store: Path
) -> None:
    done, logs = run_workflow(
        tiphys,
        scratch,
        f"""
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {{name: example-plugin}}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {{name: greet, template: greet}}
              - {{name: list, template: list}}
            - - name: show
                template: show
                arguments:
                  parameters:
                  - {{name: greeting, value: "{{{{steps.greet.outputs.result}}}}"}}
                  - {{name: listing, value: "{{{{steps.list.outputs.result}}}}"}}
          - name: greet
            plugin:
              greet: {{who: tiphys}}
          - name: list
            data:
              source:
                artifactPaths:
                  name: store
                  plugin: {{name: example-dir, configuration: "root: {store}", key: greetings}}
              transformation:
              - expression: 'filter(data, {{# endsWith ".txt"}})'
          - name: show
            inputs:
              parameters: [{{name: greeting}}, {{name: listing}}]
            container:
              image: alpine
              command: [sh, -c, "echo '{{{{inputs.parameters.greeting}}}}' '{{{{inputs.parameters.listing}}}}'"]
        """,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'hello tiphys ["greetings/hello.txt"]' in logs


def test_container_input_artifact_is_loaded_through_the_example_driver(
    tiphys: Any, scratch: Path, store: Path
) -> None:
    done, logs = run_workflow(
        tiphys,
        scratch,
        f"""
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {{name: example-artifact}}
        spec:
          entrypoint: show
          templates:
          - name: show
            inputs:
              artifacts:
              - name: message
                path: /tmp/message.txt
                plugin: {{name: example-dir, configuration: "root: {store}", key: greetings/hello.txt}}
            container:
              image: alpine
              command: [cat, /tmp/message.txt]
        """,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "from the example store" in logs


def test_unknown_plugin_template_type_names_the_installed_ones(tiphys: Any, scratch: Path) -> None:
    done, _ = run_workflow(
        tiphys,
        scratch,
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: example-unknown}
        spec:
          entrypoint: main
          templates:
          - name: main
            plugin:
              slack: {text: hi}
        """,
    )
    assert done.returncode == 1
    assert "plugin template type 'slack' is not installed" in done.stdout
    assert "(installed plugin template types: greet)" in done.stdout


# The example driver also keeps Argo's driver contract (run here, from its source tree).


class TestExampleDirDriverContract(ArtifactDriverContract):
    large_size = 1024 * 1024

    @pytest.fixture
    def driver(self, monkeypatch: pytest.MonkeyPatch) -> Any:
        monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
        from tiphys_example.driver import ExampleDirDriver

        return ExampleDirDriver()

    @pytest.fixture
    def artifact_at(self, tmp_path: Path) -> Callable[[str], Artifact]:
        root = tmp_path / "root"

        def at(key: str) -> Artifact:
            return Artifact(
                {
                    "name": "contract",
                    "plugin": {"name": "example-dir", "configuration": f"root: {root}", "key": key},
                }
            )

        return at
