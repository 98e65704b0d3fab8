"""Objects at any other fsspec URL (``memory://``, ``s3://`` with s3fs, ``gs://``...).

Directories are fsspec's: a real directory, or a prefix with objects under it. Saving a
directory uploads its files over whatever is at the key, as Argo's bucket drivers do.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, BinaryIO, cast

import fsspec.core  # type: ignore[import-untyped]

from tiphys_fsspec.store import StoreError


class RemoteStore:
    """A :class:`~tiphys_fsspec.store.Store` on an fsspec filesystem."""

    def __init__(self, url: str, options: Mapping[str, Any]) -> None:
        # url_to_fs also reads what the URL itself says (sftp's host, a chained cache...).
        self.fs, root = fsspec.core.url_to_fs(url, **options)
        self.root = cast(str, root).rstrip("/")

    def path(self, key: str) -> str:
        return f"{self.root}/{key}" if key else self.root

    def load(self, key: str, destination: str) -> None:
        path = self.path(key)
        if self._info(path)["type"] != "directory":
            _make_parent(destination)
            self.fs.get_file(path, destination)
            return
        os.makedirs(destination, exist_ok=True)
        for relative in self._relative_files(path):
            target = os.path.join(destination, relative)
            _make_parent(target)
            self.fs.get_file(f"{path}/{relative}", target)

    def save(self, source: str, key: str) -> None:
        path = self.path(key)
        if os.path.isfile(source):
            self._put(source, path)
            return
        if not os.path.isdir(source):
            raise StoreError(f"nothing to save: {source} does not exist")
        for directory, _, files in os.walk(source):
            for name in files:
                local = os.path.join(directory, name)
                relative = os.path.relpath(local, source).replace(os.sep, "/")
                self._put(local, f"{path}/{relative}")

    def open(self, key: str) -> BinaryIO:
        path = self.path(key)
        if self._info(path)["type"] == "directory":
            raise StoreError(f"{path} is a directory, not an object")
        return cast(BinaryIO, self.fs.open(path, "rb"))

    def list_objects(self, key: str) -> list[str]:
        path = self.path(key)
        if self._info(path)["type"] != "directory":
            return [key]
        prefix = f"{key}/" if key else ""
        return sorted(prefix + relative for relative in self._relative_files(path))

    def is_directory(self, key: str) -> bool:
        return bool(self._info(self.path(key))["type"] == "directory")

    def delete(self, key: str) -> None:
        path = self.path(key)
        self._info(path)
        self.fs.rm(path, recursive=True)

    def _info(self, path: str) -> dict[str, Any]:
        return cast(dict[str, Any], self.fs.info(path))

    def _put(self, local: str, path: str) -> None:
        parent = self.fs._parent(path)
        if parent:
            self.fs.makedirs(parent, exist_ok=True)
        self.fs.put_file(local, path)

    def _relative_files(self, path: str) -> list[str]:
        """The files under the directory ``path``, relative to it."""
        base = self.fs._strip_protocol(path).rstrip("/") + "/"
        found = []
        for name in self.fs.find(path):
            stripped = self.fs._strip_protocol(name)
            if not stripped.startswith(base):
                raise StoreError(f"{name} was listed under {path} but is not inside it")
            found.append(stripped[len(base) :])
        return found


def _make_parent(path: str) -> None:
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
