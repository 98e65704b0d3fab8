"""Warm executor agents shared by the workflows a standing controller runs.

Nodes inherit their agent's environment and working directory, and an embedded ``tiphys
run`` starts its agents in the client's. To keep that, agents are pooled by the client's
``(working directory, environment)``: clients that share them (the usual case: one shell)
share warm agents; another shell gets its own pool, kept warm too, up to a limit.

One :class:`LocalLauncher` serves many workflows at once; each workflow sees it through a
:class:`WorkflowLauncher` whose results go to that workflow's queue.
"""

from __future__ import annotations

import hashlib
import json
import queue
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tiphys_core.launch import LocalLauncher, default_agent_command
from tiphys_core.wire import NodeRequest, NodeResult

# Pools kept warm beyond the ones in use; the least recently used idle one is closed first.
MAX_IDLE_POOLS = 3
# Starts the agent in a given working directory (LocalLauncher spawns in ours).
_AGENT_IN_DIRECTORY = (
    "import os, sys; os.chdir(sys.argv.pop(1)); "
    "from tiphys_executor.agent import main; sys.exit(main(sys.argv[1:]))"
)

MessageSink = Callable[[str, str], None]


class StoppingError(RuntimeError):
    """The standing controller is stopping: the workflow is left to resume later."""


class WorkflowResults(queue.Queue[NodeResult]):
    """A workflow's result queue that ends its controller loop when the server stops.

    :class:`~tiphys_core.controller.Controller` waits on its queue at most
    ``COMMAND_POLL_SECONDS`` at a time, so a stop is noticed within that.
    """

    def __init__(self, stopping: threading.Event) -> None:
        super().__init__()
        self._stopping = stopping

    def get(self, block: bool = True, timeout: float | None = None) -> NodeResult:
        if self._stopping.is_set():
            raise StoppingError("the standing controller is stopping")
        return super().get(block, timeout)


def pool_key(working_dir: str, environment: Mapping[str, str]) -> str:
    """The pool a client's nodes run in."""
    text = json.dumps([working_dir, sorted(environment.items())], separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class _Pool:
    key: str
    launcher: LocalLauncher
    routes: dict[str, queue.Queue[NodeResult]] = field(default_factory=dict)
    users: set[str] = field(default_factory=set)  # workflow uids
    last_used: float = field(default_factory=time.monotonic)


class LauncherPools:
    """Agent pools by ``(working directory, environment)``.

    :param on_message: receives ``(pool key, line)`` for each distinct line agents print.
    :param stopping: set when the server stops; launching then raises :class:`StoppingError`.
    """

    def __init__(self, on_message: MessageSink, stopping: threading.Event) -> None:
        self._on_message = on_message
        self._stopping = stopping
        self._lock = threading.Lock()
        self._pools: dict[str, _Pool] = {}
        self._closed = False

    def warm(self, working_dir: str, environment: Mapping[str, str]) -> None:
        """Start a pool's agents now, before any workflow needs them."""
        key = pool_key(working_dir, environment)
        with self._lock:
            if key not in self._pools and not self._closed:
                self._pools[key] = self._start(key, working_dir, environment)

    def for_workflow(
        self,
        uid: str,
        working_dir: str,
        environment: Mapping[str, str],
        results: queue.Queue[NodeResult],
    ) -> WorkflowLauncher:
        """A launcher for workflow ``uid`` whose results arrive on ``results``."""
        key = pool_key(working_dir, environment)
        retired: list[_Pool] = []
        with self._lock:
            if self._closed:
                raise StoppingError("the standing controller is stopping")
            pool = self._pools.get(key)
            if pool is None:
                retired = self._retire_idle(keep=MAX_IDLE_POOLS - 1)
                pool = self._pools[key] = self._start(key, working_dir, environment)
            pool.users.add(uid)
            pool.last_used = time.monotonic()
        for old in retired:  # closing waits for the agents; not under the lock
            threading.Thread(target=old.launcher.close, daemon=True).start()
        return WorkflowLauncher(self, pool, uid, results)

    def users_of(self, key: str) -> set[str]:
        with self._lock:
            pool = self._pools.get(key)
            return set(pool.users) if pool else set()

    def close(self) -> None:
        """Stop every agent (their nodes are stopped, with no result)."""
        with self._lock:
            self._closed = True
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.launcher.close()

    def _start(self, key: str, working_dir: str, environment: Mapping[str, str]) -> _Pool:
        command = [sys.executable, "-c", _AGENT_IN_DIRECTORY, working_dir]
        if not working_dir:
            command = default_agent_command()
        holder: list[_Pool] = []
        launcher = LocalLauncher(
            lambda result: self._route(holder[0], result),
            agent_command=command,
            env=environment,
            on_message=lambda line: self._on_message(key, line),
        )
        holder.append(_Pool(key, launcher))
        return holder[0]

    def _route(self, pool: _Pool, result: NodeResult) -> None:
        with self._lock:  # an interim report (a daemon is ready) keeps the route
            routes = pool.routes
            target = (
                routes.pop(result.node_id, None) if result.final else routes.get(result.node_id)
            )
        if target is not None:  # else its workflow ended (a node cancelled at the end)
            target.put(result)

    def _retire_idle(self, keep: int) -> list[_Pool]:
        # Called with the lock held.
        idle = sorted(
            (pool for pool in self._pools.values() if not pool.users),
            key=lambda pool: pool.last_used,
        )
        retired = idle[: max(0, len(idle) - keep)]
        for pool in retired:
            del self._pools[pool.key]
        return retired

    def route(self, pool: _Pool, node_id: str, results: queue.Queue[NodeResult]) -> None:
        """Send ``node_id``'s result to ``results``.

        :raises StoppingError: the server is stopping (the node is not launched).
        """
        if self._stopping.is_set():
            raise StoppingError("the standing controller is stopping")
        with self._lock:
            pool.routes[node_id] = results

    def release(self, pool: _Pool, uid: str, node_ids: set[str]) -> None:
        """Workflow ``uid`` is done with ``pool``; results of its nodes go nowhere now."""
        with self._lock:
            pool.users.discard(uid)
            pool.last_used = time.monotonic()
            for node_id in node_ids:
                pool.routes.pop(node_id, None)


class WorkflowLauncher:
    """One workflow's view of a shared pool (the controller's ``Launcher``)."""

    def __init__(
        self, pools: LauncherPools, pool: _Pool, uid: str, results: queue.Queue[NodeResult]
    ) -> None:
        self._pools = pools
        self._pool = pool
        self._uid = uid
        self._results = results
        self._launched: set[str] = set()
        self.key = pool.key

    def launch(self, request: NodeRequest) -> None:
        self._pools.route(self._pool, request.node_id, self._results)
        self._launched.add(request.node_id)
        self._pool.launcher.launch(request)

    def cancel(self, node_id: str) -> None:
        self._pool.launcher.cancel(node_id)

    def close(self) -> None:
        """The workflow is done with the pool (its agents stay warm for the next one)."""
        self._pools.release(self._pool, self._uid, self._launched)
