"""Registers the ``s3`` artifact driver; the driver (and boto3) loads on first use."""

from __future__ import annotations

from tiphys_core import hookimpl
from tiphys_core.plugins import Register


@hookimpl
def tiphys_register_artifact_drivers(register: Register) -> None:
    register("s3", "tiphys_s3.driver:S3Driver")
