"""``data`` templates: list an artifact location through its driver, transform, output JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import Requests
from tiphys_core.artifacts import Artifact, ArtifactError, BaseDriver
from tiphys_core.registry import Registry
from tiphys_core.wire import FAILED, SUCCEEDED, NodeResult
from tiphys_executor.isolation import Isolation
from tiphys_executor.node import NodeContext, run_node
from tiphys_executor.registry import default_registry

KEYS = ["logs/a/main.log", "logs/a/other.txt", "logs/b/main.log", "elsewhere/main.log"]


class ListingDriver(BaseDriver):
    """Lists a fixed set of keys: those under the artifact's key."""

    name = "listing"

    def __init__(self) -> None:
        self.seen: list[Artifact] = []

    def list_objects(self, artifact: Artifact) -> list[str]:
        self.seen.append(artifact)
        if artifact.location.get("bucket") == "broken":
            raise ArtifactError(f"cannot list {artifact.describe()}: access denied")
        return sorted(key for key in KEYS if key.startswith(artifact.key))


@pytest.fixture
def driver() -> ListingDriver:
    return ListingDriver()


@pytest.fixture
def run_data(tmp_path: Path, driver: ListingDriver) -> Any:
    requests = Requests(tmp_path)
    drivers: Registry[Any] = Registry("artifact driver")
    drivers.register("s3", driver, owner="test")

    def run(data: dict[str, Any], **template: Any) -> NodeResult:
        node = NodeContext(
            requests({"name": "list", "data": data, **template}),
            Isolation(enabled=False),
            drivers=drivers,
        )
        return run_node(node, default_registry())

    return run


def s3_source(key: str = "logs/", bucket: str = "my-bucket") -> dict[str, Any]:
    location = {"endpoint": "127.0.0.1:9000", "bucket": bucket, "key": key}
    return {"artifactPaths": {"name": "test-bucket", "s3": location}}


def test_source_lists_the_keys_under_the_artifact(run_data: Any) -> None:
    result = run_data({"source": s3_source("logs/")})
    assert (result.phase, result.message) == (SUCCEEDED, "")
    assert json.loads(result.outputs["result"]) == [
        "logs/a/main.log",
        "logs/a/other.txt",
        "logs/b/main.log",
    ]


def test_transformation_filters_with_data_bound_to_the_listing(run_data: Any) -> None:
    steps = [{"expression": 'filter(data, {# endsWith "main.log"})'}]
    result = run_data({"source": s3_source("logs/"), "transformation": steps})
    assert result.outputs["result"] == '["logs/a/main.log","logs/b/main.log"]'


def test_each_step_sees_the_previous_steps_value(run_data: Any) -> None:
    steps = [
        {"expression": 'filter(data, {# endsWith "main.log"})'},
        {"expression": "map(data, {upper(#)})"},
        {"expression": "{'count': len(data), 'first': data[0], 'html': '<&>'}"},
    ]
    result = run_data({"source": s3_source("logs/"), "transformation": steps})
    assert result.message == ""
    # Go's json.Marshal: compact, keys sorted, <, > and & escaped.
    assert result.outputs["result"] == (
        '{"count":2,"first":"LOGS/A/MAIN.LOG","html":"\\u003c\\u0026\\u003e"}'
    )


def test_driver_gets_the_artifact_with_the_nodes_secrets(
    run_data: Any, driver: ListingDriver
) -> None:
    run_data({"source": s3_source("logs/")})
    assert driver.seen[0].name == "test-bucket"
    assert driver.seen[0].kind == "s3"


def test_key_only_source_is_completed_from_the_archive_location(
    run_data: Any, driver: ListingDriver
) -> None:
    archive = {"s3": {"endpoint": "127.0.0.1:9000", "bucket": "repo", "key": "ignored"}}
    source = {"artifactPaths": {"name": "logs", "s3": {"key": "logs/b"}}}
    result = run_data({"source": source}, archiveLocation=archive)
    assert result.outputs["result"] == '["logs/b/main.log"]'
    assert driver.seen[0].location["bucket"] == "repo"


def test_missing_driver_fails_naming_the_location_and_installed_drivers(run_data: Any) -> None:
    source = {"artifactPaths": {"name": "repo", "git": {"repo": "https://example.org/x.git"}}}
    result = run_data({"source": source})
    assert result.phase == FAILED
    assert result.message == (
        "unable to process data template: unable to process data source: unable to source "
        "artifact paths: artifact 'repo': no artifact driver for 'git' is installed "
        "(installed: s3)"
    )


def test_driver_error_fails_with_argos_chain_of_messages(run_data: Any) -> None:
    result = run_data({"source": s3_source(bucket="broken")})
    assert result.phase == FAILED
    assert result.message.startswith(
        "unable to process data template: unable to process data source: "
        "unable to source artifact paths: cannot list s3://broken/"
    )


def test_no_source_fails_as_argo_says(run_data: Any) -> None:
    result = run_data({"source": {}})
    assert result.message == (
        "unable to process data template: unable to process data source: "
        "no valid source is used for data template"
    )


def test_failing_step_is_named_by_its_index(run_data: Any) -> None:
    steps = [{"expression": "data"}, {"expression": "data +"}]
    result = run_data({"source": s3_source("logs/"), "transformation": steps})
    assert result.phase == FAILED
    assert result.message.startswith(
        "unable to process data template: unable to process data transformation: "
        "error processing data step 1: "
    )


def test_data_node_without_drivers_says_none_are_installed(tmp_path: Path) -> None:
    node = NodeContext(
        Requests(tmp_path)({"name": "list", "data": {"source": s3_source()}}),
        Isolation(enabled=False),
    )
    result = run_node(node, default_registry())
    assert result.phase == FAILED
    assert result.message.endswith("no artifact driver for 's3' is installed (installed: none)")
