"""Who drives a state directory's workflows: a lock file the kernel releases on any exit.

A standing controller holds the lock exclusively: it runs every unfinished workflow, so
nobody else may drive one. An embedded controller (``tiphys run --embedded``, ``tiphys
wait`` with no standing controller) drives only its own workflow and holds the lock
shared, so several of them run side by side but never beside a standing controller.
``fcntl.flock`` on an open file: a controller killed with SIGKILL leaves no stale lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator

from tiphys_core.server.protocol import LOCK_NAME


class LockBusyError(RuntimeError):
    """Another controller holds the state directory's lock."""

    def __init__(self, directory: str, holder: int | None) -> None:
        self.holder = holder
        who = f"pid {holder}" if holder else "an embedded controller"
        super().__init__(f"another controller ({who}) drives the workflows in {directory}")


class StoreLock:
    """The lock file ``controller.lock`` of one state directory."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.path = os.path.join(directory, LOCK_NAME)
        self._fd: int | None = None

    def acquire(self, exclusive: bool) -> None:
        """Take the lock without waiting; a standing controller (``exclusive``) records its pid.

        :raises LockBusyError: someone holds it in a conflicting mode.
        """
        os.makedirs(self.directory, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockBusyError(self.directory, self.holder()) from None
        if exclusive:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor releases the flock
            self._fd = None

    def holder(self) -> int | None:
        """The pid a standing controller wrote, if one holds the lock now."""
        try:
            with open(self.path, encoding="ascii") as file:
                text = file.read().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() and self.held_exclusively() else None

    def held_exclusively(self) -> bool:
        """Whether someone holds the lock in a way that keeps a standing controller out."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False


@contextlib.contextmanager
def embedded_lock(directory: str) -> Iterator[None]:
    """Hold the shared lock while an embedded controller drives a workflow.

    :raises LockBusyError: a standing controller drives this state directory.
    """
    lock = StoreLock(directory)
    lock.acquire(exclusive=False)
    try:
        yield
    finally:
        lock.release()
