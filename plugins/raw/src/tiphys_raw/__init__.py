"""tiphys-raw: Argo's ``raw`` artifacts, whose contents are written inline in the workflow."""

from __future__ import annotations

import importlib
from typing import Any

# Imported on first use: the plugin module loads with every executor agent, the driver
# (and what it imports) only when an artifact needs it.
_EXPORTS = {"RawDriver": "tiphys_raw.driver"}

__all__ = ["RawDriver"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
