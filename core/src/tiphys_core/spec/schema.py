"""Argo's v4 schema as a compact type table, derived from Hera's generated models.

Hera (``hera.workflows.models``) is generated from Argo's ``api/jsonschema/schema.json``
and kept current by its maintainers. Importing those pydantic models takes most of
a second, so the first run walks them once into a plain table of types and fields
and caches it as JSON; later runs load the table in milliseconds and validate plain
dicts with :mod:`tiphys_core.spec.structure`, which also knows where each field is.

A type reference is one of:

- ``"str" "int" "float" "bool" "any"``; ``"scalar"`` (Argo's ``AnyString``: string,
  number or boolean); ``"intstr"`` (``IntOrString``); ``"quantity"`` (string or number);
- ``["list", ref]``, ``["map", ref]``, ``["enum", [values]]``, ``["union", [refs]]``;
- ``["obj", type_name]`` for a model in ``types``.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from tiphys_core.paths import cache_dir

# Bump when the derivation below changes, so stale caches are not read.
DERIVATION_VERSION = 5

TypeRef = Any

_MODELS = "hera.workflows.models."
ROOT_MODELS = {
    "Workflow": "io.argoproj.workflow.v1alpha1.Workflow",
    "WorkflowTemplate": "io.argoproj.workflow.v1alpha1.WorkflowTemplate",
    "ClusterWorkflowTemplate": "io.argoproj.workflow.v1alpha1.ClusterWorkflowTemplate",
    "CronWorkflow": "io.argoproj.workflow.v1alpha1.CronWorkflow",
    "WorkflowEventBinding": "io.argoproj.workflow.v1alpha1.WorkflowEventBinding",
}

# Fields Argo types as ``AnyString``: YAML numbers and booleans are accepted and read as text.
_ANY_STRING_FIELDS = {
    ("Parameter", "default"),
    ("Parameter", "value"),
    ("Parameter", "enum"),
    ("Parameter", "description"),
    ("ValueFrom", "default"),
}
# Argo's free-form objects: Hera models them as empty classes.
_FREE_FORM = {"Plugin", "FieldsV1"}

_ARGO = "io.argoproj.workflow.v1alpha1."
_CORE = "io.k8s.api.core.v1."
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
# Argo v4.1 fields that Hera 7.1's models do not have yet (from Argo's schema.json).
# Each entry: type -> {field: ref}; new object types are listed in _ADDED_TYPES.
_ADDED_FIELDS: dict[str, dict[str, TypeRef]] = {
    _ARGO + "Template": {
        "podResources": ["obj", _CORE + "ResourceRequirements"],
        "resourceClaims": ["list", ["obj", _CORE + "PodResourceClaim"]],
        "pendingTimeout": "str",
    },
    _ARGO + "WorkflowSpec": {
        "podResources": ["obj", _CORE + "ResourceRequirements"],
        "resourceClaims": ["list", ["obj", _CORE + "PodResourceClaim"]],
        "executorPlugins": ["list", ["obj", _ARGO + "ExecutorPlugin"]],
    },
    _ARGO + "ContainerNode": {
        "restartPolicyRules": ["list", ["obj", _CORE + "ContainerRestartRule"]]
    },
    _ARGO + "ScriptTemplate": {
        "restartPolicyRules": ["list", ["obj", _CORE + "ContainerRestartRule"]]
    },
    _ARGO + "UserContainer": {
        "restartPolicyRules": ["list", ["obj", _CORE + "ContainerRestartRule"]]
    },
    _CORE + "Container": {"restartPolicyRules": ["list", ["obj", _CORE + "ContainerRestartRule"]]},
    _ARGO + "S3Artifact": {"addressingStyle": "str"},
    _ARGO + "S3ArtifactRepository": {"addressingStyle": "str"},
    _ARGO + "HTTPArtifact": {"saveStreamViaFile": "bool"},
    _CORE + "EnvVarSource": {"fileKeyRef": ["obj", _CORE + "FileKeySelector"]},
    _CORE + "VolumeProjection": {"podCertificate": ["map", "any"]},
}
# Fields Hera types more narrowly than Argo's schema.json does.
_CORRECTED_FIELDS: dict[str, dict[str, TypeRef]] = {
    # A number or the name of one of the container's ports (Kubernetes' IntOrString).
    _CORE + "HTTPGetAction": {"port": "intstr"},
}
_ADDED_TYPES: dict[str, dict[str, Any]] = {
    _CORE + "PodResourceClaim": {
        "fields": {"name": "str", "resourceClaimName": "str", "resourceClaimTemplateName": "str"},
        "required": ["name"],
    },
    _CORE + "ContainerRestartRule": {
        "fields": {
            "action": "str",
            "exitCodes": ["obj", _CORE + "ContainerRestartRuleOnExitCodes"],
        },
        "required": ["action"],
    },
    _CORE + "ContainerRestartRuleOnExitCodes": {
        "fields": {"operator": "str", "values": ["list", "int"]},
        "required": ["operator"],
    },
    _CORE + "FileKeySelector": {
        "fields": {"key": "str", "optional": "bool", "path": "str", "volumeName": "str"},
        "required": ["volumeName", "path", "key"],
    },
    _ARGO + "ExecutorPlugin": {
        "fields": {
            "metadata": ["obj", _META + "ObjectMeta"],
            "spec": ["obj", _ARGO + "ExecutorPluginSpec"],
        },
        "required": ["metadata", "spec"],
    },
    _ARGO + "ExecutorPluginSpec": {
        "fields": {"sidecar": ["obj", _ARGO + "ExecutorPluginSidecar"]},
        "required": ["sidecar"],
    },
    _ARGO + "ExecutorPluginSidecar": {
        "fields": {
            "automountServiceAccountToken": "bool",
            "container": ["obj", _CORE + "Container"],
        },
        "required": ["container"],
    },
}

_SPECIAL_ROOTS = {
    "IntOrString": "intstr",
    "Quantity": "quantity",
    "Time": "str",
    "MicroTime": "str",
    "Item": "any",
}


@dataclass(frozen=True, slots=True)
class ObjectType:
    name: str
    fields: dict[str, TypeRef]
    required: frozenset[str]


@dataclass(frozen=True, slots=True)
class Schema:
    types: dict[str, ObjectType]
    roots: dict[str, str]

    def root(self, kind: str) -> ObjectType | None:
        name = self.roots.get(kind)
        return self.types[name] if name else None


def load_schema() -> Schema:
    """The schema table, from the cache when it matches the installed Hera."""
    path = cache_dir() / f"argo-schema-hera{version('hera')}-d{DERIVATION_VERSION}.json"
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        table = derive_table()
        _write_atomically(path, json.dumps(table, separators=(",", ":")))
    return _from_table(table)


def _from_table(table: dict[str, Any]) -> Schema:
    types = {
        name: ObjectType(name, body["fields"], frozenset(body["required"]))
        for name, body in table["types"].items()
    }
    return Schema(types, table["roots"])


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".schema-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs the derivation on every run


def derive_table() -> dict[str, Any]:
    """Walk Hera's models from the four root kinds into a JSON-able type table."""
    types: dict[str, Any] = {}
    roots: dict[str, str] = {}
    for kind, dotted in ROOT_MODELS.items():
        roots[kind] = _derive_model_by_name(dotted, types)
    _derive_model_by_name(_CORE + "ResourceRequirements", types)
    for name, body in _ADDED_TYPES.items():
        types.setdefault(name, body)
    for name, fields in _ADDED_FIELDS.items():
        if name in types:
            for field, ref in fields.items():
                types[name]["fields"].setdefault(field, ref)
    for name, fields in _CORRECTED_FIELDS.items():
        if name in types:
            types[name]["fields"].update(fields)
    return {"types": types, "roots": roots}


def _derive_model_by_name(dotted: str, types: dict[str, Any]) -> str:
    import importlib

    module_name, _, class_name = dotted.rpartition(".")
    return _derive_model(getattr(importlib.import_module(_MODELS + module_name), class_name), types)


def _type_key(cls: type) -> str:
    module = cls.__module__.removeprefix(_MODELS)
    return f"{module}.{cls.__name__}"


def _derive_model(cls: type, types: dict[str, Any]) -> str:
    key = _type_key(cls)
    if key in types:
        return key
    body: dict[str, Any] = {"fields": {}, "required": []}
    types[key] = body  # registered before recursing: models are recursive
    for attr, info in cls.model_fields.items():  # type: ignore[attr-defined]
        name = info.alias or attr
        if (cls.__name__, name) in _ANY_STRING_FIELDS:
            ref: TypeRef = "scalar"
            if name == "enum":
                ref = ["list", "scalar"]
        else:
            ref = _derive_ref(info.annotation, types)
        body["fields"][name] = ref
        if info.is_required():
            body["required"].append(name)
    return key


def _derive_ref(annotation: Any, types: dict[str, Any]) -> TypeRef:
    import enum
    import types as pytypes
    import typing

    from pydantic import BaseModel, RootModel

    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _derive_ref(args[0], types)
    if origin in (typing.Union, pytypes.UnionType):
        refs = [_derive_ref(a, types) for a in args if a is not type(None)]
        unique = [r for i, r in enumerate(refs) if r not in refs[:i]]
        return unique[0] if len(unique) == 1 else ["union", unique]
    if origin is list:
        return ["list", _derive_ref(args[0], types) if args else "any"]
    if origin is dict:
        return ["map", _derive_ref(args[1], types) if len(args) > 1 else "any"]
    if origin is typing.Literal:
        return ["enum", [str(a) for a in args]]
    if annotation is typing.Any or annotation is object:
        return "any"
    if isinstance(annotation, type):
        if issubclass(annotation, bool):
            return "bool"
        if issubclass(annotation, int):
            return "int"
        if issubclass(annotation, float):
            return "float"
        if issubclass(annotation, (str, bytes)):
            return "str"
        if issubclass(annotation, enum.Enum):
            return ["enum", [str(m.value) for m in annotation]]
        if issubclass(annotation, RootModel):
            special = _SPECIAL_ROOTS.get(annotation.__name__)
            if special:
                return special
            return _derive_ref(annotation.model_fields["root"].annotation, types)
        if issubclass(annotation, BaseModel):
            if annotation.__name__ in _FREE_FORM:
                return ["map", "any"]
            return ["obj", _derive_model(annotation, types)]
    # datetimes, constrained strings and other leaf types arrive as YAML strings
    return "str"
