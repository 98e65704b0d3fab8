"""Registers the ``fsspec`` artifact driver (imported lazily, so fsspec is not loaded here)."""

from __future__ import annotations

from tiphys_core import hookimpl
from tiphys_core.plugins import Register


@hookimpl
def tiphys_register_artifact_drivers(register: Register) -> None:
    register("fsspec", "tiphys_fsspec.driver:FsspecDriver")
