"""Registers the ``http`` and ``artifactory`` artifact drivers, lazily: requests loads on first use."""

from __future__ import annotations

from tiphys_core import hookimpl
from tiphys_core.plugins import Register

DRIVERS = (
    ("http", "tiphys_http.driver:HTTPDriver"),
    ("artifactory", "tiphys_http.driver:ArtifactoryDriver"),
)


@hookimpl
def tiphys_register_artifact_drivers(register: Register) -> None:
    for name, driver in DRIVERS:
        register(name, driver)
