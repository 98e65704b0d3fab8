"""Who drives what: lock files the kernel releases on any exit (``fcntl.flock`` on an open
file), so a controller killed with SIGKILL leaves no stale lock behind.

- ``controller.lock`` in the state directory: held by the standing controller, so there is
  never a second one for the same store (and it records the holder's pid).
- ``workflows/<uid>/driver.lock``: held by whichever controller drives that workflow, the
  standing one or one embedded in a ``tiphys`` process, so no workflow is ever driven by
  two at once. Whoever finds it held follows the workflow instead of running it.
"""

from __future__ import annotations

import fcntl
import os

from tiphys_core.server.protocol import LOCK_NAME

DRIVER_LOCK_NAME = "driver.lock"


class LockBusyError(RuntimeError):
    """Another standing controller holds the state directory."""

    def __init__(self, directory: str, holder: int | None) -> None:
        self.holder = holder
        who = f"pid {holder}" if holder else "another process"
        super().__init__(f"another controller ({who}) drives the workflows in {directory}")


class _FileLock:
    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; whether it was taken."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor releases the flock
            self._fd = None

    def held_elsewhere(self) -> bool:
        """Whether another open file holds the lock now."""
        return lock_held(self.path)


class StoreLock(_FileLock):
    """``controller.lock``: one standing controller per state directory."""

    def __init__(self, directory: str) -> None:
        super().__init__(os.path.join(directory, LOCK_NAME))
        self.directory = directory

    def acquire(self) -> None:
        """Take the lock and record this process's pid in it.

        :raises LockBusyError: another standing controller holds it.
        """
        if not self.try_acquire():
            raise LockBusyError(self.directory, self.holder())
        assert self._fd is not None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    def holder(self) -> int | None:
        """The pid of the standing controller holding the lock now, if one does."""
        try:
            with open(self.path, encoding="ascii") as file:
                text = file.read().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() and self.held_elsewhere() else None


class WorkflowLock(_FileLock):
    """``workflows/<uid>/driver.lock``: one controller drives a workflow at a time."""

    def __init__(self, home: str, uid: str) -> None:
        super().__init__(os.path.join(home, "workflows", uid, DRIVER_LOCK_NAME))


def lock_held(path: str) -> bool:
    """Whether some process holds the lock file ``path`` now (False if there is none)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
