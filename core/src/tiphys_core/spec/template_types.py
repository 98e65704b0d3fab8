"""Argo's template types and the questions the engine and validator ask of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Argo's order in Template.GetType(): the first field present decides the type.
TEMPLATE_TYPES = (
    "container",
    "containerSet",
    "steps",
    "dag",
    "script",
    "resource",
    "data",
    "suspend",
    "http",
    "plugin",
)
LEAF_TYPES = frozenset(
    {"container", "containerSet", "script", "resource", "data", "http", "plugin"}
)
POD_TYPES = frozenset({"container", "containerSet", "script", "resource", "data"})


def declared_types(template: Mapping[str, Any]) -> list[str]:
    """Every template type field present (non-null) in ``template``, in Argo's order."""
    return [name for name in TEMPLATE_TYPES if template.get(name) is not None]


def template_type(template: Mapping[str, Any]) -> str | None:
    for name in TEMPLATE_TYPES:
        if template.get(name) is not None:
            return name
    return None


def is_leaf(template: Mapping[str, Any]) -> bool:
    return template_type(template) in LEAF_TYPES


def is_pod_type(template: Mapping[str, Any]) -> bool:
    return template_type(template) in POD_TYPES


def has_result_output(template: Mapping[str, Any]) -> bool:
    """Whether the template produces ``outputs.result`` and ``exitCode`` (Argo's HasOutput)."""
    if any(template.get(k) is not None for k in ("container", "script", "data", "http", "plugin")):
        return True
    container_set = template.get("containerSet")
    if isinstance(container_set, Mapping):
        containers = container_set.get("containers")
        if not isinstance(containers, list):
            return False
        return any(isinstance(c, Mapping) and c.get("name") == "main" for c in containers)
    return False
