"""Argo's artifact archives: the ``archive`` strategy of outputs, unpacking of inputs.

Outputs (Argo's ``stageArchiveFile``, reading the path directly as Argo does from a mirrored
volume mount): ``tar``, the default, writes ``<name>.tgz`` at ``compressionLevel`` (gzip's
default unless given); ``zip`` writes ``<name>.zip``; ``none`` uploads the path as it is.

Inputs (Argo's ``unarchiveArtifact``): ``archive: {none: {}}`` places the downloaded file
as it is; ``tar`` and ``zip`` extract it; without a strategy a gzipped tarball is detected by
its content (Argo's ``isTarball``; a plain tar or a zip file is left as it is, as in Argo) and
extracted. An archive of one file or directory unpacks to that file or directory at the
artifact's path; one of several entries unpacks to a directory holding them.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tiphys_core.artifacts import ArtifactNotFoundError

from tiphys_executor.archive_errors import ArchiveError
from tiphys_executor.archive_extract import Extraction, extract_tar, extract_zip
from tiphys_executor.archive_pipeline import CHUNK
from tiphys_executor.archive_write import (
    GZIP_BEST_COMPRESSION,
    GZIP_DEFAULT_COMPRESSION,
    GZIP_HUFFMAN_ONLY,
    write_tgz,
    write_zip,
)

__all__ = [
    "ArchiveError",
    "ArchiveStrategy",
    "archive",
    "input_archive_kind",
    "is_tarball",
    "output_strategy",
    "unpack",
]

GZIP_NO_COMPRESSION = 0
_GZIP_MAGIC = b"\x1f\x8b"

ArchiveKind = Literal["tar", "zip", "none"]


@dataclass(frozen=True)
class ArchiveStrategy:
    """How an output artifact is archived: Argo's ``archive`` field, checked."""

    kind: ArchiveKind
    compression_level: int = GZIP_DEFAULT_COMPRESSION


def output_strategy(strategy: Mapping[str, Any] | None, name: str) -> ArchiveStrategy:
    """The strategy an output artifact's ``archive`` field asks for.

    As Argo: no field means ``tar`` at gzip's default level; ``none`` wins over ``zip``,
    which wins over ``tar``; a field naming no strategy (``archive: {}``) gets a tarball
    gzipped without compression (Argo's ``gzip.NoCompression`` starting value).

    :raises ArchiveError: ``compressionLevel`` is not one of gzip's levels (-2 to 9).
    """
    if strategy is None:
        return ArchiveStrategy("tar")
    if strategy.get("none") is not None:
        return ArchiveStrategy("none")
    if strategy.get("zip") is not None:
        return ArchiveStrategy("zip")
    tar = strategy.get("tar")
    if tar is None:
        return ArchiveStrategy("tar", GZIP_NO_COMPRESSION)
    if not isinstance(tar, Mapping):
        raise ArchiveError(f"artifact '{name}': archive.tar must be a mapping, got {tar!r}")
    level = tar.get("compressionLevel")
    if level is None:
        return ArchiveStrategy("tar")
    valid = isinstance(level, int) and not isinstance(level, bool)
    if not valid or not GZIP_HUFFMAN_ONLY <= level <= GZIP_BEST_COMPRESSION:
        raise ArchiveError(
            f"artifact '{name}': archive.tar.compressionLevel {level!r} is not a gzip level "
            "(allowed: -2 Huffman only, -1 gzip's default, 0 no compression, 1 fastest "
            "to 9 smallest)"
        )
    return ArchiveStrategy("tar", level)


def input_archive_kind(strategy: Mapping[str, Any] | None) -> ArchiveKind | None:
    """What an input artifact's ``archive`` field asks for; None: detect a gzipped tarball."""
    if not strategy:
        return None
    for kind in ("none", "tar", "zip"):  # Argo's order of precedence for inputs
        if strategy.get(kind) is not None:
            return kind
    return None


def archive(
    source_path: str,
    destination_dir: str,
    name: str,
    strategy: Mapping[str, Any] | None,
    *,
    entry_name: str | None = None,
) -> tuple[str, str]:
    """Stage output artifact ``name`` at ``source_path`` for upload: ``(file name, path)``.

    The file name ends the artifact's key when it has none (``<name>.tgz``, ``<name>.zip``,
    or the path's base name for ``none``). The archive is written in ``destination_dir``
    (made if missing) under a temporary name, then renamed, so no partial file is left;
    with ``none`` nothing is written and ``source_path`` itself is returned.

    :param strategy: the artifact's ``archive`` field (Argo's shape), or None.
    :param entry_name: the top-level name inside the archive; by default the base name of
        ``source_path`` (pass the base name of the artifact's ``path`` when ``source_path``
        is a staged copy under another name).
    :raises ArtifactNotFoundError: nothing exists at ``source_path`` (an ``optional``
        artifact is then skipped).
    :raises ArchiveError: the strategy is invalid or the tree cannot be archived (a
        socket in it, a file unreadable); the message names the artifact.
    """
    chosen = output_strategy(strategy, name)
    if not os.path.exists(source_path):
        raise ArtifactNotFoundError(f"artifact '{name}': {source_path}: no such file or directory")
    base_name = os.path.basename(os.path.normpath(source_path))
    if chosen.kind == "none":
        return base_name, source_path
    file_name = f"{name}.{'zip' if chosen.kind == 'zip' else 'tgz'}"
    local_path = os.path.join(destination_dir, file_name)
    os.makedirs(destination_dir, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{file_name}.", suffix=".part", dir=destination_dir)
    try:
        os.fchmod(fd, 0o644)
        with open(fd, "wb", buffering=CHUNK) as out:
            if chosen.kind == "zip":
                write_zip(source_path, entry_name or base_name, out)
            else:
                write_tgz(source_path, entry_name or base_name, chosen.compression_level, out)
        os.replace(partial, local_path)
    except BaseException as exc:
        os.unlink(partial)
        if isinstance(exc, ArchiveError):
            raise ArchiveError(f"artifact '{name}': {exc}") from None
        if isinstance(exc, OSError):
            raise ArchiveError(f"artifact '{name}': cannot archive {source_path}: {exc}") from None
        raise
    return file_name, local_path


def unpack(
    downloaded_path: str,
    destination_path: str,
    strategy: Mapping[str, Any] | None,
    *,
    name: str | None = None,
) -> None:
    """Place input artifact ``name``, downloaded at ``downloaded_path``, at ``destination_path``.

    Extracts it when the strategy says ``tar`` (gzipped or plain) or ``zip``, or, with no
    strategy, when it is a gzipped tarball; otherwise renames it into place. Extraction
    goes into a temporary sibling of ``destination_path`` renamed at the end, so a refused
    or broken archive leaves nothing at the destination. The downloaded archive is removed
    once extracted (or refused), as Argo does.

    :param strategy: the input artifact's ``archive`` field (Argo's shape), or None.
    :param name: the artifact's name for messages (default: the destination's base name).
    :raises ArchiveError: the archive is invalid, or an entry would land outside the
        artifact (see :mod:`tiphys_executor.archive_extract`); the message names the entry.
    """
    artifact = name or os.path.basename(os.path.normpath(destination_path))
    kind = input_archive_kind(strategy)
    try:
        if kind is None:
            kind = "tar" if is_tarball(downloaded_path) else "none"
        if kind == "none":
            os.replace(downloaded_path, destination_path)
            return
        try:
            _extract_into_place(downloaded_path, destination_path, kind, artifact)
        finally:
            if os.path.isfile(downloaded_path):
                os.unlink(downloaded_path)
    except OSError as exc:
        raise ArchiveError(f"artifact '{artifact}': cannot unpack: {exc}") from None


def is_tarball(path: str) -> bool:
    """Whether ``path`` is a gzipped tarball with at least one entry (Argo's ``isTarball``)."""
    try:
        with open(path, "rb") as handle:
            if handle.read(2) != _GZIP_MAGIC:
                return False
        with tarfile.open(path, "r|gz") as archive:
            return archive.next() is not None
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        return False


def _extract_into_place(
    archive_path: str, destination_path: str, kind: ArchiveKind, artifact: str
) -> None:
    if os.path.isdir(archive_path):
        what = "tarball" if kind == "tar" else "zip file"
        raise ArchiveError(f"artifact '{artifact}': the download is a directory, not a {what}")
    parent = os.path.dirname(os.path.abspath(destination_path))
    os.makedirs(parent, exist_ok=True)
    base = os.path.basename(os.path.normpath(destination_path))
    root = tempfile.mkdtemp(prefix=f".{base}.", suffix=".tmpdir", dir=parent)
    try:
        extraction = Extraction(root, artifact)
        if kind == "zip":
            extract_zip(archive_path, extraction)
        else:
            extract_tar(archive_path, extraction)
        top = extraction.finish()
        if top:
            os.replace(os.path.join(root, top), destination_path)
            os.rmdir(root)
        else:
            os.chmod(root, 0o755)  # mkdtemp's 0700 is private; Argo's directory is 0755
            os.replace(root, destination_path)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    extraction.apply_directory_modes(destination_path, top)
