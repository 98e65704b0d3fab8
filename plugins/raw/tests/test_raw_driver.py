"""The raw driver against the shared contract, plus what is particular to inline data."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
import tiphys_raw.plugin
from tiphys_core.artifacts import (
    Artifact,
    ArtifactDriver,
    ArtifactError,
    ArtifactNotFoundError,
    UnsupportedVerbError,
)
from tiphys_core.plugins import Hooks, make_plugin_manager
from tiphys_core.testing.artifact_contract import ArtifactAt, ArtifactDriverContract
from tiphys_raw import RawDriver


def raw_artifact(data: object, name: str = "message") -> Artifact:
    return Artifact({"name": name, "raw": {"data": data}})


class RawLocations:
    """``artifact_at`` for raw artifacts: each key's data is kept here, as the workflow would hold it."""

    def __init__(self) -> None:
        self.objects: dict[str, str] = {}

    def __call__(self, key: str) -> Artifact:
        # A key never put gives a raw location without data: nothing is there.
        body = {"data": self.objects[key]} if key in self.objects else {}
        return Artifact({"name": key, "raw": body})


class TestRawDriverContract(ArtifactDriverContract):
    verbs: ClassVar[frozenset[str]] = frozenset({"load", "open_stream"})

    @pytest.fixture
    def driver(self) -> ArtifactDriver:
        return RawDriver()

    @pytest.fixture
    def artifact_at(self) -> ArtifactAt:
        return RawLocations()

    def put(self, driver: ArtifactDriver, artifact_at: ArtifactAt, key: str, data: bytes) -> None:
        assert isinstance(artifact_at, RawLocations)
        # Inline data is text in YAML; bytes that are not UTF-8 ride as surrogate escapes.
        artifact_at.objects[key] = data.decode("utf-8", "surrogateescape")

    def test_saved_directory_loads_back_as_the_same_tree(
        self, driver: ArtifactDriver, artifact_at: ArtifactAt, tmp_path: Path
    ) -> None:
        pytest.skip("a raw artifact holds one file, never a directory")


def test_utf8_text_is_written_as_utf8(tmp_path: Path) -> None:
    text = "héllo, wörld ✓ 日本語\nsecond line\n"
    target = tmp_path / "message.txt"
    RawDriver().load(raw_artifact(text), str(target))
    assert target.read_bytes() == text.encode("utf-8")


def test_open_stream_gives_the_utf8_bytes() -> None:
    with RawDriver().open_stream(raw_artifact("ünïcode")) as stream:
        assert stream.read() == "ünïcode".encode()


def test_empty_data_loads_as_an_empty_file(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    RawDriver().load(raw_artifact(""), str(target))
    assert target.is_file()
    assert target.read_bytes() == b""


def test_load_overwrites_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_bytes(b"a much longer previous content")
    RawDriver().load(raw_artifact("new"), str(target))
    assert target.read_bytes() == b"new"


def test_load_makes_the_missing_parent_directories(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file"
    RawDriver().load(raw_artifact("x"), str(target))
    assert target.read_bytes() == b"x"


def test_missing_data_field_is_not_found_and_names_the_field(tmp_path: Path) -> None:
    artifact = Artifact({"name": "message", "raw": {}})
    with pytest.raises(ArtifactNotFoundError, match=r"'message'.*raw\.data is missing"):
        RawDriver().load(artifact, str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()


def test_null_data_is_treated_as_missing() -> None:
    with pytest.raises(ArtifactNotFoundError, match=r"raw\.data"):
        RawDriver().open_stream(raw_artifact(None))


def test_data_that_is_not_text_is_an_error_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match=r"'message'.*raw\.data must be a string, not int"):
        RawDriver().load(raw_artifact(123), str(tmp_path / "x"))


def test_an_artifact_of_another_kind_is_refused(tmp_path: Path) -> None:
    artifact = Artifact({"name": "logs", "s3": {"key": "a"}})
    with pytest.raises(ArtifactError, match=r"'logs' is a s3 artifact, not raw"):
        RawDriver().load(artifact, str(tmp_path / "x"))


def test_load_into_a_directory_path_is_an_artifact_error(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match=r"'message': cannot write"):
        RawDriver().load(raw_artifact("x"), str(tmp_path))


def test_save_is_unsupported_as_in_argo(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedVerbError, match="raw artifact driver does not support save"):
        RawDriver().save(str(tmp_path), raw_artifact("x"))


def test_plugin_registers_the_raw_driver_lazily() -> None:
    manager = make_plugin_manager(load_entry_points=False, extra=[tiphys_raw.plugin])
    drivers = Hooks(manager).artifact_drivers()
    assert "raw" in drivers.names()
    assert isinstance(drivers.get("raw"), RawDriver)


def test_plugin_is_found_through_its_entry_point() -> None:
    manager = make_plugin_manager(disabled=())
    assert "raw" in Hooks(manager).artifact_drivers().names()
