"""Artifacts naming keys under a fresh ``file://`` directory or ``memory://`` root."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import fsspec  # type: ignore[import-untyped]
import pytest
import yaml
from tiphys_core.artifacts import Artifact

ArtifactFor = Callable[..., Artifact]


def fsspec_artifact(url: str, key: str, name: str = "out", **settings: Any) -> Artifact:
    """An artifact in Argo's plugin syntax, as a workflow would write it."""
    configuration = yaml.safe_dump({"url": url, **settings})
    return Artifact(
        {"name": name, "plugin": {"name": "fsspec", "configuration": configuration, "key": key}}
    )


@pytest.fixture
def artifact_for() -> ArtifactFor:
    """``artifact_for(url, key, name="out", **settings)``: see :func:`fsspec_artifact`."""
    return fsspec_artifact


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A local artifact repository (made on first save)."""
    return tmp_path / "artifacts"


@pytest.fixture
def local_url(repository: Path) -> str:
    return f"file://{repository}"


@pytest.fixture
def memory_url() -> Iterator[str]:
    """A root of fsspec's in-process memory filesystem, emptied after the test."""
    root = f"tiphys-{uuid.uuid4().hex}"
    yield f"memory://{root}"
    memory = fsspec.filesystem("memory")
    if memory.exists(f"/{root}"):
        memory.rm(f"/{root}", recursive=True)
