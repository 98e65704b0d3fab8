"""One client connection to the standing controller: the greeting, the request, the answer.

``ping`` and ``stop`` are answered here; ``submit`` and ``follow`` are handed to
:mod:`~tiphys_core.server.workflow_requests` with a
:class:`~tiphys_core.server.followers.Follower`, whose outbox this connection sends on until
the exit status (see :mod:`~tiphys_core.server.protocol` for the messages).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tiphys_core.server.protocol import encode

if TYPE_CHECKING:
    from tiphys_core.server.followers import Follower
    from tiphys_core.server.standing import StandingController

_REQUEST_TIMEOUT_SECONDS = 30.0


class Session:
    """Serves one connection, in its own thread, then closes it."""

    def __init__(self, server: StandingController, connection: socket.socket) -> None:
        self.server = server
        self.connection = connection

    def serve(self) -> None:
        connection = self.connection
        try:
            # The greeting comes first: a client that gets none knows nothing was done.
            connection.sendall(encode({"controller": {"pid": os.getpid()}}))
            connection.settimeout(_REQUEST_TIMEOUT_SECONDS)
            request = read_request(connection)
            connection.settimeout(None)
            if request is not None:
                self._answer(request)
        except OSError:
            pass  # the client went away
        except Exception:  # a bug of ours: keep serving the others
            self.server.log(f"a request failed:\n{traceback.format_exc()}")
        finally:
            connection.close()
            self.server.session_ended()

    def _answer(self, request: dict[str, Any]) -> None:
        from tiphys_core.server.followers import Follower
        from tiphys_core.server.workflow_requests import follow, submit

        server, connection = self.server, self.connection
        if not self._compatible(request):
            return
        op = request.get("op")
        if op == "ping":
            connection.sendall(encode({"pong": server.status()}) + encode({"exit": 0}))
            return
        if op == "stop":
            connection.sendall(
                encode({"out": f"controller pid {os.getpid()} stopping\n"}) + encode({"exit": 0})
            )
            server.stop("asked to stop")
            return
        show = request.get("show") or {}
        follower = Follower(
            live=bool(show.get("live")),
            color=bool(show.get("color")),
            quiet=bool(show.get("quiet")),
        )
        if op == "submit":
            threading.Thread(
                target=submit, args=(server, request, follower), name="tiphys-submit", daemon=True
            ).start()
        elif op == "follow":
            follow(server, request, follower)
        else:
            follower.err(f"tiphys: the standing controller does not know the request {op!r}\n")
            follower.exit(2)
        pump(connection, follower, server.runs.detach)

    def _compatible(self, request: dict[str, Any]) -> bool:
        """Whether to answer ``request``; a server of another build retires when it can."""
        mismatch = self.server.check_build(request)
        if mismatch is None:
            return True
        if mismatch.refused:
            self.connection.sendall(
                encode({"incompatible": mismatch.reason, "retiring": mismatch.retiring})
            )
            if mismatch.retiring:
                self.server.stop(f"retiring: {mismatch.reason}")
            return False
        self.connection.sendall(
            encode(
                {
                    "err": f"tiphys: note: the standing controller (pid {os.getpid()}) runs an "
                    f"older tiphys ({mismatch.reason}); it is replaced once its workflows end\n"
                }
            )
        )
        return True


def pump(connection: socket.socket, follower: Follower, detach: Callable[[Follower], None]) -> None:
    """Send the follower's outbox to the client until its exit status is sent."""
    while True:
        batch = follower.outbox.take()
        data = b"".join(encode(message) for message in coalesce(batch))
        try:
            connection.sendall(data)
        except OSError:  # the client went away; the workflow goes on
            detach(follower)
            return
        if any("exit" in message for message in batch):
            return


def coalesce(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Neighbouring ``out`` (or ``err``) texts as one message: one line per redraw, not per write."""
    merged: list[dict[str, Any]] = []
    for message in batch:
        if merged and len(message) == 1 and merged[-1].keys() == message.keys():
            key = next(iter(message))
            if key in ("out", "err"):
                merged[-1] = {key: merged[-1][key] + message[key]}
                continue
        merged.append(message)
    return merged


def read_request(connection: socket.socket) -> dict[str, Any] | None:
    """The client's one request line; None if it closed first or sent no JSON object."""
    chunks: list[bytes] = []
    while True:
        chunk = connection.recv(1 << 20)
        if not chunk:
            return None
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            break
    request = json.loads(b"".join(chunks))
    return request if isinstance(request, dict) else None
