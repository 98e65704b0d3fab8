"""tiphys-git: Argo's ``git`` artifacts (clone a repository at a revision into a path)."""

from __future__ import annotations

from tiphys_git.driver import GitDriver
from tiphys_git.location import GitLocation, read_location

__all__ = ["GitDriver", "GitLocation", "read_location"]
