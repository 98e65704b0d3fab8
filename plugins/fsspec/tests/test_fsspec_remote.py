"""Other fsspec URLs (here memory://): directories as prefixes, errors, one driver, many urls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError
from tiphys_fsspec import FsspecDriver

ArtifactFor = Callable[..., Artifact]


def source_file(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / f"source-{len(data)}"
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("verb", ["list_objects", "is_directory", "delete", "open_stream"])
def test_verbs_on_a_missing_key_raise_not_found(
    verb: str, artifact_for: ArtifactFor, memory_url: str
) -> None:
    with pytest.raises(ArtifactNotFoundError, match=r"'out': nothing at memory://.*/no/such"):
        getattr(FsspecDriver(), verb)(artifact_for(memory_url, "no/such"))


def test_listing_an_object_gives_its_own_key(
    artifact_for: ArtifactFor, memory_url: str, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    driver.save(source_file(tmp_path, b"x"), artifact_for(memory_url, "dir/object"))
    assert driver.list_objects(artifact_for(memory_url, "dir/object")) == ["dir/object"]
    assert driver.list_objects(artifact_for(memory_url, "")) == ["dir/object"]


def test_opening_a_directory_as_a_stream_is_an_error(
    artifact_for: ArtifactFor, memory_url: str, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    driver.save(source_file(tmp_path, b"x"), artifact_for(memory_url, "dir/object"))
    with pytest.raises(ArtifactError, match=r"'out': cannot open memory://.*/dir: .*directory"):
        driver.open_stream(artifact_for(memory_url, "dir"))


def test_saving_a_path_that_does_not_exist_is_an_error_not_a_missing_object(
    artifact_for: ArtifactFor, memory_url: str, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError, match=r"nothing to save: .*/absent does not exist") as e:
        FsspecDriver().save(str(tmp_path / "absent"), artifact_for(memory_url, "k"))
    assert not isinstance(e.value, ArtifactNotFoundError)


def test_one_driver_keeps_the_repositories_it_serves_apart(
    artifact_for: ArtifactFor, memory_url: str, local_url: str, repository: Path, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    driver.save(source_file(tmp_path, b"memory"), artifact_for(memory_url, "k"))
    driver.save(source_file(tmp_path, b"on disk"), artifact_for(local_url, "k"))
    with driver.open_stream(artifact_for(memory_url, "k")) as stream:
        assert stream.read() == b"memory"
    assert (repository / "k").read_bytes() == b"on disk"


def test_keys_are_checked_for_a_repository_the_driver_has_seen(
    artifact_for: ArtifactFor, memory_url: str, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    driver.save(source_file(tmp_path, b"x"), artifact_for(memory_url, "k"))
    with pytest.raises(ArtifactError, match=r"'other': key '\.\./k' must not contain '\.\.'"):
        driver.load(artifact_for(memory_url, "../k", name="other"), str(tmp_path / "x"))
