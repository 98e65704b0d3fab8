"""Starting a node's process with ``posix_spawn``, and waiting for it.

``subprocess.Popen`` costs a node about a tenth of a millisecond more than the spawn
itself (its Python side, an ``execve`` attempted per ``PATH`` entry in the child, a
close of every descriptor), and its ``wait(timeout)`` polls with growing sleeps. Here
the child is made by ``posix_spawn`` (a ``vfork``-like clone in glibc) and a wait with
a timeout sleeps on a pidfd. A command the agent found lately is spawned by its path
(:class:`CommandPaths`); else glibc looks it up in ``PATH``, in the child, when the
child's ``PATH`` is the agent's (the usual case), or it is looked up here.

``posix_spawn`` cannot change the working directory, so it is used only where the
calling thread has a working directory of its own: inside a node's private view
(:meth:`~tiphys_executor.isolation.Isolation.spawn` unshares the thread's filesystem
context). Elsewhere :func:`spawn` falls back to ``subprocess.Popen``.

The child inherits only the descriptors given to it: Python makes every descriptor
it opens non-inheritable, and the agent calls :func:`keep_descriptors_private` at
start for any it inherited. Signals Python ignores (``SIGPIPE``, ``SIGXFSZ``) are
reset to their default, as ``Popen`` does.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import stat
import subprocess
import threading
import time
from typing import IO, Any

# Python ignores these; a command expects the default (e.g. `yes | head` ends on SIGPIPE).
_RESET_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ)
_DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
_MAX_REMEMBERED = 1024


class ChildProcess:
    """A spawned process: its pid and output pipes, and :meth:`wait`/:meth:`poll` as
    ``subprocess.Popen`` has them (``returncode`` is ``-signal`` when a signal ended it)."""

    def __init__(self, pid: int, stdout: IO[bytes] | None, stderr: IO[bytes] | None) -> None:
        self.pid = pid
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None
        self._lock = threading.Lock()

    def poll(self) -> int | None:
        """The exit code if the process has ended (it is reaped then), else None."""
        if self.returncode is None and self._lock.acquire(blocking=False):
            try:
                self._reap(os.WNOHANG)
            finally:
                self._lock.release()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the process to end; its exit code.

        :raises subprocess.TimeoutExpired: it still runs after ``timeout`` seconds.
        """
        if timeout is not None and self.returncode is None and not self._ended_within(timeout):
            raise subprocess.TimeoutExpired(str(self.pid), timeout)
        with self._lock:
            self._reap(0)
        assert self.returncode is not None
        return self.returncode

    def _ended_within(self, timeout: float) -> bool:
        try:
            pidfd = os.pidfd_open(self.pid)
        except ProcessLookupError:
            return True  # reaped by another waiter meanwhile
        try:
            ready, _, _ = select.select([pidfd], [], [], max(0.0, timeout))
            return bool(ready)
        finally:
            os.close(pidfd)

    def _reap(self, options: int) -> None:
        # Called with self._lock held.
        if self.returncode is not None:
            return
        try:
            pid, status = os.waitpid(self.pid, options)
        except ChildProcessError:
            self.returncode = 0  # reaped elsewhere (SIGCHLD ignored): nothing to tell
            return
        if pid == self.pid:
            self.returncode = os.waitstatus_to_exitcode(status)


Process = ChildProcess | subprocess.Popen[bytes]
"""A node's process, however it was started."""


def spawn(
    argv: list[str],
    env: dict[str, str],
    cwd: str,
    stdout: int,
    stderr: int,
    own_working_dir: bool,
    commands: CommandPaths | None = None,
) -> Process:
    """Start ``argv`` in a new session, stdin from ``/dev/null``.

    :param stdout: a descriptor, or ``subprocess.PIPE`` (the process's ``stdout`` is then
        the reading end).
    :param stderr: a descriptor, ``subprocess.PIPE`` or ``subprocess.STDOUT``.
    :param own_working_dir: whether the calling thread's working directory is its own
        (not shared with the agent's other threads): only then is ``posix_spawn`` used.
    :param commands: where commands were lately found (the agent's): a command found
        there is spawned by its path, with no search.
    :raises FileNotFoundError: the command (``exc.filename``) or ``cwd`` is missing.
    :raises PermissionError: the command is not executable.
    """
    if not own_working_dir:
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    os.chdir(cwd)
    closing: list[int] = []
    readers: list[IO[bytes] | None] = [None, None]
    actions: list[Any] = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0)]
    try:
        targets = (stdout, stderr)
        for index, target in enumerate(targets):
            if target == subprocess.PIPE:
                read_end, write_end = os.pipe2(os.O_CLOEXEC)
                readers[index] = open(read_end, "rb", buffering=0)  # noqa: SIM115
                closing.append(write_end)
                target = write_end
            elif target == subprocess.STDOUT:
                actions.append((os.POSIX_SPAWN_DUP2, 1, 2))
                continue
            actions.append((os.POSIX_SPAWN_DUP2, target, index + 1))
        pid = _posix_spawn(argv, env, actions, commands or CommandPaths())
    except BaseException:
        for reader in readers:
            if reader is not None:
                reader.close()
        raise
    finally:
        for fd in closing:
            os.close(fd)
    return ChildProcess(pid, readers[0], readers[1])


def _posix_spawn(
    argv: list[str], env: dict[str, str], actions: list[Any], commands: CommandPaths
) -> int:
    """Spawn ``argv[0]`` found in the child's ``PATH``: by the path found lately, else
    with ``posix_spawnp`` when the child's ``PATH`` is this process's (glibc looks the
    command up in the child, as ``execvp``; where it is is then learnt while the child
    runs), else by the path found here."""
    command = argv[0]
    path = env.get("PATH", _DEFAULT_PATH)
    options: dict[str, Any] = {"setsid": True, "setsigdef": _RESET_SIGNALS}
    if "/" in command:
        return os.posix_spawn(command, argv, env, file_actions=actions, **options)
    known = commands.lookup(command, path)
    if known is not None:
        return os.posix_spawn(known, argv, env, file_actions=actions, **options)
    if path != os.environ.get("PATH"):
        executable = find_executable(command, path)
        commands.remember(command, path, executable)
        return os.posix_spawn(executable, argv, env, file_actions=actions, **options)
    try:
        pid = os.posix_spawnp(command, argv, env, file_actions=actions, **options)
    except (FileNotFoundError, PermissionError) as exc:
        raise type(exc)(exc.errno, exc.strerror, command) from None
    with contextlib.suppress(OSError):
        commands.remember(command, path, find_executable(command, path))
    return pid


class CommandPaths:
    """Where commands were found on a ``PATH`` lately (an agent keeps one).

    Searching ``PATH`` costs a failed ``execve`` per directory before the command's;
    a command found less than ``fresh`` seconds ago is spawned by its path, if that
    is still an executable file, so a command installed meanwhile in an earlier
    directory of ``PATH`` is seen at most that much later.
    """

    def __init__(self, fresh: float = 2.0) -> None:
        self._fresh = fresh
        self._found: dict[tuple[str, str], tuple[float, str]] = {}
        self._lock = threading.Lock()

    def lookup(self, command: str, path: str) -> str | None:
        """The path ``command`` was found at on ``path`` lately, or None."""
        with self._lock:
            found = self._found.get((command, path))
        if found is None or time.monotonic() - found[0] > self._fresh:
            return None
        return found[1] if os.access(found[1], os.X_OK) else None

    def remember(self, command: str, path: str, executable: str) -> None:
        """``command`` was found at ``executable`` on ``path`` just now."""
        with self._lock:
            if len(self._found) > _MAX_REMEMBERED:
                self._found.clear()
            self._found[(command, path)] = (time.monotonic(), executable)


def find_executable(command: str, path: str) -> str:
    """Where ``command`` is, looked up in ``path`` as ``execvp`` would.

    :raises FileNotFoundError: not found (``filename`` is ``command``).
    :raises PermissionError: found only without execute permission.
    """
    if "/" in command:
        return command
    denied = ""
    for directory in path.split(os.pathsep):
        candidate = os.path.join(directory or ".", command)
        try:
            mode = os.stat(candidate).st_mode
        except OSError:
            continue
        if not stat.S_ISREG(mode):
            continue
        if os.access(candidate, os.X_OK):
            return candidate
        denied = denied or candidate
    if denied:
        raise PermissionError(13, os.strerror(13), command)
    raise FileNotFoundError(2, os.strerror(2), command)


def keep_descriptors_private() -> None:
    """Make every descriptor above stderr non-inheritable (call once, at start): what
    this process inherited is not handed on to the nodes it spawns."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2:
            try:
                os.set_inheritable(fd, False)
            except OSError:
                continue  # the listing's own descriptor, closed by now
