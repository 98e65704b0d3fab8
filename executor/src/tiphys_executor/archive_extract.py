"""Extracting an input artifact's tarball or zip file without writing outside its directory.

Entries go into a fresh private directory (the caller renames it into place). Every entry is
checked before anything is written, and refused with an :class:`ArchiveError` naming it:

- names that are absolute or have a ``..`` segment;
- symlinks to absolute paths or whose target leaves the artifact (checked on the name when
  the entry is read, and again on the extracted tree, where chains of links are resolved);
- hard links to anything but a regular file extracted earlier from the same archive;
- character and block devices, FIFOs and unknown entry types;
- entries under a symlink or a file extracted earlier (``a -> b`` then ``a/x``): parents
  must be real directories, so a write never goes through a link.

Python's ``tarfile`` ``filter="data"`` is not used: it resolves names against the disk,
so ``a -> b`` then ``a/x`` writes through the link (inside, but not what the archive
says), and it does not see chains of links that only escape once the tree is complete.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import stat
import tarfile
import zipfile
import zlib
from typing import IO

from tiphys_executor.archive_errors import ArchiveError
from tiphys_executor.archive_pipeline import CHUNK, GunzipReader

_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_GZIP_MAGIC = b"\x1f\x8b"
_LINK_MAX = 4096  # PATH_MAX: longer symlink targets in a zip are not symlinks


class Extraction:
    """Entries written under ``root``, a new empty directory only this extraction uses."""

    def __init__(self, root: str, artifact: str) -> None:
        self.root = root
        self.artifact = artifact
        # Paths relative to root, "/"-separated; "" is root. Directories here are real ones
        # this extraction made or checked, and are never replaced, so the set stays true.
        self._directories: set[str] = {""}
        self._files: set[str] = set()
        self._symlinks: list[str] = []
        self._directory_modes: dict[str, int] = {}

    def refuse(self, entry: str, reason: str) -> ArchiveError:
        return ArchiveError(f"artifact '{self.artifact}': archive entry '{entry}' {reason}")

    def relative(self, entry: str) -> str:
        """``entry``'s path under root ("" for root itself), refused if it could leave it."""
        if entry.startswith("/"):
            raise self.refuse(entry, "has an absolute path")
        parts = [part for part in entry.split("/") if part not in ("", ".")]
        if ".." in parts:
            raise self.refuse(entry, "has a '..' segment")
        return "/".join(parts)

    def directory(self, entry: str, mode: int) -> None:
        relative = self.relative(entry)
        if not relative:
            return  # "./": the artifact's own directory
        if relative not in self._directories:
            target = self._prepare(entry, relative, directory=True)
            if not os.path.isdir(target):
                os.mkdir(target, 0o700)
            self._directories.add(relative)
        self._directory_modes[relative] = stat.S_IMODE(mode) & 0o777

    def file(self, entry: str, mode: int, data: IO[bytes], mtime: float | None = None) -> None:
        relative = self._named(entry)
        target = self._prepare(entry, relative, directory=False)
        fd = os.open(target, _WRITE_FLAGS, 0o600)
        with open(fd, "wb") as out:
            while chunk := data.read(CHUNK):
                out.write(chunk)
            # setuid, setgid and sticky bits are dropped, as Argo's extraction drops them.
            os.fchmod(fd, stat.S_IMODE(mode) & 0o777)
            if mtime is not None:
                # A time the file system cannot hold is not worth refusing the artifact.
                with contextlib.suppress(OverflowError, ValueError):
                    os.utime(fd, (mtime, mtime))
        self._files.add(relative)

    def symlink(self, entry: str, link_target: str) -> None:
        relative = self._named(entry)
        if not link_target:
            raise self.refuse(entry, "is a symlink with an empty target")
        if link_target.startswith("/"):
            raise self.refuse(entry, f"is a symlink to the absolute path '{link_target}'")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(relative), link_target))
        if resolved == ".." or resolved.startswith("../"):
            raise self.refuse(entry, f"is a symlink to '{link_target}', outside the artifact")
        target = self._prepare(entry, relative, directory=False)
        os.symlink(link_target, target)
        self._symlinks.append(relative)

    def hardlink(self, entry: str, link_target: str) -> None:
        relative = self._named(entry)
        if link_target.startswith("/"):
            raise self.refuse(entry, f"is a hard link to the absolute path '{link_target}'")
        parts = [part for part in link_target.split("/") if part not in ("", ".")]
        source = "/".join(parts)
        if ".." in parts:
            raise self.refuse(entry, f"is a hard link to '{link_target}', outside the artifact")
        if source not in self._files:
            raise self.refuse(
                entry,
                f"is a hard link to '{link_target}', which is not a file extracted before it",
            )
        target = self._prepare(entry, relative, directory=False)
        os.link(os.path.join(self.root, source), target, follow_symlinks=False)
        self._files.add(relative)

    def finish(self) -> str:
        """The relative path that becomes the artifact: the only top-level entry, else "".

        Argo's rule: an archive of a single file or directory unpacks to that file or
        directory. Symlinks are checked here against what becomes the artifact, with
        chains resolved on the extracted tree.
        """
        entries = os.listdir(self.root)
        top = entries[0] if len(entries) == 1 else ""
        # The root is a real directory; ``top`` is not resolved, it may be a link itself.
        boundary = (
            os.path.join(os.path.realpath(self.root), top) if top else os.path.realpath(self.root)
        )
        for relative in self._symlinks:
            path = os.path.join(self.root, relative)
            if not os.path.islink(path):
                continue  # replaced by a later entry
            resolved = os.path.realpath(path)
            if resolved != boundary and not resolved.startswith(boundary + os.sep):
                raise self.refuse(
                    relative, f"is a symlink to '{os.readlink(path)}', outside the artifact"
                )
        return top

    def apply_directory_modes(self, artifact_path: str, top: str) -> None:
        """Give directories their archived modes, once nothing more is written into them."""
        for relative, mode in self._directory_modes.items():
            if top and relative != top and not relative.startswith(top + "/"):
                continue
            rest = relative[len(top) :].lstrip("/")
            os.chmod(os.path.join(artifact_path, rest) if rest else artifact_path, mode)

    def _named(self, entry: str) -> str:
        relative = self.relative(entry)
        if not relative:
            raise self.refuse(entry, "has no name")
        return relative

    def _prepare(self, entry: str, relative: str, *, directory: bool) -> str:
        """The absolute path for ``relative``: parents made or checked, old entry removed."""
        parent, _, _ = relative.rpartition("/")
        self._ensure_parent(entry, parent)
        target = os.path.join(self.root, relative)
        try:
            existing = os.lstat(target)
        except FileNotFoundError:
            return target
        if stat.S_ISDIR(existing.st_mode):
            if directory:
                return target
            raise self.refuse(entry, "would replace a directory extracted before it")
        # A later entry of the same name wins, as with tar; the old one goes first.
        os.unlink(target)
        self._files.discard(relative)
        return target

    def _ensure_parent(self, entry: str, parent: str) -> None:
        if parent in self._directories:
            return
        grandparent, _, _ = parent.rpartition("/")
        self._ensure_parent(entry, grandparent)
        path = os.path.join(self.root, parent)
        try:
            existing = os.lstat(path)
        except FileNotFoundError:
            os.mkdir(path, 0o755)  # as Argo makes missing parents
        else:
            if stat.S_ISLNK(existing.st_mode):
                raise self.refuse(entry, f"is under '{parent}', which is a symlink")
            if not stat.S_ISDIR(existing.st_mode):
                raise self.refuse(entry, f"is under '{parent}', which is not a directory")
        self._directories.add(parent)


class _TarStream(tarfile.TarFile):
    # Declared here because typeshed omits it; the stream loop below empties it.
    members: list[tarfile.TarInfo]


def extract_tar(archive_path: str, extraction: Extraction) -> None:
    """Extract a tarball, gzipped (inflated on a second thread) or not, reading it once."""
    try:
        with open(archive_path, "rb") as raw:
            if raw.read(2) == _GZIP_MAGIC:
                raw.seek(0)
                with GunzipReader(raw) as reader, _TarStream(fileobj=reader) as archive:
                    _extract_members(archive, extraction)
                return
        with _TarStream.open(archive_path, "r:*") as archive:
            _extract_members(archive, extraction)
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise ArchiveError(
            f"artifact '{extraction.artifact}': not a valid tarball: {exc}"
        ) from None


def _extract_members(archive: _TarStream, extraction: Extraction) -> None:
    while (member := archive.next()) is not None:
        # TarFile lists every member it reads; dropping them keeps memory bounded.
        archive.members.clear()
        _extract_member(archive, member, extraction)


def _extract_member(
    archive: tarfile.TarFile, member: tarfile.TarInfo, extraction: Extraction
) -> None:
    name = member.name
    if member.isdir():
        extraction.directory(name, member.mode)
    elif member.issym():
        extraction.symlink(name, member.linkname)
    elif member.islnk():
        extraction.hardlink(name, member.linkname)
    elif member.isreg():
        data = archive.extractfile(member)
        if data is None:  # pragma: no cover - isreg() members always have data
            raise extraction.refuse(name, "has no data")
        with data:
            extraction.file(name, member.mode, data, member.mtime)
    elif member.ischr() or member.isblk():
        raise extraction.refuse(
            name, "is a device file; only files, directories and links can be extracted"
        )
    elif member.isfifo():
        raise extraction.refuse(
            name, "is a FIFO; only files, directories and links can be extracted"
        )
    else:
        raise extraction.refuse(name, f"has the unsupported tar entry type {member.type!r}")


def extract_zip(archive_path: str, extraction: Extraction) -> None:
    """Extract a zip file; Unix modes (and symlinks) are honoured when the zip records them."""
    try:
        with zipfile.ZipFile(archive_path) as archive:
            for info in archive.infolist():
                _extract_zip_entry(archive, info, extraction)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise ArchiveError(
            f"artifact '{extraction.artifact}': not a valid zip file: {exc}"
        ) from None


def _extract_zip_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, extraction: Extraction
) -> None:
    name = info.filename
    mode = info.external_attr >> 16 if info.create_system == 3 else 0
    kind = stat.S_IFMT(mode)
    if info.flag_bits & 0x1:
        raise extraction.refuse(name, "is encrypted")
    if kind == stat.S_IFDIR or (kind == 0 and info.is_dir()):
        extraction.directory(name, stat.S_IMODE(mode) or 0o755)
    elif kind == stat.S_IFLNK:
        with archive.open(info) as data:
            target = data.read(_LINK_MAX + 1)
        if len(target) > _LINK_MAX:
            raise extraction.refuse(name, "is a symlink with a target longer than PATH_MAX")
        extraction.symlink(name, os.fsdecode(target))
    elif kind in (stat.S_IFREG, 0):
        # Zips made elsewhere (Go's, Windows') record no Unix mode: files get 0644.
        with archive.open(info) as data:
            extraction.file(name, stat.S_IMODE(mode) or 0o644, data)
    elif kind in (stat.S_IFCHR, stat.S_IFBLK):
        raise extraction.refuse(
            name, "is a device file; only files, directories and links can be extracted"
        )
    elif kind == stat.S_IFIFO:
        raise extraction.refuse(
            name, "is a FIFO; only files, directories and links can be extracted"
        )
    else:
        raise extraction.refuse(name, f"has the unsupported file type {oct(kind)}")
