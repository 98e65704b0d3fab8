"""The standing controller's life: the accept loop, the workflows it adopts, and when it ends.

It drives every unfinished workflow it finds at start, hands each client connection to a
:class:`~tiphys_core.server.sessions.Session`, and exits after an idle period with no
workflow and no client, when stopped (``tiphys controller --stop``, SIGTERM, SIGINT), when
its socket file disappears (the state directory was deleted), or, once idle, when a client
of another build asked for it (the tiphys code changed since it started).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tiphys_core.server.lock import WorkflowLock
from tiphys_core.server.protocol import LOG_NAME, PROTOCOL_VERSION, SOCKET_NAME
from tiphys_core.server.sessions import Session

if TYPE_CHECKING:
    from tiphys_core.server.launchers import LauncherPools
    from tiphys_core.server.runs import Runs
    from tiphys_core.store import Store

_ACCEPT_TICK_SECONDS = 0.5
_STOP_JOIN_SECONDS = 5.0
# Not idle before this, whatever the idle period: the client that started us connects first.
_START_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class Mismatch:
    """Why a client's request is of another protocol or build than this controller.

    :param reason: what differs, as the client and the log say it.
    :param refused: the request is not answered (the client gets ``incompatible``).
    :param retiring: this controller exits now, so the client can start a current one.
    """

    reason: str
    refused: bool
    retiring: bool


class StandingController:
    """The accept loop, the connections, and the workflows they start or follow."""

    pools: LauncherPools
    runs: Runs

    def __init__(
        self, home: Path, listener: socket.socket, inode: int, build: str, idle: float
    ) -> None:
        self.home = home
        self.listener = listener
        self.inode = inode
        self.build = build
        self.idle = idle
        self.stopping = threading.Event()
        self.stale = False  # another build asked while busy: retire as soon as idle
        self._lock = threading.Lock()
        self._connections: list[threading.Thread] = []
        self._open = 0
        self._started = self._last_active = time.monotonic()
        self.working_dir = _cwd()
        self.environment = dict(os.environ)

    def run(self) -> int:
        """Serve until stopped or idle; the exit status."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        from tiphys_core.controller import tune_garbage_collector
        from tiphys_core.plugins import Hooks, make_plugin_manager
        from tiphys_core.server.launchers import LauncherPools
        from tiphys_core.server.runs import Runs
        from tiphys_core.store import Store

        tune_garbage_collector()
        self.log(f"controller pid {os.getpid()} serving {self.home / SOCKET_NAME}")
        self.pools = LauncherPools(self._agent_message, self.stopping)
        self.pools.warm(self.working_dir, self.environment)
        self.runs = Runs(
            self.home, self.pools, Hooks(make_plugin_manager()), self.stopping, self.log
        )
        store = Store(self.home / "tiphys.db")
        try:
            self._adopt(store)
        finally:
            store.close()
        self.listener.settimeout(_ACCEPT_TICK_SECONDS)
        try:
            while not self.stopping.is_set():
                self._tick()
                try:
                    connection, _ = self.listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    if self.stopping.is_set():
                        break
                    raise
                self._start_session(connection)
        finally:
            self._shut_down()
        return 0

    def log(self, text: str) -> None:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}", flush=True)

    def stop(self, why: str) -> None:
        """Log ``why`` and leave the accept loop (the workflows' threads are told too)."""
        self.log(why)
        self.stopping.set()

    def status(self) -> dict[str, Any]:
        """What ``tiphys controller --status`` shows."""
        return {
            "pid": os.getpid(),
            "directory": str(self.home),
            "workflows": self.runs.active(),
            "idle": self.idle,
            "log": str(self.home / LOG_NAME),
        }

    def check_build(self, request: dict[str, Any]) -> Mismatch | None:
        """None if ``request`` comes from this protocol and build. Otherwise a request of
        another protocol is refused, and one of another build is refused when this
        controller is idle (it retires) or answered, marking it stale, when it is not."""
        protocol = request.get("protocol")
        if protocol == PROTOCOL_VERSION and request.get("build") == self.build:
            return None
        reason = (
            f"protocol {protocol} != {PROTOCOL_VERSION}"
            if protocol != PROTOCOL_VERSION
            else "the tiphys code changed since it started"
        )
        with self._lock:
            idle = self._open == 1 and self.runs.active() == 0  # the asking client only
        if idle or protocol != PROTOCOL_VERSION:
            return Mismatch(reason, refused=True, retiring=idle)
        self.stale = True
        return Mismatch(reason, refused=False, retiring=False)

    def _on_signal(self, signum: int, frame: object) -> None:
        self.stop(f"{signal.Signals(signum).name} received: stopping")

    # -- the loop's chores --------------------------------------------------------------

    def _tick(self) -> None:
        now = time.monotonic()
        if not self._socket_is_ours():
            self.stop("the socket file is gone (state directory removed?): exiting")
            return
        with self._lock:
            busy = self._open > 0 or self.runs.active() > 0
            if busy:
                self._last_active = now
            quiet_for = now - self._last_active
        if busy or now - self._started < _START_GRACE_SECONDS:
            return
        if self.stale or quiet_for >= self.idle:
            self.log("replaced by another build: exiting" if self.stale else "idle: exiting")
            self._unlink_socket()  # first: a client now starts a new controller instead
            self.stopping.set()

    def _adopt(self, store: Store) -> None:
        """Drive the unfinished workflows found at start (submitted while no controller
        stood, or left by one that died), as ``tiphys controller`` always did.

        Later ones are driven when a client asks (``tiphys wait``, ``retry --wait``), so a
        workflow another command prepares is never picked up halfway. Those an embedded
        controller drives are left to it.
        """
        for record in store.unfinished():
            if WorkflowLock(str(self.home), record.uid).held_elsewhere():
                continue
            run = self.runs.claim(record.uid, self.working_dir, self.environment)
            if run is not None:
                self.runs.start(run)

    def _socket_is_ours(self) -> bool:
        try:
            return os.stat(self.home / SOCKET_NAME).st_ino == self.inode
        except OSError:
            return False

    def _unlink_socket(self) -> None:
        if self._socket_is_ours():
            with contextlib.suppress(OSError):
                os.unlink(self.home / SOCKET_NAME)

    def _agent_message(self, pool_key: str, line: str) -> None:
        self.log(f"agent: {line}")
        self.runs.broadcast(pool_key, line)

    def _shut_down(self) -> None:
        self.stopping.set()
        self._unlink_socket()
        self.listener.close()
        self.runs.join(_STOP_JOIN_SECONDS)
        self.pools.close()
        with self._lock:
            connections = list(self._connections)
        for thread in connections:
            thread.join(_STOP_JOIN_SECONDS)
        self.log("stopped")

    # -- connections --------------------------------------------------------------------

    def _start_session(self, connection: socket.socket) -> None:
        session = Session(self, connection)
        thread = threading.Thread(target=session.serve, name="tiphys-client", daemon=True)
        with self._lock:
            self._open += 1
            self._connections = [t for t in self._connections if t.is_alive()]
            self._connections.append(thread)
        thread.start()

    def session_ended(self) -> None:
        """A client connection closed: the idle period counts from now."""
        with self._lock:
            self._open -= 1
            self._last_active = time.monotonic()


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return "/"
