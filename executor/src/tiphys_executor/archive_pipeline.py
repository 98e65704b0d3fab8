"""Compression on a second thread, as ``tar czf`` and ``tar xzf`` run gzip as a second process.

zlib and file I/O release the GIL, so while one thread deflates (or inflates) a chunk the
other walks the tree, reads files and builds tar headers (or parses headers and writes
files). Chunks pass through a small bounded queue: memory stays a few :data:`CHUNK`\\ s.
"""

from __future__ import annotations

import contextlib
import io
import queue
import threading
import zlib
from collections.abc import Callable
from typing import BinaryIO

CHUNK = 1 << 20
"""Bytes handed on at a time: large enough that per-call overhead vanishes."""

_DEPTH = 4  # chunks in flight between the threads
_READ = 256 << 10  # compressed bytes read at a time
_DONE = b""


class ThreadedSink:
    """Calls ``write`` with each chunk on a worker thread; :meth:`close` waits for it.

    An error in ``write`` is raised in the caller's thread at the next call or at
    :meth:`close`; chunks after it are dropped, so the caller never blocks on a dead worker.
    """

    def __init__(self, write: Callable[[bytes], None]) -> None:
        self._write = write
        self._queue: queue.Queue[bytes | None] = queue.Queue(_DEPTH)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="tiphys-archive-gzip", daemon=True)
        self._thread.start()

    def __call__(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        if data:
            self._queue.put(data)

    def close(self) -> None:
        """Wait until every chunk is written; raise the worker's error if it had one."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._write(data)
                except BaseException as exc:  # handed to the caller's thread
                    self._error = exc


class GunzipReader(io.RawIOBase):
    """The decompressed bytes of a gzip file, inflated ahead on a worker thread.

    Reads forward only; :meth:`seek` may skip ahead (``tarfile`` seeks to each member).
    Concatenated gzip members and zero padding after the last are accepted, as by
    Python's ``gzip``; CRC and length are checked by zlib at each member's end.
    """

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(_DEPTH)
        self._stopping = threading.Event()
        self._chunk = memoryview(b"")
        self._position = 0
        self._ended = False
        self._thread = threading.Thread(target=self._run, name="tiphys-archive-gunzip", daemon=True)
        self._thread.start()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True  # forward only; tarfile needs seek() and tell()

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = {io.SEEK_SET: offset, io.SEEK_CUR: self._position + offset}.get(whence)
        if target is None or target < self._position:
            raise io.UnsupportedOperation("a gzip stream can only be read forward")
        while self._position < target:
            if not self._next_bytes(target - self._position):
                break
        return self._position

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        data = self._next_bytes(len(view))
        view[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: bytes(self._next_bytes(CHUNK)), b""))
        parts = []
        while size > 0 and (data := self._next_bytes(size)):
            parts.append(bytes(data))
            size -= len(data)
        return b"".join(parts)

    def close(self) -> None:
        if not self.closed:
            self._stopping.set()
            while self._thread.is_alive():  # unblock a worker waiting on a full queue
                with contextlib.suppress(queue.Empty):
                    self._queue.get(timeout=0.05)
        super().close()

    def _next_bytes(self, limit: int) -> memoryview:
        """Up to ``limit`` bytes from the current chunk (empty at the end of the stream)."""
        if not self._chunk:
            if self._ended:
                return self._chunk
            item = self._queue.get()
            if isinstance(item, BaseException):
                self._ended = True
                raise item
            if not item:
                self._ended = True
            self._chunk = memoryview(item)
        data = self._chunk[:limit]
        self._chunk = self._chunk[len(data) :]
        self._position += len(data)
        return data

    def _put(self, item: bytes | BaseException) -> bool:
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.05)
            except queue.Full:
                continue
            return True
        return False

    def _run(self) -> None:
        try:
            self._inflate()
        except BaseException as exc:  # handed to the reading thread
            self._put(exc)
        else:
            self._put(_DONE)

    def _inflate(self) -> None:
        decompressor: zlib._Decompress | None = None
        pending = b""
        while not self._stopping.is_set():
            if not pending:
                pending = self._raw.read(_READ)
                if not pending:
                    if decompressor is not None:
                        raise EOFError("the gzip stream ends before its end-of-stream marker")
                    return
            if decompressor is None:
                pending = pending.lstrip(b"\0")  # padding after the last member
                if not pending:
                    continue
                decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data = decompressor.decompress(pending, CHUNK)
            pending = decompressor.unconsumed_tail
            if data and not self._put(data):
                return
            if decompressor.eof:
                pending, decompressor = decompressor.unused_data, None
