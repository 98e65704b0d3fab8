"""Output parameters from files (through the node's private view), defaults and plain values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_helpers import AgentProcess, Requests, sh
from tiphys_core.wire import ERROR, FAILED, SUCCEEDED


def with_outputs(script: str, *parameters: dict[str, Any]) -> dict[str, Any]:
    template = sh(script)
    template["outputs"] = {"parameters": list(parameters)}
    return template


def values(parameters: list[dict[str, Any]]) -> dict[str, Any]:
    return {p["name"]: p.get("value") for p in parameters}


def test_parameter_from_a_file_trims_exactly_one_trailing_newline(
    agent: AgentProcess, make_request: Requests
) -> None:
    template = with_outputs(
        "printf 'one\\n\\n' > /tmp/a.txt; printf 'two \\t' > /tmp/b.txt; printf 'x\\r\\n' > /tmp/c.txt",
        {"name": "a", "valueFrom": {"path": "/tmp/a.txt"}},
        {"name": "b", "valueFrom": {"path": "/tmp/b.txt"}},
        {"name": "c", "valueFrom": {"path": "/tmp/c.txt"}},
    )
    result = agent.run(make_request(template))
    assert result.phase == SUCCEEDED, result.message
    assert values(result.outputs["parameters"]) == {"a": "one\n", "b": "two \t", "c": "x\r"}


def test_reported_parameters_keep_their_declaration_as_argo_shows_them(
    agent: AgentProcess, make_request: Requests
) -> None:
    declared = {"name": "p", "globalName": "g", "valueFrom": {"path": "/tmp/p"}}
    result = agent.run(make_request(with_outputs("echo v > /tmp/p", declared)))
    assert result.outputs["parameters"] == [{**declared, "value": "v"}]


def test_missing_file_takes_the_default(agent: AgentProcess, make_request: Requests) -> None:
    template = with_outputs(
        "true", {"name": "p", "valueFrom": {"path": "/tmp/missing", "default": "fallback\n"}}
    )
    result = agent.run(make_request(template))
    assert result.phase == SUCCEEDED, result.message
    assert values(result.outputs["parameters"]) == {"p": "fallback"}


def test_missing_file_without_default_is_an_error_naming_parameter_and_path(
    agent: AgentProcess, make_request: Requests
) -> None:
    template = with_outputs("true", {"name": "answer", "valueFrom": {"path": "/tmp/nowhere.txt"}})
    result = agent.run(make_request(template))
    assert result.phase == ERROR
    assert "'answer'" in result.message
    assert "/tmp/nowhere.txt" in result.message
    assert result.outputs["exitCode"] == "0"


def test_failed_main_stays_failed_when_a_parameter_file_is_missing(
    agent: AgentProcess, make_request: Requests
) -> None:
    template = with_outputs("exit 2", {"name": "p", "valueFrom": {"path": "/tmp/none"}})
    result = agent.run(make_request(template))
    assert (result.phase, result.message) == (FAILED, "main: Error (exit code 2)")


def test_plain_value_parameters_are_reported_as_declared(
    agent: AgentProcess, make_request: Requests
) -> None:
    template = with_outputs("true", {"name": "fixed", "value": "constant"})
    result = agent.run(make_request(template))
    assert values(result.outputs["parameters"]) == {"fixed": "constant"}


def test_output_artifacts_are_saved_beside_the_parameters(
    agent: AgentProcess, make_request: Requests, tmp_path: Path
) -> None:
    template = sh("echo x > /tmp/art; echo 7 > /tmp/p")
    template["outputs"] = {
        "artifacts": [{"name": "art", "path": "/tmp/art", "archive": {"none": {}}}],
        "parameters": [{"name": "p", "valueFrom": {"path": "/tmp/p"}}],
    }
    repository = f"url: {tmp_path.as_uri()}"
    template["archiveLocation"] = {
        "plugin": {"name": "fsspec", "configuration": repository, "key": "k"}
    }
    result = agent.run(make_request(template))
    assert result.phase == SUCCEEDED, result.message
    assert values(result.outputs["parameters"]) == {"p": "7"}
    assert result.outputs["artifacts"][0]["plugin"]["key"] == "k/art"
    assert (tmp_path / "k" / "art").read_text() == "x\n"


def test_relative_parameter_path_is_read_from_the_working_dir(
    agent: AgentProcess, make_request: Requests
) -> None:
    template = with_outputs("echo here > out.txt", {"name": "p", "valueFrom": {"path": "out.txt"}})
    template["container"]["workingDir"] = "/tmp/tiphys-work"
    result = agent.run(make_request(template))
    assert result.phase == SUCCEEDED, result.message
    assert values(result.outputs["parameters"]) == {"p": "here"}
