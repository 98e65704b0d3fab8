"""Output artifacts: archived, keyed under the archive location, saved through their driver
(Argo's wait container: SaveArtifacts, key-only artifacts, optional ones, archiveLogs)."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import pytest
from tiphys_core.artifacts import Artifact, BaseDriver, Secrets
from tiphys_executor.output_artifacts import save_output_artifacts


class Recorder(BaseDriver):
    name = "memory"

    def __init__(self) -> None:
        self.saved: dict[str, bytes] = {}

    def save(self, path: str, artifact: Artifact) -> None:
        self.saved[artifact.key] = Path(path).read_bytes()


class Drivers:
    def __init__(self, driver: Recorder) -> None:
        self.driver = driver

    def get(self, name: str) -> Any:
        return self.driver if name == "s3" else None

    def names(self) -> list[str]:
        return ["s3"]


ARCHIVE_LOCATION = {"s3": {"endpoint": "e:9000", "bucket": "b", "key": "wf/pod"}}


def save(tmp_path: Path, template: dict[str, Any]) -> tuple[Recorder, list[Any], list[str]]:
    recorder = Recorder()
    (tmp_path / "node").mkdir(exist_ok=True)
    saved, errors = save_output_artifacts(
        template, lambda path: str(tmp_path / "view" / path.lstrip("/")),
        node_dir=str(tmp_path / "node"), log_path=str(tmp_path / "node" / "main.log"),
        drivers=Drivers(recorder), secrets=Secrets(tmp_path / "secrets"),
    )  # fmt: skip
    return recorder, saved, errors


def write(tmp_path: Path, path: str, text: str) -> None:
    target = tmp_path / "view" / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def test_an_artifact_without_a_key_is_a_tarball_under_the_archive_location(tmp_path: Path) -> None:
    write(tmp_path, "/tmp/out.txt", "hello\n")
    template = {
        "archiveLocation": ARCHIVE_LOCATION,
        "outputs": {"artifacts": [{"name": "out", "path": "/tmp/out.txt"}]},
    }
    recorder, saved, errors = save(tmp_path, template)
    assert errors == []
    assert saved == [
        {
            "name": "out",
            "path": "/tmp/out.txt",
            "s3": {**ARCHIVE_LOCATION["s3"], "key": "wf/pod/out.tgz"},
        }
    ]
    tarball = tmp_path / "out.tgz"
    tarball.write_bytes(recorder.saved["wf/pod/out.tgz"])
    with tarfile.open(tarball) as archive:
        assert archive.getnames() == ["out.txt"]


def test_a_key_only_artifact_is_saved_in_the_repository_and_reported_by_its_key(
    tmp_path: Path,
) -> None:
    write(tmp_path, "/data/result.json", "{}")
    declared = {
        "name": "r",
        "path": "/data/result.json",
        "archive": {"none": {}},
        "s3": {"key": "my/key.json"},
    }
    template = {"archiveLocation": ARCHIVE_LOCATION, "outputs": {"artifacts": [declared]}}
    recorder, saved, errors = save(tmp_path, template)
    assert errors == []
    assert recorder.saved == {"my/key.json": b"{}"}
    assert saved == [declared]


def test_a_missing_required_artifact_is_an_error_naming_it_and_an_optional_one_is_skipped(
    tmp_path: Path,
) -> None:
    template = {
        "archiveLocation": ARCHIVE_LOCATION,
        "outputs": {"artifacts": [
            {"name": "needed", "path": "/nothing/here"},
            {"name": "maybe", "path": "/nothing/there", "optional": True},
        ]},
    }  # fmt: skip
    recorder, saved, errors = save(tmp_path, template)
    assert saved == [] and recorder.saved == {}
    assert errors == [
        "failed to save output artifact 'needed': /nothing/here: no such file or directory"
    ]


def test_without_a_repository_an_artifact_without_location_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "/tmp/out.txt", "x")
    _, _, errors = save(
        tmp_path, {"outputs": {"artifacts": [{"name": "o", "path": "/tmp/out.txt"}]}}
    )
    assert errors == [
        "failed to save output artifact 'o': it names no location and the template has no "
        "archive location (no artifact repository is configured)"
    ]


def test_archive_logs_saves_the_main_log_as_main_logs(tmp_path: Path) -> None:
    (tmp_path / "node").mkdir()
    (tmp_path / "node" / "main.log").write_text("line\n")
    template = {"archiveLocation": {**ARCHIVE_LOCATION, "archiveLogs": True}}
    recorder, saved, errors = save(tmp_path, template)
    assert errors == []
    assert [a["name"] for a in saved] == ["main-logs"]
    assert recorder.saved == {"wf/pod/main.log": b"line\n"}


@pytest.mark.parametrize(
    ("strategy", "key"),
    [({"tar": {"compressionLevel": 1}}, "wf/pod/d.tgz"), ({"zip": {}}, "wf/pod/d.zip")],
)
def test_directories_are_archived_with_each_strategy(
    tmp_path: Path, strategy: dict[str, Any], key: str
) -> None:
    write(tmp_path, "/out/dir/a.txt", "a")
    declared = {"name": "d", "path": "/out/dir", "archive": strategy}
    template = {"archiveLocation": ARCHIVE_LOCATION, "outputs": {"artifacts": [declared]}}
    recorder, _, errors = save(tmp_path, template)
    assert errors == []
    assert list(recorder.saved) == [key]
