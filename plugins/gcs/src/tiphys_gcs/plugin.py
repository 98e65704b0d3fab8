"""Registers the ``gcs`` artifact driver; the driver (and google-cloud-storage) loads on first use."""

from __future__ import annotations

from tiphys_core import hookimpl
from tiphys_core.plugins import Register


@hookimpl
def tiphys_register_artifact_drivers(register: Register) -> None:
    register("gcs", "tiphys_gcs.driver:GCSDriver")
