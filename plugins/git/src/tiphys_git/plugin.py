"""tiphys-git's entry point: registers the ``git`` artifact driver, without importing GitPython."""

from __future__ import annotations

from tiphys_core import hookimpl
from tiphys_core.plugins import Register

DRIVER = "tiphys_git.driver:GitDriver"


@hookimpl
def tiphys_register_artifact_drivers(register: Register) -> None:
    register("git", DRIVER)
