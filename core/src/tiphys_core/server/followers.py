"""A client following a workflow, shown as ``tiphys run`` shows it.

A :class:`Follower` is the same :class:`~tiphys_core.cli.display.LiveView` an embedded
``tiphys run`` draws with, writing into an outbox that the client's connection sends on
(:func:`~tiphys_core.server.sessions.pump`), so a slow client never holds up the workflow.
"""

from __future__ import annotations

import queue
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tiphys_core.cli.display import LiveView, summary
from tiphys_core.engine import Node
from tiphys_core.server.protocol import LOG_NAME
from tiphys_core.store import WorkflowRecord


class _Outbox:
    """The text stream a follower's :class:`LiveView` writes to."""

    def __init__(self, follower: Follower) -> None:
        self._follower = follower

    def write(self, text: str) -> int:
        if text:
            self._follower.send({"out": text})
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False  # the client decided: live and color are given explicitly


class Follower:
    """One client following one workflow, shown as ``tiphys run`` shows it.

    :param live: redraw the tree in place (the client's stdout is a terminal).
    :param color: color the phase icons.
    :param quiet: show nothing while it runs (``tiphys wait``).
    """

    def __init__(self, live: bool = False, color: bool = False, quiet: bool = False) -> None:
        self.outbox: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self.quiet = quiet
        self.closed = False
        self.view = LiveView(stream=_Outbox(self), live=live, color=color)  # type: ignore[arg-type]

    def send(self, message: dict[str, Any]) -> None:
        if not self.closed:
            self.outbox.put(message)

    def out(self, text: str) -> None:
        self.send({"out": text})

    def err(self, text: str) -> None:
        self.send({"err": text})

    def exit(self, code: int) -> None:
        self.send({"exit": code})

    def fail(self, text: str, code: int) -> None:
        """Say ``text`` on stderr and end with ``code``."""
        self.err(text)
        self.exit(code)

    def step(self, record: WorkflowRecord, nodes: Mapping[str, Node], changed: list[Node]) -> None:
        if not self.quiet:
            self.view.update(record, nodes, changed)

    def finish(self, record: WorkflowRecord, nodes: Mapping[str, Node]) -> None:
        """The end of ``tiphys run``: the final tree, then the exit status."""
        if self.quiet:
            pass
        elif self.view.live:
            self.view.update(record, nodes, [], final=True)
        else:
            self.out(summary(record, nodes, color=False) + "\n")
        self.send({"end": {"name": record.name, "phase": record.phase, "message": record.message}})
        self.exit(0 if record.phase == "Succeeded" else 1)


def internal_error(err: Exception, home: Path) -> str:
    """What a client is told of a bug of ours: the error, and where its traceback is."""
    return (
        f"tiphys: internal error: {type(err).__name__}: {err}\n"
        "This is a bug in tiphys; the standing controller's log has the traceback: "
        f"{home / LOG_NAME}\n"
    )
