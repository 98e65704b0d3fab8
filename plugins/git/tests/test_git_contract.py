"""The shared artifact driver contract, against real repositories on every transport.

A git artifact's key is its ``repo`` URL and a load always gives a directory (the clone),
so objects are placed by committing them to a repository named after the key, and the
single-file checks look for the file inside the loaded clone.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import pytest
from git_repositories import Served
from tiphys_core.artifacts import ArtifactDriver
from tiphys_core.testing.artifact_contract import (
    BINARY,
    ArtifactAt,
    ArtifactDriverContract,
)


class TestGitDriverContract(ArtifactDriverContract):
    verbs: ClassVar[frozenset[str]] = frozenset({"load"})

    @pytest.fixture
    def artifact_at(self, served: Served) -> ArtifactAt:
        return served

    def put(self, driver: ArtifactDriver, artifact_at: ArtifactAt, key: str, data: bytes) -> None:
        """A repository named ``key`` holding one file, named as the key's last part."""
        self.put_tree(driver, artifact_at, key, {posixpath.basename(key): data})

    def put_tree(
        self,
        driver: ArtifactDriver,
        artifact_at: ArtifactAt,
        prefix: str,
        files: Mapping[str, bytes],
    ) -> None:
        """A repository named ``prefix`` whose one commit holds ``files``."""
        assert isinstance(artifact_at, Served)
        artifact_at.repository(prefix).commit(files)

    # A key names a repository, which loads as a directory: the file is inside it.

    def test_saved_file_loads_back_byte_for_byte(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt, tmp_path: Path
    ) -> None:
        self.put(driver, artifact_at, "file.bin", BINARY)
        driver.load(artifact_at("file.bin"), str(tmp_path / "clone"))
        assert (tmp_path / "clone" / "file.bin").read_bytes() == BINARY

    def test_empty_file_loads_as_empty_file(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt, tmp_path: Path
    ) -> None:
        self.put(driver, artifact_at, "empty.txt", b"")
        driver.load(artifact_at("empty.txt"), str(tmp_path / "clone"))
        assert (tmp_path / "clone" / "empty.txt").read_bytes() == b""

    def test_large_file_round_trips(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt, tmp_path: Path
    ) -> None:
        data = bytes(range(256)) * (self.large_size // 256)
        self.put(driver, artifact_at, "large.bin", data)
        driver.load(artifact_at("large.bin"), str(tmp_path / "clone"))
        assert (tmp_path / "clone" / "large.bin").read_bytes() == data
