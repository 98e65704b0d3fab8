"""Artifact archives: Argo's ``archive`` strategies for outputs and unpacking of inputs."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import socket
import stat
import subprocess
import tarfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from tiphys_core.artifacts import ArtifactError, ArtifactNotFoundError
from tiphys_executor.archive_pipeline import CHUNK, GunzipReader, ThreadedSink
from tiphys_executor.archives import ArchiveError, archive, is_tarball, unpack

Tree = dict[str, tuple[str, int, bytes]]

ZIP = {"zip": {}}
TAR = {"tar": {}}
NONE = {"none": {}}


def make_tree(root: Path) -> Path:
    """A directory with nested files, modes, an empty directory and symlinks inside."""
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "a.txt").write_text("alpha\n" * 100)
    (root / "a.txt").chmod(0o640)
    (root / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "run.sh").chmod(0o755)
    (root / "sub" / "deeper" / "b.bin").write_bytes(os.urandom(3 * CHUNK + 17))
    (root / "sub" / "exact.bin").write_bytes(os.urandom(CHUNK))
    (root / "sub" / "to-a").symlink_to("../a.txt")
    (root / "sub" / "to-deeper").symlink_to("deeper")
    (root / "sub" / "deeper").chmod(0o750)
    return root


def snapshot(root: Path) -> Tree:
    """Each path under ``root``: (kind, permission bits, contents or link target)."""
    tree: Tree = {}
    for directory, directories, files in os.walk(root):
        for name in directories + files:
            path = Path(directory) / name
            status = path.lstat()
            relative = str(path.relative_to(root))
            mode = stat.S_IMODE(status.st_mode)
            if path.is_symlink():
                tree[relative] = ("symlink", 0, os.readlink(path).encode())
            elif path.is_dir():
                tree[relative] = ("dir", mode, b"")
            else:
                tree[relative] = ("file", mode, path.read_bytes())
    return tree


def names_in_tgz(path: str) -> list[str]:
    with tarfile.open(path, "r:gz") as archive_file:
        return archive_file.getnames()


def make_tar(path: Path, entries: Sequence[tuple[Any, ...]], *, compressed: bool = True) -> Path:
    """A tarball of hand-made entries: (kind, name[, data or link target])."""
    with tarfile.open(path, "w:gz" if compressed else "w") as archive_file:
        for kind, name, *rest in entries:
            info = tarfile.TarInfo(name)
            info.mode = 0o644
            data = None
            if kind == "file":
                data = rest[0] if rest else b"data"
                info.size = len(data)
            elif kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, rest[0]
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, rest[0]
            else:
                info.type = {"chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE}.get(
                    kind, tarfile.FIFOTYPE
                )
            archive_file.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def make_zip(path: Path, entries: Sequence[tuple[str, int, bytes]]) -> Path:
    """A zip file of hand-made entries: (name, Unix mode with file type, data)."""
    with zipfile.ZipFile(path, "w") as archive_file:
        for name, mode, data in entries:
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = mode << 16
            archive_file.writestr(info, data)
    return path


def round_trip(
    source: Path, tmp_path: Path, strategy: Mapping[str, Any] | None, unpack_strategy: Any
) -> Path:
    _, local_path = archive(str(source), str(tmp_path / "staged"), "art", strategy)
    destination = tmp_path / "inputs" / "art"
    destination.parent.mkdir()
    unpack(local_path, str(destination), unpack_strategy, name="art")
    return destination


# Round trips.


@pytest.mark.parametrize(
    ("strategy", "unpack_strategy"),
    [(None, None), (TAR, TAR), ({"tar": {"compressionLevel": 1}}, None), (ZIP, ZIP)],
    ids=["default-tar", "tar", "tar-level-1", "zip"],
)
def test_directory_round_trip_keeps_nested_files_modes_symlinks_and_empty_directories(
    tmp_path: Path, strategy: Mapping[str, Any] | None, unpack_strategy: Any
) -> None:
    source = make_tree(tmp_path / "tree")
    destination = round_trip(source, tmp_path, strategy, unpack_strategy)
    assert snapshot(destination) == snapshot(source)
    assert stat.S_IMODE(destination.stat().st_mode) == stat.S_IMODE(source.stat().st_mode)


@pytest.mark.parametrize("strategy", [None, ZIP], ids=["tar", "zip"])
def test_single_file_round_trip_puts_the_file_itself_at_the_artifact_path(
    tmp_path: Path, strategy: Mapping[str, Any] | None
) -> None:
    source = tmp_path / "report.csv"
    source.write_bytes(b"a,b\n1,2\n")
    source.chmod(0o600)
    destination = round_trip(source, tmp_path, strategy, strategy)
    assert destination.is_file()
    assert destination.read_bytes() == b"a,b\n1,2\n"
    assert stat.S_IMODE(destination.stat().st_mode) == 0o600


def test_downloaded_archive_is_removed_once_extracted(tmp_path: Path) -> None:
    source = make_tree(tmp_path / "tree")
    _, local_path = archive(str(source), str(tmp_path / "staged"), "art", None)
    unpack(local_path, str(tmp_path / "art"), None)
    assert not os.path.exists(local_path)
    assert sorted(os.listdir(tmp_path)) == ["art", "staged", "tree"]


# Output strategies and Argo's layout.


def test_tar_strategy_names_the_file_after_the_artifact_and_the_entries_after_the_path(
    tmp_path: Path,
) -> None:
    source = make_tree(tmp_path / "tree")
    file_name, local_path = archive(str(source), str(tmp_path / "out"), "my-art", None)
    assert file_name == "my-art.tgz"
    assert local_path == str(tmp_path / "out" / "my-art.tgz")
    names = names_in_tgz(local_path)
    assert names[0] == "tree"
    assert set(names) == {"tree"} | {f"tree/{relative}" for relative in snapshot(source)}
    # Argo's walk is lexical, each directory before what it holds.
    assert names == sorted(names, key=lambda name: name.split("/"))


def test_tar_strategy_stores_a_single_file_under_its_base_name(tmp_path: Path) -> None:
    source = tmp_path / "result.json"
    source.write_text("{}")
    _, local_path = archive(str(source), str(tmp_path / "out"), "result", None)
    assert names_in_tgz(local_path) == ["result.json"]


def test_entry_name_replaces_the_top_level_name(tmp_path: Path) -> None:
    source = make_tree(tmp_path / "staged-copy")
    _, local_path = archive(str(source), str(tmp_path / "out"), "art", None, entry_name="data")
    assert names_in_tgz(local_path)[0] == "data"


def test_tarball_keeps_symlinks_as_symlinks_and_file_modes(tmp_path: Path) -> None:
    source = make_tree(tmp_path / "tree")
    _, local_path = archive(str(source), str(tmp_path / "out"), "art", None)
    with tarfile.open(local_path, "r:gz") as archive_file:
        link = archive_file.getmember("tree/sub/to-a")
        script = archive_file.getmember("tree/run.sh")
        deeper = archive_file.getmember("tree/sub/deeper")
    assert link.issym()
    assert link.linkname == "../a.txt"
    assert script.mode == 0o755
    assert deeper.mode == 0o750


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs GNU tar")
def test_tarball_is_read_by_gnu_tar(tmp_path: Path) -> None:
    source = make_tree(tmp_path / "tree")
    _, local_path = archive(str(source), str(tmp_path / "out"), "art", None)
    (tmp_path / "gnu").mkdir()
    subprocess.run(["tar", "xzf", local_path, "-C", str(tmp_path / "gnu")], check=True)
    assert snapshot(tmp_path / "gnu" / "tree") == snapshot(source)


def test_zip_strategy_writes_a_zip_named_after_the_artifact(tmp_path: Path) -> None:
    source = make_tree(tmp_path / "tree")
    file_name, local_path = archive(str(source), str(tmp_path / "out"), "art", ZIP)
    assert file_name == "art.zip"
    with zipfile.ZipFile(local_path) as archive_file:
        assert archive_file.testzip() is None
        names = archive_file.namelist()
    assert "tree/empty/" in names
    assert "tree/sub/deeper/b.bin" in names


def test_none_strategy_returns_the_path_itself_and_writes_nothing(tmp_path: Path) -> None:
    source = make_tree(tmp_path / "tree")
    result = archive(str(source), str(tmp_path / "out"), "art", NONE)
    assert result == ("tree", str(source))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("strategy", [None, ZIP, NONE], ids=["tar", "zip", "none"])
def test_missing_source_is_not_found_so_optional_artifacts_can_be_skipped(
    tmp_path: Path, strategy: Mapping[str, Any] | None
) -> None:
    with pytest.raises(ArtifactNotFoundError, match=r"artifact 'art': .*no such file"):
        archive(str(tmp_path / "missing"), str(tmp_path / "out"), "art", strategy)


def test_symlinked_source_directory_is_archived_as_the_directory(tmp_path: Path) -> None:
    make_tree(tmp_path / "real")
    (tmp_path / "alias").symlink_to("real")
    destination = round_trip(tmp_path / "alias", tmp_path, None, None)
    assert snapshot(destination) == snapshot(tmp_path / "real")


@pytest.mark.parametrize("strategy", [None, ZIP], ids=["tar", "zip"])
def test_symlinked_source_file_is_archived_as_the_file_under_the_link_name(
    tmp_path: Path, strategy: Mapping[str, Any] | None
) -> None:
    (tmp_path / "real.txt").write_text("contents")
    (tmp_path / "alias.txt").symlink_to("real.txt")
    _, local_path = archive(str(tmp_path / "alias.txt"), str(tmp_path / "out"), "art", strategy)
    if strategy is None:
        assert names_in_tgz(local_path) == ["alias.txt"]
    destination = tmp_path / "art"
    unpack(local_path, str(destination), strategy)
    assert not destination.is_symlink()
    assert destination.read_text() == "contents"


def test_fifo_in_the_tree_is_skipped(tmp_path: Path) -> None:
    source = make_tree(tmp_path / "tree")
    os.mkfifo(source / "pipe")
    _, local_path = archive(str(source), str(tmp_path / "out"), "art", None)
    assert "tree/pipe" not in names_in_tgz(local_path)


def test_socket_in_the_tree_is_refused_and_no_partial_archive_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_tree(tmp_path / "tree")
    monkeypatch.chdir(source)  # a short relative name: socket paths are limited to 108 bytes
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind("server.sock")
        with pytest.raises(ArchiveError, match=r"artifact 'art': .*server.sock is a socket"):
            archive(str(source), str(tmp_path / "out"), "art", None)
    assert os.listdir(tmp_path / "out") == []


# compressionLevel.


def test_compression_level_is_respected(tmp_path: Path) -> None:
    source = tmp_path / "log.txt"
    source.write_bytes(b"".join(b"line %d of a very repetitive log\n" % n for n in range(50_000)))
    sizes = {}
    contents = {}
    for level in (None, 0, 1, 6, 9):
        tar = {} if level is None else {"compressionLevel": level}
        _, local_path = archive(str(source), str(tmp_path / f"out-{level}"), "log", {"tar": tar})
        sizes[level] = os.path.getsize(local_path)
        contents[level] = Path(local_path).read_bytes()
        assert is_tarball(local_path)
    assert sizes[0] > source.stat().st_size  # stored, not compressed
    assert sizes[1] > sizes[6] > sizes[9]
    assert contents[None] == contents[6]  # gzip's default level is 6
    # The gzip header's XFL byte says "best" for 9 and "fastest" for 1, as Go writes it.
    assert contents[9][8] == 2
    assert contents[1][8] == 4


def test_huffman_only_level_is_accepted(tmp_path: Path) -> None:
    source = make_tree(tmp_path / "tree")
    strategy = {"tar": {"compressionLevel": -2}}
    destination = round_trip(source, tmp_path, strategy, None)
    assert snapshot(destination) == snapshot(source)


def test_archive_naming_no_strategy_writes_an_uncompressed_gzip_as_argo(tmp_path: Path) -> None:
    source = tmp_path / "log.txt"
    source.write_bytes(b"same line\n" * 100_000)
    file_name, local_path = archive(str(source), str(tmp_path / "out"), "log", {})
    assert file_name == "log.tgz"
    assert os.path.getsize(local_path) > source.stat().st_size
    assert gzip.decompress(Path(local_path).read_bytes())[512 : 512 + 10] == b"same line\n"


@pytest.mark.parametrize("level", [10, -3, "9", True, 1.5])
def test_invalid_compression_level_is_refused_naming_the_field(tmp_path: Path, level: Any) -> None:
    source = tmp_path / "f"
    source.write_text("x")
    with pytest.raises(ArchiveError, match=r"artifact 'art': archive.tar.compressionLevel .* -2"):
        archive(str(source), str(tmp_path / "out"), "art", {"tar": {"compressionLevel": level}})


# Unpacking: what is detected and how it lands.


def test_gzipped_tarball_is_detected_by_content_and_extracted(tmp_path: Path) -> None:
    make_tar(tmp_path / "download", [("dir", "data"), ("file", "data/x", b"x")])
    unpack(str(tmp_path / "download"), str(tmp_path / "art"), None)
    assert (tmp_path / "art" / "x").read_bytes() == b"x"


def test_plain_tar_is_not_detected_and_lands_as_it_is_as_in_argo(tmp_path: Path) -> None:
    tar_path = make_tar(tmp_path / "download", [("file", "x", b"x")], compressed=False)
    contents = tar_path.read_bytes()
    assert not is_tarball(str(tar_path))
    unpack(str(tar_path), str(tmp_path / "art"), None)
    assert (tmp_path / "art").read_bytes() == contents


def test_plain_tar_is_extracted_when_the_input_says_tar(tmp_path: Path) -> None:
    tar_path = make_tar(tmp_path / "download", [("file", "x", b"x")], compressed=False)
    unpack(str(tar_path), str(tmp_path / "art"), TAR)
    assert (tmp_path / "art").read_bytes() == b"x"


def test_zip_is_not_detected_and_lands_as_it_is_as_in_argo(tmp_path: Path) -> None:
    zip_path = make_zip(tmp_path / "download", [("x", 0o100644, b"x")])
    contents = zip_path.read_bytes()
    unpack(str(zip_path), str(tmp_path / "art"), None)
    assert (tmp_path / "art").read_bytes() == contents


def test_zip_is_extracted_when_the_input_says_zip(tmp_path: Path) -> None:
    zip_path = make_zip(tmp_path / "download", [("d/", 0o40755, b""), ("d/x", 0o100600, b"x")])
    unpack(str(zip_path), str(tmp_path / "art"), ZIP)
    assert (tmp_path / "art" / "x").read_bytes() == b"x"
    assert stat.S_IMODE((tmp_path / "art" / "x").stat().st_mode) == 0o600


def test_zip_without_unix_modes_gets_default_modes(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("d/x")
    info.create_system, info.external_attr = 0, 0  # made on "FAT", no mode: as Go writes it
    with zipfile.ZipFile(tmp_path / "download", "w") as archive_file:
        archive_file.writestr(info, b"x")
    unpack(str(tmp_path / "download"), str(tmp_path / "art"), ZIP)
    assert stat.S_IMODE((tmp_path / "art" / "x").stat().st_mode) == 0o644


@pytest.mark.parametrize(
    "contents",
    [b"just some text\n", b"", gzip.compress(b"gzipped text, not a tarball\n")],
    ids=["text", "empty", "gzipped-text"],
)
def test_file_that_is_not_a_tarball_is_moved_into_place(tmp_path: Path, contents: bytes) -> None:
    (tmp_path / "download").write_bytes(contents)
    unpack(str(tmp_path / "download"), str(tmp_path / "art"), None)
    assert (tmp_path / "art").read_bytes() == contents
    assert not (tmp_path / "download").exists()


def test_none_strategy_keeps_a_tarball_as_it_is(tmp_path: Path) -> None:
    tar_path = make_tar(tmp_path / "download", [("file", "x", b"x")])
    contents = tar_path.read_bytes()
    unpack(str(tar_path), str(tmp_path / "art"), NONE)
    assert (tmp_path / "art").read_bytes() == contents


def test_downloaded_directory_is_moved_into_place(tmp_path: Path) -> None:
    make_tree(tmp_path / "download")
    expected = snapshot(tmp_path / "download")
    unpack(str(tmp_path / "download"), str(tmp_path / "art"), None)
    assert snapshot(tmp_path / "art") == expected


def test_archive_of_several_entries_unpacks_to_a_directory_of_them(tmp_path: Path) -> None:
    make_tar(tmp_path / "download", [("file", "a", b"a"), ("dir", "b"), ("file", "b/c", b"c")])
    unpack(str(tmp_path / "download"), str(tmp_path / "art"), None)
    assert snapshot(tmp_path / "art") == {
        "a": ("file", 0o644, b"a"),
        "b": ("dir", 0o755, b""),
        "b/c": ("file", 0o644, b"c"),
    }
    assert stat.S_IMODE((tmp_path / "art").stat().st_mode) == 0o755


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs GNU tar")
def test_gnu_tarball_of_dot_unpacks_to_a_directory_of_its_entries(tmp_path: Path) -> None:
    source = make_tree(tmp_path / "tree")
    subprocess.run(["tar", "czf", str(tmp_path / "download"), "-C", str(source), "."], check=True)
    unpack(str(tmp_path / "download"), str(tmp_path / "art"), None)
    assert snapshot(tmp_path / "art") == snapshot(source)


def test_hard_link_to_an_earlier_file_is_extracted(tmp_path: Path) -> None:
    entries = [("dir", "d"), ("file", "d/a", b"a"), ("hardlink", "d/b", "d/a")]
    make_tar(tmp_path / "download", entries)
    unpack(str(tmp_path / "download"), str(tmp_path / "art"), None)
    assert (tmp_path / "art" / "b").read_bytes() == b"a"
    assert (tmp_path / "art" / "a").stat().st_ino == (tmp_path / "art" / "b").stat().st_ino


def test_corrupt_tarball_is_refused_without_leaving_anything(tmp_path: Path) -> None:
    source = make_tree(tmp_path / "tree")
    _, local_path = archive(str(source), str(tmp_path / "out"), "art", None)
    data = Path(local_path).read_bytes()
    Path(local_path).write_bytes(data[: len(data) // 2])
    with pytest.raises(ArchiveError, match="artifact 'art': not a valid tarball"):
        unpack(local_path, str(tmp_path / "inputs" / "art"), None, name="art")
    assert os.listdir(tmp_path / "inputs") == []


def test_archive_error_is_an_artifact_error() -> None:
    assert issubclass(ArchiveError, ArtifactError)


# Unpacking: archives that try to write outside the artifact.


def assert_refused(
    archive_path: Path, strategy: Any, entry: str, reason: str, tmp_path: Path
) -> None:
    """Unpacking is refused naming ``entry``; nothing lands at the target or beside it."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "sentinel").write_text("untouched")
    with pytest.raises(ArchiveError) as raised:
        unpack(str(archive_path), str(inputs / "art"), strategy, name="art")
    message = str(raised.value)
    assert message.startswith(f"artifact 'art': archive entry '{entry}' "), message
    assert reason in message
    assert os.listdir(inputs) == []
    assert os.listdir(outside) == ["sentinel"]
    assert (outside / "sentinel").read_text() == "untouched"
    assert sorted(os.listdir(tmp_path)) == ["inputs", "outside"]


MALICIOUS_TARS: list[tuple[str, list[tuple[Any, ...]], str, str]] = [
    ("dot-dot", [("file", "../outside/evil")], "../outside/evil", "'..' segment"),
    ("inner-dot-dot", [("dir", "a"), ("file", "a/../../x")], "a/../../x", "'..' segment"),
    ("absolute", [("file", "/tmp/evil")], "/tmp/evil", "absolute path"),
    ("symlink-absolute", [("symlink", "l", "/etc")], "l", "absolute path '/etc'"),
    (
        "symlink-outside",
        [("dir", "d"), ("symlink", "d/l", "../../outside")],
        "d/l",
        "outside the artifact",
    ),
    (
        "symlink-chain-outside",
        [("dir", "d"), ("symlink", "d/s", ".."), ("symlink", "d/t", "s/../outside"), ("dir", "e")],
        "d/t",
        "outside the artifact",
    ),
    (
        "single-directory-link-to-its-parent",
        [("dir", "d"), ("symlink", "d/up", "..")],
        "d/up",
        "outside the artifact",
    ),
    ("single-entry-symlink", [("symlink", "l", "sibling")], "l", "outside the artifact"),
    ("hardlink-absolute", [("hardlink", "h", "/etc/passwd")], "h", "absolute path"),
    ("hardlink-outside", [("hardlink", "h", "../outside/sentinel")], "h", "outside the artifact"),
    ("hardlink-unknown", [("hardlink", "h", "nothing")], "h", "not a file extracted before"),
    (
        "hardlink-to-symlink",
        [("dir", "d"), ("symlink", "d/l", "x"), ("hardlink", "d/h", "d/l")],
        "d/h",
        "not a file extracted before",
    ),
    ("char-device", [("chr", "dev")], "dev", "device file"),
    ("block-device", [("blk", "dev")], "dev", "device file"),
    ("fifo", [("fifo", "pipe")], "pipe", "FIFO"),
    (
        "symlinked-parent",
        [("dir", "d"), ("dir", "d/sub"), ("symlink", "d/link", "sub"), ("file", "d/link/x")],
        "d/link/x",
        "under 'd/link', which is a symlink",
    ),
    (
        "file-as-parent",
        [("file", "f"), ("file", "f/x")],
        "f/x",
        "under 'f', which is not a directory",
    ),
    (
        "symlink-replacing-a-directory",
        [("dir", "d"), ("symlink", "d", ".")],
        "d",
        "would replace a directory",
    ),
    (
        "bad-entry-after-good-ones",
        [("dir", "d"), ("file", "d/ok", b"fine"), ("file", "d/../../evil")],
        "d/../../evil",
        "'..' segment",
    ),
]


@pytest.mark.parametrize(
    ("entries", "entry", "reason"),
    [case[1:] for case in MALICIOUS_TARS],
    ids=[case[0] for case in MALICIOUS_TARS],
)
def test_malicious_tarball_is_refused_naming_the_entry(
    tmp_path: Path, entries: list[tuple[Any, ...]], entry: str, reason: str
) -> None:
    archive_path = make_tar(tmp_path / "download.tgz", entries)
    assert_refused(archive_path, None, entry, reason, tmp_path)


MALICIOUS_ZIPS: list[tuple[str, list[tuple[str, int, bytes]], str, str]] = [
    ("dot-dot", [("../outside/evil", 0o100644, b"x")], "../outside/evil", "'..' segment"),
    ("absolute", [("/tmp/evil", 0o100644, b"x")], "/tmp/evil", "absolute path"),
    (
        "symlink-outside",
        [("d/", 0o40755, b""), ("d/l", 0o120777, b"../../outside")],
        "d/l",
        "outside the artifact",
    ),
    ("symlink-absolute", [("l", 0o120777, b"/etc/passwd")], "l", "absolute path"),
    (
        "symlinked-parent",
        [("d/", 0o40755, b""), ("d/l", 0o120777, b"."), ("d/l/x", 0o100644, b"x")],
        "d/l/x",
        "which is a symlink",
    ),
    ("fifo", [("pipe", 0o10644, b"")], "pipe", "FIFO"),
    ("char-device", [("dev", 0o20644, b"")], "dev", "device file"),
]


@pytest.mark.parametrize(
    ("entries", "entry", "reason"),
    [case[1:] for case in MALICIOUS_ZIPS],
    ids=[case[0] for case in MALICIOUS_ZIPS],
)
def test_malicious_zip_is_refused_naming_the_entry(
    tmp_path: Path, entries: list[tuple[str, int, bytes]], entry: str, reason: str
) -> None:
    archive_path = make_zip(tmp_path / "download.zip", entries)
    assert_refused(archive_path, ZIP, entry, reason, tmp_path)


def test_symlinks_inside_the_artifact_are_kept(tmp_path: Path) -> None:
    entries = [
        ("dir", "d"),
        ("dir", "d/sub"),
        ("file", "d/sub/x", b"x"),
        ("symlink", "d/to-sub", "sub"),
        ("symlink", "d/sub/to-x", "../sub/./x"),
        ("symlink", "d/self", "."),
        ("symlink", "d/dangling", "sub/not-yet"),
    ]
    make_tar(tmp_path / "download", entries)
    unpack(str(tmp_path / "download"), str(tmp_path / "art"), None)
    assert (tmp_path / "art" / "to-sub" / "to-x").read_bytes() == b"x"
    assert os.readlink(tmp_path / "art" / "dangling") == "sub/not-yet"


# The second thread that deflates and inflates.


def test_gunzip_reader_reads_concatenated_members_and_ignores_zero_padding(
    tmp_path: Path,
) -> None:
    first, second = os.urandom(3 * CHUNK), b"text " * 1000
    path = tmp_path / "members.gz"
    path.write_bytes(gzip.compress(first) + gzip.compress(second) + bytes(100))
    with path.open("rb") as raw, GunzipReader(raw) as reader:
        assert reader.read(10) == first[:10]
        assert reader.seek(CHUNK + 5) == CHUNK + 5
        assert reader.read() == first[CHUNK + 5 :] + second
        assert reader.tell() == len(first) + len(second)


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (lambda data: data[: len(data) // 2], EOFError),
        (lambda data: data[:-8] + bytes(8), zlib.error),  # CRC and length zeroed
    ],
    ids=["truncated", "bad-crc"],
)
def test_gunzip_reader_reports_a_damaged_stream(
    tmp_path: Path, damage: Callable[[bytes], bytes], error: type[Exception]
) -> None:
    path = tmp_path / "damaged.gz"
    path.write_bytes(damage(gzip.compress(os.urandom(CHUNK))))
    with path.open("rb") as raw, GunzipReader(raw) as reader, pytest.raises(error):
        reader.read()


def test_gunzip_reader_closed_early_stops_its_thread(tmp_path: Path) -> None:
    path = tmp_path / "big.gz"
    path.write_bytes(gzip.compress(bytes(64 * CHUNK), compresslevel=1))
    with path.open("rb") as raw:
        reader = GunzipReader(raw)
        assert reader.read(5) == bytes(5)
        reader.close()
    assert not any(thread.name == "tiphys-archive-gunzip" for thread in threading.enumerate())


def test_threaded_sink_raises_the_writers_error_in_the_callers_thread() -> None:
    written: list[bytes] = []

    def write(data: bytes) -> None:
        if data == b"bad":
            raise OSError(28, "No space left on device")
        written.append(data)

    sink = ThreadedSink(write)
    sink(b"good")
    sink(b"bad")
    with pytest.raises(OSError, match="No space left"):
        sink.close()
    with pytest.raises(OSError, match="No space left"):
        sink(b"after")
    assert written == [b"good"]


def test_tarball_split_across_gzip_members_is_extracted(tmp_path: Path) -> None:
    source = make_tree(tmp_path / "tree")
    with tarfile.open(tmp_path / "plain.tar", "w") as archive_file:
        archive_file.add(source, "tree")
    plain = (tmp_path / "plain.tar").read_bytes()
    half = len(plain) // 2
    (tmp_path / "download").write_bytes(gzip.compress(plain[:half]) + gzip.compress(plain[half:]))
    unpack(str(tmp_path / "download"), str(tmp_path / "art"), None)
    assert snapshot(tmp_path / "art") == snapshot(source)
