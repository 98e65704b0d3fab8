"""The plugin configuration: url, options and keys, checked before anything is touched."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import fsspec  # type: ignore[import-untyped]
import pytest
from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError
from tiphys_fsspec import FsspecDriver

ArtifactFor = Callable[..., Artifact]
ESCAPING_KEYS = ["../outside", "a/../../outside", "..", "a/..", "/etc/passwd", "/", "a\0b"]


def source_file(tmp_path: Path, data: bytes = b"payload") -> str:
    path = tmp_path / "source.txt"
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("key", ESCAPING_KEYS)
def test_keys_that_could_leave_a_local_url_are_refused_for_every_verb(
    key: str, artifact_for: ArtifactFor, repository: Path, tmp_path: Path
) -> None:
    repository.mkdir()
    artifact = artifact_for(f"file://{repository}", key)
    driver = FsspecDriver()
    calls: list[Callable[[], object]] = [
        lambda: driver.save(source_file(tmp_path), artifact),
        lambda: driver.load(artifact, str(tmp_path / "loaded")),
        lambda: driver.open_stream(artifact),
        lambda: driver.list_objects(artifact),
        lambda: driver.is_directory(artifact),
        lambda: driver.delete(artifact),
    ]
    for call in calls:
        with pytest.raises(ArtifactError, match=r"artifact 'out': key .* must") as caught:
            call()
        assert not isinstance(caught.value, ArtifactNotFoundError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artifacts", "source.txt"]
    assert list(repository.iterdir()) == []


@pytest.mark.parametrize("key", ESCAPING_KEYS)
def test_keys_that_could_leave_a_memory_url_are_refused(
    key: str, artifact_for: ArtifactFor, memory_url: str, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError, match=r"artifact 'out': key .* must"):
        FsspecDriver().save(source_file(tmp_path), artifact_for(memory_url, key))
    assert not [path for path in fsspec.filesystem("memory").find("/") if "outside" in path]


def test_names_the_store_reserves_are_refused_as_keys(
    artifact_for: ArtifactFor, local_url: str, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError, match="reserved"):
        FsspecDriver().save(source_file(tmp_path), artifact_for(local_url, "a/.tiphys-partial-x"))


def test_empty_and_dot_segments_in_keys_are_dropped(
    artifact_for: ArtifactFor, local_url: str, repository: Path, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    driver.save(source_file(tmp_path), artifact_for(local_url, "./a//b/./c.txt"))
    assert (repository / "a" / "b" / "c.txt").read_bytes() == b"payload"
    assert driver.list_objects(artifact_for(local_url, "a/")) == ["a/b/c.txt"]


def test_a_missing_url_is_an_error_naming_the_field(tmp_path: Path) -> None:
    artifact = Artifact(
        {"name": "out", "plugin": {"name": "fsspec", "configuration": "options: {}", "key": "k"}}
    )
    with pytest.raises(ArtifactError, match=r"'out': plugin.configuration has no url"):
        FsspecDriver().load(artifact, str(tmp_path / "x"))


def test_a_missing_configuration_is_an_error_naming_the_url_field(tmp_path: Path) -> None:
    artifact = Artifact({"name": "out", "plugin": {"name": "fsspec", "key": "k"}})
    with pytest.raises(ArtifactError, match=r"has no url"):
        FsspecDriver().load(artifact, str(tmp_path / "x"))


def test_a_relative_url_is_refused(artifact_for: ArtifactFor, tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match=r"url 'artifacts' must be absolute"):
        FsspecDriver().save(source_file(tmp_path), artifact_for("artifacts", "k"))


def test_a_file_url_naming_another_host_is_refused(
    artifact_for: ArtifactFor, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError, match=r"names a host"):
        FsspecDriver().save(source_file(tmp_path), artifact_for("file://server/share", "k"))


@pytest.mark.parametrize("spelling", ["file://{}", "file://localhost{}", "{}", "file://{}/"])
def test_local_urls_may_be_spelled_as_fsspec_accepts(
    spelling: str, artifact_for: ArtifactFor, repository: Path, tmp_path: Path
) -> None:
    FsspecDriver().save(source_file(tmp_path), artifact_for(spelling.format(repository), "k"))
    assert (repository / "k").read_bytes() == b"payload"


@pytest.mark.parametrize("options", ["auto_mkdir=true", "[1, 2]", "{1: 2}"])
def test_options_that_are_not_a_mapping_of_names_are_refused(
    options: str, local_url: str, tmp_path: Path
) -> None:
    configuration = f"url: {local_url}\noptions: {options}"
    artifact = Artifact(
        {"name": "out", "plugin": {"name": "fsspec", "configuration": configuration, "key": "k"}}
    )
    with pytest.raises(ArtifactError, match=r"'out': plugin.configuration options must be"):
        FsspecDriver().save(source_file(tmp_path), artifact)


def test_options_local_urls_do_not_take_are_named(
    artifact_for: ArtifactFor, local_url: str, tmp_path: Path
) -> None:
    artifact = artifact_for(local_url, "k", options={"auto_mkdir": True, "anon": True})
    with pytest.raises(ArtifactError, match=r"options anon are not options of local"):
        FsspecDriver().save(source_file(tmp_path), artifact)


def test_options_fsspec_local_filesystems_take_are_accepted(
    artifact_for: ArtifactFor, local_url: str, repository: Path, tmp_path: Path
) -> None:
    artifact = artifact_for(local_url, "k", options={"auto_mkdir": True})
    FsspecDriver().save(source_file(tmp_path), artifact)
    assert (repository / "k").read_bytes() == b"payload"


def test_options_reach_the_fsspec_filesystem(
    artifact_for: ArtifactFor, memory_url: str, tmp_path: Path
) -> None:
    # dir:// is fsspec's filesystem rooted inside another one, set up by its options.
    root = memory_url.removeprefix("memory://")
    options = {"path": f"/{root}", "target_protocol": "memory"}
    FsspecDriver().save(source_file(tmp_path), artifact_for("dir://sub", "k", options=options))
    with fsspec.open(f"{memory_url}/sub/k", "rb") as handle:
        assert handle.read() == b"payload"


def test_options_a_filesystem_rejects_are_an_artifact_error(
    artifact_for: ArtifactFor, tmp_path: Path
) -> None:
    artifact = artifact_for("zip://inner", "k", options={"fo": str(tmp_path / "missing.zip")})
    with pytest.raises(ArtifactError, match=r"'out': cannot open zip://inner with options") as e:
        FsspecDriver().load(artifact, str(tmp_path / "x"))
    # The object may exist: the configuration is wrong, which is not "not found".
    assert not isinstance(e.value, ArtifactNotFoundError)


def test_an_unknown_protocol_is_an_artifact_error(
    artifact_for: ArtifactFor, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError, match=r"Protocol not known: nosuch"):
        FsspecDriver().load(artifact_for("nosuch://bucket", "k"), str(tmp_path / "x"))


@pytest.mark.skipif(importlib.util.find_spec("s3fs") is not None, reason="s3fs is installed")
def test_a_protocol_whose_package_is_missing_names_the_package(
    artifact_for: ArtifactFor, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError, match=r"s3://bucket needs a package: .*s3fs"):
        FsspecDriver().load(artifact_for("s3://bucket", "k"), str(tmp_path / "x"))


@pytest.mark.parametrize("verb", ["save", "delete"])
def test_an_empty_key_never_overwrites_or_removes_the_whole_repository(
    verb: str, artifact_for: ArtifactFor, local_url: str, repository: Path, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    driver.save(source_file(tmp_path), artifact_for(local_url, "kept"))
    with pytest.raises(ArtifactError, match=rf"cannot {verb} with an empty key"):
        if verb == "save":
            driver.save(source_file(tmp_path), artifact_for(local_url, ""))
        else:
            driver.delete(artifact_for(local_url, ""))
    assert (repository / "kept").read_bytes() == b"payload"


def test_an_empty_key_lists_the_whole_repository(
    artifact_for: ArtifactFor, local_url: str, tmp_path: Path
) -> None:
    driver = FsspecDriver()
    for key in ["b/2", "a/1", "c"]:
        driver.save(source_file(tmp_path), artifact_for(local_url, key))
    assert driver.list_objects(artifact_for(local_url, "")) == ["a/1", "b/2", "c"]
    assert driver.is_directory(artifact_for(local_url, "")) is True
