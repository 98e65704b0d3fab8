"""Template handlers, keyed by Argo's template type (the template's field: ``container``...).

The agent takes its registries from the plugin manager (:func:`registries_from_plugins`):
the executor's own handlers arrive through its entry point (``tiphys_executor.plugin``)
like a third party's. An entry is a handler object or a lazy ``"module:Class"`` string,
imported and instantiated on first use, so a node pays for the modules it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

# Argo's template types (the first field present decides) are core's; re-exported.
from tiphys_core.registry import DuplicateEntryError, Registry
from tiphys_core.spec.template_types import TEMPLATE_TYPES as TEMPLATE_TYPES
from tiphys_core.spec.template_types import template_type as template_type

if TYPE_CHECKING:
    from tiphys_core.plugins import TiphysPluginManager
    from tiphys_core.wire import NodeResult

    from tiphys_executor.node import NodeContext

T_co = TypeVar("T_co", covariant=True)

EXECUTOR = "tiphys-executor"
BUILTIN_HANDLERS = (
    ("container", "tiphys_executor.handlers.container:ContainerHandler"),
    ("containerSet", "tiphys_executor.handlers.container_set:ContainerSetHandler"),
    ("script", "tiphys_executor.handlers.script:ScriptHandler"),
    ("data", "tiphys_executor.handlers.data:DataHandler"),
    ("suspend", "tiphys_executor.handlers.suspend:SuspendHandler"),
    ("http", "tiphys_executor.handlers.http:HTTPHandler"),
)


class Lookup(Protocol[T_co]):
    """What nodes and the dispatcher need of a registry: entries by name, and the names."""

    def get(self, name: str) -> T_co | None:
        """The entry called ``name`` (a lazy one imported now), or None."""
        ...

    def names(self) -> list[str]:
        """Every name, sorted."""
        ...


class TemplateHandler(Protocol):
    """Runs one node of a template type and says how it ended."""

    def run(self, node: NodeContext) -> NodeResult:
        """Run the node; ``node.request.template`` is fully substituted."""
        ...


# Duplicate names are core's registry error, as for every plugin registry.
DuplicateHandlerError = DuplicateEntryError


class TemplateHandlerRegistry(Registry[TemplateHandler]):
    """Template handlers by Argo's type name: core's plugin registry (lazy entries, no duplicates)."""

    def __init__(self) -> None:
        super().__init__("template handler")


def default_registry() -> TemplateHandlerRegistry:
    """A registry holding the executor's built-in handlers (no plugin manager involved)."""
    registry = TemplateHandlerRegistry()
    for type_name, spec in BUILTIN_HANDLERS:
        registry.register(type_name, spec, owner=EXECUTOR)
    return registry


def no_artifact_drivers() -> Registry[Any]:
    """An empty artifact driver registry (``.get(name)`` is None for every name)."""
    return Registry("artifact driver")


def plugin_template_types(registry: Lookup[Any]) -> list[str]:
    """The names a ``plugin: {<name>: {...}}`` template can use: all but Argo's own types."""
    return [name for name in registry.names() if name not in TEMPLATE_TYPES]


@dataclass
class PluginRegistries:
    """What the agent takes from the plugin manager, built once at its start."""

    template_handlers: Registry[TemplateHandler] = field(default_factory=default_registry)
    artifact_drivers: Registry[Any] = field(default_factory=no_artifact_drivers)


def registries_from_plugins(
    warn: Callable[[str], None], manager: TiphysPluginManager | None = None
) -> PluginRegistries:
    """The template handler and artifact driver registries of every installed plugin.

    When the executor's own plugin did not register (disabled with
    ``TIPHYS_DISABLE_PLUGINS``, its entry point absent, or it failed to load), its
    built-in handlers are added directly; ``warn`` says so, and names each plugin that
    could not load. Nothing here raises: a broken plugin leaves the agent serving.

    :param manager: a plugin manager to use (tests); default a fresh one from entry points.
    """
    try:
        # Imported here: pluggy and entry point discovery are the agent's start-up cost.
        from tiphys_core.plugins import Hooks, make_plugin_manager

        manager = manager if manager is not None else make_plugin_manager()
    except Exception as exc:  # pluggy missing, or a plugin's import raising
        warn(f"plugins could not be loaded ({exc}); using the built-in template handlers only")
        return PluginRegistries()
    for name, problem in sorted(manager.problems.items()):
        warn(f"plugin {name} was not loaded: {problem}")
    hooks = Hooks(manager)
    registries = PluginRegistries(
        _collect(hooks.template_handlers, "template handlers", warn, default_registry),
        _collect(hooks.artifact_drivers, "artifact drivers", warn, no_artifact_drivers),
    )
    _add_builtins_if_missing(manager, registries.template_handlers, warn)
    return registries


def _collect(
    collect: Callable[[], Registry[Any]],
    what: str,
    warn: Callable[[str], None],
    fallback: Callable[[], Registry[Any]],
) -> Registry[Any]:
    try:
        return collect()
    except Exception as exc:  # duplicate names, or a plugin's hook raising
        warn(f"the plugins' {what} could not be registered ({exc}); using the built-in ones only")
        return fallback()


def _add_builtins_if_missing(
    manager: TiphysPluginManager, registry: Registry[Any], warn: Callable[[str], None]
) -> None:
    from tiphys_executor import plugin as own_plugin

    if manager.is_registered(own_plugin):
        return
    reason = _why_not_registered(manager)
    warn(
        f"the executor's plugin (entry point tiphys: executor = tiphys_executor.plugin) "
        f"is {reason}; using its built-in template handlers directly"
    )
    taken = set(registry.names())
    for type_name, spec in BUILTIN_HANDLERS:
        if type_name not in taken:
            registry.register(type_name, spec, owner=f"{EXECUTOR} (built in)")


def _why_not_registered(manager: TiphysPluginManager) -> str:
    if manager.is_blocked("executor"):
        return "disabled (TIPHYS_DISABLE_PLUGINS names executor)"
    problem = manager.problems.get("executor")
    if problem:
        return f"not loaded ({problem})"
    return "not installed (no entry point found; is tiphys-executor installed, not just on PYTHONPATH?)"
