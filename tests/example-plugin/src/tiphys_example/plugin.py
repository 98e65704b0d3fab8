"""The entry point: registers the template type and the driver as lazy ``module:Class`` strings."""

from __future__ import annotations

from tiphys_core import hookimpl
from tiphys_core.registry import Register


@hookimpl
def tiphys_register_template_handlers(register: Register) -> None:
    register("greet", "tiphys_example.greet:GreetHandler")


@hookimpl
def tiphys_register_artifact_drivers(register: Register) -> None:
    register("example-dir", "tiphys_example.driver:ExampleDirDriver")
