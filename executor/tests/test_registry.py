"""The template handler registry: Argo's type names, duplicates, lazy entries."""

from __future__ import annotations

import pytest
from tiphys_core.wire import SUCCEEDED, NodeResult
from tiphys_executor.node import NodeContext
from tiphys_executor.registry import (
    DuplicateHandlerError,
    TemplateHandlerRegistry,
    default_registry,
    template_type,
)


class EchoHandler:
    def run(self, node: NodeContext) -> NodeResult:
        return NodeResult(node.request.node_id, SUCCEEDED)


def test_default_registry_has_the_builtin_types() -> None:
    assert default_registry().names() == [
        "container",
        "containerSet",
        "data",
        "http",
        "script",
        "suspend",
    ]


def test_duplicate_type_names_are_errors() -> None:
    registry = TemplateHandlerRegistry()
    registry.register("http", EchoHandler())
    with pytest.raises(DuplicateHandlerError, match='"http" is registered twice'):
        registry.register("http", EchoHandler())


def test_lazy_entries_are_imported_on_first_use_and_kept() -> None:
    registry = TemplateHandlerRegistry()
    registry.register("container", "tiphys_executor.handlers.container:ContainerHandler")
    first = registry.get("container")
    assert type(first).__name__ == "ContainerHandler"
    assert registry.get("container") is first
    assert registry.get("dag") is None


def test_template_type_is_the_first_type_field_in_argos_order() -> None:
    assert template_type({"name": "x", "script": {}, "container": {}}) == "container"
    assert template_type({"name": "x", "suspend": {}}) == "suspend"
    assert template_type({"name": "x", "container": None}) is None


def test_template_types_are_cores_list_not_a_copy() -> None:
    from tiphys_core.spec import template_types
    from tiphys_executor import registry

    assert registry.TEMPLATE_TYPES is template_types.TEMPLATE_TYPES
    assert registry.template_type is template_types.template_type
