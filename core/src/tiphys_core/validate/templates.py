"""Checks of one template: its type, the fields its type allows, and the variables it reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import yaml

from tiphys_core.spec.diagnostics import Path, quote_choices
from tiphys_core.spec.template_types import (
    LEAF_TYPES,
    TEMPLATE_TYPES,
    declared_types,
    is_leaf,
    is_pod_type,
)
from tiphys_core.validate.context import as_list, as_map, is_set
from tiphys_core.validate.fields import check_duration, check_retry_strategy, has_variable
from tiphys_core.validate.parameters import check_inputs, check_outputs
from tiphys_core.validate.probes import check_probes
from tiphys_core.validate.scope import Scope
from tiphys_core.validate.tags import iter_tags

if TYPE_CHECKING:
    from tiphys_core.validate.workflow import SpecValidator

RESOURCE_ACTIONS = ("get", "create", "apply", "delete", "replace", "patch")
RESERVED_CONTAINER_NAMES = ("wait", "init")
# Argo's validator adds these for any template with a retryStrategy (validate.go).
_RETRY_VARIABLES = (
    "retries", "lastRetry.exitCode", "lastRetry.status", "lastRetry.duration", "lastRetry.message",
)  # fmt: skip


def template_locals(template: Mapping[str, Any]) -> set[str]:
    """The variables a template's own fields can read: its inputs, pod name, retries."""
    keys: set[str] = set()
    inputs = as_map(template.get("inputs"))
    leaf = is_leaf(template)
    params = [p.get("name") for p in as_list(inputs.get("parameters")) if isinstance(p, Mapping)]
    for name in params:
        keys.add(f"inputs.parameters.{name}")
    if params:
        keys.add("inputs.parameters")
    for artifact in as_list(inputs.get("artifacts")):
        if isinstance(artifact, Mapping):
            keys.add(f"inputs.artifacts.{artifact.get('name')}")
            if leaf:
                keys.add(f"inputs.artifacts.{artifact.get('name')}.path")
    if is_pod_type(template):
        keys.add("pod.name")
    if template.get("retryStrategy") is not None:
        keys.update(_RETRY_VARIABLES)
    return keys


def check_template(v: SpecValidator, template: Mapping[str, Any], path: Path) -> None:
    """Every check of one template, including its steps or DAG."""
    types = declared_types(template)
    if not types:
        v.findings.error(
            path,
            f'template "{template.get("name")}" has no type; choose one of: {", ".join(TEMPLATE_TYPES)}',
        )
        return
    if len(types) > 1:
        v.findings.error(
            (*path, types[1]),
            f"a template has exactly one type; found {', '.join(types)}",
            at_key=True,
        )
    kind = types[0]
    check_inputs(template, path, v.findings)
    check_retry_strategy(template.get("retryStrategy"), (*path, "retryStrategy"), v.findings)
    _check_type_fields(v, template, kind, path)
    scope = Scope(v.globals, template_locals(template))
    if kind == "steps":
        from tiphys_core.validate.steps import check_steps

        scope = check_steps(v, template, path, scope)
    elif kind == "dag":
        from tiphys_core.validate.dag import check_dag

        scope = check_dag(v, template, path, scope)
    else:
        # `from` in inputs was reported above; its variables would only repeat that.
        rejected = {
            (*path, "inputs", "artifacts", index, "from")
            for index, artifact in enumerate(
                as_list(as_map(template.get("inputs")).get("artifacts"))
            )
            if is_set(as_map(artifact).get("from"))
        }
        check_variables(template, path, scope, v, skip=rejected)
    check_outputs(template, path, v.findings)
    if kind in ("steps", "dag"):
        check_variables(template.get("outputs"), (*path, "outputs"), scope, v)


def check_variables(
    value: Any, path: Path, scope: Scope, v: SpecValidator, skip: set[Path] | None = None
) -> None:
    for tag_path, tag in iter_tags(value, path):
        if skip and tag_path in skip:
            continue
        problem = scope.problem(tag)
        if problem:
            v.findings.error(tag_path, problem)


def _check_type_fields(
    v: SpecValidator, template: Mapping[str, Any], kind: str, path: Path
) -> None:
    findings = v.findings
    leaf = kind in LEAF_TYPES
    if template.get("activeDeadlineSeconds") is not None:
        ads = template["activeDeadlineSeconds"]
        if not leaf:
            findings.error(
                (*path, "activeDeadlineSeconds"),
                "activeDeadlineSeconds is only valid for leaf templates",
            )
        elif not has_variable(ads) and not (str(ads).isdigit() and int(ads) >= 0):
            findings.error(
                (*path, "activeDeadlineSeconds"),
                "activeDeadlineSeconds must be a positive integer or a {{variable}}",
            )
    timeout = template.get("timeout")
    if isinstance(timeout, str) and timeout:  # other types: the schema check reports them
        if not leaf:
            findings.error((*path, "timeout"), f"a {kind} template does not support timeout")
        elif str(timeout).isdigit():
            findings.error((*path, "timeout"), f'timeout "{timeout}" needs a unit, e.g. {timeout}s')
        else:
            check_duration(timeout, (*path, "timeout"), findings, allow_seconds=False)
    if is_set(template.get("pendingTimeout")) and not leaf:
        findings.error(
            (*path, "pendingTimeout"), f"a {kind} template does not support pendingTimeout"
        )
    if template.get("parallelism") is not None and kind not in ("steps", "dag"):
        findings.error(
            (*path, "parallelism"), "parallelism is only valid for steps and dag templates"
        )
    if kind in ("container", "script"):
        _check_image(v, template, kind, path)
    if kind == "container":
        _check_mount_paths(template, path, v)
    elif kind == "containerSet":
        _check_container_set(template, path, v)
    elif kind == "resource":
        _check_resource(template, path, v)
    for index, sidecar in enumerate(as_list(template.get("sidecars"))):
        if isinstance(sidecar, Mapping) and sidecar.get("name") in RESERVED_CONTAINER_NAMES:
            findings.error(
                (*path, "sidecars", index, "name"),
                f'"{sidecar["name"]}" is a reserved container name',
            )
    for index, container in enumerate(as_list(template.get("initContainers"))):
        if isinstance(container, Mapping) and not is_set(container.get("name")):
            findings.error((*path, "initContainers", index), "initContainers must all have a name")
    check_probes(template, path, findings)
    _check_metrics(template, path, v)


def _check_image(v: SpecValidator, template: Mapping[str, Any], kind: str, path: Path) -> None:
    if is_set(as_map(template.get(kind)).get("image")):
        return
    defaults = as_map(as_map(v.spec.get("templateDefaults")).get(kind))
    if not is_set(defaults.get("image")):
        v.findings.error(
            (*path, kind),
            f"{kind}.image may not be empty (set it here or in spec.templateDefaults.{kind})",
        )


def _check_mount_paths(template: Mapping[str, Any], path: Path, v: SpecValidator) -> None:
    mounted: dict[str, str] = {}
    container = as_map(template.get("container"))
    for index, mount in enumerate(as_list(container.get("volumeMounts"))):
        mount_path = as_map(mount).get("mountPath")
        if not isinstance(mount_path, str):
            continue
        if mount_path in mounted:
            v.findings.error(
                (*path, "container", "volumeMounts", index, "mountPath"),
                f'mountPath "{mount_path}" is already mounted by {mounted[mount_path]}',
            )
        mounted[mount_path] = f'volumeMounts "{as_map(mount).get("name")}"'
    inputs = as_map(template.get("inputs"))
    for index, artifact in enumerate(as_list(inputs.get("artifacts"))):
        art_path = as_map(artifact).get("path")
        if isinstance(art_path, str) and art_path in mounted:
            v.findings.error(
                (*path, "inputs", "artifacts", index, "path"),
                f'path "{art_path}" is already mounted by {mounted[art_path]}',
            )
        if isinstance(art_path, str):
            mounted[art_path] = f'input artifact "{as_map(artifact).get("name")}"'


def _check_container_set(template: Mapping[str, Any], path: Path, v: SpecValidator) -> None:
    container_set = as_map(template.get("containerSet"))
    containers = [c for c in as_list(container_set.get("containers")) if isinstance(c, Mapping)]
    names = [str(c.get("name")) for c in containers]
    cs_path = (*path, "containerSet", "containers")
    if not containers:
        v.findings.error(cs_path, "containerSet needs at least one container")
    seen: set[Any] = set()
    for index, container in enumerate(containers):
        name = str(container.get("name"))
        if name in seen:
            v.findings.error((*cs_path, index, "name"), f'container name "{name}" is not unique')
        seen.add(name)
        if name in RESERVED_CONTAINER_NAMES:
            v.findings.error((*cs_path, index, "name"), f'"{name}" is a reserved container name')
        for dep_index, dep in enumerate(as_list(container.get("dependencies"))):
            if dep not in names:
                v.findings.error(
                    (*cs_path, index, "dependencies", dep_index),
                    f'unknown container "{dep}" (containers: {quote_choices([str(n) for n in names])})',
                )
    inputs, outputs = as_map(template.get("inputs")), as_map(template.get("outputs"))
    has_io = inputs.get("artifacts") or outputs.get("parameters") or outputs.get("artifacts")
    if has_io and "main" not in names:
        v.findings.error(
            cs_path, 'a containerSet with inputs or outputs needs a container named "main"'
        )


def _check_resource(template: Mapping[str, Any], path: Path, v: SpecValidator) -> None:
    resource = as_map(template.get("resource"))
    r_path = (*path, "resource")
    action = resource.get("action")
    if not has_variable(action) and action not in RESOURCE_ACTIONS:
        v.findings.error(
            (*r_path, "action"), f'action "{action}" is not one of: {", ".join(RESOURCE_ACTIONS)}'
        )
    if action in ("get", "delete"):
        return
    manifest, manifest_from = resource.get("manifest"), resource.get("manifestFrom")
    if not is_set(manifest) and manifest_from is None:
        v.findings.error(
            r_path, "either resource.manifest or resource.manifestFrom must be specified"
        )
    elif is_set(manifest) and manifest_from is not None:
        v.findings.error(
            (*r_path, "manifestFrom"), "manifest and manifestFrom cannot both be specified"
        )
    if isinstance(manifest_from, Mapping):
        wanted = as_map(manifest_from.get("artifact")).get("name")
        inputs = as_map(template.get("inputs"))
        names = [as_map(a).get("name") for a in as_list(inputs.get("artifacts"))]
        if wanted is not None and wanted not in names:
            v.findings.error(
                (*r_path, "manifestFrom", "artifact", "name"), f'no input artifact named "{wanted}"'
            )
    if isinstance(manifest, str) and manifest:
        _check_manifest_yaml(manifest, (*r_path, "manifest"), v)


def _check_manifest_yaml(manifest: str, path: Path, v: SpecValidator) -> None:
    import re

    # Expressions may be unquoted in the manifest; Argo substitutes placeholders first.
    replaced = re.sub(r"\{\{.*?\}\}", "placeholder", manifest)
    try:
        list(yaml.safe_load_all(replaced))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1} of the manifest)" if mark is not None else ""
        v.findings.error(
            path, f"resource.manifest must be valid YAML{where}: {getattr(err, 'problem', err)}"
        )


def _check_metrics(template: Mapping[str, Any], path: Path, v: SpecValidator) -> None:
    import re

    metrics = as_map(template.get("metrics"))
    for index, metric in enumerate(as_list(metrics.get("prometheus"))):
        metric = as_map(metric)
        here = (*path, "metrics", "prometheus", index)
        name = metric.get("name")
        if isinstance(name, str) and not re.fullmatch(r"[a-zA-Z0-9_]+", name):
            v.findings.error(
                (*here, "name"),
                f"metric name \"{name}\" may contain only alphanumeric characters or '_'",
            )
        if not is_set(metric.get("help")):
            v.findings.error(here, f'metric "{name}" must have a help string')
