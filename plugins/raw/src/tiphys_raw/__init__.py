"""tiphys-raw: Argo's ``raw`` artifacts, whose contents are written inline in the workflow."""

from __future__ import annotations

from tiphys_raw.driver import RawDriver

__all__ = ["RawDriver"]
