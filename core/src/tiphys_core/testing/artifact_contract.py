"""The contract every artifact driver's tests subclass (as fsspec's ``tests/abstract``).

Subclass :class:`ArtifactDriverContract` in a test module and provide two fixtures:

- ``driver``: the driver under test;
- ``artifact_at``: a callable ``key -> Artifact`` naming ``key`` under a location that is
  fresh for each test (e.g. a new prefix in a bucket on a real server on 127.0.0.1).

Set :attr:`~ArtifactDriverContract.verbs` to the verbs the driver supports; the others
are checked to raise :class:`~tiphys_core.artifacts.UnsupportedVerbError`. A driver that
cannot ``save`` (git, raw) overrides :meth:`~ArtifactDriverContract.put` to place
objects by other means. Needs pytest (a test dependency, not one of tiphys-core's).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tiphys_core.artifacts import (
    Artifact,
    ArtifactDriver,
    ArtifactNotFoundError,
    UnsupportedVerbError,
)

ArtifactAt = Callable[[str], Artifact]
ALL_VERBS = frozenset({"load", "save", "open_stream", "list_objects", "is_directory", "delete"})
BINARY = bytes(range(256)) * 4 + b"\x00\xff not utf-8 \xc3\x28"
TREE: dict[str, bytes] = {
    "a.txt": b"alpha\n",
    "empty": b"",
    "sub/b.bin": BINARY,
    "sub/deeper/c.txt": b"gamma\n",
}


class ArtifactDriverContract:
    """Argo's driver verbs, checked against a real server. See the module docstring."""

    verbs: ClassVar[frozenset[str]] = ALL_VERBS
    # Big enough to cross multipart thresholds of the usual SDKs (8 MiB for boto3).
    large_size: ClassVar[int] = 12 * 1024 * 1024
    # Files a directory load may add besides the objects (e.g. ``.git``).
    ignored_in_trees: ClassVar[frozenset[str]] = frozenset({".git"})

    # -- how objects are placed; override when the driver cannot save ----------------

    def put(self, driver: ArtifactDriver, artifact_at: ArtifactAt, key: str, data: bytes) -> None:
        """Make ``data`` the object at ``key``."""
        descriptor, name = tempfile.mkstemp(prefix="tiphys-contract-")
        source = Path(name)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            driver.save(str(source), artifact_at(key))
        finally:
            source.unlink()

    def put_tree(
        self,
        driver: ArtifactDriver,
        artifact_at: ArtifactAt,
        prefix: str,
        files: Mapping[str, bytes],
    ) -> None:
        """Make ``files`` (relative names) the objects under the directory key ``prefix``."""
        for relative, data in files.items():
            self.put(driver, artifact_at, _join(prefix, relative), data)

    def _needs(self, *verbs: str) -> None:
        missing = [verb for verb in verbs if verb not in self.verbs]
        if missing:
            pytest.skip(f"driver does not support {', '.join(missing)}")

    # -- load / save -----------------------------------------------------------------

    def test_saved_file_loads_back_byte_for_byte(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt, tmp_path: Path
    ) -> None:
        self._needs("load")
        self.put(driver, artifact_at, "file.bin", BINARY)
        target = tmp_path / "out" / "file.bin"
        target.parent.mkdir()
        driver.load(artifact_at("file.bin"), str(target))
        assert target.read_bytes() == BINARY

    def test_empty_file_loads_as_empty_file(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt, tmp_path: Path
    ) -> None:
        self._needs("load")
        self.put(driver, artifact_at, "empty.txt", b"")
        target = tmp_path / "empty.txt"
        driver.load(artifact_at("empty.txt"), str(target))
        assert target.is_file()
        assert target.read_bytes() == b""

    def test_loading_a_missing_key_raises_not_found(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt, tmp_path: Path
    ) -> None:
        self._needs("load")
        with pytest.raises(ArtifactNotFoundError):
            driver.load(artifact_at("no/such/object"), str(tmp_path / "missing"))
        assert not (tmp_path / "missing").exists()

    def test_saved_directory_loads_back_as_the_same_tree(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt, tmp_path: Path
    ) -> None:
        self._needs("load")
        if "save" in self.verbs:
            source = tmp_path / "source"
            _write_tree(source, TREE)
            driver.save(str(source), artifact_at("tree"))
        else:
            self.put_tree(driver, artifact_at, "tree", TREE)
        target = tmp_path / "loaded"
        driver.load(artifact_at("tree"), str(target))
        assert _read_tree(target, self.ignored_in_trees) == TREE

    def test_large_file_round_trips(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt, tmp_path: Path
    ) -> None:
        self._needs("load")
        data = os.urandom(1024) * (self.large_size // 1024)
        self.put(driver, artifact_at, "large.bin", data)
        target = tmp_path / "large.bin"
        driver.load(artifact_at("large.bin"), str(target))
        assert _digest(target.read_bytes()) == _digest(data)

    # -- streams, listings, directories ------------------------------------------------

    def test_open_stream_reads_the_object(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt
    ) -> None:
        self._needs("open_stream")
        self.put(driver, artifact_at, "streamed.bin", BINARY)
        with driver.open_stream(artifact_at("streamed.bin")) as stream:
            assert stream.read() == BINARY

    def test_open_stream_of_a_missing_key_raises_not_found(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt
    ) -> None:
        self._needs("open_stream")
        with pytest.raises(ArtifactNotFoundError):
            driver.open_stream(artifact_at("no/such/object")).close()

    def test_list_objects_gives_every_key_under_a_directory(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt
    ) -> None:
        self._needs("list_objects")
        self.put_tree(driver, artifact_at, "listed", TREE)
        keys = driver.list_objects(artifact_at("listed"))
        base = artifact_at("listed").key.rstrip("/")
        assert sorted(keys) == sorted(_join(base, relative) for relative in TREE)

    def test_is_directory_tells_prefixes_from_objects(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt
    ) -> None:
        self._needs("is_directory")
        self.put_tree(driver, artifact_at, "dir", {"inside.txt": b"x"})
        assert driver.is_directory(artifact_at("dir")) is True
        assert driver.is_directory(artifact_at("dir/inside.txt")) is False

    # -- delete ------------------------------------------------------------------------

    def test_deleted_object_is_gone(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt, tmp_path: Path
    ) -> None:
        self._needs("delete", "load")
        self.put(driver, artifact_at, "doomed.txt", b"bye")
        driver.delete(artifact_at("doomed.txt"))
        with pytest.raises(ArtifactNotFoundError):
            driver.load(artifact_at("doomed.txt"), str(tmp_path / "doomed.txt"))

    def test_deleting_a_directory_removes_everything_under_it(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt, tmp_path: Path
    ) -> None:
        self._needs("delete", "load")
        self.put_tree(driver, artifact_at, "doomed", TREE)
        driver.delete(artifact_at("doomed"))
        for relative in TREE:
            with pytest.raises(ArtifactNotFoundError):
                driver.load(artifact_at(_join("doomed", relative)), str(tmp_path / "x"))

    # -- what the driver does not do -----------------------------------------------------

    @pytest.mark.parametrize("verb", sorted(ALL_VERBS))
    def test_unsupported_verbs_raise_a_named_error(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt, tmp_path: Path, verb: str
    ) -> None:
        if verb in self.verbs:
            pytest.skip(f"{verb} is supported")
        arguments: dict[str, tuple[Any, ...]] = {
            "load": (artifact_at("x"), str(tmp_path / "x")),
            "save": (str(tmp_path), artifact_at("x")),
        }
        with pytest.raises(UnsupportedVerbError):
            getattr(driver, verb)(*arguments.get(verb, (artifact_at("x"),)))


def _join(prefix: str, relative: str) -> str:
    return f"{prefix.rstrip('/')}/{relative}" if prefix else relative


def _write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    for relative, data in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _read_tree(root: Path, ignored: frozenset[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if name not in ignored]
        for name in files:
            path = Path(directory) / name
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
