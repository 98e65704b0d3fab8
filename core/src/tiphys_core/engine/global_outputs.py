"""``globalName`` outputs (``workflow.outputs.*``) and the inputs a node's status shows."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tiphys_core.engine.artifacts import artifact_text


def record_global_outputs(
    global_outputs: dict[str, str], template: Mapping[str, Any], outputs: Mapping[str, Any]
) -> None:
    """Add a finished node's parameters and artifacts that have a ``globalName``."""
    declared = template.get("outputs") or {}
    for section, render in (("parameters", _parameter_text), ("artifacts", artifact_text)):
        global_names = {
            entry.get("name"): entry.get("globalName") for entry in declared.get(section) or ()
        }
        for entry in outputs.get(section) or ():
            global_name = global_names.get(entry.get("name")) or entry.get("globalName")
            text = render(entry) if global_name else None
            if text is not None:
                global_outputs[f"workflow.outputs.{section}.{global_name}"] = text


def workflow_outputs(global_outputs: Mapping[str, str]) -> dict[str, Any]:
    """The workflow's ``status.outputs``: its global parameters and artifacts."""
    outputs: dict[str, Any] = {}
    for key, value in global_outputs.items():
        _, _, section, name = key.split(".", 3)
        entry: dict[str, Any] = (
            {"name": name, "value": value} if section == "parameters" else json.loads(value)
        )
        if section == "artifacts":
            entry = {**entry, "name": name}
        outputs.setdefault(section, []).append(entry)
    return outputs


def inputs_status(template: Mapping[str, Any]) -> dict[str, Any] | None:
    """A node's ``inputs`` as Argo's status shows them."""
    inputs = template.get("inputs") or {}
    params, artifacts = inputs.get("parameters"), inputs.get("artifacts")
    if not params and not artifacts:
        return None
    status: dict[str, Any] = {}
    if params:
        status["parameters"] = [
            {"name": p.get("name"), "value": p.get("value", p.get("default"))} for p in params
        ]
    if artifacts:
        status["artifacts"] = list(artifacts)
    return status


def _parameter_text(param: Mapping[str, Any]) -> str | None:
    value = param.get("value")
    return None if value is None else str(value)
