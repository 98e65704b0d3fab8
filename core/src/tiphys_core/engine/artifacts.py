"""Artifacts between nodes: ``from``/``fromExpression``, binding to inputs, path placeholders.

An output artifact travels in the substitution map as its JSON text under
``steps.<name>.outputs.artifacts.<artifact>`` (and ``tasks.``, ``inputs.artifacts.``,
``workflow.outputs.artifacts.``), so a ``from: "{{steps.gen.outputs.artifacts.out}}"``
renders to the artifact itself, as Argo's scope lookup does (controller/scope.go).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from typing import Any

from tiphys_core.artifacts.model import KEY_FIELDS, location_kind
from tiphys_core.engine.templates import TemplateError

# What a template input keeps of its own when an argument supplies the artifact (Argo's ProcessArgs).
_KEPT_FROM_INPUT = ("path", "mode", "recurseMode")


def artifact_text(artifact: Mapping[str, Any]) -> str:
    """An artifact as it sits in the substitution map."""
    return json.dumps(artifact, separators=(",", ":"), sort_keys=True)


def has_location(artifact: Mapping[str, Any]) -> bool:
    return location_kind(artifact) is not None


def resolve_argument_artifacts(
    artifacts: list[Any] | None, values: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """A step's or task's ``arguments.artifacts`` with ``from``/``fromExpression`` resolved.

    ``artifacts`` were rendered already, so a ``from`` holds the artifact's JSON text. An
    optional argument that does not resolve is dropped, as Argo does.
    :raises TemplateError: an artifact reference does not resolve to an artifact.
    """
    resolved: list[dict[str, Any]] = []
    for argument in artifacts or ():
        if not isinstance(argument, Mapping):
            continue
        if not argument.get("from") and not argument.get("fromExpression"):
            resolved.append(dict(argument))
            continue
        try:
            artifact = _referenced_artifact(argument, values)
        except TemplateError as err:
            if argument.get("optional"):
                continue
            raise TemplateError(f"unable to resolve references: {err}") from None
        artifact["name"] = argument.get("name")
        if argument.get("subPath"):
            artifact = append_to_key(artifact, str(argument["subPath"]))
        resolved.append(artifact)
    return resolved


def _referenced_artifact(argument: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    expression = argument.get("fromExpression")
    if expression:
        from tiphys_core.expr import ExprError, evaluate_expr
        from tiphys_core.templating import Scope

        try:
            value: Any = evaluate_expr(str(expression), Scope.of(values).env)
        except ExprError as err:
            raise TemplateError(f"fromExpression {expression!r}: {err}") from None
        reference = f"fromExpression {expression!r}"
    else:
        value = argument.get("from")
        reference = str(value)
        if isinstance(value, str) and "{{" in value:
            raise TemplateError(f"Unable to resolve: {value!r}")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise TemplateError(f"{reference} is not an artifact") from None
    if not isinstance(value, Mapping):
        raise TemplateError(f"{reference} is not an artifact")
    return dict(value)


def append_to_key(artifact: Mapping[str, Any], sub_path: str) -> dict[str, Any]:
    """The artifact naming ``sub_path`` under its key (Argo's ``AppendToKey``)."""
    kind = location_kind(artifact)
    field = KEY_FIELDS.get(kind or "")
    if kind is None or field is None:
        raise TemplateError(
            f"artifact {artifact.get('name')!r}: subPath needs a location with a key"
        )
    body = dict(artifact.get(kind) or {})
    body[field] = posixpath.join(str(body.get(field) or ""), sub_path)
    return {**artifact, kind: body}


def bind_input_artifacts(
    template: Mapping[str, Any], arguments: list[Any] | None
) -> list[dict[str, Any]]:
    """The template's ``inputs.artifacts`` with the caller's arguments in place (by name).

    An argument replaces the input, which keeps only its ``path``, ``mode`` and
    ``recurseMode`` (Argo's ``ProcessArgs``).
    :raises TemplateError: a required input has no location and no argument.
    """
    given = {a.get("name"): a for a in arguments or () if isinstance(a, Mapping)}
    bound = []
    for declared in (template.get("inputs") or {}).get("artifacts") or ():
        name = declared.get("name")
        argument = given.get(name)
        if argument is None:
            if not declared.get("optional") and not has_location(declared):
                raise TemplateError(f"inputs.artifacts.{name} was not supplied")
            bound.append(dict(declared))
            continue
        if not has_location(argument) and not declared.get("optional"):
            raise TemplateError(f"inputs.artifacts.{name} missing location information")
        artifact = dict(argument)
        for field in _KEPT_FROM_INPUT:
            if declared.get(field) is not None:
                artifact[field] = declared[field]
            else:
                artifact.pop(field, None)
        bound.append(artifact)
    return bound


def path_values(template: Mapping[str, Any]) -> dict[str, str]:
    """``inputs.artifacts.<name>.path``, ``outputs.artifacts.<name>.path`` and
    ``outputs.parameters.<name>.path`` placeholders."""
    values: dict[str, str] = {}
    for section in ("inputs", "outputs"):
        for artifact in (template.get(section) or {}).get("artifacts") or ():
            if isinstance(artifact, Mapping) and artifact.get("path"):
                values[f"{section}.artifacts.{artifact.get('name')}.path"] = str(artifact["path"])
    for param in (template.get("outputs") or {}).get("parameters") or ():
        path = ((param.get("valueFrom") or {}) if isinstance(param, Mapping) else {}).get("path")
        if path:
            values[f"outputs.parameters.{param.get('name')}.path"] = str(path)
    return values


def input_artifact_values(bound: list[dict[str, Any]]) -> dict[str, str]:
    """``inputs.artifacts.<name>`` for a template passing its inputs on (``from``)."""
    return {
        f"inputs.artifacts.{artifact.get('name')}": artifact_text(artifact)
        for artifact in bound
        if has_location(artifact)
    }


def output_artifact_values(base: str, outputs: Mapping[str, Any]) -> dict[str, str]:
    """``<base>.outputs.artifacts.<name>`` for a finished node's saved artifacts."""
    return {
        f"{base}.outputs.artifacts.{artifact.get('name')}": artifact_text(artifact)
        for artifact in outputs.get("artifacts") or ()
        if isinstance(artifact, Mapping) and has_location(artifact)
    }


def referenced_output_artifact(
    declared: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, Any] | None:
    """A steps/DAG template's output artifact, from its ``from``/``fromExpression`` (or None)."""
    from tiphys_core.templating import TemplatingError, substitute_text

    argument = dict(declared)
    try:
        if isinstance(argument.get("from"), str):
            argument["from"] = substitute_text(argument["from"], values)
        artifact = _referenced_artifact(argument, values)
    except (TemplateError, TemplatingError):
        return None
    artifact["name"] = declared.get("name")
    for field in ("globalName",):
        if declared.get(field) is not None:
            artifact[field] = declared[field]
    return artifact


def with_archive_location(
    template: dict[str, Any], repository_location: Mapping[str, Any], spec: Mapping[str, Any]
) -> dict[str, Any]:
    """The template with Argo's ``archiveLocation`` (the controller's ``addArchiveLocation``).

    A template that names its own location keeps it; one with artifacts or archived logs
    gets the repository's, keyed by its ``keyFormat`` (rendered with the template).
    """
    own = template.get("archiveLocation") or {}
    archive_logs = archives_logs(template, repository_location, spec)
    if has_location(own):
        return template
    artifacts = [
        *((template.get("inputs") or {}).get("artifacts") or ()),
        *((template.get("outputs") or {}).get("artifacts") or ()),
    ]
    data_source = ((template.get("data") or {}).get("source") or {}).get("artifactPaths")
    if data_source:
        artifacts.append(data_source)
    if not archive_logs and not artifacts:
        return template
    location = {**repository_location, "archiveLogs": archive_logs}
    return {**template, "archiveLocation": location}


def archives_logs(
    template: Mapping[str, Any], repository_location: Mapping[str, Any], spec: Mapping[str, Any]
) -> bool:
    """Whether the node's main log is saved as an artifact (Argo's ``IsArchiveLogs``)."""
    own = (template.get("archiveLocation") or {}).get("archiveLogs")
    if own is not None:
        return bool(own)
    if spec.get("archiveLogs") is not None:
        return bool(spec["archiveLogs"])
    return bool(repository_location.get("archiveLogs"))
