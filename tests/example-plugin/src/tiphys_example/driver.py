"""The ``example-dir`` artifact driver: objects are files under a root directory.

Used as ``plugin: {name: example-dir, configuration: "root: /some/dir", key: a/b.txt}``;
the driver sees the configuration, parsed, with ``key`` added (``artifact.location``).
A key naming a directory is a prefix of other keys, as in Argo's S3 driver.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import BinaryIO

from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError, BaseDriver


class ExampleDirDriver(BaseDriver):
    """Every verb Argo's drivers have, on the local filesystem."""

    name = "example-dir"

    def load(self, artifact: Artifact, path: str) -> None:
        source = self._path(artifact)
        if source.is_dir():
            shutil.copytree(source, path)
        elif source.is_file():
            shutil.copyfile(source, path)
        else:
            raise ArtifactNotFoundError(f"artifact {artifact.name!r}: no object {artifact.key!r}")

    def save(self, path: str, artifact: Artifact) -> None:
        target = self._path(artifact)
        target.parent.mkdir(parents=True, exist_ok=True)
        if os.path.isdir(path):
            shutil.copytree(path, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(path, target)

    def open_stream(self, artifact: Artifact) -> BinaryIO:
        try:
            return self._path(artifact).open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise ArtifactNotFoundError(
                f"artifact {artifact.name!r}: no object {artifact.key!r}"
            ) from None

    def list_objects(self, artifact: Artifact) -> list[str]:
        root, start = self._root(artifact), self._path(artifact)
        if start.is_file():
            return [artifact.key]
        found = [path.relative_to(root).as_posix() for path in start.rglob("*") if path.is_file()]
        return sorted(found)

    def is_directory(self, artifact: Artifact) -> bool:
        return self._path(artifact).is_dir()

    def delete(self, artifact: Artifact) -> None:
        target = self._path(artifact)
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)

    def _root(self, artifact: Artifact) -> Path:
        root = artifact.location.get("root")
        if not root:
            raise ArtifactError(
                f"artifact {artifact.name!r}: plugin.configuration needs root: <directory>"
            )
        return Path(str(root))

    def _path(self, artifact: Artifact) -> Path:
        key = artifact.key.strip("/")
        if key.startswith("/") or ".." in key.split("/"):
            raise ArtifactError(f"artifact {artifact.name!r}: key {artifact.key!r} leaves the root")
        return self._root(artifact) / key if key else self._root(artifact)
