"""The agent's registries come from a plugin manager; built-ins are the fallback."""

from __future__ import annotations

from typing import Any

import tiphys_executor.plugin
from tiphys_core import hookimpl
from tiphys_core.plugins import make_plugin_manager
from tiphys_core.registry import Register
from tiphys_core.wire import SUCCEEDED, NodeResult
from tiphys_executor.node import NodeContext
from tiphys_executor.registry import (
    BUILTIN_HANDLERS,
    plugin_template_types,
    registries_from_plugins,
)

BUILTIN_NAMES = sorted(name for name, _ in BUILTIN_HANDLERS)


class Greeter:
    def run(self, node: NodeContext) -> NodeResult:
        return NodeResult(node.request.node_id, SUCCEEDED, outputs={"result": "hello"})


class ThirdParty:
    """A throwaway plugin: one template type and one artifact driver."""

    @hookimpl
    def tiphys_register_template_handlers(self, register: Register) -> None:
        register("greet", Greeter())

    @hookimpl
    def tiphys_register_artifact_drivers(self, register: Register) -> None:
        register("memory", "collections:OrderedDict")


class Clash:
    @hookimpl
    def tiphys_register_template_handlers(self, register: Register) -> None:
        register("container", Greeter())


def collect(*plugins: Any) -> tuple[Any, list[str]]:
    warnings: list[str] = []
    manager = make_plugin_manager(load_entry_points=False, extra=plugins, disabled=())
    return registries_from_plugins(warnings.append, manager), warnings


def test_executor_plugin_and_a_third_party_fill_both_registries() -> None:
    registries, warnings = collect(tiphys_executor.plugin, ThirdParty())
    assert warnings == []
    assert registries.template_handlers.names() == sorted([*BUILTIN_NAMES, "greet"])
    assert registries.template_handlers.owner("container") == "tiphys_executor.plugin"
    assert registries.artifact_drivers.names() == ["memory"]
    assert plugin_template_types(registries.template_handlers) == ["greet"]


def test_driver_entries_stay_lazy_until_asked_for() -> None:
    registries, _ = collect(tiphys_executor.plugin, ThirdParty())
    driver = registries.artifact_drivers.get("memory")
    assert type(driver).__name__ == "OrderedDict"
    assert registries.artifact_drivers.get("s3") is None


def test_missing_executor_plugin_falls_back_to_the_builtins_with_a_message() -> None:
    registries, warnings = collect(ThirdParty())
    assert registries.template_handlers.names() == sorted([*BUILTIN_NAMES, "greet"])
    assert registries.template_handlers.owner("http") == "tiphys-executor (built in)"
    assert len(warnings) == 1
    assert "executor's plugin" in warnings[0] and "not installed" in warnings[0]
    assert "using its built-in template handlers directly" in warnings[0]


def test_disabled_executor_plugin_falls_back_saying_it_was_disabled() -> None:
    warnings: list[str] = []
    manager = make_plugin_manager(load_entry_points=True, disabled=["executor"])
    registries = registries_from_plugins(warnings.append, manager)
    assert set(BUILTIN_NAMES) <= set(registries.template_handlers.names())
    assert any("disabled (TIPHYS_DISABLE_PLUGINS names executor)" in w for w in warnings)


def test_entry_points_register_the_executors_handlers() -> None:
    warnings: list[str] = []
    registries = registries_from_plugins(warnings.append, make_plugin_manager(disabled=()))
    assert registries.template_handlers.owner("container") == "executor"
    assert not any("executor's plugin" in w for w in warnings)


def test_duplicate_template_types_fall_back_to_the_builtins_with_a_message() -> None:
    registries, warnings = collect(tiphys_executor.plugin, Clash())
    assert registries.template_handlers.names() == BUILTIN_NAMES
    assert registries.template_handlers.owner("container") == "tiphys-executor"
    assert len(warnings) == 1
    assert 'template handler "container" is registered twice' in warnings[0]


def test_a_broken_plugin_manager_leaves_the_builtins() -> None:
    class Broken:
        @hookimpl
        def tiphys_register_artifact_drivers(self, register: Register) -> None:
            raise RuntimeError("boom")

    registries, warnings = collect(tiphys_executor.plugin, Broken())
    assert registries.template_handlers.names() == BUILTIN_NAMES
    assert registries.artifact_drivers.names() == []
    assert warnings == [
        "the plugins' artifact drivers could not be registered (boom); using the built-in ones only"
    ]
