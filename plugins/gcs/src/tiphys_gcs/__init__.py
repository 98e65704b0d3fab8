"""tiphys artifact driver for Google Cloud Storage: Argo's ``gcs:`` artifact locations.

The driver is registered as ``gcs`` by :mod:`tiphys_gcs.plugin`; importing this package
does not import google-cloud-storage (the driver module is loaded on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tiphys_gcs.driver import GCSDriver

__all__ = ["GCSDriver"]


def __getattr__(name: str) -> Any:
    # The driver pulls in google-cloud-storage; only import it when someone asks for it.
    if name == "GCSDriver":
        from tiphys_gcs.driver import GCSDriver

        return GCSDriver
    raise AttributeError(f"module 'tiphys_gcs' has no attribute {name!r}")
