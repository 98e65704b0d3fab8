"""Artifact repositories: where output artifacts go when a template names no location.

As in Argo, a workflow's ``artifactRepositoryRef`` (``{configMap, key}``) picks a
repository from a ConfigMap (``artifact-repositories`` by default); without one, the
ConfigMap's repository under the key its ``workflows.argoproj.io/default-artifact-repository``
annotation names is used. Locally the ConfigMaps live in
``<state dir>/artifact-repositories.yaml`` (one or more ConfigMap documents, as
``kubectl get configmap -o yaml`` prints them). With none configured, artifacts go to a
directory under the state dir, through the ``fsspec`` driver, and need no set-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tiphys_core.artifacts.errors import ArtifactError
from tiphys_core.paths import home

DEFAULT_ARCHIVE_PATTERN = "{{workflow.name}}/{{pod.name}}"
DEFAULT_CONFIG_MAP = "artifact-repositories"
DEFAULT_KEY_ANNOTATION = "workflows.argoproj.io/default-artifact-repository"
CONFIG_FILE = "artifact-repositories.yaml"
# Argo's ArtifactRepository fields, in the order its Get() tries them.
REPOSITORY_KINDS = ("artifactory", "azure", "gcs", "hdfs", "oss", "plugin", "s3")


class RepositoryError(ArtifactError):
    """The artifact repository a workflow names cannot be found or read."""


@dataclass(frozen=True)
class ResolvedRepository:
    """A repository and where it came from (Argo's ``status.artifactRepositoryRef``)."""

    repository: Mapping[str, Any]
    config_map: str = ""
    key: str = ""
    default: bool = False
    ref: Mapping[str, Any] = field(default_factory=dict)

    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = {"default": True} if self.default else {}
        if self.config_map:
            status.update(configMap=self.config_map, key=self.key, namespace="default")
        return status


def local_repository(state_dir: Path | None = None) -> dict[str, Any]:
    """The repository used when none is configured: ``<state dir>/artifacts``."""
    root = (state_dir or home()) / "artifacts"
    configuration = yaml.safe_dump({"url": root.resolve().as_uri()}, default_flow_style=False)
    return {"plugin": {"name": "fsspec", "configuration": configuration}}


def resolve_repository(
    spec: Mapping[str, Any], state_dir: Path | None = None
) -> ResolvedRepository:
    """The repository for a workflow's spec (``artifactRepositoryRef``, else the default).

    :raises RepositoryError: the ref names a ConfigMap or key that does not exist, or the
        configuration is not a repository; the message says which and where it looked.
    """
    directory = state_dir or home()
    ref = spec.get("artifactRepositoryRef")
    config_maps = _config_maps(directory / CONFIG_FILE)
    if isinstance(ref, Mapping) and ref:
        name = str(ref.get("configMap") or DEFAULT_CONFIG_MAP)
        data = config_maps.get(name)
        if data is None:
            raise RepositoryError(
                f'artifactRepositoryRef: ConfigMap "{name}" not found '
                f"(looked in {directory / CONFIG_FILE})"
            )
        key = str(ref.get("key") or data["annotation"] or "default-v1")
        if key not in data["data"]:
            raise RepositoryError(
                f'artifactRepositoryRef: key "{key}" not found in ConfigMap "{name}" '
                f"(keys: {', '.join(sorted(data['data'])) or 'none'})"
            )
        return ResolvedRepository(_parse(name, key, data["data"][key]), name, key, ref=ref)
    default = config_maps.get(DEFAULT_CONFIG_MAP)
    if default and default["annotation"] and default["annotation"] in default["data"]:
        key = default["annotation"]
        return ResolvedRepository(
            _parse(DEFAULT_CONFIG_MAP, key, default["data"][key]), DEFAULT_CONFIG_MAP, key, True
        )
    return ResolvedRepository(local_repository(directory), default=True)


def archive_location(repository: Mapping[str, Any]) -> dict[str, Any]:
    """Argo's ``ToArtifactLocation``: the repository as a location keyed by its keyFormat."""
    location: dict[str, Any] = {}
    if repository.get("archiveLogs") is not None:
        location["archiveLogs"] = bool(repository["archiveLogs"])
    for kind in REPOSITORY_KINDS:
        body = repository.get(kind)
        if not isinstance(body, Mapping):
            continue
        settings = {k: v for k, v in body.items() if k not in ("keyFormat", "keyPrefix")}
        key = str(body.get("keyFormat") or "")
        if not key:
            prefix = str(body.get("keyPrefix") or "") if kind == "s3" else ""
            key = (
                f"{prefix.rstrip('/')}/{DEFAULT_ARCHIVE_PATTERN}"
                if prefix
                else DEFAULT_ARCHIVE_PATTERN
            )
        field_name = {"azure": "blob", "hdfs": "path", "artifactory": "url"}.get(kind, "key")
        if kind == "artifactory":  # Argo appends the key to the repository URL
            settings["url"] = f"{str(body.get('repoURL') or '').rstrip('/')}/{key}"
            settings.pop("repoURL", None)
        elif kind == "hdfs":
            settings["path"] = f"{body.get('pathFormat') or key!s}"
            settings.pop("pathFormat", None)
        else:
            settings[field_name] = key
        location[kind] = settings
        break
    return location


def _config_maps(path: Path) -> dict[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise RepositoryError(f"{path}: {exc}") from None
    try:
        documents = [doc for doc in yaml.safe_load_all(text) if doc]
    except yaml.YAMLError as exc:
        raise RepositoryError(f"{path}: not YAML: {exc}".replace("\n", " ")) from None
    found: dict[str, dict[str, Any]] = {}
    for index, document in enumerate(documents):
        if not isinstance(document, Mapping) or document.get("kind") != "ConfigMap":
            raise RepositoryError(f"{path}: document {index + 1} is not a ConfigMap")
        metadata = document.get("metadata") or {}
        name = str(metadata.get("name") or "")
        data = document.get("data") or {}
        if not name or not isinstance(data, Mapping):
            raise RepositoryError(f"{path}: document {index + 1} needs metadata.name and data")
        annotation = str((metadata.get("annotations") or {}).get(DEFAULT_KEY_ANNOTATION) or "")
        found[name] = {"data": dict(data), "annotation": annotation}
    return found


def _parse(config_map: str, key: str, text: Any) -> Mapping[str, Any]:
    try:
        repository = yaml.safe_load(text) if isinstance(text, str) else text
    except yaml.YAMLError as exc:
        raise RepositoryError(
            f'ConfigMap "{config_map}" key "{key}" is not YAML: {exc}'.replace("\n", " ")
        ) from None
    if not isinstance(repository, Mapping) or not any(
        isinstance(repository.get(kind), Mapping) for kind in REPOSITORY_KINDS
    ):
        raise RepositoryError(
            f'ConfigMap "{config_map}" key "{key}" is not an artifact repository '
            f"(expected one of {', '.join(REPOSITORY_KINDS)})"
        )
    return repository
