"""Start the children of a step group or DAG task: loops, ``when``, arguments."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from tiphys_core.engine.loops import loop_items
from tiphys_core.engine.nodes import SKIPPED_TYPE, Node
from tiphys_core.engine.templates import TemplateError
from tiphys_core.engine.values import UNNAMED_STEP, item_label, item_values
from tiphys_core.templating import (
    STEP_AND_TASK_PREFIXES,
    TemplatingError,
    evaluate_when,
    mark_absent_optional_arguments,
    skipped_node_outputs,
    substitute_structure,
)
from tiphys_core.wire import ERROR, FAILED, OMITTED, SKIPPED

if TYPE_CHECKING:
    from tiphys_core.engine.runtime import Engine

_LOOP_FIELDS = ("withItems", "withParam", "withSequence")


@dataclass(frozen=True, slots=True)
class ChildSpec:
    node: Node
    looped: bool


def expand_children(
    engine: Engine,
    holder: Mapping[str, Any],
    base_name: str,
    display: str,
    values: Mapping[str, str],
    *,
    parent: Node,
    boundary_id: str,
    depth: int,
    link: bool = True,
    context: Mapping[str, Any] | None = None,
    name_variable: str | None = "steps.name",
) -> list[ChildSpec]:
    """Start one step/task (one node per loop iteration); returns the nodes, in order.

    :param name_variable: what the child's template calls the step or task running it
        (``steps.name``, ``tasks.name``; its name, ``fanout(0:a)`` for a loop iteration,
        as Argo's executeTemplate sets it); None for a hook, which Argo runs as a step
        without a name.
    """
    loop_fields = {k: holder[k] for k in _LOOP_FIELDS if holder.get(k) is not None}
    try:
        items = (
            loop_items(substitute_structure(loop_fields, values, strict=STEP_AND_TASK_PREFIXES))
            if loop_fields
            else None
        )
    except (TemplateError, TemplatingError) as err:
        node = _error_node(engine, base_name, display, parent, boundary_id, err)
        if link:
            engine.add_child(parent, node)
        return [ChildSpec(node, False)]
    iterations: Iterable[tuple[str, str, dict[str, str]]] = (
        [(base_name, display, {})] if items is None else _iterations(base_name, display, items)
    )
    holder = _mark_absent_arguments(holder, values)
    body = engine.templates.compiled_body(holder)
    children = []
    for name, shown, item in iterations:
        # No copy: the values of a DAG grow with every task; a ChainMap layers the item on top.
        local = ChainMap(item, cast(dict[str, str], values)) if item else values
        try:
            resolved = body.render(local, strict=STEP_AND_TASK_PREFIXES, share=True)
            if holder.get("inline") is not None:
                resolved = {**resolved, "inline": holder["inline"]}
            if (resolved.get("arguments") or {}).get("artifacts"):
                resolved = _with_resolved_artifacts(resolved, local)
            own = {name_variable: shown} if name_variable else UNNAMED_STEP
            node = _run_or_skip(
                engine, resolved, name, shown, parent, boundary_id, depth, context, own
            )
        except (TemplateError, TemplatingError) as err:
            node = _error_node(engine, name, shown, parent, boundary_id, err)
        if link:
            engine.add_child(parent, node)
        children.append(ChildSpec(node, items is not None))
    return children


def _iterations(
    base_name: str, display: str, items: list[Any]
) -> Iterator[tuple[str, str, dict[str, str]]]:
    """Each loop item's node name, display name and values, made as its node starts (a
    100k-item loop never holds them all at once)."""
    for i, item in enumerate(items):
        label = item_label(item)
        yield f"{base_name}({i}:{label})", f"{display}({i}:{label})", item_values(item)


def _run_or_skip(
    engine: Engine,
    step: dict[str, Any],
    name: str,
    shown: str,
    parent: Node,
    boundary_id: str,
    depth: int,
    context: Mapping[str, Any] | None,
    own: Mapping[str, str],
) -> Node:
    when = step.get("when")
    if isinstance(when, str) and when.strip() and not evaluate_when(when):
        node = engine.new_node(name, shown, SKIPPED_TYPE, parent.id, boundary_id)
        engine.complete(node, SKIPPED, f"when '{when}' evaluated false")
        return node
    return engine.execute(
        name,
        shown,
        step,
        step.get("arguments"),
        parent.id,
        boundary_id,
        own,
        depth=depth + 1,
        context=context,
    )


def _with_resolved_artifacts(step: dict[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    from tiphys_core.engine.artifacts import resolve_argument_artifacts

    arguments = step["arguments"]
    artifacts = resolve_argument_artifacts(arguments["artifacts"], values)
    return {**step, "arguments": {**arguments, "artifacts": artifacts}}


def _error_node(
    engine: Engine, name: str, shown: str, parent: Node, boundary_id: str, err: Exception
) -> Node:
    node = engine.new_node(name, shown, "Pod", parent.id, boundary_id)
    engine.complete(node, ERROR, str(err).splitlines()[0])
    return node


def _mark_absent_arguments(
    holder: Mapping[str, Any], values: Mapping[str, Any]
) -> Mapping[str, Any]:
    """Arguments that are exactly a skipped node's absent output become Argo's sentinel."""
    arguments = holder.get("arguments")
    params = arguments.get("parameters") if isinstance(arguments, Mapping) else None
    if not params or not any(v is None for v in _referenced(params, values)):
        return holder
    marked = mark_absent_optional_arguments(params, values)
    return {**holder, "arguments": {**arguments, "parameters": marked}}  # type: ignore[dict-item]


def _referenced(params: Any, values: Mapping[str, Any]) -> list[Any]:
    found = []
    for param in params:
        value = param.get("value") if isinstance(param, Mapping) else None
        if isinstance(value, str) and value.startswith("{{") and value.endswith("}}"):
            found.append(values.get(value[2:-2].strip(), ""))
    return found


def skipped_values(
    engine: Engine,
    prefix: str,
    name: str,
    holder: Mapping[str, Any],
    node: Node,
    context: Mapping[str, Any] | None,
) -> dict[str, str | None]:
    """Scope entries for a skipped or omitted step/task: its outputs' defaults (Argo v4.0.7)."""
    if node.phase not in (SKIPPED, OMITTED):
        return {}  # a node that ran has its own outputs
    try:
        template, _ = engine.resolver.resolve(holder, context)
    except TemplateError:
        return {}
    return skipped_node_outputs(prefix, name, template.get("outputs"), phase=node.phase)


def exit_hook_holder(step: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """What a step/task's exit hook runs (``hooks.exit``, or the older ``onExit``), if any."""
    hooks = step.get("hooks")
    if isinstance(hooks, Mapping) and isinstance(hooks.get("exit"), Mapping):
        return hooks["exit"]  # type: ignore[no-any-return]
    if isinstance(step.get("onExit"), str) and step["onExit"]:
        return {"template": step["onExit"]}
    return None


def start_exit_hook(
    engine: Engine,
    hook: Mapping[str, Any],
    owner: Node,
    values: Mapping[str, str],
    parent: Node,
    boundary_id: str,
    depth: int,
    context: Mapping[str, Any] | None,
) -> Node:
    """Run a finished step/task's exit hook as ``<node>.onExit``; it sees the node's outputs."""
    spec = expand_children(
        engine, hook, f"{owner.name}.onExit", f"{owner.display_name}.onExit", values,
        parent=parent, boundary_id=boundary_id, depth=depth, link=False, context=context,
        name_variable=None,
    )  # fmt: skip
    engine.add_child(owner, spec[0].node)
    return spec[0].node


def failed_without_continue(node: Node, continue_on: Any) -> bool:
    """Whether ``node`` failing fails its step group or DAG (``continueOn`` says otherwise)."""
    allowed = continue_on if isinstance(continue_on, Mapping) else {}
    if node.phase == FAILED:
        return not allowed.get("failed")
    if node.phase == ERROR:
        return not allowed.get("error")
    return False
