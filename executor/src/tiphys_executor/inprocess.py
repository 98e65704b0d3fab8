"""Work a node does inside the agent (an HTTP exchange, an artifact listing), made stoppable.

Such work blocks in a library call that cannot watch the node's cancellation, so it runs
in a helper thread while the node's thread waits for the first of: the work ends, the
node is cancelled, the deadline passes. On the last two, ``stop`` is called (e.g. to shut
the socket the work blocks on) and the node ends at once; the helper thread is left to
finish on its own, its result discarded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from tiphys_executor.process import NodeControl

T = TypeVar("T")

# Event waits are split into slices of this length (an infinite wait is not allowed).
_LONGEST_WAIT_SECONDS = 3600.0
_STOPPED_JOIN_SECONDS = 1.0


class NodeCancelled(Exception):
    """The node was cancelled while the work ran; the message is the cancellation's."""


class DeadlineExceeded(Exception):
    """The deadline passed before the work ended."""


def run_stoppable(
    control: NodeControl,
    work: Callable[[], T],
    *,
    deadline: float | None = None,
    stop: Callable[[], None] | None = None,
    name: str = "tiphys-inprocess",
) -> T:
    """``work()``'s result (or exception), unless the node is cancelled or ``deadline`` passes.

    :param deadline: seconds since the epoch, or None for no limit.
    :param stop: called from this thread to make the abandoned work end early.
    :raises NodeCancelled: the node was cancelled first.
    :raises DeadlineExceeded: the deadline passed first.
    """
    if control.cancelled:
        raise NodeCancelled(control.message)
    # A child control wakes this thread both when the node is cancelled (cancellation
    # reaches children) and when the work ends (the helper cancels the child itself).
    waker = control.child()
    outcome: list[tuple[bool, object]] = []

    def target() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as exc:  # handed to the node's thread
            outcome.append((False, exc))
        finally:
            waker.cancel("the work ended")

    helper = threading.Thread(target=target, name=name, daemon=True)
    helper.start()
    while not outcome and not control.cancelled:
        remaining = _LONGEST_WAIT_SECONDS if deadline is None else deadline - time.time()
        if remaining <= 0:
            break
        waker.wait(min(remaining, _LONGEST_WAIT_SECONDS))
    if outcome:
        finished, value = outcome[0]
        if finished:
            return value  # type: ignore[return-value]
        assert isinstance(value, BaseException)
        raise value
    if stop is not None:
        stop()
    helper.join(_STOPPED_JOIN_SECONDS)
    if control.cancelled:
        raise NodeCancelled(control.message)
    raise DeadlineExceeded()
