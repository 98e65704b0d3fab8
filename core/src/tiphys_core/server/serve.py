"""The standing controller: serves ``tiphys run``/``submit``/``wait`` over a Unix socket.

Start-up takes the state directory's lock first (so two never drive one store), binds the
socket (mode 0600), says it is ready, and only then imports the engine and starts agents:
a client racing to start a second controller finds the first one answering at once.
It drives every unfinished workflow it finds, takes new ones from clients, and exits
after an idle period with no workflow and no client, when stopped (``tiphys controller
--stop``, SIGTERM, SIGINT), or when its socket file disappears (the state directory was
deleted).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tiphys_core.server.lock import LockBusyError, StoreLock, WorkflowLock
from tiphys_core.server.protocol import (
    LOG_NAME,
    PROTOCOL_VERSION,
    SOCKET_NAME,
    build_id,
    encode,
    socket_address,
    state_dir,
)

if TYPE_CHECKING:
    from tiphys_core.server.runs import Follower
    from tiphys_core.store import Store

_ACCEPT_TICK_SECONDS = 0.5
_REQUEST_TIMEOUT_SECONDS = 30.0
_STOP_JOIN_SECONDS = 5.0
# Not idle before this, whatever the idle period: the client that started us connects first.
_START_GRACE_SECONDS = 2.0
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


class StandingController:
    """The accept loop, the connections, and the workflows they start or follow."""

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
                self._start_connection(connection)
        finally:
            self._shut_down()
        return 0

    def _on_signal(self, signum: int, frame: object) -> None:
        self.log(f"{signal.Signals(signum).name} received: stopping")
        self.stopping.set()

    def log(self, text: str) -> None:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}", flush=True)

    # -- the loop's chores --------------------------------------------------------------

    def _tick(self) -> None:
        now = time.monotonic()
        if not self._socket_is_ours():
            self.log("the socket file is gone (state directory removed?): exiting")
            self.stopping.set()
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

        Later ones are driven when a client asks (``tiphys wait``, ``retry --wait``): a
        workflow being prepared by another command (``retry`` resets rows, then deletes
        the old results) must not be picked up halfway. Those an embedded controller
        drives are left to it.
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

    def _start_connection(self, connection: socket.socket) -> None:
        thread = threading.Thread(
            target=self._serve_connection, args=(connection,), name="tiphys-client", daemon=True
        )
        with self._lock:
            self._open += 1
            self._connections = [t for t in self._connections if t.is_alive()]
            self._connections.append(thread)
        thread.start()

    def _serve_connection(self, connection: socket.socket) -> None:
        try:
            # The greeting comes first: a client that gets none knows nothing was done.
            connection.sendall(encode({"controller": {"pid": os.getpid()}}))
            connection.settimeout(_REQUEST_TIMEOUT_SECONDS)
            request = _read_request(connection)
            connection.settimeout(None)
            if request is not None:
                self._answer(connection, request)
        except OSError:
            pass  # the client went away
        except Exception:  # a bug of ours: keep serving the others
            self.log(f"a request failed:\n{traceback.format_exc()}")
        finally:
            connection.close()
            with self._lock:
                self._open -= 1
                self._last_active = time.monotonic()

    def _answer(self, connection: socket.socket, request: dict[str, Any]) -> None:
        from tiphys_core.server.runs import Follower

        if not self._compatible(connection, request):
            return
        op = request.get("op")
        if op == "ping":
            connection.sendall(encode({"pong": self._status()}) + encode({"exit": 0}))
            return
        if op == "stop":
            connection.sendall(
                encode({"out": f"controller pid {os.getpid()} stopping\n"}) + encode({"exit": 0})
            )
            self.log("asked to stop")
            self.stopping.set()
            return
        show = request.get("show") or {}
        follower = Follower(
            live=bool(show.get("live")),
            color=bool(show.get("color")),
            quiet=bool(show.get("quiet")),
        )
        if op == "submit":
            threading.Thread(
                target=self._submit, args=(request, follower), name="tiphys-submit", daemon=True
            ).start()
        elif op == "follow":
            self._follow(request, follower)
        else:
            follower.err(f"tiphys: the standing controller does not know the request {op!r}\n")
            follower.exit(2)
        _pump(connection, follower, self.runs.detach)

    def _compatible(self, connection: socket.socket, request: dict[str, Any]) -> bool:
        """Whether to answer ``request``; a server of another build retires when it can."""
        if request.get("protocol") == PROTOCOL_VERSION and request.get("build") == self.build:
            return True
        reason = (
            f"protocol {request.get('protocol')} != {PROTOCOL_VERSION}"
            if request.get("protocol") != PROTOCOL_VERSION
            else "the tiphys code changed since it started"
        )
        with self._lock:
            idle = self._open == 1 and self.runs.active() == 0
        if idle or request.get("protocol") != PROTOCOL_VERSION:
            connection.sendall(encode({"incompatible": reason, "retiring": idle}))
            if idle:
                self.log(f"retiring: {reason}")
                self.stopping.set()
            return False
        self.stale = True
        connection.sendall(
            encode(
                {
                    "err": f"tiphys: note: the standing controller (pid {os.getpid()}) runs an "
                    f"older tiphys ({reason}); it is replaced once its workflows end\n"
                }
            )
        )
        return True

    def _status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "directory": str(self.home),
            "workflows": self.runs.active(),
            "idle": self.idle,
            "log": str(self.home / LOG_NAME),
        }

    def _submit(self, request: dict[str, Any], follower: Follower) -> None:
        """Lint and create the workflow, then drive it in this thread."""
        from tiphys_core.cli.submission import SubmitFlags, load_sources, prepare_workflow
        from tiphys_core.store import Store

        store = Store(self.home / "tiphys.db")
        try:
            flags = SubmitFlags(
                file=str(request.get("file", "")),
                parameters=[str(p) for p in request.get("parameters") or ()],
                parameter_file=request.get("parameter_file"),
                entrypoint=request.get("entrypoint"),
                generate_name=request.get("generate_name"),
                name=request.get("name"),
                read_parameter_file=_client_file(request),
            )
            prepared = prepare_workflow(
                load_sources(request.get("sources") or []), flags, store, _Stderr(follower)
            )
            if isinstance(prepared, int):
                follower.exit(prepared)
                return
            following = bool(request.get("follow"))
            working_dir, environment = self._client_place(request)
            run = self.runs.claim(
                prepared.uid, working_dir, environment, follower if following else None
            )
            assert run is not None  # a new uid
            try:
                store.create(prepared)
            except BaseException:
                self.runs.unclaim(prepared.uid)
                raise
            name = prepared.name
            follower.send({"workflow": {"name": name, "uid": prepared.uid}})
            if request.get("output") == "name":
                follower.out(f"{name}\n")
            if not following:
                if request.get("output") != "name":
                    follower.out(
                        f"Name: {name}\nStatus: Pending (the standing controller runs it; "
                        f"`tiphys wait {name}` follows it)\n"
                    )
                follower.exit(0)
            self.runs.drive(run, store)
        except Exception as err:
            self.log(f"a submission failed:\n{traceback.format_exc()}")
            follower.err(_internal_error(err, self.home))
            follower.exit(3)
        finally:
            store.close()

    def _follow(self, request: dict[str, Any], follower: Follower) -> None:
        """Show an existing workflow to its end, driving it if nobody does."""
        from tiphys_core.server.runs import UNFINISHED
        from tiphys_core.store import Store

        store = Store(self.home / "tiphys.db")
        try:
            target = str(request.get("workflow", ""))
            record = store.get(target)
            if record is None:
                follower.err(f'tiphys: workflow "{target}" not found\n')
                follower.exit(1)
                return
            follower.send({"workflow": {"name": record.name, "uid": record.uid}})
            if record.phase in UNFINISHED:
                working_dir, environment = self._client_place(request)
                run = self.runs.claim(record.uid, working_dir, environment, follower)
                if run is None:
                    return  # its driver shows it to this follower too
                current = store.get(record.uid)
                if current is not None and current.phase in UNFINISHED:
                    self.runs.start(run)
                    return
                self.runs.unclaim(record.uid)  # it ended between the two reads
                record = current or record
            follower.finish(record, store.nodes(record.uid))
        finally:
            store.close()

    def _client_place(self, request: dict[str, Any]) -> tuple[str, dict[str, str]]:
        """Where the client's nodes run: its working directory and environment."""
        environment = request.get("environment")
        if not isinstance(environment, dict):
            return self.working_dir, self.environment
        return str(request.get("working_dir") or self.working_dir), {
            str(k): str(v) for k, v in environment.items()
        }


class _Stderr:
    """A text stream onto a follower's stderr."""

    def __init__(self, follower: Follower) -> None:
        self._follower = follower

    def write(self, text: str) -> int:
        self._follower.err(text)
        return len(text)

    def flush(self) -> None:
        pass


def _pump(
    connection: socket.socket, follower: Follower, detach: Callable[[Follower], None]
) -> None:
    """Send the follower's outbox to the client until its exit status is sent."""
    outbox = follower.outbox
    while True:
        batch = [outbox.get()]
        while True:
            try:
                batch.append(outbox.get_nowait())
            except queue.Empty:
                break
        data = b"".join(encode(message) for message in _coalesce(batch))
        try:
            connection.sendall(data)
        except OSError:  # the client went away; the workflow goes on
            detach(follower)
            return
        if any("exit" in message for message in batch):
            return


def _coalesce(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Neighbouring ``out`` (or ``err``) texts as one message: one line per redraw, not per write."""
    merged: list[dict[str, Any]] = []
    for message in batch:
        if merged and len(message) == 1 and merged[-1].keys() == message.keys():
            key = next(iter(message))
            if key in ("out", "err"):
                merged[-1] = {key: merged[-1][key] + message[key]}
                continue
        merged.append(message)
    return merged


def _read_request(connection: socket.socket) -> dict[str, Any] | None:
    chunks: list[bytes] = []
    while True:
        chunk = connection.recv(1 << 20)
        if not chunk:
            return None
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            break
    request = json.loads(b"".join(chunks))
    return request if isinstance(request, dict) else None


def _client_file(request: dict[str, Any]) -> Callable[[str], str]:
    """Reads the ``--parameter-file`` as the client read it (it may not be visible here)."""

    def read(path: str) -> str:
        text = request.get("parameter_text")
        if isinstance(text, str):
            return text
        raise OSError(str(request.get("parameter_error") or f"cannot read {path}"))

    return read


def _internal_error(err: Exception, home: Path) -> str:
    return (
        f"tiphys: internal error: {type(err).__name__}: {err}\n"
        "This is a bug in tiphys; the standing controller's log has the traceback: "
        f"{home / LOG_NAME}\n"
    )


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


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return "/"
