"""The local artifact repository (file://): whole objects only, replacing, pruning, no fsspec."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError
from tiphys_fsspec import FsspecDriver

ArtifactFor = Callable[..., Artifact]


def write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def tree_of(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_saving_a_file_again_replaces_it_and_leaves_no_temporary_files(
    artifact_for: ArtifactFor, local_url: str, repository: Path, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    artifact = artifact_for(local_url, "dir/object")
    driver.save(write(tmp_path / "one", b"first, longer version"), artifact)
    driver.save(write(tmp_path / "two", b"second"), artifact)
    assert tree_of(repository) == {"dir/object": b"second"}


def test_saving_a_directory_again_replaces_the_whole_tree(
    artifact_for: ArtifactFor, local_url: str, repository: Path, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    write(tmp_path / "old" / "gone.txt", b"old")
    write(tmp_path / "old" / "kept.txt", b"old")
    write(tmp_path / "new" / "kept.txt", b"new")
    write(tmp_path / "new" / "sub" / "added.txt", b"new")
    artifact = artifact_for(local_url, "tree")
    driver.save(str(tmp_path / "old"), artifact)
    driver.save(str(tmp_path / "new"), artifact)
    assert tree_of(repository) == {"tree/kept.txt": b"new", "tree/sub/added.txt": b"new"}


def test_saving_a_file_over_a_directory_key_replaces_the_directory(
    artifact_for: ArtifactFor, local_url: str, repository: Path, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    write(tmp_path / "tree" / "a.txt", b"a")
    artifact = artifact_for(local_url, "key")
    driver.save(str(tmp_path / "tree"), artifact)
    driver.save(write(tmp_path / "file", b"now a file"), artifact)
    assert tree_of(repository) == {"key": b"now a file"}
    assert driver.is_directory(artifact) is False
    driver.save(str(tmp_path / "tree"), artifact)
    assert tree_of(repository) == {"key/a.txt": b"a"}


def test_empty_directories_in_a_saved_tree_are_kept(
    artifact_for: ArtifactFor, local_url: str, tmp_path: Path
) -> None:
    (tmp_path / "source" / "empty").mkdir(parents=True)
    write(tmp_path / "source" / "file", b"x")
    driver = FsspecDriver()
    driver.save(str(tmp_path / "source"), artifact_for(local_url, "tree"))
    driver.load(artifact_for(local_url, "tree"), str(tmp_path / "loaded"))
    assert (tmp_path / "loaded" / "empty").is_dir()


def test_a_reader_never_sees_half_an_object(
    artifact_for: ArtifactFor, local_url: str, tmp_path: Path
) -> None:
    versions = [bytes([n]) * (2 * 1024 * 1024) for n in (1, 2)]
    sources = [write(tmp_path / f"v{n}", data) for n, data in enumerate(versions)]
    driver = FsspecDriver()
    artifact = artifact_for(local_url, "busy.bin")
    driver.save(sources[0], artifact)
    done = threading.Event()

    def keep_saving() -> None:
        for round_ in range(40):
            driver.save(sources[round_ % 2], artifact)
        done.set()

    writer = threading.Thread(target=keep_saving)
    writer.start()
    seen = set()
    try:
        while not done.is_set():
            with driver.open_stream(artifact) as stream:
                data = stream.read()
            assert data in versions
            seen.add(data[:1])
    finally:
        writer.join()
    assert seen


def test_temporary_names_in_the_repository_are_neither_listed_nor_loaded(
    artifact_for: ArtifactFor, local_url: str, repository: Path, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    driver.save(write(tmp_path / "a", b"a"), artifact_for(local_url, "tree/a"))
    # What a writer that is still copying (or that died) leaves beside the objects.
    write(repository / "tree" / ".tiphys-partial-0123", b"half")
    (repository / "tree" / ".tiphys-trash-4567").mkdir()
    write(repository / "tree" / ".tiphys-trash-4567" / "old", b"old")
    assert driver.list_objects(artifact_for(local_url, "tree")) == ["tree/a"]
    driver.load(artifact_for(local_url, "tree"), str(tmp_path / "loaded"))
    assert tree_of(tmp_path / "loaded") == {"a": b"a"}


def test_deleting_the_last_object_under_a_prefix_removes_the_prefix(
    artifact_for: ArtifactFor, local_url: str, repository: Path, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    driver.save(write(tmp_path / "x", b"x"), artifact_for(local_url, "a/b/c/object"))
    driver.save(write(tmp_path / "y", b"y"), artifact_for(local_url, "a/kept"))
    driver.delete(artifact_for(local_url, "a/b/c/object"))
    with pytest.raises(ArtifactNotFoundError):
        driver.is_directory(artifact_for(local_url, "a/b"))
    assert driver.list_objects(artifact_for(local_url, "a")) == ["a/kept"]
    driver.delete(artifact_for(local_url, "a"))
    assert repository.is_dir()
    assert list(repository.iterdir()) == []


@pytest.mark.parametrize("verb", ["list_objects", "is_directory", "delete", "open_stream"])
def test_verbs_on_a_missing_key_raise_not_found(
    verb: str, artifact_for: ArtifactFor, local_url: str, repository: Path
) -> None:
    repository.mkdir()
    with pytest.raises(ArtifactNotFoundError, match=r"'out': nothing at file://.*/no/such"):
        getattr(FsspecDriver(), verb)(artifact_for(local_url, "no/such"))


def test_a_key_below_an_object_is_not_found(
    artifact_for: ArtifactFor, local_url: str, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    driver.save(write(tmp_path / "x", b"x"), artifact_for(local_url, "object"))
    with pytest.raises(ArtifactNotFoundError):
        driver.load(artifact_for(local_url, "object/below"), str(tmp_path / "out"))


def test_saving_below_an_object_is_an_error(
    artifact_for: ArtifactFor, local_url: str, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    driver.save(write(tmp_path / "x", b"x"), artifact_for(local_url, "object"))
    with pytest.raises(ArtifactError, match=r"'out': cannot save file://.*/object/below"):
        driver.save(write(tmp_path / "y", b"y"), artifact_for(local_url, "object/below"))


def test_opening_a_directory_as_a_stream_is_an_error(
    artifact_for: ArtifactFor, local_url: str, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    driver.save(write(tmp_path / "x", b"x"), artifact_for(local_url, "dir/x"))
    with pytest.raises(ArtifactError, match=r"is a directory, not an object"):
        driver.open_stream(artifact_for(local_url, "dir"))


def test_saving_a_path_that_does_not_exist_is_an_error_not_a_missing_object(
    artifact_for: ArtifactFor, local_url: str, repository: Path, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError, match=r"nothing to save: .*/absent does not exist") as e:
        FsspecDriver().save(str(tmp_path / "absent"), artifact_for(local_url, "k"))
    assert not isinstance(e.value, ArtifactNotFoundError)
    assert tree_of(repository) == {} if repository.exists() else True


def test_loading_a_file_keeps_no_link_to_the_repository(
    artifact_for: ArtifactFor, local_url: str, repository: Path, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    driver.save(write(tmp_path / "x", b"original"), artifact_for(local_url, "k"))
    driver.load(artifact_for(local_url, "k"), str(tmp_path / "loaded"))
    (tmp_path / "loaded").write_bytes(b"changed by the node")
    assert (repository / "k").read_bytes() == b"original"
    assert os.stat(tmp_path / "loaded").st_ino != os.stat(repository / "k").st_ino


def test_file_urls_are_served_without_importing_fsspec(local_url: str, tmp_path: Path) -> None:
    code = f"""
import sys
from tiphys_core.artifacts import Artifact
from tiphys_fsspec import FsspecDriver
artifact = Artifact({{"name": "out", "plugin": {{"name": "fsspec",
    "configuration": "url: {local_url}", "key": "k"}}}})
open({str(tmp_path / "src")!r}, "wb").write(b"x")
driver = FsspecDriver()
driver.save({str(tmp_path / "src")!r}, artifact)
driver.load(artifact, {str(tmp_path / "dst")!r})
assert driver.list_objects(artifact) == ["k"]
assert "fsspec" not in sys.modules, "fsspec was imported"
"""
    subprocess.run([sys.executable, "-c", code], check=True)
    assert (tmp_path / "dst").read_bytes() == b"x"
