"""The fsspec driver against the shared artifact driver contract, on file:// and memory://."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tiphys_core.artifacts import Artifact, ArtifactDriver
from tiphys_core.testing.artifact_contract import ArtifactAt, ArtifactDriverContract
from tiphys_fsspec import FsspecDriver


class TestLocalRepositoryContract(ArtifactDriverContract):
    @pytest.fixture
    def driver(self) -> ArtifactDriver:
        return FsspecDriver()

    @pytest.fixture
    def artifact_at(self, local_url: str, artifact_for: Callable[..., Artifact]) -> ArtifactAt:
        return lambda key: artifact_for(local_url, key)


class TestMemoryFilesystemContract(ArtifactDriverContract):
    @pytest.fixture
    def driver(self) -> ArtifactDriver:
        return FsspecDriver()

    @pytest.fixture
    def artifact_at(self, memory_url: str, artifact_for: Callable[..., Artifact]) -> ArtifactAt:
        return lambda key: artifact_for(memory_url, key)
