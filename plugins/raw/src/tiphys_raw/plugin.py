"""Registers the ``raw`` artifact driver (imported lazily, on first use)."""

from __future__ import annotations

from tiphys_core import hookimpl
from tiphys_core.plugins import Register


@hookimpl
def tiphys_register_artifact_drivers(register: Register) -> None:
    register("raw", "tiphys_raw.driver:RawDriver")
