"""Namespaces made ahead of need: fresh ones are used once, stale ones are dropped."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from agent_helpers import needs_namespaces
from tiphys_executor import spare_views
from tiphys_executor.isolation import BindMount, Isolation
from tiphys_executor.process import NodeControl, ProcessSpec, run_process
from tiphys_executor.spare_views import SpareViews


def ready_spare(spares: SpareViews) -> int:
    """Ask for a spare and take it once made (polls; the machine may be slow)."""
    spares.replenish()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        spares.replenish()
        fd = spares.take()
        if fd is not None:
            return fd
        time.sleep(0.01)
    raise AssertionError("no spare view was made")


def isolation_spares() -> tuple[Isolation, SpareViews]:
    isolation = Isolation()
    assert isolation.available
    return isolation, isolation._spares


@needs_namespaces
def test_a_spare_is_a_namespace_of_its_own_used_once() -> None:
    _, spares = isolation_spares()
    first = ready_spare(spares)
    second = ready_spare(spares)
    try:
        views = {os.readlink(f"/proc/self/fd/{fd}") for fd in (first, second)}
        assert len(views) == 2
        assert os.readlink("/proc/self/ns/mnt") not in views
    finally:
        os.close(first)
        os.close(second)
        spares.close()


@needs_namespaces
def test_a_stale_spare_is_dropped_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    _, spares = isolation_spares()
    fd = ready_spare(spares)
    os.close(fd)
    spares.replenish()
    deadline = time.monotonic() + 30
    while not spares._spares and time.monotonic() < deadline:
        time.sleep(0.01)
    monkeypatch.setattr(spare_views, "FRESH_SECONDS", -1.0)
    assert spares.take() is None
    spares.close()


@needs_namespaces
def test_sequential_nodes_on_one_thread_each_get_their_own_tmp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolation, spares = isolation_spares()
    taken: list[int | None] = []
    take = spares.take

    def counting_take() -> int | None:
        fd = take()
        taken.append(fd)
        return fd

    monkeypatch.setattr(spares, "take", counting_take)
    for index in range(6):
        node_tmp = tmp_path / f"n{index}" / "tmp"
        node_tmp.mkdir(parents=True)
        spec = ProcessSpec(
            argv=["sh", "-c", f"test ! -e /tmp/mark && echo {index} > /tmp/mark"],
            env=dict(os.environ),
            cwd=str(tmp_path),
            log_path=str(tmp_path / f"n{index}.log"),
            mounts=[BindMount(str(node_tmp), "/tmp")],
        )
        control = NodeControl(held=[])
        assert run_process(spec, isolation, control).exit_code == 0
        control.release()
        assert (node_tmp / "mark").read_text() == f"{index}\n"
        time.sleep(0.05)  # room for the next spare to be made
    assert not os.path.exists("/tmp/mark")
    assert any(fd is not None for fd in taken), "no node used a spare view"
    spares.close()


@needs_namespaces
def test_a_thread_that_started_a_thread_still_gets_a_view(tmp_path: Path) -> None:
    # A thread started by a node's thread shares its filesystem context, which setns
    # into a spare refuses: the node's thread then makes its own namespace.
    isolation, spares = isolation_spares()
    node_tmp = tmp_path / "tmp"
    node_tmp.mkdir()
    spec = ProcessSpec(
        argv=["sh", "-c", "echo x >> /tmp/mark"],
        env=dict(os.environ),
        cwd=str(tmp_path),
        log_path=str(tmp_path / "main.log"),
        mounts=[BindMount(str(node_tmp), "/tmp")],
    )
    codes: list[int | None] = []

    def node_thread() -> None:
        codes.append(run_process(spec, isolation, NodeControl()).exit_code)
        fd = ready_spare(spares)  # one is ready for the next spawn
        spares._spares.append((time.monotonic(), fd))
        sibling = threading.Thread(target=time.sleep, args=(0.5,))
        sibling.start()
        codes.append(run_process(spec, isolation, NodeControl()).exit_code)
        sibling.join()

    worker = threading.Thread(target=node_thread)
    worker.start()
    worker.join()
    assert codes == [0, 0]
    assert (node_tmp / "mark").read_text() == "x\nx\n"
    spares.close()
