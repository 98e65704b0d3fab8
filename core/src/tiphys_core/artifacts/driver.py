"""The artifact driver contract: Argo's verbs (``workflow/artifacts/common/common.go``).

A driver is registered under Argo's location name (``s3``, ``gcs``, ``git``, ``http``,
``raw``...) or, for ``plugin: {name: ...}`` locations, under the plugin's name. Keys
name objects; a key that is a prefix of other keys is a directory (as in Argo's S3/GCS
drivers). Every verb raises :class:`ArtifactNotFoundError` when the location holds
nothing, :class:`UnsupportedVerbError` when the driver cannot do it, and
:class:`ArtifactError` (with the artifact's name and location) for any other failure.
"""

from __future__ import annotations

from typing import BinaryIO, Protocol, runtime_checkable

from tiphys_core.artifacts.errors import UnsupportedVerbError
from tiphys_core.artifacts.model import Artifact


@runtime_checkable
class ArtifactDriver(Protocol):
    """What an artifact driver implements."""

    def load(self, artifact: Artifact, path: str) -> None:
        """Download the object to the file ``path``, or a directory key to the directory ``path``."""
        ...

    def save(self, path: str, artifact: Artifact) -> None:
        """Upload the file or directory at ``path`` to the artifact's key."""
        ...

    def open_stream(self, artifact: Artifact) -> BinaryIO:
        """A readable binary stream of the object (the caller closes it)."""
        ...

    def list_objects(self, artifact: Artifact) -> list[str]:
        """The keys of every object at or under the artifact's key (full keys, sorted)."""
        ...

    def is_directory(self, artifact: Artifact) -> bool:
        """Whether the key names a directory (a prefix of other objects)."""
        ...

    def delete(self, artifact: Artifact) -> None:
        """Remove the object, or every object under a directory key."""
        ...


class BaseDriver:
    """A driver whose verbs all raise :class:`UnsupportedVerbError`; subclass what you support.

    :cvar name: the driver's name, for messages.
    """

    name = "artifact"

    def load(self, artifact: Artifact, path: str) -> None:
        raise UnsupportedVerbError(self.name, "load")

    def save(self, path: str, artifact: Artifact) -> None:
        raise UnsupportedVerbError(self.name, "save")

    def open_stream(self, artifact: Artifact) -> BinaryIO:
        raise UnsupportedVerbError(self.name, "open_stream")

    def list_objects(self, artifact: Artifact) -> list[str]:
        raise UnsupportedVerbError(self.name, "list_objects")

    def is_directory(self, artifact: Artifact) -> bool:
        raise UnsupportedVerbError(self.name, "is_directory")

    def delete(self, artifact: Artifact) -> None:
        raise UnsupportedVerbError(self.name, "delete")
