"""The wire protocol between controller and executor: versioned, Argo-shaped JSON documents.

A :class:`NodeRequest` asks an executor to run one node's template (already fully
substituted); a :class:`NodeResult` reports how it ended. Locally they travel as one
JSON document per line over an agent's stdin/stdout; on Kubernetes the request is in
the pod and the result comes back through the API. Both sides use only these types.

A node reports once, when it ends, except a daemon (``daemon: true``): it first reports
``Running`` once it is ready (its process started, or its ``readinessProbe`` passed), so
its scope can go on while it runs, then reports its end as any node does.

Version 2 added that ``Running`` report and ``NodeResult.pod_ip``; version 3 added
``NodeResult.host_node_name``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

WIRE_VERSION = 3

# Node phases, as Argo spells them.
PENDING = "Pending"
RUNNING = "Running"
SUCCEEDED = "Succeeded"
FAILED = "Failed"  # the main container exited non-zero
ERROR = "Error"  # anything else stopped the node (missing command, bad input, deadline)
SKIPPED = "Skipped"
OMITTED = "Omitted"
FINISHED_PHASES = frozenset({SUCCEEDED, FAILED, ERROR, SKIPPED, OMITTED})


@dataclass
class WorkflowIdentity:
    name: str
    namespace: str = "default"
    uid: str = ""


@dataclass
class NodeRequest:
    """Run one node.

    :param template: the node's template as Argo JSON, every ``{{...}}`` resolved
        (except run-time ones the executor owns, such as ``outputs.*`` paths).
    :param node_dir: a directory private to this node attempt: the executor keeps its
        scratch space, log and result file there.
    :param workflow_dir: a directory shared by the workflow's nodes (volumes live there).
    :param capture_result: whether ``outputs.result`` (stdout, last 256 kB) is wanted.
    :param deadline: wall-clock time (seconds since the epoch) by which the node must
        end, or None.
    :param volumes: the workflow's ``spec.volumes`` and ``spec.volumeClaimTemplates``
        entries as written in the spec (a claim template is named by ``metadata.name``),
        so the executor can back the template's ``volumeMounts``; the template's own
        ``volumes`` are read from the template.
    """

    workflow: WorkflowIdentity
    node_id: str
    node_name: str
    template: dict[str, Any]
    node_dir: str
    workflow_dir: str
    attempt: int = 0
    capture_result: bool = False
    deadline: float | None = None
    pod_name: str = ""
    volumes: list[dict[str, Any]] = field(default_factory=list)
    version: int = WIRE_VERSION

    def to_json(self) -> str:
        return json.dumps(_plain(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> NodeRequest:
        return cls.from_document(json.loads(text))

    @classmethod
    def from_document(cls, data: dict[str, Any]) -> NodeRequest:
        """From :meth:`to_json`'s document, parsed (it becomes the request's: not copied)."""
        _check_version(data)
        data["workflow"] = WorkflowIdentity(**data["workflow"])
        return cls(**data)


@dataclass
class NodeResult:
    """How one node ended, or (phase ``Running``) that a daemon node is ready.

    :param outputs: Argo-shaped: ``{"parameters": [{"name", "value"}], "artifacts": [...],
        "result": str, "exitCode": str}``, each key present only when produced.
    :param started_at: / :param finished_at: seconds since the epoch.
    :param containers: for a ``containerSet``, how each container ended:
        ``{"name", "phase", "message", "startedAt", "finishedAt", "exitCode"}``.
    :param pod_ip: where the node's pod can be reached (a daemon's ``{{steps.X.ip}}``);
        locally ``127.0.0.1``, as nodes run as host processes.
    :param host_node_name: the machine a pod-type node ran on (Argo's ``hostNodeName``,
        the Kubernetes node of its pod; ``{{steps.X.hostNodeName}}``); locally this
        host's name. Empty for nodes that are not pods (http, plugin, suspend).
    """

    node_id: str
    phase: str
    message: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    started_at: float = 0.0
    finished_at: float = 0.0
    containers: list[dict[str, Any]] = field(default_factory=list)
    pod_ip: str = ""
    host_node_name: str = ""
    version: int = WIRE_VERSION

    @property
    def final(self) -> bool:
        """Whether this is the node's last report (not a daemon's ``Running`` one)."""
        return self.phase != RUNNING

    def to_json(self) -> str:
        return json.dumps(_plain(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> NodeResult:
        data = json.loads(text)
        _check_version(data)
        return cls(**data)


def _plain(document: Any) -> dict[str, Any]:
    """A dataclass as a dict for JSON, without ``asdict``'s deep copy of the template
    (that copy was a tenth of the controller's time per launch)."""
    return {
        f.name: _plain(value) if hasattr(value, "__dataclass_fields__") else value
        for f in fields(document)
        for value in (getattr(document, f.name),)
    }


class WireVersionError(ValueError):
    pass


def _check_version(data: dict[str, Any]) -> None:
    if data.get("version") != WIRE_VERSION:
        raise WireVersionError(
            f"wire protocol version {data.get('version')!r} is not {WIRE_VERSION}; "
            "controller and executor must be the same release"
        )
