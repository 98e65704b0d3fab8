"""Artifact garbage collection (Argo's ``artifactGC``): delete saved output artifacts.

Each output artifact's ``artifactGC.strategy`` wins over the workflow's
``spec.artifactGC.strategy``: ``OnWorkflowCompletion`` deletes when the workflow ends,
``OnWorkflowDeletion`` when it is deleted, ``Never`` (or nothing) keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tiphys_core.artifacts import (
    Artifact,
    ArtifactError,
    ArtifactNotFoundError,
    Secrets,
    driver_name,
    relocate,
)
from tiphys_core.engine.nodes import Node
from tiphys_core.registry import Registry

ON_COMPLETION = "OnWorkflowCompletion"
ON_DELETION = "OnWorkflowDeletion"


def artifacts_to_collect(
    spec: Mapping[str, Any], nodes: Iterable[Node], strategy: str
) -> list[dict[str, Any]]:
    """The saved output artifacts whose GC strategy is ``strategy``."""
    default = str((spec.get("artifactGC") or {}).get("strategy") or "")
    chosen = []
    for node in nodes:
        for artifact in (node.outputs or {}).get("artifacts") or ():
            own = str((artifact.get("artifactGC") or {}).get("strategy") or "")
            if (own or default) == strategy and driver_name(artifact):
                chosen.append(artifact)
    return chosen


def collect(
    artifacts: Iterable[Mapping[str, Any]],
    drivers: Registry[Any],
    secrets: Secrets,
    archive_location: Mapping[str, Any] | None,
) -> list[str]:
    """Delete each artifact through its driver; the problems, one line each (none: all gone).

    :param archive_location: the workflow's repository, completing key-only artifacts.
    """
    problems = []
    for saved in artifacts:
        try:
            artifact = relocate(saved, archive_location)
            name = driver_name(artifact) or ""
            driver = drivers.get(name)
            if driver is None:
                raise ArtifactError(f"no artifact driver for {name!r} is installed")
            driver.delete(Artifact(artifact, secrets))
        except ArtifactNotFoundError:
            continue  # already gone: deleting is idempotent, as Argo's drivers make it
        except Exception as exc:  # a driver's fault must not stop the others' deletion
            problems.append(f"artifact {saved.get('name')!r}: {exc}")
    return problems
