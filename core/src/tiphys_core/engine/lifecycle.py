"""Lifecycle hooks: ``hooks.<name>`` with an ``expression``, at workflow, step and task level.

Each hook runs its template once, the first time its expression holds; expressions are
looked at after every event, and only those of hooks that have not fired yet, so the
work per event is the number of hooks still waiting (usually a handful).
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tiphys_core.engine.nodes import Node

if TYPE_CHECKING:
    from tiphys_core.engine.runtime import Engine

EXIT = "exit"


@dataclass
class Watch:
    """A hook waiting for its expression: who owns it, where its node goes, what it sees."""

    name: str
    hook: Mapping[str, Any]
    owner_name: str  # the hook node is "<owner_name>.hooks.<name>"
    owner_display: str
    parent: Node | None  # the frame node its node belongs to (None: the workflow)
    boundary_id: str
    values: Callable[[], Mapping[str, Any]]
    context: Mapping[str, Any] | None = None
    fired: bool = False


def watches_for(
    hooks: Any,
    owner: Node | str,
    parent: Node | None,
    boundary_id: str,
    values: Callable[[], Mapping[str, Any]],
    context: Mapping[str, Any] | None = None,
) -> list[Watch]:
    """Every non-exit hook of a ``hooks`` mapping (exit hooks run when their owner ends)."""
    if not isinstance(hooks, Mapping):
        return []
    owner_name = owner if isinstance(owner, str) else owner.name
    owner_display = owner if isinstance(owner, str) else owner.display_name
    return [
        Watch(str(name), hook, owner_name, owner_display, parent, boundary_id, values, context)
        for name, hook in hooks.items()
        if name != EXIT and isinstance(hook, Mapping) and hook.get("expression")
    ]


def evaluate_watches(engine: Engine) -> None:
    """Fire every waiting hook whose expression now holds."""
    from tiphys_core.expr import ExprError, evaluate_expr
    from tiphys_core.templating import Scope

    for watch in engine.watches:
        if watch.fired:
            continue
        scope = Scope(ChainMap({"workflow.status": engine.phase}, dict(watch.values())))
        try:
            holds = bool(evaluate_expr(str(watch.hook["expression"]), scope.env))
        except ExprError:
            continue  # not decidable yet (a step it reads has no status yet)
        if holds:
            watch.fired = True
            _fire(engine, watch)
    engine.watches = [w for w in engine.watches if not w.fired]


def _fire(engine: Engine, watch: Watch) -> None:
    from tiphys_core.engine.children import expand_children
    from tiphys_core.engine.values import UNNAMED_STEP

    parent = watch.parent
    name = f"{watch.owner_name}.hooks.{watch.name}"
    if parent is None:  # a workflow-level hook: its node hangs off the root
        node = engine.execute(
            name, name, watch.hook, watch.hook.get("arguments"), "", "", UNNAMED_STEP
        )
        engine.add_child(engine.nodes[engine.name], node)
        return
    expand_children(
        engine, watch.hook, name, f"{watch.owner_display}.hooks.{watch.name}", watch.values(),
        parent=parent, boundary_id=watch.boundary_id, depth=0, link=True, context=watch.context,
        name_variable=None,
    )  # fmt: skip
