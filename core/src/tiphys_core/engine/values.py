"""The substitution map: workflow globals, and what finished steps and tasks expose."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from tiphys_core.engine.artifacts import output_artifact_values
from tiphys_core.engine.nodes import Node, _rfc3339
from tiphys_core.engine.templates import as_text
from tiphys_core.wire import ERROR, FAILED

SCHEDULED_TIME_ANNOTATION = "workflows.argoproj.io/scheduled-time"
# What a template run by no step or task sees: Argo runs the entrypoint, the workflow's
# exit handler and hooks as a step without a name, so ``{{steps.name}}`` is empty there.
UNNAMED_STEP: Mapping[str, str] = MappingProxyType({"steps.name": ""})


def workflow_globals(workflow: Mapping[str, Any], uid: str, created: float) -> dict[str, str]:
    """``workflow.*`` values as Argo sets them when a workflow starts."""
    from tiphys_core.templating import creation_timestamp_values

    meta = workflow.get("metadata") or {}
    spec = workflow.get("spec") or {}
    name = meta.get("name", "")
    values = {
        "workflow.name": name,
        "workflow.namespace": meta.get("namespace") or "default",
        "workflow.uid": uid,
        "workflow.serviceAccountName": spec.get("serviceAccountName") or "default",
        "workflow.mainEntrypoint": spec.get("entrypoint", ""),
        "workflow.status": "Running",
    }
    params = []
    for param in (spec.get("arguments") or {}).get("parameters") or ():
        if param.get("value") is not None or param.get("default") is not None:
            text = as_text(param["value"] if param.get("value") is not None else param["default"])
            values[f"workflow.parameters.{param['name']}"] = text
            params.append({"name": param["name"], "value": text})
    if params:
        values["workflow.parameters"] = values["workflow.parameters.json"] = json.dumps(params)
    for source, prefix in (
        (meta.get("labels"), "labels"),
        (meta.get("annotations"), "annotations"),
    ):
        source = source or {}
        for key, value in source.items():
            values[f"workflow.{prefix}.{key}"] = str(value)
        values[f"workflow.{prefix}"] = values[f"workflow.{prefix}.json"] = json.dumps(source)
    if spec.get("priority") is not None:
        values["workflow.priority"] = str(spec["priority"])
    # Argo reads it from this annotation (a CronWorkflow sets it); without it the
    # reference stays as written.
    scheduled = (meta.get("annotations") or {}).get(SCHEDULED_TIME_ANNOTATION)
    if scheduled is not None:
        values["workflow.scheduledTime"] = str(scheduled)
    import datetime

    moment = datetime.datetime.fromtimestamp(created, tz=datetime.UTC)
    values.update(creation_timestamp_values(moment))
    return values


def node_values(
    prefix: str, name: str, node: Node, iterations: Iterable[Node] = ()
) -> dict[str, str]:
    """``steps.<name>.*`` / ``tasks.<name>.*`` for a finished node (aggregated over loop iterations)."""
    base = f"{prefix}.{name}"
    values = {f"{base}.id": node.id, f"{base}.status": node.phase}
    if node.started_at is not None:
        values[f"{base}.startedAt"] = _rfc3339(node.started_at)
    if node.finished_at is not None:
        values[f"{base}.finishedAt"] = _rfc3339(node.finished_at)
    if node.pod_ip:  # a daemon's (Argo records the pod IP of daemoned nodes only)
        values[f"{base}.ip"] = node.pod_ip
    if node.host_node_name:
        values[f"{base}.hostNodeName"] = node.host_node_name
    children = list(iterations)
    if children:
        values.update(_aggregate(base, children))
        return values
    outputs = node.outputs or {}
    if "result" in outputs:
        values[f"{base}.outputs.result"] = outputs["result"]
    if "exitCode" in outputs:
        values[f"{base}.exitCode"] = str(outputs["exitCode"])
    for param in outputs.get("parameters") or ():
        if param.get("value") is not None:
            values[f"{base}.outputs.parameters.{param['name']}"] = as_text(param["value"])
    if outputs.get("artifacts"):
        values.update(output_artifact_values(base, outputs))
    return values


def workflow_duration(started: float, now: float) -> str:
    """``{{workflow.duration}}``: seconds since the workflow started, as Go's ``%f``."""
    return f"{max(now - started, 0.0):f}"


def workflow_failures(nodes: Iterable[Node]) -> str:
    """``{{workflow.failures}}`` as Argo sets it for the exit handler: the JSON list of
    failed and errored nodes (``null`` when none), wrapped once more by Go's
    ``strconv.Quote``, so consumers decode it twice (Argo does this to keep the quotes
    through its own JSON-embedded substitution)."""
    from tiphys_core.expr.gofmt import go_quote, json_string

    entries = []
    for node in nodes:
        if node.phase not in (FAILED, ERROR):
            continue
        finished = json_string(_rfc3339(node.finished_at)) if node.finished_at else "null"
        fields = (
            ("displayName", node.display_name), ("message", node.message),
            ("templateName", node.template_name), ("phase", node.phase), ("podName", node.id),
        )  # fmt: skip
        # Field order of Argo's failedNodeStatus struct, not sorted keys.
        entries.append(
            "{"
            + ",".join(f"{json_string(k)}:{json_string(v)}" for k, v in fields)
            + f',"finishedAt":{finished}}}'
        )
    return go_quote(f"[{','.join(entries)}]" if entries else "null")


def _aggregate(base: str, children: list[Node]) -> dict[str, str]:
    results, params = [], []
    for child in children:
        outputs = child.outputs or {}
        if "result" in outputs:
            results.append(_json_or_text(outputs["result"]))
        if outputs.get("parameters"):
            params.append({p["name"]: as_text(p.get("value")) for p in outputs["parameters"]})
    values = {f"{base}.outputs.parameters": json.dumps(params, separators=(",", ":"))}
    for name in {key for entry in params for key in entry}:
        by_name = [entry[name] for entry in params if name in entry]
        values[f"{base}.outputs.parameters.{name}"] = json.dumps(by_name, separators=(",", ":"))
    if results:
        values[f"{base}.outputs.result"] = json.dumps(results, separators=(",", ":"))
    return values


def _json_or_text(text: str) -> Any:
    # Argo aggregates results as JSON values when they parse, strings otherwise.
    try:
        return json.loads(text)
    except ValueError:
        return text


def item_values(item: Any) -> dict[str, str]:
    """``item`` and ``item.<key>`` for one loop iteration."""
    values = {"item": as_text(item)}
    if isinstance(item, Mapping):
        for key, value in item.items():
            values[f"item.{key}"] = as_text(value)
    elif isinstance(item, list):
        for index, value in enumerate(item):
            values[f"item.[{index}]"] = as_text(value)
    return values


def item_label(item: Any) -> str:
    """How Argo shows an item in a node name: ``step(0:alpha)``."""
    if isinstance(item, Mapping):
        return ",".join(f"{k}:{as_text(v)}" for k, v in sorted(item.items()))
    if isinstance(item, list):
        return json.dumps(item, separators=(",", ":"))
    return as_text(item)
