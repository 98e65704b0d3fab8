"""The light side of ``tiphys run``/``submit``/``wait``: hand the work to the standing
controller over its socket and print what it sends back.

This module is on the path of every ``tiphys run``, so it imports the standard library's
``_socket`` and ``json`` and :mod:`tiphys_core.server.protocol` only: no YAML, no engine,
no plugins (``python -X importtime -m tiphys_core run FILE`` shows it). The controller
lints, submits and runs; the client reads the files (they are the user's, relative to
the user's working directory), sends them, and copies the controller's output to its own
stdout and stderr until the exit status arrives.

When no controller answers, :func:`submit` starts one in the background (its own session,
logs in ``controller.log`` in the state directory, exits after an idle period) and hands
off to it; when that is impossible the caller runs the workflow embedded, as before.
"""

from __future__ import annotations

import _socket  # what socket.py wraps; socket.py builds four enums on import (~3 ms here)
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from tiphys_core.server.protocol import (
    LOCK_NAME,
    LOG_NAME,
    PROTOCOL_VERSION,
    build_id,
    encode,
    socket_address,
    state_dir,
)

# Starting a controller: how long to wait for it, and for a rival that won the race to it.
_START_TIMEOUT_SECONDS = 30.0
_RIVAL_WAIT_SECONDS = 2.0
_RETIRE_WAIT_SECONDS = 10.0
_ATTEMPTS = 3
_DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")


class _Retry(Exception):
    """The controller closed before taking the request (it was exiting): ask again."""


class Outcome:
    """How a handed-off request ended: the exit status and the workflow's end, if seen."""

    def __init__(self, code: int, end: dict[str, Any] | None) -> None:
        self.code = code
        self.end = end


def submit(request: dict[str, Any], start: bool) -> int | None:
    """Hand a ``submit``/``run`` request to the standing controller, starting one when
    ``start`` and none answers; the exit status, or None when no controller takes it (run
    embedded then). ``request`` is from :func:`submit_request`."""
    outcome = _hand_off(request, start)
    return None if outcome is None else outcome.code


def follow(workflow: str, live: bool, color: bool, quiet: bool) -> Outcome | None:
    """Follow ``workflow`` on the standing controller (it drives the workflow if nobody
    does); None when no controller answers."""
    request = {
        "op": "follow",
        "workflow": workflow,
        "show": {"live": live, "color": color, "quiet": quiet},
        **_place(),
    }
    return _hand_off(request, start=False)


def ping() -> dict[str, Any] | None:
    """The standing controller's status, or None when none answers."""
    seen: dict[str, Any] = {}
    outcome = _hand_off({"op": "ping"}, start=False, on_event=seen.update)
    return seen.get("pong") if outcome is not None else None


def stop() -> bool:
    """Ask the standing controller to exit and wait until it has; False when none answers."""
    if _hand_off({"op": "stop"}, start=False) is None:
        return False
    _wait_until_unlocked(state_dir())
    return True


def submit_request(args: Any, live: bool, color: bool) -> dict[str, Any]:
    """The ``submit`` request for parsed ``tiphys submit``/``run`` arguments: the documents
    and the ``--parameter-file`` are read here, where the user's paths make sense."""
    request: dict[str, Any] = {
        "op": "submit",
        "file": args.file,
        "sources": read_sources(args.file),
        "parameters": list(args.parameter),
        "parameter_file": args.parameter_file,
        "entrypoint": args.entrypoint,
        "generate_name": args.generate_name,
        "name": args.name,
        "output": args.output,
        "follow": bool(args.watch or args.wait),
        "show": {"live": live, "color": color, "quiet": False},
        **_place(),
    }
    if args.parameter_file:
        try:
            with open(args.parameter_file, encoding="utf-8") as file:
                request["parameter_text"] = file.read()
        except (OSError, UnicodeDecodeError) as err:
            request["parameter_error"] = str(err)
    return request


def read_sources(raw: str) -> list[dict[str, Any]]:
    """The documents named on the command line, as :func:`tiphys_core.spec.loader.load_paths`
    finds them: ``-`` is stdin, a directory is searched for YAML/JSON files."""
    if raw == "-":
        return [{"name": "<stdin>", "text": sys.stdin.read()}]
    names = [raw]
    if os.path.isdir(raw):
        from pathlib import Path

        names = [
            str(child)
            for child in sorted(Path(raw).rglob("*"))
            if child.suffix in _DOCUMENT_SUFFIXES and child.is_file()
        ]
    sources: list[dict[str, Any]] = []
    for name in names:
        try:
            with open(name, encoding="utf-8") as file:
                sources.append({"name": name, "text": file.read()})
        except FileNotFoundError:
            sources.append({"name": name, "missing": True})
        except (OSError, UnicodeDecodeError) as err:
            sources.append({"name": name, "error": str(err)})
    return sources


def connect(directory: str) -> _socket.socket | None:
    """A connection to the standing controller of ``directory``, or None if none listens."""
    enter, address = socket_address(directory)
    connection = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        if enter:
            previous = os.open(".", os.O_RDONLY)
            try:
                os.chdir(enter)
                connection.connect(address)
            finally:
                os.fchdir(previous)
                os.close(previous)
        else:
            connection.connect(address)
    except OSError:  # no socket file, or one left by a controller that died
        connection.close()
        return None
    return connection


def _place() -> dict[str, Any]:
    """Where this client's nodes should run: as an embedded ``tiphys run`` would run them."""
    try:
        working_dir = os.getcwd()
    except OSError:
        working_dir = ""
    return {"working_dir": working_dir, "environment": dict(os.environ)}


def _hand_off(
    request: dict[str, Any],
    start: bool,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> Outcome | None:
    directory = state_dir()
    request = {"protocol": PROTOCOL_VERSION, "build": build_id(), **request}
    for _ in range(_ATTEMPTS):
        connection = connect(directory)
        if connection is None and start:
            connection = _start(directory)
        if connection is None:
            return None
        try:
            return _exchange(connection, request, directory, on_event)
        except _Retry:
            _wait_until_unlocked(directory)
        finally:
            connection.close()
    return None


def _exchange(
    connection: _socket.socket,
    request: dict[str, Any],
    directory: str,
    on_event: Callable[[dict[str, Any]], None] | None,
) -> Outcome:
    """Send the request; copy output until the exit status. A controller that goes away
    first (killed) is reported, with a non-zero status: never a hang."""
    try:
        connection.sendall(encode(request))
    except OSError:
        raise _Retry from None
    pid: int | None = None
    workflow: dict[str, Any] = {}
    end: dict[str, Any] | None = None
    pending = b""
    try:
        while True:
            try:
                chunk = connection.recv(1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                if pid is None:  # closed before greeting us: it was exiting
                    raise _Retry
                return Outcome(_lost(pid, workflow.get("name"), directory), end)
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            for line in lines:
                event = json.loads(line)
                if on_event is not None:
                    on_event(event)
                if "out" in event:
                    sys.stdout.write(event["out"])
                elif "err" in event:
                    sys.stdout.flush()
                    sys.stderr.write(event["err"])
                    sys.stderr.flush()
                elif "controller" in event:
                    pid = int(event["controller"]["pid"])
                elif "workflow" in event:
                    workflow = event["workflow"]
                elif "end" in event:
                    end = event["end"]
                elif "exit" in event:
                    sys.stdout.flush()
                    return Outcome(int(event["exit"]), end)
                elif "incompatible" in event:
                    if event.get("retiring"):
                        raise _Retry
                    sys.stderr.write(
                        f"tiphys: the standing controller (pid {pid}) cannot take this request "
                        f"({event['incompatible']}); stop it with `tiphys controller --stop`\n"
                    )
                    return Outcome(1, None)
            sys.stdout.flush()
    except KeyboardInterrupt:
        name = workflow.get("name")
        if name and end is None:
            sys.stderr.write(
                f"\ntiphys: workflow {name} goes on in the standing controller; "
                f"`tiphys stop {name}` stops it\n"
            )
        raise


def _lost(pid: int, name: str | None, directory: str) -> int:
    log = os.path.join(directory, LOG_NAME)
    what = f"before workflow {name} finished" if name else "before answering"
    sys.stdout.flush()
    sys.stderr.write(f"tiphys: the standing controller (pid {pid}) went away {what} (see {log})")
    if name:
        sys.stderr.write(f"; it resumes when a controller runs again: `tiphys wait {name}`")
    sys.stderr.write("\n")
    return 1


def _await_controller(directory: str, seconds: float) -> _socket.socket | None:
    """A connection to the standing controller that holds ``directory`` (it may be
    starting), tried for up to ``seconds``; None at once when none holds it."""
    if seconds <= 0:
        return None
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        connection = connect(directory)
        if connection is not None:
            return connection
        if not _held(directory):
            return None
        time.sleep(0.02)
    return None


def _held(directory: str) -> bool:
    """Whether a standing controller holds ``directory`` (its lock is taken)."""
    from tiphys_core.server.lock import lock_held  # stdlib only: the client stays light

    return lock_held(os.path.join(directory, LOCK_NAME))


def _wait_until_unlocked(directory: str) -> None:
    """Wait (a little) for an exiting standing controller to let go of the directory."""
    import time

    deadline = time.monotonic() + _RETIRE_WAIT_SECONDS
    while _held(directory) and time.monotonic() < deadline:
        time.sleep(0.02)


def _start(directory: str) -> _socket.socket | None:
    """Start a standing controller in the background and connect to it; None when none can
    start (see its log) or answer."""
    for _ in range(_ATTEMPTS):
        word = _spawn(directory)
        if word.startswith(b"ready"):
            return connect(directory)
        if not word.startswith(b"busy"):
            sys.stderr.write(
                "tiphys: the standing controller did not start (see "
                f"{os.path.join(directory, LOG_NAME)}); running the workflow in this process\n"
            )
            return None
        # Another one holds the directory: a rival that started first (it answers soon)
        # or one that is exiting (it lets go soon: start another).
        connection = _await_controller(directory, _RIVAL_WAIT_SECONDS)
        if connection is not None:
            return connection
        _wait_until_unlocked(directory)
    return None


def _spawn_detached(argv: list[str], log: int) -> int:
    """Start ``argv`` in a session of its own, stdin from /dev/null, output to ``log``."""
    try:
        # posix_spawn, not subprocess: no child object to reap (it outlives us) and no
        # subprocess import on this path. Its own session: no terminal signals reach it.
        return os.posix_spawn(
            argv[0],
            argv,
            dict(os.environ),
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, log, 1),
                (os.POSIX_SPAWN_DUP2, log, 2),
            ],
            setsid=True,
        )
    except NotImplementedError:  # no POSIX_SPAWN_SETSID here (older libc)
        import subprocess

        ready_pipe = int(argv[-1])
        return subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            pass_fds=(ready_pipe,), start_new_session=True,
        ).pid  # fmt: skip


def _spawn(directory: str) -> bytes:
    """Start ``tiphys controller`` detached; what it says on its ready pipe (``ready``,
    ``busy``), or b"" when it died first or said nothing in time."""
    import contextlib
    import select

    try:
        os.makedirs(directory, exist_ok=True)
        log = os.open(
            os.path.join(directory, LOG_NAME), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
        )
    except OSError:
        return b""
    read_end, write_end = os.pipe()
    argv = [sys.executable, "-m", "tiphys_core", "controller", "--ready-fd", str(write_end)]
    try:
        os.set_inheritable(write_end, True)
        pid = _spawn_detached(argv, log)
    except OSError:
        os.close(read_end)
        return b""
    finally:
        os.close(write_end)
        os.close(log)
    try:
        ready, _, _ = select.select([read_end], [], [], _START_TIMEOUT_SECONDS)
        word = os.read(read_end, 16) if ready else b""
    finally:
        os.close(read_end)
    if not word.startswith(b"ready"):  # it exits (or is stuck): reap it when it has
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG if not word else 0)
    return word
