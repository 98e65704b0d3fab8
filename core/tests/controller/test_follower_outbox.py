"""What a standing controller sends a following client: output in batches, the end at once."""

from __future__ import annotations

import threading

import pytest
from tiphys_core.server import followers
from tiphys_core.server.followers import Outbox


def take_in_thread(outbox: Outbox) -> list[dict[str, object]]:
    taken: list[list[dict[str, object]]] = []
    thread = threading.Thread(target=lambda: taken.append(outbox.take()), daemon=True)
    thread.start()
    thread.join(30)
    assert taken, "take() did not return"
    return taken[0]


def test_output_put_together_is_taken_as_one_batch() -> None:
    outbox = Outbox()
    outbox.put({"out": "a\n"})
    outbox.put({"out": "b\n"})
    assert take_in_thread(outbox) == [{"out": "a\n"}, {"out": "b\n"}]


def test_the_exit_status_is_taken_at_once_with_what_waited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(followers, "FLUSH_SECONDS", 3600.0)  # only urgency ends the wait
    outbox = Outbox()
    outbox.put({"out": "last line\n"})
    outbox.put({"exit": 0})
    assert take_in_thread(outbox) == [{"out": "last line\n"}, {"exit": 0}]


def test_a_later_batch_holds_only_what_came_after_the_first() -> None:
    outbox = Outbox()
    outbox.put({"out": "first\n"})
    assert take_in_thread(outbox) == [{"out": "first\n"}]
    outbox.put({"err": "second\n"})
    outbox.put({"end": {"phase": "Succeeded"}})
    assert take_in_thread(outbox) == [{"err": "second\n"}, {"end": {"phase": "Succeeded"}}]
