"""Output artifacts: each archived and saved through its driver when the main container ends.

As Argo's wait container does (``WorkflowExecutor.SaveArtifacts``): the file or directory
at the artifact's ``path`` (in the main container's view) is archived per its ``archive``
strategy (tar+gzip by default); an artifact that names no key is stored in the template's
``archiveLocation`` under ``<key>/<file name>``; a key-only artifact is completed from
that location for the upload but reported with its key only. A missing path fails the
node unless the artifact is ``optional``. With ``archiveLocation.archiveLogs`` the main
container's log is saved too, as the artifact ``main-logs``.
"""

from __future__ import annotations

import os
import posixpath
import shutil
from collections.abc import Callable, Mapping
from typing import Any

from tiphys_core.artifacts import (
    Artifact,
    ArtifactError,
    Secrets,
    artifact_key,
    location_kind,
    relocate,
    with_location,
)

from tiphys_executor.archives import archive
from tiphys_executor.artifacts import DriverLookup, driver_for
from tiphys_executor.fsutil import ensure_dir

STAGING_DIR = os.path.join("outputs", "artifacts")
LOGS_ARTIFACT = "main-logs"
_NOT_SAVED = ("from", "fromExpression")


def save_output_artifacts(
    template: Mapping[str, Any],
    to_host: Callable[[str], str],
    *,
    node_dir: str,
    log_path: str,
    drivers: DriverLookup,
    secrets: Secrets,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Save the template's output artifacts; the saved ones (Argo's node status shape) and errors."""
    location = template.get("archiveLocation") or None
    staging = os.path.join(node_dir, STAGING_DIR)
    saved: list[dict[str, Any]] = []
    errors: list[str] = []
    for declared in (template.get("outputs") or {}).get("artifacts") or ():
        if any(declared.get(field) for field in _NOT_SAVED):
            continue
        name = str(declared.get("name") or "")
        path = str(declared.get("path") or "")
        try:
            source = to_host(os.path.normpath(path)) if path else ""
            if not source or not os.path.lexists(source):
                if declared.get("optional"):
                    continue
                raise ArtifactError(f"{path or 'no path'}: no such file or directory")
            artifact = _save(declared, source, staging, location, drivers, secrets)
        except (ArtifactError, OSError) as exc:
            errors.append(f"failed to save output artifact {name!r}: {exc}")
            continue
        saved.append(artifact)
    if location and location.get("archiveLogs") and os.path.isfile(log_path):
        logs = {"name": LOGS_ARTIFACT, "archive": {"none": {}}}
        try:
            saved.append(_save(logs, log_path, staging, location, drivers, secrets, "main.log"))
        except (ArtifactError, OSError) as exc:
            errors.append(f"failed to save the main container's logs: {exc}")
    shutil.rmtree(staging, ignore_errors=True)
    return saved, errors


def _save(
    declared: Mapping[str, Any],
    source: str,
    staging: str,
    location: Mapping[str, Any] | None,
    drivers: DriverLookup,
    secrets: Secrets,
    file_name: str = "",
) -> dict[str, Any]:
    name = str(declared.get("name") or "")
    ensure_dir(staging)
    path = str(declared.get("path") or source)
    entry = posixpath.basename(path.rstrip("/")) or name
    archived_name, local = archive(source, staging, name, declared.get("archive"), entry_name=entry)
    artifact = {k: v for k, v in declared.items() if k not in _NOT_SAVED}
    if not artifact_key(artifact):
        if not location or location_kind(location) is None:
            raise ArtifactError(
                "it names no location and the template has no archive location "
                "(no artifact repository is configured)"
            )
        base = artifact_key(location)
        artifact = with_location(
            artifact, location, posixpath.join(base, file_name or archived_name)
        )
    located = relocate(artifact, location)
    driver_for(located, drivers).save(local, Artifact(located, secrets))
    return artifact
