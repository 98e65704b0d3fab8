"""The error archiving and unpacking raise: an :class:`ArtifactError`, so nodes report it."""

from __future__ import annotations

from tiphys_core.artifacts import ArtifactError


class ArchiveError(ArtifactError):
    """An artifact cannot be archived or unpacked; the message names the artifact and entry."""
