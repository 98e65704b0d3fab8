"""Argo's raw artifact driver (``workflow/artifacts/raw/raw.go``): ``raw: {data: "..."}``.

The data is the artifact: ``load`` writes it to the path and ``open_stream`` reads it.
Raw artifacts are inputs only, so ``save``, ``delete``, ``list_objects`` and
``is_directory`` are unsupported, as in Argo.
"""

from __future__ import annotations

import io
import os
from typing import BinaryIO

from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError, BaseDriver


class RawDriver(BaseDriver):
    """Serves ``raw`` artifact locations."""

    name = "raw"

    def load(self, artifact: Artifact, path: str) -> None:
        """Write ``raw.data`` to the file ``path`` (its directory is made if missing)."""
        data = raw_data(artifact)
        try:
            parent = os.path.dirname(path)
            if parent:
                os.makedirs(parent, exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise ArtifactError(f"artifact {artifact.name!r}: cannot write {path}: {exc}") from exc

    def open_stream(self, artifact: Artifact) -> BinaryIO:
        """The bytes of ``raw.data``."""
        return io.BytesIO(raw_data(artifact))


def raw_data(artifact: Artifact) -> bytes:
    """The bytes of the artifact's ``raw.data`` (UTF-8).

    Go strings are bytes, so Argo writes them out as they are; here text that was read
    with ``surrogateescape`` (bytes that are not UTF-8) is written back byte for byte.

    :raises ArtifactNotFoundError: ``raw.data`` is missing (Argo requires it).
    :raises ArtifactError: the artifact is not a raw one, or ``data`` is not text.
    """
    if artifact.kind != "raw":
        raise ArtifactError(f"artifact {artifact.name!r} is a {artifact.kind} artifact, not raw")
    data = artifact.location.get("data")
    if data is None:
        raise ArtifactNotFoundError(f"artifact {artifact.name!r}: raw.data is missing")
    if not isinstance(data, str):
        raise ArtifactError(
            f"artifact {artifact.name!r}: raw.data must be a string, not {type(data).__name__}"
        )
    try:
        return data.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        raise ArtifactError(
            f"artifact {artifact.name!r}: raw.data is not valid text: {exc}"
        ) from exc
