"""Parallelism: how many pods run at once, workflow-wide and under each steps/DAG template.

A launch waits here until every limit along its boundary chain has room; when a pod ends,
waiting launches are released in the order they were asked for.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping

from tiphys_core.engine.actions import Launch
from tiphys_core.engine.nodes import Node


class LaunchGate:
    def __init__(self, workflow_limit: int | None, nodes: Mapping[str, Node]) -> None:
        self.workflow_limit = workflow_limit
        self.nodes = nodes
        self.limits: dict[str, int] = {}  # boundary node id -> its template's parallelism
        self.running: dict[str, int] = {}  # "" (workflow) or boundary id -> running pods
        self.waiting: deque[tuple[Node, Launch]] = deque()
        self.held = False  # the workflow is suspended: nothing new starts
        self.admitted: set[str] = set()  # pods holding places

    def limit(self, boundary_id: str, parallelism: int) -> None:
        self.limits[boundary_id] = parallelism

    def _scopes(self, node: Node) -> list[str]:
        scopes = [""] if self.workflow_limit else []
        if not self.limits:  # no template sets parallelism: no boundary chain to walk
            return scopes
        boundary = node.boundary_id
        seen = 0
        while boundary and seen < 1000:
            if boundary in self.limits:
                scopes.append(boundary)
            parent = self.nodes.get(boundary)
            boundary = parent.boundary_id if parent is not None else ""
            seen += 1
        return scopes

    def _room(self, scopes: list[str]) -> bool:
        for scope in scopes:
            limit = self.workflow_limit if scope == "" else self.limits[scope]
            if limit is not None and self.running.get(scope, 0) >= limit:
                return False
        return True

    def offer(self, node: Node, launch: Launch, emit: Callable[[Launch], None]) -> None:
        """Launch now if every limit has room, else queue it."""
        if not self.held and not self.waiting and self._admit(node):
            emit(launch)
        else:
            self.waiting.append((node, launch))

    def _admit(self, node: Node) -> bool:
        scopes = self._scopes(node)
        if not self._room(scopes):
            return False
        for scope in scopes:
            self.running[scope] = self.running.get(scope, 0) + 1
        if scopes:  # a pod under no limit holds no place (limits precede the pods below them)
            self.admitted.add(node.id)
        return True

    def finished(self, node: Node, emit: Callable[[Launch], None]) -> None:
        """A pod ended: free its places and start whatever now fits."""
        if node.id in self.admitted:
            self.admitted.discard(node.id)
            for scope in self._scopes(node):
                self.running[scope] = max(0, self.running.get(scope, 0) - 1)
        self.release(emit)

    def release(self, emit: Callable[[Launch], None]) -> None:
        if self.held or not self.waiting:
            return
        still: deque[tuple[Node, Launch]] = deque()
        while self.waiting:
            node, launch = self.waiting.popleft()
            if node.finished:
                continue
            if self._admit(node):
                emit(launch)
            else:
                still.append((node, launch))
        self.waiting = still

    def counts(self) -> bool:
        """Whether any limit is set (then pods must be counted)."""
        return bool(self.workflow_limit) or bool(self.limits) or self.held
