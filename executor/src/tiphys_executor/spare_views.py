"""Mount namespaces made ahead of need, so a node's spawn does not wait for one.

Making a node's private view starts with ``unshare(CLONE_NEWNS)`` (the kernel copies
the host's mount table) and making every mount private: some tens of microseconds on
the path from a node's request to its process. A thread of the agent makes the next
namespace while nodes run; the spawning thread enters it with ``setns`` and adds the
node's own mounts. A spare is used once (the node's mounts stay in it) and only while
fresh: it is a copy of the host's mounts when it was made, so one older than
:data:`FRESH_SECONDS` is dropped and a new one made.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable

# A spare shows the host's mounts of its making; one this old is not used.
FRESH_SECONDS = 2.0
# How many spares are kept: sequential nodes need one; parallel ones make their own.
SPARES = 1


class SpareViews:
    """Keeps :data:`SPARES` fresh private namespaces, each as a descriptor.

    :param make: called on the preparing thread: enters a new private namespace (the
        thread's own; it is left by ``leave``). Raises ``OSError`` when it cannot.
    :param leave: returns the calling thread to the agent's namespace.
    """

    def __init__(self, make: Callable[[], None], leave: Callable[[], None]) -> None:
        self._make = make
        self._leave = leave
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._spares: list[tuple[float, int]] = []
        self._thread: threading.Thread | None = None

    def take(self) -> int | None:
        """A fresh spare's descriptor (the caller ``setns``es into it, then closes it),
        or None: none is ready (the caller makes its own namespace)."""
        now = time.monotonic()
        taken: int | None = None
        stale: list[int] = []
        with self._lock:
            if self._thread is None:
                self._start()
            while self._spares and taken is None:
                made, fd = self._spares.pop(0)
                if now - made <= FRESH_SECONDS:
                    taken = fd
                else:
                    stale.append(fd)
        for fd in stale:
            os.close(fd)
        return taken

    def replenish(self) -> None:
        """Have the next spare made (call once the node's process is spawned: made any
        earlier, it would compete with the spawn for the interpreter)."""
        self._wanted.set()

    def _start(self) -> None:
        # Called with self._lock held.
        self._thread = threading.Thread(
            target=self._prepare, name="tiphys-spare-views", daemon=True
        )
        self._thread.start()

    def _prepare(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            while True:
                with self._lock:
                    if len(self._spares) >= SPARES:
                        break
                try:
                    self._make()
                    fd = os.open("/proc/thread-self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
                except OSError:
                    return  # nodes make their own namespaces, as without spares
                try:
                    self._leave()
                except OSError:
                    os.close(fd)
                    return  # stranded in the spare: make no more
                with self._lock:
                    self._spares.append((time.monotonic(), fd))

    def close(self) -> None:
        """Drop the spares (the preparing thread may still add one; it is a daemon)."""
        with self._lock:
            spares, self._spares = self._spares, []
        for _, fd in spares:
            with contextlib.suppress(OSError):
                os.close(fd)
