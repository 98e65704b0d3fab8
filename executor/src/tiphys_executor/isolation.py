"""Private filesystem views for nodes: Linux mount namespaces, entered per spawn.

A node's process starts in its own mount namespace in which a directory of the node is
bind-mounted on ``/tmp`` and each declared volume on its ``mountPath``, so parallel
nodes writing the same absolute path do not collide. Where the machine allows it, the
view's ``/`` is a private copy-on-write overlay of the host's (:class:`PrivateRoot`, see
:mod:`tiphys_executor.private_root`) into which the spawning thread ``chroot``s, so
what a node writes anywhere else stays its own too and never reaches the host's ``/``.

The namespace is usually made ahead of need by another thread (:mod:`~tiphys_executor.
spare_views`) and entered with ``setns``.

Python 3.11 has no ``os.unshare``, and ``preexec_fn`` is unsafe in a threaded agent
(and forbids the fast vfork path), so the namespace is entered by the spawning thread
itself: ``unshare(CLONE_NEWNS)`` affects only the calling thread, which sets up the
mounts, spawns the node's process (which inherits that namespace), and returns to the
host's namespace with ``setns``. The agent's other threads keep the host's view
throughout. A side effect is that the spawning thread's working directory becomes
``/`` (``setns`` resets it, and with it the root a private root ``chroot``ed into), so
the executor uses absolute paths only.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import stat
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from tiphys_executor.fsutil import ensure_existing_dir
from tiphys_executor.private_root import (
    OPTION_SETS,
    host_submounts,
    overlay_options,
    prepare_layers,
    read_mounts,
    refusal,
    remove_layers,
    root_host_path,
)
from tiphys_executor.spare_views import SpareViews
from tiphys_executor.spawn import CommandPaths

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_MS_RDONLY = 1
_MS_REMOUNT = 32
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_BIND_TREE = _MS_BIND | _MS_REC


PrivateRoots = Literal["needed", "always", "never"]
_Spawned = TypeVar("_Spawned")


@dataclass(frozen=True)
class BindMount:
    """Show host path ``source`` at ``target`` in the node's view."""

    source: str
    target: str
    read_only: bool = False


@dataclass(frozen=True)
class PrivateRoot(BindMount):
    """Show a private copy-on-write overlay of the host's ``/`` at ``/``.

    ``source`` is the container's ``root`` directory, which holds the overlay's upper
    (what the container changed) and work directories.
    """

    target: str = "/"


class IsolationError(OSError):
    """A node's private view could not be set up."""


def host_path(path: str, mounts: Sequence[BindMount]) -> str:
    """Where a path in the node's view lives on the host (``/tmp/x`` → ``<node_dir>/tmp/x``).

    The deepest mount containing ``path`` wins, as it does in the node's view. A path
    only a :class:`PrivateRoot` holds is read, once the process has ended, from the
    overlay's upper directory if the node wrote it, else from the host's ``/``.
    """
    best: BindMount | None = None
    for mount in mounts:
        target = mount.target.rstrip("/") or "/"
        if (path == target or path.startswith(target + "/") or target == "/") and (
            best is None or len(target) >= len(best.target.rstrip("/"))
        ):
            best = mount
    if best is None:
        return path
    if isinstance(best, PrivateRoot):
        return root_host_path(path, best.source)
    rest = path[len(best.target.rstrip("/")) :].lstrip("/")
    return os.path.join(best.source, rest) if rest else best.source


class _Libc:
    def __init__(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        self.unshare = libc.unshare
        self.unshare.argtypes = [ctypes.c_int]
        self.unshare.restype = ctypes.c_int
        self.setns = libc.setns
        self.setns.argtypes = [ctypes.c_int, ctypes.c_int]
        self.setns.restype = ctypes.c_int
        self.mount = libc.mount
        self.mount.argtypes = [
            ctypes.c_char_p,
            ctypes.c_char_p,
            ctypes.c_char_p,
            ctypes.c_ulong,
            ctypes.c_void_p,
        ]
        self.mount.restype = ctypes.c_int
        self.chroot = libc.chroot
        self.chroot.argtypes = [ctypes.c_char_p]
        self.chroot.restype = ctypes.c_int


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise IsolationError(errno, f"{what}: {os.strerror(errno)}")


class Isolation:
    """Spawns node processes in private mount namespaces where the machine allows it.

    :param enabled: False runs every node in the host's view (no probe, no warning).
    :param warn: called once, with a sentence for the user, if namespaces turn out to
        be unavailable (nodes then run in the host's view), and once if private roots do
        (nodes then share the host's ``/``, with their own ``/tmp`` and volumes).
    :param private_roots: which containers get a private copy-on-write ``/``: those
        that need one (``"needed"``: see :func:`~tiphys_executor.private_root.
        needs_private_root`; laying one costs about a millisecond per node), all
        (``"always"``), or none (``"never"``: no probe, no warning).
    """

    def __init__(
        self,
        enabled: bool = True,
        warn: Callable[[str], None] | None = None,
        private_roots: PrivateRoots = "needed",
    ) -> None:
        self._enabled = enabled
        self._warn = warn
        self._lock = threading.Lock()
        self._available: bool | None = None if enabled else False
        self._libc: _Libc | None = None
        self._host_namespace = -1
        self._local = threading.local()
        self._spares = SpareViews(self._enter_namespace, self._leave_namespace)
        # Where nodes' commands were lately found: kept here, with the agent's other
        # per-process knowledge of the machine.
        self.commands = CommandPaths()
        self.private_root_policy: PrivateRoots = private_roots if enabled else "never"
        self._private_roots: bool | None = None if self.private_root_policy != "never" else False
        self._overlay_extra = ""
        self._host_submounts: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        """Whether nodes get private views; probed once, on first use."""
        with self._lock:
            if self._available is None:
                reason = self._probe()
                self._available = reason is None
                if reason is not None and self._warn is not None:
                    self._warn(
                        f"mount namespaces are unavailable ({reason}): nodes run in the "
                        "host's / without a private /tmp and their volumeMounts are not mounted"
                    )
            return self._available

    def private_roots_available(self, where: str) -> bool:
        """Whether containers can have a private copy-on-write ``/``; probed once, on first use.

        :param where: a directory on the file system that will hold the containers'
            overlay layers (a node's directory): the probe lays a throwaway overlay there.
        """
        if not self.available:
            return False
        with self._lock:
            if self._private_roots is None:
                reason = self._probe_private_root(where)
                self._private_roots = reason is None
                if reason is not None and self._warn is not None:
                    self._warn(
                        f"nodes get no private copy of / ({reason}): they share the host's / "
                        "(with their own /tmp and volumeMounts), and a container without "
                        "workingDir starts in the agent's directory"
                    )
            return self._private_roots

    def enter_user_namespace(self) -> None:
        """Let an unprivileged agent make mount namespaces: call before any thread starts.

        A user who is not root may not mount, but may own a user namespace (where
        the distribution allows it) in which it can: the agent enters one mapping
        its own user and group to themselves, so nodes still run as that user and
        their files belong to them, then takes a mount namespace of its own there to
        return to between nodes. Where that is refused, nothing changes (the first
        node then reports that namespaces are unavailable).
        """
        if not self._enabled or os.geteuid() == 0:
            return
        try:
            libc = _Libc()
        except (OSError, AttributeError):
            return
        uid, gid = os.geteuid(), os.getegid()
        if libc.unshare(_CLONE_NEWUSER) != 0:
            return
        try:
            for name, text in (
                ("setgroups", "deny"),
                ("uid_map", f"{uid} {uid} 1"),
                ("gid_map", f"{gid} {gid} 1"),
            ):
                with open(f"/proc/self/{name}", "w", encoding="ascii") as handle:
                    handle.write(text)
        except OSError:
            return
        libc.unshare(_CLONE_NEWNS)

    def _probe(self) -> str | None:
        try:
            self._libc = _Libc()
            self._host_namespace = os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
        except (OSError, AttributeError) as exc:
            return f"cannot use unshare/setns here: {exc}"
        outcome: list[str | None] = []

        def probe() -> None:
            try:
                self._enter_namespace()
                self._leave_namespace()
                outcome.append(None)
            except OSError as exc:
                outcome.append(exc.strerror)

        # A throwaway thread: were leaving to fail, no worker is left in a private view.
        thread = threading.Thread(target=probe, name="tiphys-isolation-probe")
        thread.start()
        thread.join()
        return outcome[0] if outcome else "probe failed"

    def _probe_private_root(self, where: str) -> str | None:
        """Lay a throwaway private root in ``where``: None if it works, else why not."""
        try:
            mounts = read_mounts()
            scratch = tempfile.mkdtemp(prefix=".tiphys-root-probe-", dir=where)
        except OSError as exc:
            return f"cannot prepare one: {exc}"
        outcome: list[str | None] = []
        submounts: list[str] = []

        def probe() -> None:
            assert self._libc is not None
            try:
                self._enter_namespace()
            except OSError as exc:
                outcome.append(exc.strerror)
                return
            try:
                error = 0
                for extra in OPTION_SETS:
                    dirs = prepare_layers(scratch)
                    options = overlay_options(dirs, extra)
                    if self._libc.mount(b"overlay", dirs.root.encode(), b"overlay", 0, options):
                        error = ctypes.get_errno()
                        continue
                    self._overlay_extra = extra
                    # Keep only the host's mounts that can be shown in it (not, say, one
                    # whose mount point was deleted), so a node never fails on them.
                    for point in host_submounts(mounts):
                        target = (dirs.root + point).encode()
                        if not self._libc.mount(point.encode(), target, None, _BIND_TREE, None):
                            submounts.append(point)
                    _check(self._libc.chroot(dirs.root.encode()), "chroot")
                    outcome.append(None)
                    return
                outcome.append(refusal(error, where, mounts))
            except OSError as exc:
                outcome.append(f"cannot lay one: {exc.strerror}")
            finally:
                # The namespace, and the overlay in it, end as the thread leaves it.
                with contextlib.suppress(OSError):
                    self._leave_namespace()

        thread = threading.Thread(target=probe, name="tiphys-private-root-probe")
        thread.start()
        thread.join()
        remove_layers(scratch)
        self._host_submounts = tuple(submounts)
        return outcome[0] if outcome else "probe failed"

    def _enter_namespace(self) -> None:
        assert self._libc is not None
        _check(self._libc.unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        _check(
            self._libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None),
            "mount --make-rprivate /",
        )

    def _leave_namespace(self) -> None:
        assert self._libc is not None
        _check(self._libc.setns(self._host_namespace, _CLONE_NEWNS), "setns(host namespace)")

    def spawn(
        self,
        mounts: Sequence[BindMount],
        start: Callable[[], _Spawned],
        hold: list[int] | None = None,
    ) -> _Spawned:
        """Call ``start`` (which spawns the node's process) inside a view with ``mounts``.

        Without namespaces ``start`` is called directly and ``mounts`` are not applied.
        The calling thread is back in the host's view when this returns, unless
        :meth:`stranded` says otherwise.

        :param hold: where to append a descriptor of the view, which keeps it after the
            process ends, for the caller to close: the last process of a view to exit
            otherwise tears it down before its parent hears that it ended.
        :raises IsolationError: a mount failed (the message names its target).
        """
        if not self.available:
            return start()
        assert self._libc is not None
        # setns needs a thread whose filesystem context is its own: its first unshare
        # gives it one, which it shares again with any thread it starts (then setns
        # fails and the thread unshares again).
        spare = self._spares.take() if getattr(self._local, "own_fs", False) else None
        if spare is not None and self._libc.setns(spare, _CLONE_NEWNS) != 0:
            os.close(spare)
            spare = None
        if spare is None:
            _check(self._libc.unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
            self._local.own_fs = True
        try:
            if spare is None:
                # Keep the node's mounts from propagating back to the host's namespace.
                _check(
                    self._libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None),
                    "mount --make-rprivate /",
                )
            self._apply(mounts)
            process = start()
            if hold is not None and spare is not None:
                hold.append(spare)  # a descriptor of this view already: held, not closed
                spare = None
            elif hold is not None:
                with contextlib.suppress(OSError):
                    hold.append(os.open("/proc/thread-self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC))
            return process
        finally:
            if spare is not None:
                os.close(spare)
            # The process keeps its namespace alive; this thread goes home.
            if self._libc.setns(self._host_namespace, _CLONE_NEWNS) != 0:
                self._local.stranded = True
            self._spares.replenish()

    def stranded(self) -> bool:
        """Whether the calling thread failed to return to the host's view (retire it)."""
        return bool(getattr(self._local, "stranded", False))

    def _apply(self, mounts: Sequence[BindMount]) -> None:
        assert self._libc is not None
        root = next((mount for mount in mounts if isinstance(mount, PrivateRoot)), None)
        if root is not None:
            mounts = [mount for mount in mounts if mount is not root]
        # Sources are opened first, in this namespace (a bind from another namespace's
        # path is refused), so a later mount on /tmp cannot hide a source under /tmp.
        handles: list[int] = []
        try:
            for mount in mounts:
                try:
                    handles.append(os.open(mount.source, os.O_PATH | os.O_CLOEXEC))
                except OSError as exc:
                    raise IsolationError(
                        exc.errno or 0, f"cannot open {mount.source} to mount it: {exc.strerror}"
                    ) from None
            if root is not None:
                self._enter_private_root(root.source, [mount.target for mount in mounts])
            for mount, handle in zip(mounts, handles, strict=True):
                # The source may be hidden by now: ask its descriptor what it is.
                try:
                    _make_mountpoint(mount.target, stat.S_ISDIR(os.fstat(handle).st_mode))
                except OSError as exc:
                    raise IsolationError(
                        exc.errno or 0,
                        f"cannot create the mount point {mount.target}: {exc.strerror} "
                        "(create it, or run tiphys as a user who may)",
                    ) from None
                source = f"/proc/self/fd/{handle}".encode()
                target = mount.target.encode()
                _check(
                    self._libc.mount(source, target, None, _MS_BIND | _MS_REC, None),
                    f"bind mount {mount.source} on {mount.target}",
                )
                if mount.read_only:
                    flags = _MS_BIND | _MS_REMOUNT | _MS_RDONLY
                    _check(
                        self._libc.mount(None, target, None, flags, None),
                        f"read-only remount of {mount.target}",
                    )
        finally:
            for handle in handles:
                os.close(handle)

    def _enter_private_root(self, root: str, targets: Sequence[str]) -> None:
        """Mount the overlay, show the host's other mounts in it, and ``chroot`` there.

        The node's own mounts then go on top, at their paths in the new root (so a
        symbolic link on the way is resolved as the node will resolve it).
        """
        assert self._libc is not None
        try:
            dirs = prepare_layers(root)
        except OSError as exc:
            raise IsolationError(
                exc.errno or 0, f"cannot make the private root's layers in {root}: {exc.strerror}"
            ) from None
        options = overlay_options(dirs, self._overlay_extra)
        merged = dirs.root.encode()
        _check(
            self._libc.mount(b"overlay", merged, b"overlay", 0, options),
            f"overlayfs over / (layers in {root})",
        )
        for point in self._host_submounts:
            # What the node's own mounts cover (the host's /tmp) need not be shown.
            if any(
                point == target or point.startswith(target.rstrip("/") + "/") for target in targets
            ):
                continue
            _check(
                self._libc.mount(point.encode(), merged + point.encode(), None, _BIND_TREE, None),
                f"bind mount of the host's {point} in the private root",
            )
        _check(self._libc.chroot(merged), f"chroot {dirs.root}")
        os.chdir("/")


def _make_mountpoint(target: str, directory: bool) -> None:
    if directory:
        ensure_existing_dir(target)
    elif not os.path.exists(target):
        ensure_existing_dir(os.path.dirname(target))
        with open(target, "ab"):
            pass
