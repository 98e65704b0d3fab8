"""A container's private copy-on-write view of ``/``: an overlay of the host's root.

In the node's mount namespace an overlayfs is mounted whose lower layer is the host's
``/`` and whose upper and work directories are the container's ``root/upper`` and
``root/work`` (under its node directory); the host's other mounts (``/proc``, ``/dev``,
``/sys``, ``/home``...) are bound into it as they are, the node's own mounts (``/tmp``,
volumes, input artifacts) on top, and the spawning thread ``chroot``s into it (see
:mod:`tiphys_executor.isolation`). What the container writes outside its mounts lands in
its upper directory: parallel nodes writing ``/result.txt`` do not collide, the host's
``/`` is never written, and outputs are read back from there once the process has ended
(:func:`root_host_path`). Only the root file system is copied on write: the host's other
mounts are shown as they are, as a ``hostPath`` volume would be.

Laying one costs about a millisecond per container on tmpfs, and several on a slow disk
(making the layers and overlayfs's checks of its work directory are file-system metadata
operations in the node's directory; unmounting is the node's exit), so by default only
containers that need one get one (:func:`needs_private_root`).

These helpers hold no state: the mounting itself is :class:`~tiphys_executor.isolation.
Isolation`'s, which probes once whether the machine allows it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tiphys_executor.fsutil import ensure_dir

ROOT_DIR = "root"

# Mount options tried in order, the first the kernel takes is kept. ``volatile`` (Linux
# 5.10+) spares each node's exit a sync of the whole upper file system, which unmounting
# would otherwise cost (a node's own fsync then does not reach the disk either; its files
# are read back from the page cache). ``metacopy=off`` (4.19+; the default unless the
# kernel was built otherwise) keeps a changed file's data in the upper directory, where
# outputs are read.
OPTION_SETS = ("volatile,metacopy=off", "metacopy=off", "")

_OPAQUE_XATTRS = ("trusted.overlay.opaque", "user.overlay.opaque")
_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")


def needs_private_root(
    template: Mapping[str, Any], container: Mapping[str, Any], *, main: bool
) -> bool:
    """Whether a container is known to use paths outside its ``/tmp`` and volumes.

    It does when it names a ``workingDir`` or a ``mountPath`` there (runtimes create
    them), and, for the main container, when the template reads an output or writes an
    input artifact there, or at a relative path (which a container without
    ``workingDir`` resolves from its image's WORKDIR, ``/`` for most). Without a private
    root these would be the host's own paths, shared by parallel nodes.
    """
    covered = ["/tmp"]
    for volume_mount in container.get("volumeMounts") or ():
        mount_path = str(volume_mount.get("mountPath") or "")
        if not _covered(mount_path, covered):
            return True
        covered.append(mount_path)
    if container.get("workingDir") and not _covered(str(container["workingDir"]), covered):
        return True
    return main and any(not _covered(path, covered) for path in _template_paths(template))


def _template_paths(template: Mapping[str, Any]) -> Iterator[str]:
    outputs = template.get("outputs") or {}
    for parameter in outputs.get("parameters") or ():
        value_from = parameter.get("valueFrom") or {}
        if isinstance(value_from, Mapping) and value_from.get("path"):
            yield str(value_from["path"])
    for artifact in outputs.get("artifacts") or ():
        # One taken from a child step's (``from``) is not read from the container.
        if artifact.get("path") and not artifact.get("from") and not artifact.get("fromExpression"):
            yield str(artifact["path"])
    for artifact in (template.get("inputs") or {}).get("artifacts") or ():
        if artifact.get("path"):
            yield str(artifact["path"])


def _covered(path: str, targets: list[str]) -> bool:
    if not os.path.isabs(path):
        return False
    path = os.path.normpath(path)
    return any(path == target or _under(path, target) for target in targets)


@dataclass(frozen=True)
class Layers:
    """The directories of one container's overlay, under its ``root`` directory.

    The overlay is mounted on ``root`` itself (in the node's namespace only), which
    spares a directory per node: overlayfs holds on to its layers, hidden or not.
    """

    root: str
    upper: str
    work: str


def layers(root: str) -> Layers:
    """The overlay directories under ``root`` (``<node_dir>/root`` for the main container)."""
    return Layers(root, os.path.join(root, "upper"), os.path.join(root, "work"))


def prepare_layers(root: str) -> Layers:
    """Make the overlay's directories (three ``mkdir`` calls for a new container).

    A container run again in place (a ``containerSet`` retry) keeps its upper directory,
    as a restarted container keeps its files; overlayfs refuses a work directory a
    ``volatile`` mount has used, so that one is made anew.
    """
    dirs = layers(root)
    try:
        os.mkdir(dirs.root)
    except FileNotFoundError:
        ensure_dir(dirs.root)
    except FileExistsError:
        if os.path.isdir(dirs.work):
            remove_layers(dirs.work)
    ensure_dir(dirs.upper)
    os.mkdir(dirs.work)
    return dirs


def remove_layers(path: str) -> None:
    """Remove a directory overlayfs has used (its ``work/work`` has mode 0)."""
    for inner in ("work", os.path.join("work", "work")):
        with contextlib.suppress(OSError):
            os.chmod(os.path.join(path, inner), 0o700)
    shutil.rmtree(path, ignore_errors=True)


def overlay_options(dirs: Layers, extra: str) -> bytes:
    """The overlayfs mount data: the host's ``/`` below, ``dirs`` above, then ``extra``."""
    options = f"lowerdir=/,upperdir={_escape(dirs.upper)},workdir={_escape(dirs.work)}"
    return (f"{options},{extra}" if extra else options).encode()


def _escape(path: str) -> str:
    # overlayfs splits its options at commas and lowerdir at colons; a backslash escapes.
    for special in ("\\", ",", ":"):
        path = path.replace(special, "\\" + special)
    return path


@dataclass(frozen=True)
class HostMount:
    """One line of ``/proc/self/mountinfo``."""

    mount_id: int
    parent_id: int
    point: str
    fs_type: str


def read_mounts(path: str = "/proc/self/mountinfo") -> list[HostMount]:
    """The mounts this process sees, in the order they were mounted."""
    mounts = []
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        for line in handle:
            fields = line.split()
            try:
                separator = fields.index("-", 6)
            except ValueError:
                continue
            point = _OCTAL_ESCAPE.sub(lambda match: chr(int(match.group(1), 8)), fields[4])
            fs_type = fields[separator + 1] if len(fields) > separator + 1 else ""
            mounts.append(HostMount(int(fields[0]), int(fields[1]), point, fs_type))
    return mounts


def host_submounts(mounts: list[HostMount]) -> tuple[str, ...]:
    """The mount points on the root file system that a private root must show too.

    These are the root mount's children; each is bound recursively, so what is mounted
    below them comes along. A child lying under another child is hidden by it on the
    host, and stays hidden.
    """
    roots = [mount for mount in mounts if mount.point == "/"]
    if not roots:
        return ()
    root_id = roots[-1].mount_id  # the topmost, if several are stacked on /
    points: list[str] = []
    for mount in mounts:
        point = mount.point
        if mount.parent_id != root_id or point == "/" or point.endswith(" (deleted)"):
            continue
        if point not in points:
            points.append(point)
    return tuple(point for point in points if not any(_under(point, other) for other in points))


def filesystem_type(path: str, mounts: list[HostMount]) -> str:
    """The type of the file system holding ``path`` (``overlay``, ``ext4``...), or ""."""
    best: HostMount | None = None
    for mount in mounts:
        if (mount.point == "/" or path == mount.point or _under(path, mount.point)) and (
            best is None or len(mount.point) >= len(best.point)
        ):
            best = mount
    return best.fs_type if best is not None else ""


def _under(path: str, parent: str) -> bool:
    return path.startswith(parent.rstrip("/") + "/")


def refusal(error: int, where: str, mounts: list[HostMount]) -> str:
    """Why overlayfs refused a private root whose layers lie in ``where``, for the user."""
    if error == errno.ENODEV:
        return "this kernel has no overlayfs"
    if filesystem_type(where, mounts) == "overlay":
        return (
            f"{where} is on overlayfs (a container's own root?), which overlayfs cannot "
            "keep its changes on; put TIPHYS_HOME on another file system, such as a volume"
        )
    if in_user_namespace():
        return "in a user namespace, overlayfs may not lay itself over the host's /"
    return f"overlayfs over / refused: {os.strerror(error)}"


def in_user_namespace() -> bool:
    """Whether this process runs in a user namespace other than the machine's own."""
    try:
        with open("/proc/self/uid_map", encoding="ascii") as handle:
            return handle.read().split() != ["0", "0", "4294967295"]
    except OSError:
        return False


def root_host_path(path: str, root: str) -> str:
    """Where ``path`` in a container's private root lives on the host after it ran.

    What the container created or changed is in its upper directory; what it left alone
    is the host's own file; what it deleted exists nowhere (a whiteout in the upper
    directory hides the host's file, an opaque directory the host's whole directory).
    A directory both the container and the host have is read from the upper directory
    alone: the host's files in it that the container left alone are not included.
    """
    parts = [part for part in path.split("/") if part]
    current = os.path.join(root, "upper")
    for part in parts:
        current = os.path.join(current, part)
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return path  # untouched from here down
        except OSError:
            return os.path.join(root, "upper", *parts)
        if stat.S_ISCHR(info.st_mode) and info.st_rdev == 0:
            # Deleted: a path through the whiteout, which exists nowhere.
            return current + "/"
        if not stat.S_ISDIR(info.st_mode) or _opaque(current):
            # A file replaces, and an opaque directory hides, what the host has below.
            return os.path.join(root, "upper", *parts)
    return current


def _opaque(directory: str) -> bool:
    for name in _OPAQUE_XATTRS:
        try:
            if os.getxattr(directory, name, follow_symlinks=False) == b"y":
                return True
        except OSError:
            continue
    return False
