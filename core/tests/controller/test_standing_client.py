"""The parts of the standing controller a client relies on: the state directory lock, where
the socket is, and a ``tiphys run`` path that imports almost nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tiphys_core.cli import COMMANDS, build_parser
from tiphys_core.paths import home
from tiphys_core.server.lock import LockBusyError, StoreLock, WorkflowLock
from tiphys_core.server.protocol import SOCKET_NAME, build_id, socket_address, state_dir

# Modules the client side of ``tiphys run`` must not import: the controller has them warm.
HEAVY = ("yaml", "pluggy", "hera", "pydantic", "sqlite3", "subprocess", "pathlib")
HEAVY_PACKAGES = ("tiphys_core.engine", "tiphys_core.expr", "tiphys_core.spec", "tiphys_core.store")


def test_store_lock_keeps_a_second_standing_controller_out(tmp_path: Path) -> None:
    standing = StoreLock(str(tmp_path))
    standing.acquire()
    try:
        with pytest.raises(LockBusyError, match=rf"another controller \(pid {os.getpid()}\)"):
            StoreLock(str(tmp_path)).acquire()
    finally:
        standing.release()
    again = StoreLock(str(tmp_path))
    again.acquire()
    again.release()


def test_a_workflow_is_driven_by_one_holder_of_its_lock_at_a_time(tmp_path: Path) -> None:
    first, second = WorkflowLock(str(tmp_path), "uid-1"), WorkflowLock(str(tmp_path), "uid-1")
    assert first.try_acquire()
    assert not second.try_acquire()
    assert second.held_elsewhere()
    other = WorkflowLock(str(tmp_path), "uid-2")  # another workflow: its own lock
    assert other.try_acquire()
    other.release()
    first.release()
    assert second.try_acquire()
    second.release()
    assert (tmp_path / "workflows" / "uid-1" / "driver.lock").is_file()


def test_lock_of_a_sigkilled_holder_is_free_at_once(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable, "-c",
            "import sys, time; from tiphys_core.server.lock import StoreLock; "
            "StoreLock(sys.argv[1]).acquire(); print('held', flush=True); "
            "time.sleep(600)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert StoreLock(str(tmp_path)).holder() == holder.pid
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    lock = StoreLock(str(tmp_path))
    lock.acquire()
    assert lock.holder() == os.getpid()
    lock.release()
    assert StoreLock(str(tmp_path)).holder() is None  # a pid left in the file is not a holder


def test_state_dir_is_home_made_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for variables in (
        {"TIPHYS_HOME": "relative/state"},
        {"TIPHYS_HOME": "", "XDG_DATA_HOME": str(tmp_path / "data")},
        {"TIPHYS_HOME": "", "XDG_DATA_HOME": "", "HOME": str(tmp_path / "user")},
    ):
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        assert state_dir() == str(home().absolute())


def test_long_state_dir_gets_a_socket_reached_from_inside_it(tmp_path: Path) -> None:
    short = str(tmp_path / "h")
    assert socket_address(short) == ("", os.path.join(short, SOCKET_NAME))
    deep = str(tmp_path / ("d" * 120))
    assert socket_address(deep) == (deep, SOCKET_NAME)


def test_build_id_is_stable_and_can_be_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIPHYS_BUILD_ID", raising=False)
    assert build_id() == build_id()
    assert sys.executable in build_id()
    monkeypatch.setenv("TIPHYS_BUILD_ID", "pinned")
    assert build_id() == "pinned"


def test_run_path_imports_no_yaml_engine_or_plugins() -> None:
    # What `tiphys run FILE` imports before it talks to the controller.
    script = (
        "import json, sys\n"
        "from tiphys_core.cli import build_parser\n"
        "args = build_parser(['run', 'x.yaml']).parse_args(['run', 'x.yaml'])\n"
        "import tiphys_core.client\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    modules = json.loads(done.stdout)
    heavy = [
        m for m in modules
        if m.split(".")[0] in HEAVY or any(m == p or m.startswith(p + ".") for p in HEAVY_PACKAGES)
    ]  # fmt: skip
    assert heavy == []
    assert "shutil" not in modules  # argparse's help formatter would import it


def test_command_table_names_each_command_of_each_module() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    registered = set(subparsers.choices)  # type: ignore[arg-type]
    assert registered == {c for commands in COMMANDS.values() for c in commands}
    for module, commands in COMMANDS.items():
        for command in commands:
            only = build_parser([command])
            action = next(a for a in only._actions if a.dest == "command")
            assert command in action.choices, (module, command)  # type: ignore[operator]
