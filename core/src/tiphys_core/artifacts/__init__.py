"""The artifact driver API: the :class:`Artifact` drivers get, their verbs and errors."""

from __future__ import annotations

from tiphys_core.artifacts.driver import ArtifactDriver, BaseDriver
from tiphys_core.artifacts.errors import ArtifactError, ArtifactNotFoundError, UnsupportedVerbError
from tiphys_core.artifacts.model import (
    KEY_FIELDS,
    LOCATION_KINDS,
    Artifact,
    artifact_key,
    driver_name,
    has_full_location,
    location_kind,
    relocate,
    with_location,
)
from tiphys_core.artifacts.secrets import SecretNotFoundError, Secrets

__all__ = [
    "KEY_FIELDS",
    "LOCATION_KINDS",
    "Artifact",
    "ArtifactDriver",
    "ArtifactError",
    "ArtifactNotFoundError",
    "BaseDriver",
    "SecretNotFoundError",
    "Secrets",
    "UnsupportedVerbError",
    "artifact_key",
    "driver_name",
    "has_full_location",
    "location_kind",
    "relocate",
    "with_location",
]
