"""tiphys-git: Argo's ``git`` artifacts (clone a repository at a revision into a path)."""

from __future__ import annotations

import importlib
from typing import Any

# Imported on first use: the plugin module loads with every executor agent, the driver
# (and what it imports) only when an artifact needs it.
_EXPORTS = {
    "GitDriver": "tiphys_git.driver",
    "GitLocation": "tiphys_git.location",
    "read_location": "tiphys_git.location",
}

__all__ = ["GitDriver", "GitLocation", "read_location"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
