"""``data`` templates: list an artifact location, transform the list, output it as JSON.

Following Argo (``workflow/data/data.go``, ``workflow/executor/data.go``): the source
``artifactPaths`` is an artifact (a key-only one completed from the template's
``archiveLocation``) whose driver's ``list_objects`` gives the keys under it; each
``transformation`` step's ``expression`` is evaluated with ``data`` bound to the value
so far; ``outputs.result`` is the final value as Go's ``json.Marshal`` writes it. A
failure fails the node with Argo's chain of messages (``unable to process data
template: unable to process data source: ...``). The listing runs inside the agent.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from tiphys_core.wire import ERROR, FAILED, SUCCEEDED, NodeResult

from tiphys_executor.container_plan import PlanError, node_deadline
from tiphys_executor.inprocess import DeadlineExceeded, NodeCancelled, run_stoppable
from tiphys_executor.node import NodeContext

DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"


class DataError(Exception):
    """A step of the data template failed; the message is Argo's chain of messages."""


class DataHandler:
    """Runs ``template.data``."""

    def run(self, node: NodeContext) -> NodeResult:
        request = node.request
        started_at = time.time()
        template = request.template
        try:
            deadline = node_deadline(request, started_at)
        except PlanError as exc:
            return NodeResult(request.node_id, ERROR, str(exc), started_at=started_at)
        try:
            value = run_stoppable(
                node.control,
                lambda: process_data(template["data"], node, template.get("archiveLocation")),
                deadline=deadline,
                name=f"tiphys-data-{request.node_id}",
            )
        except NodeCancelled as exc:
            return NodeResult(request.node_id, ERROR, str(exc), started_at=started_at)
        except DeadlineExceeded:
            return NodeResult(request.node_id, FAILED, DEADLINE_MESSAGE, started_at=started_at)
        except DataError as exc:
            message = f"unable to process data template: {exc}"
            return NodeResult(request.node_id, FAILED, message, started_at=started_at)
        from tiphys_core.expr import ExprError, to_json

        try:
            result = to_json(value)
        except ExprError as exc:
            message = f"unable to process data template: {exc}"
            return NodeResult(request.node_id, FAILED, message, started_at=started_at)
        return NodeResult(
            request.node_id, SUCCEEDED, outputs={"result": result}, started_at=started_at
        )


def process_data(
    data: Mapping[str, Any], node: NodeContext, archive_location: Mapping[str, Any] | None
) -> Any:
    """The source's value after every transformation step (Argo's ``ProcessData``).

    :raises DataError: the source cannot be read or a step fails.
    """
    try:
        value = source_value(data.get("source") or {}, node, archive_location)
    except DataError as exc:
        raise DataError(f"unable to process data source: {exc}") from None
    try:
        return transform(value, data.get("transformation") or [])
    except DataError as exc:
        raise DataError(f"unable to process data transformation: {exc}") from None


def source_value(
    source: Mapping[str, Any], node: NodeContext, archive_location: Mapping[str, Any] | None
) -> list[str]:
    """The keys under ``source.artifactPaths``, listed by its artifact driver."""
    artifact_paths = source.get("artifactPaths")
    if artifact_paths is None:
        raise DataError("no valid source is used for data template")
    from tiphys_core.artifacts import Artifact, ArtifactError, relocate

    try:
        if not isinstance(artifact_paths, Mapping):
            raise ArtifactError("source.artifactPaths must be an artifact (name and location)")
        located = relocate(artifact_paths, archive_location)
        driver = _driver(located, node)
        return list(driver.list_objects(Artifact(located, node.secrets)))
    except ArtifactError as exc:
        raise DataError(f"unable to source artifact paths: {exc}") from None


def transform(value: Any, steps: Any) -> Any:
    """Each step's ``expression`` evaluated with ``data`` bound to the value so far."""
    from tiphys_core.expr import ExprError, compile_expr

    if not isinstance(steps, list):
        raise DataError("transformation must be a list of {expression: ...} steps")
    for index, step in enumerate(steps):
        expression = str((step or {}).get("expression") or "") if isinstance(step, Mapping) else ""
        if not expression:
            continue  # Argo skips steps without an expression
        try:
            value = compile_expr(expression).evaluate({"data": value})
        except ExprError as exc:
            raise DataError(f"error processing data step {index}: {exc}") from None
    return value


def _driver(artifact: Mapping[str, Any], node: NodeContext) -> Any:
    from tiphys_core.artifacts import ArtifactError, driver_name

    name = driver_name(artifact) or ""
    if not name:
        raise ArtifactError(
            f"artifact {artifact.get('name')!r} has no location (s3, gcs, git, plugin...)"
        )
    try:
        driver = node.drivers.get(name)
    except Exception as exc:  # a driver plugin that fails to import
        raise ArtifactError(f"the {name} artifact driver failed to load: {exc!r}") from None
    if driver is None:
        installed = ", ".join(node.drivers.names()) or "none"
        raise ArtifactError(
            f"artifact {artifact.get('name')!r}: no artifact driver for {name!r} is installed "
            f"(installed: {installed})"
        )
    return driver
