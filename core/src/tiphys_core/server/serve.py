"""The standing controller's start-up: ``tiphys controller`` serves ``tiphys run``/``submit``/
``wait`` over a Unix socket in the state directory.

Start-up takes the state directory's lock first (so two never drive one store), binds the
socket (mode 0600), says it is ready, and only then imports the engine and starts agents:
a client racing to start a second controller finds the first one answering at once.
What it does from then on is :class:`~tiphys_core.server.standing.StandingController`'s.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

from tiphys_core.server.lock import LockBusyError, StoreLock
from tiphys_core.server.protocol import SOCKET_NAME, build_id, socket_address, state_dir
from tiphys_core.server.standing import StandingController

_LOG_LIMIT_BYTES = 1 << 20


def serve(idle: float, ready_fd: int | None = None) -> int:
    """Run a standing controller for the state directory until it is idle for ``idle``
    seconds or stopped; the exit status. ``ready_fd`` gets ``ready`` (or ``busy``) once."""
    build = build_id()  # the code as it is now, before any of it is imported
    directory = state_dir()
    if ready_fd is not None:
        _close_inherited(keep=ready_fd)
    lock = StoreLock(directory)
    try:
        lock.acquire()
    except LockBusyError as err:
        _say_ready(ready_fd, b"busy\n")
        print(f"tiphys: {err}", file=sys.stderr, flush=True)
        return 1
    try:
        if ready_fd is not None:
            _restart_log()
        listener, inode = _bind(directory)
    except OSError as err:
        lock.release()
        _say_ready(ready_fd, b"failed\n")
        print(f"tiphys: cannot listen on {directory}/{SOCKET_NAME}: {err}", file=sys.stderr)
        return 1
    _say_ready(ready_fd, b"ready\n")
    server = StandingController(Path(directory), listener, inode, build, idle)
    try:
        return server.run()
    finally:
        lock.release()


def _bind(directory: str) -> tuple[socket.socket, int]:
    path = os.path.join(directory, SOCKET_NAME)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # left by a controller that died: we hold the lock, it is not live
    enter, address = socket_address(directory)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    umask = os.umask(0o177)  # created 0600 from the start: only the owner may connect
    try:
        if enter:
            with _inside(enter):
                listener.bind(address)
        else:
            listener.bind(address)
    finally:
        os.umask(umask)
    os.chmod(path, 0o600)
    listener.listen(64)
    return listener, os.stat(path).st_ino


@contextlib.contextmanager
def _inside(directory: str) -> Iterator[None]:
    previous = os.open(".", os.O_RDONLY)
    try:
        os.chdir(directory)
        yield
    finally:
        os.fchdir(previous)
        os.close(previous)


def _say_ready(ready_fd: int | None, word: bytes) -> None:
    if ready_fd is None:
        return
    with contextlib.suppress(OSError):
        os.write(ready_fd, word)
    with contextlib.suppress(OSError):
        os.close(ready_fd)


def _restart_log() -> None:
    """A background controller's stdout is its log (appended to, so the last controllers'
    ends stay readable); a log grown past a limit starts over."""
    with contextlib.suppress(OSError, ValueError):
        if os.fstat(sys.stdout.fileno()).st_size > _LOG_LIMIT_BYTES:
            os.ftruncate(sys.stdout.fileno(), 0)


def _close_inherited(keep: int) -> None:
    """Close descriptors the starting client's own parent may have passed down (a pipe a
    test harness waits on must not stay open for our idle period)."""
    try:
        names = os.listdir("/dev/fd")
    except OSError:
        return
    for name in names:
        fd = int(name)
        if fd > 2 and fd != keep:
            with contextlib.suppress(OSError):
                if os.get_inheritable(fd):
                    os.close(fd)
