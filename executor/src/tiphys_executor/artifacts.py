"""Input artifacts: each loaded from its location to the path the main container reads.

As Argo's executor does (``WorkflowExecutor.loadArtifact``): an artifact without a
location fails the node unless it is ``optional``; one whose path lies on a volume the
container mounts is written into that volume; any other is written to the node's
``inputs/artifacts/<name>`` and bind-mounted on its path in the main container's view
(Argo mounts its input-artifacts volume with a ``subPath``), so it is visible there and
only there, even under the container's private ``/tmp``. ``mode`` is applied after.

Each artifact is loaded by the artifact driver registered for its location (``raw``,
``s3``, ``git``, a ``plugin`` name...), after a key-only location is completed from the
template's ``archiveLocation``; a downloaded tarball or zip is unpacked (unless the
artifact says ``archive: {none: {}}``), as Argo's ``loadArtifact`` does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from tiphys_core.artifacts import (
    Artifact,
    ArtifactError,
    ArtifactNotFoundError,
    Secrets,
    driver_name,
    location_kind,
    relocate,
)
from tiphys_core.wire import NodeRequest

from tiphys_executor.archives import unpack
from tiphys_executor.fsutil import ensure_dir
from tiphys_executor.isolation import BindMount, host_path

__all__ = ["ArtifactError", "ArtifactNotFoundError", "load_artifact", "stage_input_artifacts"]

STAGING_DIR = os.path.join("inputs", "artifacts")
DOWNLOAD_DIR = os.path.join("inputs", "downloads")


class DriverLookup(Protocol):
    """The artifact driver registry, as the executor reads it."""

    def get(self, name: str) -> Any: ...

    def names(self) -> list[str]: ...


def load_artifact(
    artifact: Mapping[str, Any],
    destination: str,
    *,
    drivers: DriverLookup,
    secrets: Secrets,
    archive_location: Mapping[str, Any] | None,
    scratch: str,
) -> None:
    """Load ``artifact`` (Argo's shape) to ``destination``: a file, or a directory it creates.

    :param scratch: a directory for the download before it is unpacked into place.
    :raises ArtifactNotFoundError: the location holds nothing.
    :raises ArtifactError: anything else; the message names the artifact.
    """
    name = str(artifact.get("name") or "")
    located = relocate(artifact, archive_location)
    driver = driver_for(located, drivers)
    ensure_dir(scratch)
    downloaded = os.path.join(scratch, name.replace("/", "_") or "artifact")
    try:
        driver.load(Artifact(located, secrets), downloaded)
        if not os.path.lexists(downloaded):
            raise ArtifactNotFoundError(
                f"artifact {name!r}: {Artifact(located).describe()} is empty"
            )
        unpack(downloaded, destination, located.get("archive"), name=name)
    except ArtifactError as exc:
        if name and name not in str(exc):
            raise type(exc)(f"artifact {name!r}: {exc}") from None
        raise
    finally:
        _remove(downloaded)


def driver_for(artifact: Mapping[str, Any], drivers: DriverLookup) -> Any:
    """The driver that serves ``artifact``; :class:`ArtifactError` if none is installed."""
    name = driver_name(artifact)
    try:
        driver = drivers.get(name) if name else None
    except Exception as exc:  # a driver plugin that fails to import
        raise ArtifactError(f"the {name} artifact driver failed to load: {exc!r}") from None
    if driver is None:
        installed = ", ".join(drivers.names()) or "none"
        raise ArtifactError(
            f"artifact {artifact.get('name')!r}: no artifact driver for {name!r} is installed "
            f"(installed: {installed}; e.g. pip install tiphys-{name})"
        )
    return driver


def stage_input_artifacts(
    request: NodeRequest,
    *,
    view_mounts: Sequence[BindMount],
    volume_mounts: Sequence[Mapping[str, Any]],
    isolated: bool,
    drivers: DriverLookup,
    secrets: Secrets,
) -> list[BindMount]:
    """Load the template's ``inputs.artifacts``; the mounts the main container then needs.

    :param view_mounts: the main container's mounts (to find a volume's host directory).
    :param volume_mounts: the main container's ``volumeMounts``.
    :param isolated: whether the container gets a private view; without one, artifacts
        are written at their paths on the host, as the container sees the host's files.
    :raises ArtifactError: an artifact is missing, of a kind no driver handles, or fails
        to load; the message names it.
    """
    inputs = request.template.get("inputs") or {}
    archive_location = request.template.get("archiveLocation")
    mounts: list[BindMount] = []
    for index, artifact in enumerate(inputs.get("artifacts") or ()):
        name = str(artifact.get("name") or f"artifacts[{index}]")
        if location_kind(artifact) is None:
            if artifact.get("optional"):
                continue
            raise ArtifactError(
                f"required artifact '{name}' not supplied: inputs.artifacts[{index}] has no "
                "location (raw, s3, git, http...) and is not optional"
            )
        path = _artifact_path(artifact, name)
        mounted = isolated and not _on_volume(path, volume_mounts)
        if mounted:
            destination = os.path.join(request.node_dir, STAGING_DIR, name.replace("/", "_"))
        else:
            destination = host_path(path, view_mounts) if isolated else path
        try:
            ensure_dir(os.path.dirname(destination))
            load_artifact(
                artifact, destination, drivers=drivers, secrets=secrets,
                archive_location=archive_location,
                scratch=os.path.join(request.node_dir, DOWNLOAD_DIR),
            )  # fmt: skip
        except ArtifactNotFoundError:
            if artifact.get("optional"):
                continue
            raise
        except OSError as exc:
            raise ArtifactError(f"artifact '{name}' failed to load: {exc}") from None
        _apply_mode(artifact, destination)
        if mounted:
            mounts.append(BindMount(destination, path))
    return mounts


def _artifact_path(artifact: Mapping[str, Any], name: str) -> str:
    path = str(artifact.get("path") or "")
    if not path:
        raise ArtifactError(f"artifact '{name}' did not specify a path")
    if ".." in path.split("/"):
        raise ArtifactError(
            f"artifact '{name}' attempted to use a path containing '..'. "
            "Directory traversal is not permitted"
        )
    if not os.path.isabs(path):
        raise ArtifactError(f"artifact '{name}': path {path!r} must be absolute")
    return os.path.normpath(path)


def _on_volume(path: str, volume_mounts: Sequence[Mapping[str, Any]]) -> bool:
    for volume_mount in volume_mounts:
        target = os.path.normpath(str(volume_mount.get("mountPath") or "/"))
        if path == target or path.startswith(target.rstrip("/") + "/"):
            return True
    return False


def _apply_mode(artifact: Mapping[str, Any], destination: str) -> None:
    mode = artifact.get("mode")
    if mode is None:
        return
    if not isinstance(mode, int) or isinstance(mode, bool):
        raise ArtifactError(
            f"artifact '{artifact.get('name')}': mode {mode!r} is not a number (e.g. 0755)"
        )
    _chmod(destination, mode, bool(artifact.get("recurseMode")))


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _chmod(path: str, mode: int, recurse: bool) -> None:
    os.chmod(path, mode)
    if recurse and os.path.isdir(path):
        for root, directories, files in os.walk(path):
            for entry in (*directories, *files):
                os.chmod(os.path.join(root, entry), mode)
