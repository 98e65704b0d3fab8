"""tiphys-fsspec: artifacts at any fsspec URL, and the local artifact repository (``file://``)."""

from __future__ import annotations

from tiphys_fsspec.driver import FsspecDriver

__all__ = ["FsspecDriver"]
