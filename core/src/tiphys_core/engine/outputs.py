"""Outputs of steps and DAG templates: ``valueFrom.parameter``/``expression``, artifacts ``from``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tiphys_core.engine.artifacts import referenced_output_artifact
from tiphys_core.engine.templates import as_text

if TYPE_CHECKING:
    from tiphys_core.engine.runtime import Engine


def template_outputs(
    engine: Engine, template: Mapping[str, Any], values: Mapping[str, str]
) -> dict[str, Any] | None:
    """The output parameters a steps/DAG template declares, resolved against its children."""
    from tiphys_core.expr import ExprError, evaluate_expr
    from tiphys_core.templating import Scope, TemplatingError, substitute_text

    declared = (template.get("outputs") or {}).get("parameters") or ()
    params = []
    scope = Scope(values)
    for param in declared:
        value_from = param.get("valueFrom") or {}
        value: Any = param.get("value")
        try:
            if value_from.get("parameter"):
                value = substitute_text(value_from["parameter"], scope)
            elif value_from.get("expression"):
                value = evaluate_expr(value_from["expression"], scope.env)
        except (ExprError, TemplatingError):
            value = None
        if (value is None or (isinstance(value, str) and "{{" in value)) and value_from.get(
            "default"
        ) is not None:
            value = value_from["default"]
        if value is not None:
            params.append({"name": param.get("name"), "value": as_text(value)})
    artifacts = []
    for declared_artifact in (template.get("outputs") or {}).get("artifacts") or ():
        artifact = referenced_output_artifact(declared_artifact, scope)
        if artifact is not None:
            artifacts.append(artifact)
    outputs: dict[str, Any] = {"parameters": params} if params else {}
    if artifacts:
        outputs["artifacts"] = artifacts
    return outputs or None
