"""Typed calls into the plugin hooks, so the rest of tiphys never calls ``pm.hook.x(...)``."""

from __future__ import annotations

from typing import Any

from tiphys_core.plugins.manager import TiphysPluginManager
from tiphys_core.registry import Registry
from tiphys_core.spec.diagnostics import Diagnostic


class Hooks:
    """One plugin manager, seen through methods with real signatures."""

    def __init__(self, manager: TiphysPluginManager) -> None:
        self.manager = manager
        self._hook = manager.hook

    def template_handlers(self) -> Registry[Any]:
        """Every plugin's template handlers, in one registry (duplicates are errors)."""
        return self._collect("template handler", "tiphys_register_template_handlers")

    def artifact_drivers(self) -> Registry[Any]:
        """Every plugin's artifact drivers, in one registry (duplicates are errors)."""
        return self._collect("artifact driver", "tiphys_register_artifact_drivers")

    def _collect(self, kind: str, hook_name: str) -> Registry[Any]:
        registry: Registry[Any] = Registry(kind)
        caller = getattr(self._hook, hook_name)
        for implementation in caller.get_hookimpls():
            implementation.function(register=registry.registrar(implementation.plugin_name))
        return registry

    def implemented(self, hook_name: str) -> bool:
        """Whether any plugin implements the hook ``hook_name`` (``tiphys_node_started``)."""
        return bool(getattr(self._hook, hook_name).get_hookimpls())

    def lint_document(self, document: dict[str, Any]) -> list[Diagnostic]:
        found: list[Diagnostic] = []
        for result in self._hook.tiphys_lint_document(document=document):
            found.extend(result or ())
        return found

    def workflow_started(self, workflow: dict[str, Any]) -> None:
        self._hook.tiphys_workflow_started(workflow=workflow)

    def workflow_finished(self, workflow: dict[str, Any], phase: str, message: str) -> None:
        self._hook.tiphys_workflow_finished(workflow=workflow, phase=phase, message=message)

    def node_started(self, workflow: dict[str, Any], node: dict[str, Any]) -> None:
        self._hook.tiphys_node_started(workflow=workflow, node=node)

    def node_finished(self, workflow: dict[str, Any], node: dict[str, Any]) -> None:
        self._hook.tiphys_node_finished(workflow=workflow, node=node)

    def node_retried(self, workflow: dict[str, Any], node: dict[str, Any], attempt: int) -> None:
        self._hook.tiphys_node_retried(workflow=workflow, node=node, attempt=attempt)

    def before_exit_handler(self, workflow: dict[str, Any], status: str) -> None:
        self._hook.tiphys_before_exit_handler(workflow=workflow, status=status)

    def after_exit_handler(self, workflow: dict[str, Any], node: dict[str, Any]) -> None:
        self._hook.tiphys_after_exit_handler(workflow=workflow, node=node)

    def mutate_pod(
        self, pod: dict[str, Any], workflow: dict[str, Any], node: dict[str, Any]
    ) -> None:
        self._hook.tiphys_mutate_pod(pod=pod, workflow=workflow, node=node)
