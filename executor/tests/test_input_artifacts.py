"""Input artifacts: raw data staged where the main container reads it, mode, missing and
optional artifacts, and drivers chosen by location (Argo example: input-artifact-raw.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from agent_helpers import AgentProcess, Requests, needs_namespaces, sh
from tiphys_core.artifacts import Artifact, BaseDriver, Secrets
from tiphys_core.wire import ERROR, SUCCEEDED
from tiphys_executor.artifacts import (
    ArtifactError,
    ArtifactNotFoundError,
    stage_input_artifacts,
)
from tiphys_executor.isolation import BindMount


def with_artifacts(template: dict[str, Any], *artifacts: dict[str, Any]) -> dict[str, Any]:
    template["inputs"] = {"artifacts": list(artifacts)}
    return template


def raw(name: str, path: str, data: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "path": path, "raw": {"data": data}, **fields}


@needs_namespaces
def test_raw_artifact_under_tmp_is_visible_to_the_main_container_only(
    agent: AgentProcess, make_request: Requests
) -> None:
    template = with_artifacts(
        sh("cat /tmp/file"), raw("myfile", "/tmp/file", "this is\nthe raw file\n")
    )
    template["initContainers"] = [
        {"name": "peek", "image": "alpine", "command": ["sh", "-c", "test ! -e /tmp/file"]}
    ]
    result = agent.run(make_request(template, capture_result=True))
    assert result.phase == SUCCEEDED, result.message
    assert result.outputs["result"] == "this is\nthe raw file"


@needs_namespaces
def test_raw_artifact_mode_is_applied(agent: AgentProcess, make_request: Requests) -> None:
    template = with_artifacts(
        sh("stat -c %a /tmp/tool && /tmp/tool"),
        raw("tool", "/tmp/tool", "#!/bin/sh\necho ran\n", mode=0o755),
    )
    result = agent.run(make_request(template, capture_result=True))
    assert result.phase == SUCCEEDED, result.message
    assert result.outputs["result"] == "755\nran"


@needs_namespaces
def test_raw_artifact_on_a_volume_is_written_into_the_volume(
    agent: AgentProcess, make_request: Requests
) -> None:
    mounts = [{"name": "work", "mountPath": "/tmp/tiphys-art-vol"}]
    template = with_artifacts(
        sh("cat /tmp/tiphys-art-vol/in/data.txt", volumeMounts=mounts),
        raw("data", "/tmp/tiphys-art-vol/in/data.txt", "on the volume"),
    )
    template["volumes"] = [{"name": "work", "emptyDir": {}}]
    request = make_request(template, capture_result=True)
    result = agent.run(request)
    assert result.phase == SUCCEEDED, result.message
    assert result.outputs["result"] == "on the volume"
    assert Path(request.node_dir, "volumes", "work", "in", "data.txt").is_file()


def test_missing_required_artifact_fails_the_node_naming_it_before_main_runs(
    agent: AgentProcess, make_request: Requests
) -> None:
    marker = make_request.node_dir("missing") / "main-ran"
    template = with_artifacts(sh(f"touch {marker}"), {"name": "needed", "path": "/tmp/needed"})
    result = agent.run(make_request(template, node_id="missing"))
    assert result.phase == ERROR
    assert result.message.startswith("required artifact 'needed' not supplied")
    assert not marker.exists()


def test_optional_artifact_with_nothing_to_load_is_skipped(
    agent: AgentProcess, make_request: Requests
) -> None:
    template = with_artifacts(
        sh("test ! -e /tmp/maybe"), {"name": "maybe", "path": "/tmp/maybe", "optional": True}
    )
    result = agent.run(make_request(template))
    assert result.phase == SUCCEEDED, result.message


def test_artifact_kind_without_a_driver_is_an_error_naming_the_package(
    agent: AgentProcess, make_request: Requests
) -> None:
    location = {"endpoint": "127.0.0.1:1", "bucket": "b", "key": "some/key"}
    template = with_artifacts(sh("true"), {"name": "obj", "path": "/tmp/obj", "oss": location})
    result = agent.run(make_request(template))
    assert result.phase == ERROR
    assert result.message.startswith("artifact 'obj': no artifact driver for 'oss' is installed")
    assert result.message.endswith("e.g. pip install tiphys-oss)")


def test_script_template_reads_its_raw_artifact(
    agent: AgentProcess, make_request: Requests
) -> None:
    template = {
        "name": "main",
        "script": {"image": "alpine", "command": ["sh"], "source": "cat /tmp/tiphys-in.txt"},
    }
    with_artifacts(template, raw("in", "/tmp/tiphys-in.txt", "scripted"))
    result = agent.run(make_request(template, capture_result=True))
    assert result.phase == SUCCEEDED, result.message
    assert result.outputs["result"] == "scripted"


@needs_namespaces
def test_container_set_artifacts_reach_the_main_container_only(
    agent: AgentProcess, make_request: Requests
) -> None:
    template = {
        "name": "group",
        "containerSet": {
            "containers": [
                {"name": "a", "image": "alpine", "command": ["sh", "-c", "test ! -e /tmp/f"]},
                {"name": "main", "image": "alpine", "command": ["cat", "/tmp/f"]},
            ]
        },
    }
    with_artifacts(template, raw("f", "/tmp/f", "for main"))
    result = agent.run(make_request(template, capture_result=True))
    assert result.phase == SUCCEEDED, result.message
    assert result.outputs["result"] == "for main"


class Drivers:
    """A driver registry for tests: drivers by name."""

    def __init__(self, **drivers: Any) -> None:
        self.drivers = drivers

    def get(self, name: str) -> Any:
        return self.drivers.get(name)

    def names(self) -> list[str]:
        return sorted(self.drivers)


class RawDriver(BaseDriver):
    name = "raw"

    def load(self, artifact: Artifact, path: str) -> None:
        Path(path).write_text(str(artifact.location.get("data") or ""))


class RecordingHTTP(BaseDriver):
    name = "http"

    def __init__(self) -> None:
        self.loaded: list[str] = []

    def load(self, artifact: Artifact, path: str) -> None:
        self.loaded.append(artifact.key)
        Path(path).write_text("downloaded")


class AbsentGCS(BaseDriver):
    name = "gcs"

    def load(self, artifact: Artifact, path: str) -> None:
        raise ArtifactNotFoundError(f"nothing at {artifact.key}")


def stage(request: Any, drivers: Drivers, isolated: bool = True) -> list[BindMount]:
    return stage_input_artifacts(
        request, view_mounts=[], volume_mounts=[], isolated=isolated, drivers=drivers,
        secrets=Secrets(),
    )  # fmt: skip


def test_drivers_are_chosen_by_location_kind(make_request: Requests) -> None:
    http = RecordingHTTP()
    request = make_request(
        with_artifacts(
            sh("true"),
            {"name": "page", "path": "/data/page", "http": {"url": "https://example.test/p"}},
            {
                "name": "gone",
                "path": "/data/gone",
                "gcs": {"bucket": "b", "key": "k"},
                "optional": True,
            },
        )
    )
    mounts = stage(request, Drivers(http=http, gcs=AbsentGCS()))
    staged = str(Path(request.node_dir, "inputs", "artifacts", "page"))
    assert http.loaded == ["https://example.test/p"]
    assert mounts == [BindMount(staged, "/data/page")]
    assert Path(staged).read_text() == "downloaded"


def test_a_required_artifact_its_location_lacks_is_an_error(make_request: Requests) -> None:
    request = make_request(
        with_artifacts(
            sh("true"),
            {"name": "gone", "path": "/data/gone", "gcs": {"bucket": "b", "key": "k"}},
        )
    )
    with pytest.raises(ArtifactNotFoundError, match=r"'gone'.*nothing at k"):
        stage(request, Drivers(gcs=AbsentGCS()))


def test_an_artifact_no_driver_serves_names_the_driver_and_the_package(
    make_request: Requests,
) -> None:
    request = make_request(
        with_artifacts(
            sh("true"),
            {"name": "s", "path": "/d/s", "s3": {"endpoint": "e", "bucket": "b", "key": "k"}},
        )
    )
    with pytest.raises(ArtifactError, match=r"no artifact driver for 's3'.*tiphys-s3"):
        stage(request, Drivers(raw=RawDriver()))


def test_without_isolation_the_artifact_is_written_at_its_path(
    make_request: Requests, tmp_path: Path
) -> None:
    target = tmp_path / "host" / "file"
    request = make_request(with_artifacts(sh("true"), raw("f", str(target), "host view")))
    assert stage(request, Drivers(raw=RawDriver()), isolated=False) == []
    assert target.read_text() == "host view"


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("", "did not specify a path"),
        ("/tmp/safe/../etc/passwd", "containing '..'"),
        ("relative/file", "must be absolute"),
    ],
)
def test_bad_artifact_paths_are_errors(make_request: Requests, path: str, problem: str) -> None:
    request = make_request(with_artifacts(sh("true"), raw("f", path, "x")))
    with pytest.raises(ArtifactError, match=problem):
        stage(request, Drivers(raw=RawDriver()))
