"""tiphys artifact driver for S3 and S3-compatible stores: Argo's ``s3:`` artifact locations.

The driver is registered as ``s3`` by :mod:`tiphys_s3.plugin`; importing this package
does not import boto3 (the driver module is loaded on first use). Tests of any
distribution can start a real S3 server with :func:`tiphys_s3.testing.s3_server`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tiphys_s3.driver import S3Driver

__all__ = ["S3Driver", "__version__"]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The driver pulls in boto3; only import it when someone asks for it.
    if name == "S3Driver":
        from tiphys_s3.driver import S3Driver

        return S3Driver
    raise AttributeError(f"module 'tiphys_s3' has no attribute {name!r}")
