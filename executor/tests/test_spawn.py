"""Spawning a node's process with posix_spawn: what the child gets and how waiting works."""

from __future__ import annotations

import ctypes
import os
import stat
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from tiphys_executor.spawn import (
    ChildProcess,
    CommandPaths,
    Process,
    find_executable,
    keep_descriptors_private,
    spawn,
)

_CLONE_FS = 0x00000200
T = TypeVar("T")


def in_own_working_dir(action: Callable[[], T]) -> T:
    """Run ``action`` on a thread whose working directory is its own, as in a node's view."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def body() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(_CLONE_FS) != 0:
            failure.append(OSError(ctypes.get_errno(), "unshare(CLONE_FS)"))
            return
        try:
            outcome.append(action())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def run(argv: list[str], cwd: str = "/", stderr: int = subprocess.PIPE) -> Process:
    env = {"PATH": os.environ["PATH"]}
    return in_own_working_dir(
        lambda: spawn(argv, env, cwd, subprocess.PIPE, stderr, own_working_dir=True)
    )


def output(process: Process) -> tuple[bytes, bytes]:
    assert process.stdout is not None
    out = process.stdout.read()
    err = process.stderr.read() if process.stderr is not None else b""
    process.wait()
    process.stdout.close()
    if process.stderr is not None:
        process.stderr.close()
    return out, err


def test_spawn_uses_posix_spawn_in_a_thread_with_its_own_working_dir() -> None:
    process = run(["true"])
    assert isinstance(process, ChildProcess)
    output(process)
    assert process.returncode == 0


def test_child_runs_in_cwd_with_stdin_from_dev_null_and_the_given_env(tmp_path: Path) -> None:
    process = run(["sh", "-c", 'pwd; cat; echo "$PATH"'], cwd=str(tmp_path))
    out, _ = output(process)
    assert out.decode().splitlines() == [str(tmp_path), os.environ["PATH"]]


def test_callers_working_dir_is_untouched(tmp_path: Path) -> None:
    before = os.getcwd()
    output(run(["true"], cwd=str(tmp_path)))
    assert os.getcwd() == before


def test_stdout_and_stderr_pipes_and_merged_stderr() -> None:
    out, err = output(run(["sh", "-c", "echo out; echo err >&2"]))
    assert (out, err) == (b"out\n", b"err\n")
    merged = run(["sh", "-c", "echo out; echo err >&2"], stderr=subprocess.STDOUT)
    assert merged.stderr is None
    assert output(merged)[0] == b"out\nerr\n"


def test_child_inherits_only_its_standard_descriptors() -> None:
    inherited = os.open("/dev/null", os.O_RDONLY)
    os.set_inheritable(inherited, True)
    private = os.open("/dev/null", os.O_RDONLY)
    try:
        in_own_working_dir(keep_descriptors_private)
        assert not os.get_inheritable(inherited)
        out, _ = output(run(["sh", "-c", "ls /proc/self/fd"]))
    finally:
        os.close(inherited)
        os.close(private)
    # ls's own directory descriptor is the one beyond 0, 1 and 2.
    assert len(out.split()) == 4


def test_child_starts_a_new_session() -> None:
    out, _ = output(run(["sh", "-c", "ps -o sid= -p $$; echo $$"]))
    sid, pid = out.split()
    assert sid == pid


def test_sigpipe_is_back_to_its_default_in_the_child() -> None:
    out, _ = output(run(["sh", "-c", "yes | head -n 1; echo ${PIPESTATUS:-done}"]))
    assert out.startswith(b"y\n")
    process = run(["sh", "-c", "kill -PIPE $$"])
    output(process)
    assert process.returncode == -13


def test_a_missing_command_names_it() -> None:
    with pytest.raises(FileNotFoundError) as caught:
        run(["no-such-command-tiphys"])
    assert caught.value.filename == "no-such-command-tiphys"


def test_a_missing_working_dir_names_it(tmp_path: Path) -> None:
    missing = str(tmp_path / "gone")
    with pytest.raises(FileNotFoundError) as caught:
        run(["true"], cwd=missing)
    assert caught.value.filename == missing


def test_a_command_without_execute_permission_is_refused(tmp_path: Path) -> None:
    script = tmp_path / "tool"
    script.write_text("#!/bin/sh\n")
    with pytest.raises(PermissionError):
        find_executable("tool", str(tmp_path))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    assert find_executable("tool", f"/nonexistent:{tmp_path}") == str(script)


def test_wait_with_a_timeout_raises_while_it_runs_then_reaps() -> None:
    process = run(["sleep", "30"])
    with pytest.raises(subprocess.TimeoutExpired):
        process.wait(0.05)
    assert process.poll() is None
    os.kill(process.pid, 9)
    assert process.wait(5) == -9
    assert process.poll() == -9
    output(process)


def test_without_a_working_dir_of_its_own_popen_is_used(tmp_path: Path) -> None:
    process = spawn(["pwd"], {}, str(tmp_path), subprocess.PIPE, subprocess.PIPE, False)
    assert isinstance(process, subprocess.Popen)
    assert output(process)[0] == f"{tmp_path}\n".encode()


def test_a_command_is_found_on_the_childs_own_path(tmp_path: Path) -> None:
    tool = tmp_path / "only-here"
    tool.write_text("#!/bin/sh\necho found\n")
    tool.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    process = in_own_working_dir(
        lambda: spawn(["only-here"], env, "/", subprocess.PIPE, subprocess.PIPE, True)
    )
    assert output(process)[0] == b"found\n"
    with pytest.raises(FileNotFoundError) as caught:
        in_own_working_dir(lambda: spawn(["nope-x"], env, "/", 1, 2, True))
    assert caught.value.filename == "nope-x"


def test_a_command_found_lately_is_spawned_by_its_path_while_fresh(tmp_path: Path) -> None:
    early, late = tmp_path / "early", tmp_path / "late"
    early.mkdir()
    late.mkdir()
    for directory in (early, late):
        tool = directory / "which-one"
        tool.write_text(f"#!/bin/sh\necho {directory.name}\n")
        tool.chmod(0o755)
    (early / "which-one").unlink()
    env = {"PATH": f"{early}:{late}:/usr/bin:/bin"}

    def which(commands: CommandPaths) -> bytes:
        process = in_own_working_dir(
            lambda: spawn(["which-one"], env, "/", subprocess.PIPE, 2, True, commands)
        )
        return output(process)[0]

    commands = CommandPaths(fresh=3600)
    assert which(commands) == b"late\n"
    assert commands.lookup("which-one", env["PATH"]) == str(late / "which-one")
    (early / "which-one").write_text("#!/bin/sh\necho early\n")
    (early / "which-one").chmod(0o755)
    assert which(commands) == b"late\n"  # remembered
    assert which(CommandPaths(fresh=0)) == b"early\n"  # looked up again
    (late / "which-one").unlink()
    assert commands.lookup("which-one", env["PATH"]) is None  # gone: looked up again
    assert which(commands) == b"early\n"
