"""``plugin: {<name>: {...}}`` templates run the handler registered under ``<name>``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import AgentProcess, Requests, container
from tiphys_core.registry import Registry
from tiphys_core.wire import ERROR, SUCCEEDED, NodeResult
from tiphys_executor.isolation import Isolation
from tiphys_executor.node import NodeContext, run_node
from tiphys_executor.registry import default_registry


class Greeter:
    def run(self, node: NodeContext) -> NodeResult:
        body = node.request.template["plugin"]["greet"]
        return NodeResult(
            node.request.node_id, SUCCEEDED, outputs={"result": f"hello {body['who']}"}
        )


@pytest.fixture
def registry() -> Registry[Any]:
    handlers = default_registry()
    handlers.register("greet", Greeter(), owner="test")
    return handlers


def run(tmp_path: Path, registry: Registry[Any], template: dict[str, Any]) -> NodeResult:
    node = NodeContext(Requests(tmp_path)(template), Isolation(enabled=False))
    return run_node(node, registry)


def test_plugin_template_runs_the_handler_named_by_its_only_field(
    tmp_path: Path, registry: Registry[Any]
) -> None:
    result = run(tmp_path, registry, {"name": "hi", "plugin": {"greet": {"who": "world"}}})
    assert (result.phase, result.outputs) == (SUCCEEDED, {"result": "hello world"})


def test_unknown_plugin_errors_listing_the_installed_plugin_types(
    tmp_path: Path, registry: Registry[Any]
) -> None:
    result = run(tmp_path, registry, {"name": "x", "plugin": {"slack": {"text": "hi"}}})
    assert (result.phase, result.message) == (
        ERROR,
        "plugin template type 'slack' is not installed (installed plugin template types: greet)",
    )


def test_argo_template_types_are_not_plugin_types(tmp_path: Path, registry: Registry[Any]) -> None:
    result = run(tmp_path, registry, {"name": "x", "plugin": {"container": {"image": "a"}}})
    assert result.phase == ERROR
    assert result.message.startswith("plugin template type 'container' is not installed")


def test_plugin_template_with_two_fields_is_an_error(
    tmp_path: Path, registry: Registry[Any]
) -> None:
    result = run(tmp_path, registry, {"name": "x", "plugin": {"greet": {}, "other": {}}})
    assert result.phase == ERROR
    assert result.message.startswith("plugin template must have exactly one field")


def test_no_plugin_types_installed_says_none(tmp_path: Path) -> None:
    result = run(tmp_path, default_registry(), {"name": "x", "plugin": {"greet": {}}})
    assert result.message.endswith("(installed plugin template types: none)")


def test_plugin_handler_that_fails_to_import_ends_the_node(tmp_path: Path) -> None:
    handlers = default_registry()
    handlers.register("broken", "no_such_module_here:Handler", owner="test")
    result = run(tmp_path, handlers, {"name": "x", "plugin": {"broken": {}}})
    assert result.phase == ERROR
    assert result.message.startswith("the handler for template type 'broken' failed to load")


FAKE_PLUGIN = """
from tiphys_core import hookimpl
from tiphys_core.wire import SUCCEEDED, NodeResult


class Shout:
    def run(self, node):
        text = node.request.template["plugin"]["shout"]["text"]
        drivers = ",".join(node.drivers.names())
        return NodeResult(node.request.node_id, SUCCEEDED, outputs={"result": f"{text.upper()} {drivers}"})


@hookimpl
def tiphys_register_template_handlers(register):
    register("shout", Shout())


@hookimpl
def tiphys_register_artifact_drivers(register):
    register("fake-store", "collections:OrderedDict")
"""


@pytest.fixture
def fake_distribution(tmp_path: Path) -> Path:
    """A directory holding an installed-looking distribution with a ``tiphys`` entry point."""
    site = tmp_path / "site"
    info = site / "tiphys_fake-0.3.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tiphys-fake\nVersion: 0.3.0\n")
    (info / "entry_points.txt").write_text("[tiphys]\nfake = tiphys_fake_plugin\n")
    (site / "tiphys_fake_plugin.py").write_text(textwrap.dedent(FAKE_PLUGIN))
    return site


def agent_env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def test_agent_runs_a_plugin_template_from_an_entry_point_with_its_drivers(
    fake_distribution: Path, make_request: Requests
) -> None:
    env = agent_env(PYTHONPATH=str(fake_distribution), TIPHYS_DISABLE_PLUGINS="")
    agent = AgentProcess(env=env)
    try:
        result = agent.run(make_request({"name": "s", "plugin": {"shout": {"text": "hi"}}}))
    finally:
        agent.close()
    assert (result.phase, result.message) == (SUCCEEDED, "")
    assert result.outputs["result"].split(" ")[0] == "HI"
    assert "fake-store" in result.outputs["result"].split(" ")[1].split(",")


def test_agent_with_the_executor_plugin_disabled_still_runs_containers_and_says_why(
    make_request: Requests,
) -> None:
    agent = AgentProcess(env=agent_env(TIPHYS_DISABLE_PLUGINS="executor"))
    try:
        result = agent.run(make_request(container("true")))
    finally:
        _, stderr = agent.close()
    assert result.phase == SUCCEEDED
    assert "disabled (TIPHYS_DISABLE_PLUGINS names executor)" in stderr
    assert "using its built-in template handlers directly" in stderr


def test_agent_start_up_imports_nothing_a_node_type_needs_only_when_it_runs() -> None:
    # What `python -m tiphys_executor.agent` imports before its first request (other
    # installed plugins left out: what they import is theirs).
    code = textwrap.dedent(
        """
        import sys
        import tiphys_executor.plugin
        from tiphys_core.plugins import make_plugin_manager
        from tiphys_executor import agent
        from tiphys_executor.registry import registries_from_plugins
        manager = make_plugin_manager(load_entry_points=False, extra=[tiphys_executor.plugin])
        registries_from_plugins(lambda message: None, manager)
        heavy = ["yaml", "ssl", "http.client", "tiphys_core.expr", "tiphys_core.artifacts",
                 "tiphys_executor.handlers.http", "tiphys_executor.handlers.data"]
        print(",".join(name for name in heavy if name in sys.modules))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
