"""The artifact repository on this machine's disk (``file://`` urls), without fsspec.

This is tiphys's default artifact repository, so it is on every node's path: plain
``os``/``shutil`` calls, files copied with ``shutil.copyfile`` (``sendfile`` in the
kernel on Linux). Writes go to a private name beside the target and are renamed into
place, so a reader sees the old object or the new one, never half of one; deletes
rename a tree away before removing it, so it disappears at once.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import uuid
from typing import BinaryIO

from tiphys_fsspec.location import PRIVATE_PREFIX
from tiphys_fsspec.store import StoreError

PARTIAL = PRIVATE_PREFIX + "partial-"
TRASH = PRIVATE_PREFIX + "trash-"
# A concurrent delete may remove an empty parent directory between our mkdir and our write.
WRITE_ATTEMPTS = 3


class LocalStore:
    """A :class:`~tiphys_fsspec.store.Store` of files under the directory ``root``."""

    def __init__(self, root: str) -> None:
        self.root = root

    def path(self, key: str) -> str:
        return os.path.join(self.root, key) if key else self.root

    def load(self, key: str, destination: str) -> None:
        source = self.path(key)
        if _is_directory(_stat(source)):
            _copy_tree(source, destination)
        else:
            _make_parent(destination)
            shutil.copyfile(source, destination)

    def save(self, source: str, key: str) -> None:
        try:
            is_tree = _is_directory(os.stat(source))
        except FileNotFoundError:
            raise StoreError(f"nothing to save: {source} does not exist") from None
        target = self.path(key)
        parent = os.path.dirname(target)
        temporary = os.path.join(parent, PARTIAL + uuid.uuid4().hex)
        try:
            for attempt in range(WRITE_ATTEMPTS):
                os.makedirs(parent, exist_ok=True)
                try:
                    if is_tree:
                        _copy_tree(source, temporary)
                    else:
                        shutil.copyfile(source, temporary)
                    break
                except FileNotFoundError:
                    if os.path.isdir(parent) or attempt == WRITE_ATTEMPTS - 1:
                        raise
            _install(temporary, target)
        except BaseException:
            _remove(temporary)
            raise

    def open(self, key: str) -> BinaryIO:
        path = self.path(key)
        if _is_directory(_stat(path)):
            raise StoreError(f"{path} is a directory, not an object")
        return open(path, "rb")

    def list_objects(self, key: str) -> list[str]:
        path = self.path(key)
        if not _is_directory(_stat(path)):
            return [key]
        keys: list[str] = []
        for directory, subdirectories, files in os.walk(path):
            subdirectories[:] = [name for name in subdirectories if not _private(name)]
            relative = os.path.relpath(directory, self.root)
            prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
            keys.extend(prefix + name for name in files if not _private(name))
        return sorted(keys)

    def is_directory(self, key: str) -> bool:
        return _is_directory(_stat(self.path(key)))

    def delete(self, key: str) -> None:
        path = self.path(key)
        if _is_directory(_stat(path)):
            trash = os.path.join(os.path.dirname(path), TRASH + uuid.uuid4().hex)
            os.rename(path, trash)
            shutil.rmtree(trash)
        else:
            os.unlink(path)
        self._prune(os.path.dirname(path))

    def _prune(self, directory: str) -> None:
        # As with a bucket, a prefix with nothing under it is gone; stop at the first
        # directory that still holds something.
        while directory.startswith(self.root + os.sep):
            try:
                os.rmdir(directory)
            except OSError:
                return
            directory = os.path.dirname(directory)


def _stat(path: str) -> os.stat_result:
    try:
        return os.stat(path)
    except NotADirectoryError:  # a key below an object: nothing is there
        raise FileNotFoundError(errno.ENOENT, "no such object", path) from None


def _is_directory(status: os.stat_result) -> bool:
    return stat.S_ISDIR(status.st_mode)


def _private(name: str) -> bool:
    return name.startswith(PRIVATE_PREFIX)


def _make_parent(path: str) -> None:
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)


def _copy_tree(source: str, destination: str) -> None:
    """Copy the regular files under ``source`` (following symlinks to files) into ``destination``."""
    os.makedirs(destination, exist_ok=True)
    for directory, subdirectories, files in os.walk(source):
        subdirectories[:] = [name for name in subdirectories if not _private(name)]
        relative = os.path.relpath(directory, source)
        target = destination if relative == "." else os.path.join(destination, relative)
        for name in subdirectories:
            os.makedirs(os.path.join(target, name), exist_ok=True)
        for name in files:
            path = os.path.join(directory, name)
            # Only regular files are objects: dangling links, sockets and devices are
            # skipped, as Argo's bucket drivers skip what is not a regular file.
            if not _private(name) and os.path.isfile(path):
                shutil.copyfile(path, os.path.join(target, name))


def _install(temporary: str, target: str) -> None:
    """Rename ``temporary`` to ``target``, replacing whatever object or tree is there."""
    try:
        os.replace(temporary, target)
        return
    except OSError as exc:
        if exc.errno not in (errno.EISDIR, errno.ENOTDIR, errno.ENOTEMPTY, errno.EEXIST):
            raise
    trash = os.path.join(os.path.dirname(target), TRASH + uuid.uuid4().hex)
    os.rename(target, trash)
    os.replace(temporary, target)
    _remove(trash)


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
