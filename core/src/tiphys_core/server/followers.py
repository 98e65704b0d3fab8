"""A client following a workflow, shown as ``tiphys run`` shows it.

A :class:`Follower` is the same :class:`~tiphys_core.cli.display.LiveView` an embedded
``tiphys run`` draws with, writing into an outbox that the client's connection sends on
(:func:`~tiphys_core.server.sessions.pump`), so a slow client never holds up the workflow.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tiphys_core.cli.display import LiveView, summary
from tiphys_core.engine import Node
from tiphys_core.server.protocol import LOG_NAME
from tiphys_core.store import WorkflowRecord

# How long output waits for more before it is sent: the client is woken once per batch,
# not once per node (a chain of short steps would otherwise wake it every millisecond).
FLUSH_SECONDS = 0.02
# Messages sent at once, with whatever waits before them.
_URGENT = ("exit", "end")


class Outbox:
    """Messages for the client, taken in batches.

    A batch is taken once its first message has waited :data:`FLUSH_SECONDS`, or at
    once when an urgent message (the end, the exit status) joins it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []
        self._waiting = threading.Event()
        self._urgent = threading.Event()

    def put(self, message: dict[str, Any]) -> None:
        with self._lock:
            self._messages.append(message)
            self._waiting.set()
            if any(key in message for key in _URGENT):
                self._urgent.set()

    def take(self) -> list[dict[str, Any]]:
        """The next batch (blocks until there is one)."""
        self._waiting.wait()
        self._urgent.wait(FLUSH_SECONDS)
        with self._lock:
            batch, self._messages = self._messages, []
            self._waiting.clear()
            self._urgent.clear()
        return batch


class _Stream:
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
        self.outbox = Outbox()
        self.quiet = quiet
        self.closed = False
        self.view = LiveView(stream=_Stream(self), live=live, color=color)  # type: ignore[arg-type]

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
