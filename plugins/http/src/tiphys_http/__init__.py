"""tiphys artifact drivers for ``http`` and ``artifactory`` locations (Argo's http driver).

The drivers live in :mod:`tiphys_http.driver`, imported on first use so that loading the
plugin does not import requests; :mod:`tiphys_http.testing` runs nginx for tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tiphys_http.driver import ArtifactoryDriver, HTTPDriver

__all__ = ["ArtifactoryDriver", "HTTPDriver"]


def __getattr__(name: str) -> Any:
    # The drivers import requests: only when someone asks for them.
    if name in __all__:
        from tiphys_http import driver

        return getattr(driver, name)
    raise AttributeError(f"module 'tiphys_http' has no attribute {name!r}")
