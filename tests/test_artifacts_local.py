"""Artifacts on the local default repository, through the real CLI: garbage collection
(``artifactGC`` on completion and on deletion) and ``artifactRepositoryRef`` errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

GC_WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: gc}
spec:
  entrypoint: main
  artifactGC: {strategy: OnWorkflowDeletion}
  templates:
    - name: main
      container:
        image: busybox
        command: [sh, -c, "echo a > /tmp/a.txt; echo b > /tmp/b.txt; echo c > /tmp/c.txt"]
      outputs:
        artifacts:
          - {name: on-completion, path: /tmp/a.txt, s3: {key: a.txt},
             artifactGC: {strategy: OnWorkflowCompletion}}
          - {name: on-deletion, path: /tmp/b.txt, s3: {key: b.txt}}
          - {name: kept, path: /tmp/c.txt, s3: {key: c.txt}, artifactGC: {strategy: Never}}
"""


@pytest.fixture
def state() -> Iterator[dict[str, str]]:
    # Under /var/tmp: nodes get a private /tmp.
    home = tempfile.mkdtemp(prefix="tiphys-artifacts-", dir="/var/tmp")
    yield {**os.environ, "TIPHYS_HOME": home}
    shutil.rmtree(home, ignore_errors=True)


def tiphys(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tiphys_core", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_artifact_gc_deletes_on_completion_then_on_deletion_and_keeps_never(
    state: dict[str, str], tmp_path: Path
) -> None:
    spec = tmp_path / "gc.yaml"
    spec.write_text(GC_WORKFLOW)
    repository = Path(state["TIPHYS_HOME"]) / "artifacts"
    run = tiphys(state, "run", str(spec), "--no-color")
    assert "Status:      Succeeded" in run.stdout, run.stdout + run.stderr
    assert sorted(p.name for p in repository.iterdir()) == ["b.txt", "c.txt"]
    deleted = tiphys(state, "delete", "gc")
    assert deleted.returncode == 0, deleted.stderr
    assert sorted(p.name for p in repository.iterdir()) == ["c.txt"]


def test_an_artifact_repository_ref_to_a_missing_key_errors_the_workflow_naming_it(
    state: dict[str, str], tmp_path: Path
) -> None:
    home = Path(state["TIPHYS_HOME"])
    (home / "artifact-repositories.yaml").write_text(
        "kind: ConfigMap\nmetadata: {name: artifact-repositories}\n"
        "data: {other: 'plugin: {name: fsspec, configuration: \"url: file:///nowhere\"}'}\n"
    )
    spec = tmp_path / "ref.yaml"
    spec.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: ref}\n"
        "spec:\n  entrypoint: main\n  artifactRepositoryRef: {key: my-key}\n"
        "  templates:\n    - {name: main, container: {image: busybox, command: ['true']}}\n"
    )
    run = tiphys(state, "run", str(spec), "--no-color")
    assert "Status:      Error" in run.stdout, run.stdout + run.stderr
    assert 'key "my-key" not found in ConfigMap "artifact-repositories" (keys: other)' in (
        run.stdout
    )
