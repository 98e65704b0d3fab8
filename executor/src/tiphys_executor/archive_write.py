"""Writing an output artifact as Argo's executor does: a gzipped tarball or a zip file.

The layout is Argo's (``util/archive``): a file is stored under its base name, a directory
under its base name followed by its tree, walked in lexical order. Symlinks inside the tree
are stored as symlinks, modes are kept. Everything streams through fixed-size chunks, so
memory stays bounded whatever the artifact's size.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import stat
import struct
import tarfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

from tiphys_executor.archive_errors import ArchiveError
from tiphys_executor.archive_pipeline import CHUNK, ThreadedSink

GZIP_HUFFMAN_ONLY = -2
GZIP_DEFAULT_COMPRESSION = -1
GZIP_BEST_SPEED = 1
GZIP_BEST_COMPRESSION = 9

_BLOCK = tarfile.BLOCKSIZE
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_ZIP_END = (2107, 12, 31, 23, 59, 58)


class GzipMember:
    """One gzip member written to ``out`` as Go's ``compress/gzip`` writes it.

    No file name and a zero modification time in the header, so equal trees give equal
    archives; the deflate stream comes from zlib at the same level numbers Go accepts.
    """

    def __init__(self, out: BinaryIO, level: int) -> None:
        strategy = zlib.Z_DEFAULT_STRATEGY
        if level == GZIP_HUFFMAN_ONLY:
            level, strategy = GZIP_DEFAULT_COMPRESSION, zlib.Z_HUFFMAN_ONLY
        self._out = out
        self._compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, 8, strategy)
        self._crc = 0
        self._size = 0
        # XFL says which extreme the level is, as Go's writer sets it.
        extra = {GZIP_BEST_COMPRESSION: 2, GZIP_BEST_SPEED: 4}.get(level, 0)
        out.write(struct.pack("<BBBBIBB", 0x1F, 0x8B, 8, 0, 0, extra, 255))

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        compressed = self._compressor.compress(data)
        if compressed:
            self._out.write(compressed)

    def close(self) -> None:
        self._out.write(self._compressor.flush())
        self._out.write(struct.pack("<II", self._crc, self._size & 0xFFFFFFFF))


class TarStream:
    """A tar stream (PAX, as Python writes it; ustar headers when nothing needs more).

    Headers and small files gather in a buffer handed on in :data:`CHUNK`-sized pieces;
    large files go straight from disk to ``sink`` chunk by chunk.
    """

    def __init__(self, sink: Callable[[bytes], None]) -> None:
        self._sink = sink
        self._buffer = bytearray()
        self._users: dict[int, str] = {}
        self._groups: dict[int, str] = {}

    def add(self, path: str, arcname: str, status: os.stat_result) -> None:
        """Append the entry for ``path`` (``status`` from ``lstat``) named ``arcname``."""
        info = tarfile.TarInfo(arcname)
        info.mode = stat.S_IMODE(status.st_mode)
        info.uid = status.st_uid
        info.gid = status.st_gid
        info.uname = self._user(status.st_uid)
        info.gname = self._group(status.st_gid)
        # A float mtime would cost a PAX header per entry; tar keeps whole seconds anyway.
        info.mtime = int(status.st_mtime)
        if stat.S_ISDIR(status.st_mode):
            info.type = tarfile.DIRTYPE
        elif stat.S_ISLNK(status.st_mode):
            info.type = tarfile.SYMTYPE
            info.linkname = os.readlink(path)
        else:
            info.type = tarfile.REGTYPE
            info.size = status.st_size
        self._buffer += info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
        if info.type == tarfile.REGTYPE:
            self._copy(path, info.size)

    def close(self) -> None:
        """End the archive with the two zero blocks readers look for."""
        self._buffer += bytes(2 * _BLOCK)
        self._flush()

    def _copy(self, path: str, size: int) -> None:
        # O_NOFOLLOW: a file swapped for a symlink after the walk is not followed out of
        # the tree (the executor may read paths the container cannot).
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with open(fd, "rb", buffering=0) as source:
            remaining = size
            if size >= CHUNK:
                self._flush()
            while remaining:
                data = source.read(min(CHUNK, remaining))
                if not data:
                    raise ArchiveError(f"{path} shrank while it was archived")
                remaining -= len(data)
                if size >= CHUNK:
                    self._sink(data)
                else:
                    self._buffer += data
        padding = -size % _BLOCK
        if padding:
            self._buffer += bytes(padding)
        if len(self._buffer) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self._sink(bytes(self._buffer))
            self._buffer.clear()

    def _user(self, uid: int) -> str:
        name = self._users.get(uid)
        if name is None:
            try:
                name = pwd.getpwuid(uid).pw_name
            except KeyError:
                name = ""
            self._users[uid] = name
        return name

    def _group(self, gid: int) -> str:
        name = self._groups.get(gid)
        if name is None:
            try:
                name = grp.getgrgid(gid).gr_name
            except KeyError:
                name = ""
            self._groups[gid] = name
        return name


def walk(source: str, entry_name: str) -> Iterator[tuple[str, str, os.stat_result]]:
    """``(path, name in the archive, lstat)`` for ``source`` and its tree, in lexical order.

    ``source`` itself is followed when it is a symlink (Argo stats it); links inside the
    tree are not. Sockets cannot be archived (as in Argo); FIFOs and devices are skipped,
    since Argo's unpacking drops them anyway and ours refuses them.
    """
    if os.path.islink(source):
        source = os.path.realpath(source)  # read through O_NOFOLLOW below, so resolve it here
    root_status = os.stat(source)
    if not (stat.S_ISREG(root_status.st_mode) or stat.S_ISDIR(root_status.st_mode)):
        raise ArchiveError(f"{source} is not a regular file or directory")
    yield source, entry_name, root_status
    if not stat.S_ISDIR(root_status.st_mode):
        return
    # Depth-first with an explicit stack: deep trees must not hit the recursion limit.
    stack = [(entry_name, iter(_sorted_entries(source)))]
    while stack:
        prefix, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        status = entry.stat(follow_symlinks=False)
        mode = status.st_mode
        name = f"{prefix}/{entry.name}"
        if stat.S_ISSOCK(mode):
            raise ArchiveError(f"{entry.path} is a socket, which cannot be archived")
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
            continue
        yield entry.path, name, status
        if stat.S_ISDIR(mode):
            stack.append((name, iter(_sorted_entries(entry.path))))


def _sorted_entries(directory: str) -> list[os.DirEntry[str]]:
    with os.scandir(directory) as entries:
        return sorted(entries, key=lambda entry: entry.name)


def write_tgz(source: str, entry_name: str, level: int, out: BinaryIO) -> None:
    """Write ``source`` as a gzipped tarball to ``out`` (Argo's ``TarGzToWriter``).

    The tree is read and the tar stream built on this thread while the gzip member is
    deflated and written on another.
    """
    member = GzipMember(out, level)
    sink = ThreadedSink(member.write)
    try:
        stream = TarStream(sink)
        for path, name, status in walk(source, entry_name):
            stream.add(path, name, status)
        stream.close()
    except BaseException:
        with contextlib.suppress(BaseException):  # this error, not the worker's, is the news
            sink.close()
        raise
    sink.close()
    member.close()


def write_zip(source: str, entry_name: str, out: BinaryIO) -> None:
    """Write ``source`` as a zip file to ``out`` (Argo's ``ZipToWriter``, with directories
    and symlinks kept: Argo drops empty directories and stores symlinks as empty files)."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name, status in walk(source, entry_name):
            mode = status.st_mode
            info = zipfile.ZipInfo(name + "/" if stat.S_ISDIR(mode) else name)
            info.date_time = _zip_time(status.st_mtime)
            info.create_system = 3  # Unix: the mode below is meaningful
            info.external_attr = (mode & 0xFFFF) << 16
            if stat.S_ISDIR(mode):
                info.external_attr |= 0x10  # the MS-DOS directory flag
                archive.writestr(info, b"")
            elif stat.S_ISLNK(mode):
                info.compress_type = zipfile.ZIP_STORED
                archive.writestr(info, os.fsencode(os.readlink(path)))
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                info.file_size = status.st_size  # lets zipfile choose zip64 up front
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
                with open(fd, "rb") as source_file, archive.open(info, "w") as target:
                    while data := source_file.read(CHUNK):
                        target.write(data)


def _zip_time(mtime: float) -> tuple[int, int, int, int, int, int]:
    # Zip stores local time from 1980 to 2107; clamp rather than fail on odd clocks.
    local = time.localtime(mtime)
    parts = (local.tm_year, local.tm_mon, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec)
    return max(_ZIP_EPOCH, min(_ZIP_END, parts))
