"""Errors artifact drivers raise; the executor turns them into the node's message."""

from __future__ import annotations


class ArtifactError(RuntimeError):
    """An artifact cannot be loaded, saved, listed or deleted; the message names it."""


class ArtifactNotFoundError(ArtifactError):
    """The location holds nothing (an ``optional`` artifact is then skipped)."""


class UnsupportedVerbError(ArtifactError):
    """The driver does not implement this verb (e.g. ``save`` for ``git``)."""

    def __init__(self, driver: str, verb: str) -> None:
        super().__init__(f"the {driver} artifact driver does not support {verb}")
        self.driver = driver
        self.verb = verb
