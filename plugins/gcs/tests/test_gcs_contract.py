from __future__ import annotations

from tiphys_core.testing.artifact_contract import ArtifactDriverContract


class TestGCSDriverContract(ArtifactDriverContract):
    """Argo's verbs against fake-gcs-server, through the location's ``endpoint``."""
