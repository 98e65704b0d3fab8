"""What the driver asks of a store: Argo's verbs on keys under one repository url."""

from __future__ import annotations

from typing import BinaryIO, Protocol


class StoreError(Exception):
    """A problem the driver reports as it is (a key that is a directory, nothing to save...).

    Missing objects are :class:`FileNotFoundError`; other failures are whatever the
    filesystem raised.
    """


class Store(Protocol):
    """Objects under one url, by key (checked, relative, ``/``-separated; ``""`` is the url)."""

    def load(self, key: str, destination: str) -> None:
        """Copy the object to the file ``destination``, or a directory key's tree into it."""
        ...

    def save(self, source: str, key: str) -> None:
        """Copy the file or tree at ``source`` to ``key``."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A readable stream of the object."""
        ...

    def list_objects(self, key: str) -> list[str]:
        """The full keys of the object, or of every object under a directory key, sorted."""
        ...

    def is_directory(self, key: str) -> bool:
        """Whether ``key`` is a directory (a prefix with objects under it)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object, or everything under a directory key."""
        ...
