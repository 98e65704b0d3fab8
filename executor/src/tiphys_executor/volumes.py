"""A node's private view: its own ``/tmp`` and its ``volumeMounts``, as bind mounts.

Volumes are found by name among the template's ``volumes``, then the workflow's
(``NodeRequest.volumes``: ``spec.volumes`` and ``spec.volumeClaimTemplates``). As in a
cluster, an ``emptyDir`` belongs to one pod (here: one node attempt), while a claim is
shared by the workflow's nodes; a ``hostPath`` is the host's directory itself.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from tiphys_core.wire import NodeRequest

from tiphys_executor.fsutil import ensure_dir
from tiphys_executor.isolation import BindMount


class VolumeError(ValueError):
    """A ``volumeMounts`` entry that cannot be backed locally."""


def node_tmp_dir(node_dir: str) -> str:
    """The host directory shown as ``/tmp`` to the node."""
    return os.path.join(node_dir, "tmp")


def plan_mounts(
    request: NodeRequest, container: Mapping[str, Any], tmp_dir: str | None = None
) -> list[BindMount]:
    """The bind mounts for one container of a node, parents before children.

    :param tmp_dir: the host directory shown as ``/tmp`` (default: the node's ``tmp``,
        which is the main container's).
    :raises VolumeError: a mount names no known volume, or a kind local runs cannot
        provide (``secret``, ``configMap``...); the message names the mount.
    """
    tmp = tmp_dir or node_tmp_dir(request.node_dir)
    ensure_dir(tmp)
    mounts = [BindMount(tmp, "/tmp")]
    volumes = _volumes_by_name(request)
    for index, volume_mount in enumerate(container.get("volumeMounts") or ()):
        name = str(volume_mount.get("name", ""))
        mount_path = str(volume_mount.get("mountPath", ""))
        where = f"volumeMounts[{index}] ({name!r} at {mount_path!r})"
        if not os.path.isabs(mount_path):
            raise VolumeError(f"{where}: mountPath must be an absolute path")
        volume = volumes.get(name)
        if volume is None:
            known = ", ".join(sorted(volumes)) or "none"
            raise VolumeError(
                f"{where}: no volume named {name!r} in the template or workflow (volumes: {known})"
            )
        source = _volume_source(request, name, volume, where)
        sub_path = str(volume_mount.get("subPath") or "")
        if sub_path:
            if os.path.isabs(sub_path) or ".." in sub_path.split("/"):
                raise VolumeError(f"{where}: subPath must be a relative path inside the volume")
            source = os.path.join(source, sub_path)
            ensure_dir(source)
        mounts.append(
            BindMount(source, os.path.normpath(mount_path), bool(volume_mount.get("readOnly")))
        )
    # Mount parents first, as container runtimes do (by depth of the mount path).
    mounts.sort(key=lambda mount: mount.target.rstrip("/").count("/"))
    # What the node runs from must stay reachable when it lies under a mount (a checkout,
    # a virtualenv under /tmp): the directories on PATH and this Python's prefix are shown
    # at the same place; so is the node's own directory (its staged script).
    node_dir = os.path.normpath(request.node_dir)
    needed = _runtime_dirs((sys.prefix, sys.base_prefix), os.environ.get("PATH", ""))
    command = (container.get("command") or [None])[0]
    if isinstance(command, str) and os.path.isabs(command):
        needed = (*needed, os.path.normpath(os.path.dirname(command)))
    targets = tuple(mount.target for mount in mounts)
    for top in _covered_tops(needed, targets):
        if os.path.isdir(top) and not _under(node_dir, top):
            mounts.append(BindMount(top, top))
    if any(_under(node_dir, mount.target) for mount in mounts):
        mounts.append(BindMount(node_dir, node_dir))
    return mounts


@functools.lru_cache(maxsize=8)
def _runtime_dirs(prefixes: tuple[str, ...], path_variable: str) -> tuple[str, ...]:
    """The absolute directories among ``prefixes`` and ``$PATH``, normalized, each once
    (the same for every node of an agent: worked out once)."""
    found = (*prefixes, *path_variable.split(os.pathsep))
    return tuple(dict.fromkeys(os.path.normpath(p) for p in found if p and os.path.isabs(p)))


@functools.lru_cache(maxsize=64)
def _covered_tops(needed: tuple[str, ...], targets: tuple[str, ...]) -> tuple[str, ...]:
    """For each of ``needed`` that a mount at one of ``targets`` hides, the directory
    right below that mount point on its way (``/tmp/venv`` for ``/tmp/venv/bin`` under
    ``/tmp``), each once (the same for most nodes of an agent: worked out once)."""
    tops: dict[str, None] = {}
    for path in needed:
        for target in targets:
            if _under(path, target):
                first = os.path.relpath(path, target).split(os.sep)[0]
                tops[os.path.join(target, first)] = None
    return tuple(tops)


def _under(path: str, target: str) -> bool:
    target = target.rstrip("/")
    return path.startswith(target + "/")


def _volumes_by_name(request: NodeRequest) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    template_volumes: Sequence[Mapping[str, Any]] = request.template.get("volumes") or ()
    for volume in [*request.volumes, *template_volumes]:
        metadata = volume.get("metadata")
        name = volume.get("name") or (
            metadata.get("name") if isinstance(metadata, Mapping) else None
        )
        if name:
            found[str(name)] = volume
    return found


def _volume_source(request: NodeRequest, name: str, volume: Mapping[str, Any], where: str) -> str:
    if "emptyDir" in volume:
        path = os.path.join(request.node_dir, "volumes", name)
    elif "persistentVolumeClaim" in volume or "spec" in volume or "metadata" in volume:
        path = os.path.join(request.workflow_dir, "volumes", name)
    elif "hostPath" in volume:
        host_path = volume["hostPath"] or {}
        path = str(host_path.get("path", ""))
        if not os.path.isabs(path):
            raise VolumeError(f"{where}: hostPath.path must be an absolute path")
        kind = str(host_path.get("type") or "")
        if kind in ("File", "FileOrCreate", "Socket", "CharDevice", "BlockDevice"):
            if kind == "FileOrCreate" and not os.path.exists(path):
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "ab"):
                    pass
            return path
    else:
        kinds = ", ".join(sorted(k for k in volume if k != "name")) or "no source"
        raise VolumeError(
            f"{where}: volume {name!r} ({kinds}) needs Kubernetes; local runs provide "
            "emptyDir, persistentVolumeClaim, volumeClaimTemplates and hostPath volumes"
        )
    ensure_dir(path)
    return path
