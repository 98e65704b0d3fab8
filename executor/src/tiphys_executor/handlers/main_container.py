"""The containers of a pod-like node (``container``, ``script``, ``containerSet``), run locally.

Input artifacts are staged first; init containers run next, one after the other;
sidecars start next and are stopped when the main container(s) end. Outcomes follow
Argo's controller: a container exiting non-zero is ``Failed`` with ``<container>: Error
(exit code N)``; a deadline is ``Failed`` with the kubelet's message; everything else
that stops the node (missing command or artifact, bad volume, cancellation, unreadable
output parameter) is ``Error``.

Containers are probed as the kubelet probes them (:mod:`tiphys_executor.container_probes`):
a failing ``livenessProbe`` or ``startupProbe`` kills its container, and the node's
message names the probe. A daemon (``daemon: true``) reports ``Running`` once its pod is
ready (started, and its containers' startup and readiness probes passed) and runs until
it is stopped; it then ends as any node.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tiphys_core.wire import ERROR, FAILED, SUCCEEDED, NodeResult

from tiphys_executor.artifacts import ArtifactError, stage_input_artifacts
from tiphys_executor.container_plan import (
    ContainerRun,
    PlanError,
    node_deadline,
    plan_container,
    start_error,
)
from tiphys_executor.container_probes import (
    ContainerProbes,
    PodReadiness,
    container_probes,
    with_probe_failure,
)
from tiphys_executor.isolation import host_path
from tiphys_executor.node import NodeContext
from tiphys_executor.output_artifacts import save_output_artifacts
from tiphys_executor.outputs import output_parameters, script_result
from tiphys_executor.probes import ProbeError
from tiphys_executor.process import Background, ProcessOutcome, run_process

DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
# Exit codes of a sidecar stopped by a signal: Argo ignores them.
_STOPPED_EXIT_CODES = (0, 137, 143)


def run_main_container(
    node: NodeContext, container: Mapping[str, Any], extra_args: Sequence[str] = ()
) -> NodeResult:
    """Run the node's containers as host processes and report the node.

    :param container: the main container (Argo's container shape).
    :param extra_args: appended to the main container's ``args`` (a staged script).
    """
    request = node.request
    started_at = time.time()
    try:
        deadline = node_deadline(request, started_at)
        main = plan_container(
            node,
            container,
            name="main",
            deadline=deadline,
            capture_stdout=request.capture_result,
            extra_args=extra_args,
        )
        pod = daemon_readiness(node, started_at)
        probes = container_probes("main", container, main.spec, node.isolation, pod)
        stage_main_inputs(node, main, container.get("volumeMounts") or ())
    except (PlanError, ArtifactError, ProbeError) as exc:
        return NodeResult(request.node_id, ERROR, str(exc), started_at=started_at)

    def run_main() -> NodeResult:
        on_start = starting(pod, probes) if pod is not None or probes is not None else None
        try:
            outcome = run_process(main.spec, node.isolation, node.control, on_start)
        except OSError as exc:
            return NodeResult(request.node_id, ERROR, start_error(exc, main), started_at=started_at)
        finally:
            if probes is not None:
                probes.stop()
            if pod is not None:
                pod.stop()  # no Running report may follow the result
        return _node_result(node, outcome, main_view(main), started_at, probes)

    mirrored = container.get("volumeMounts") or ()
    return run_pod(node, started_at, deadline, mirrored, run_main, pod)


def daemon_readiness(node: NodeContext, started_at: float) -> PodReadiness | None:
    """For a daemon: what reports its pod ready. (Argo's ``daemon`` is a boolean.)"""
    if str(node.request.template.get("daemon")).lower() != "true":
        return None
    return PodReadiness(lambda: node.report_running(started_at))


def starting(pod: PodReadiness | None, probes: ContainerProbes | None) -> Callable[[Any], None]:
    """What to do once a main container's process has started: the pod runs, probe it."""

    def started(process: Any) -> None:
        if probes is not None:
            probes.started(process)
        if pod is not None:
            pod.running()

    return started


def run_pod(
    node: NodeContext,
    started_at: float,
    deadline: float | None,
    mirrored: Sequence[Mapping[str, Any]],
    run_main: Callable[[], NodeResult],
    pod: PodReadiness | None = None,
) -> NodeResult:
    """Run the node's init containers, start its sidecars, ``run_main``, stop the sidecars.

    :param mirrored: the ``volumeMounts`` given to containers with ``mirrorVolumeMounts``
        (the main container's).
    :param run_main: runs the node's main container(s) and reports the node.
    :param pod: a daemon's readiness, which waits for its sidecars' probes too.
    """
    request = node.request
    template = request.template
    try:
        inits = _plan_extra(node, template.get("initContainers"), mirrored, deadline)
        sidecars = _plan_extra(node, template.get("sidecars"), mirrored, deadline)
        watched = [
            container_probes(sidecar.name, container, sidecar.spec, node.isolation, pod)
            for sidecar, container in zip(sidecars, template.get("sidecars") or (), strict=True)
        ]
    except (PlanError, ProbeError) as exc:
        if pod is not None:
            pod.stop()
        return NodeResult(request.node_id, ERROR, str(exc), started_at=started_at)
    for init in inits:
        failed = _run_init(node, init, started_at)
        if failed is not None:
            return failed
    running: list[tuple[str, Background, ContainerProbes | None]] = []
    try:
        for sidecar, probes in zip(sidecars, watched, strict=True):
            started = Background(sidecar.spec, node.isolation)
            running.append((sidecar.name, started, probes))
            if probes is not None:
                probes.started(started.process)
    except OSError as exc:
        _stop_all(node, running)
        message = start_error(exc, sidecars[len(running)])
        return NodeResult(request.node_id, ERROR, message, started_at=started_at)
    try:
        result = run_main()
    finally:
        if pod is not None:
            pod.stop()
        sidecar_failure = _stop_all(node, running)
    if result.phase == SUCCEEDED and sidecar_failure:
        result.phase, result.message = FAILED, sidecar_failure
    return result


def stage_main_inputs(
    node: NodeContext, main: ContainerRun, volume_mounts: Sequence[Mapping[str, Any]]
) -> None:
    """Write the template's input artifacts where the main container will see them.

    :raises ArtifactError: an artifact is missing or cannot be loaded.
    """
    if not (node.request.template.get("inputs") or {}).get("artifacts"):
        return  # most nodes: no secrets to look up either
    extra = stage_input_artifacts(
        node.request,
        view_mounts=main.spec.mounts,
        volume_mounts=volume_mounts,
        isolated=node.isolation.available,
        drivers=node.drivers,
        secrets=node.secrets,
    )
    if extra:
        main.spec.mounts = [*main.spec.mounts, *extra]


def main_view(main: ContainerRun) -> Callable[[str], str]:
    """Maps a path the main container wrote to the host (relative: its working dir)."""

    # A relative output path is read where the main container ran, as the emissary does.
    def to_host(path: str) -> str:
        return host_path(os.path.join(main.spec.cwd, path), main.spec.mounts)

    return to_host


def main_outputs(
    node: NodeContext, outcome: ProcessOutcome, to_host: Callable[[str], str]
) -> tuple[dict[str, Any], list[str]]:
    """The node's outputs from its main container that ran, and output parameter errors."""
    outputs: dict[str, Any] = {}
    parameters, errors = output_parameters(node.request.template, to_host)
    if parameters:
        outputs["parameters"] = parameters
    if outcome.stdout_tail is not None:
        outputs["result"] = script_result(outcome.stdout_tail)
    outputs["exitCode"] = str(outcome.exit_code)
    template = node.request.template
    if (template.get("outputs") or {}).get("artifacts") or (
        template.get("archiveLocation") or {}
    ).get("archiveLogs"):
        artifacts, failures = save_output_artifacts(
            template, to_host, node_dir=node.request.node_dir, log_path=node.log_path,
            drivers=node.drivers, secrets=node.secrets,
        )  # fmt: skip
        if artifacts:
            outputs["artifacts"] = artifacts
        errors.extend(failures)
    return outputs, errors


def _plan_extra(
    node: NodeContext,
    containers: Any,
    main_mounts: Sequence[Mapping[str, Any]],
    deadline: float | None,
) -> list[ContainerRun]:
    planned = []
    for index, container in enumerate(containers or ()):
        name = str(container.get("name") or f"container-{index}")
        mirrored = main_mounts if container.get("mirrorVolumeMounts") else None
        planned.append(
            plan_container(node, container, name=name, deadline=deadline, volume_mounts=mirrored)
        )
    return planned


def _run_init(node: NodeContext, init: ContainerRun, started_at: float) -> NodeResult | None:
    node_id = node.request.node_id
    try:
        outcome = run_process(init.spec, node.isolation, node.control)
    except OSError as exc:
        return NodeResult(node_id, ERROR, start_error(exc, init), started_at=started_at)
    if outcome.deadline_exceeded:
        return NodeResult(node_id, FAILED, DEADLINE_MESSAGE, started_at=started_at)
    if outcome.cancelled or outcome.exit_code is None:
        return NodeResult(node_id, ERROR, node.control.message, started_at=started_at)
    if outcome.exit_code != 0:
        message = f"{init.name}: Error (exit code {outcome.exit_code})"
        return NodeResult(node_id, FAILED, message, started_at=started_at)
    return None


def _stop_all(
    node: NodeContext, running: list[tuple[str, Background, ContainerProbes | None]]
) -> str:
    """Stop the sidecars; the message of one that had failed on its own, else "".

    One a probe killed with SIGTERM or SIGKILL did not fail: Argo ignores those exit codes.
    """
    for _, _, probes in running:
        if probes is not None:
            probes.stop()
    failure = ""
    for name, sidecar, probes in running:
        code, ended_alone = sidecar.stop(node.control.kill_grace)
        if ended_alone and code not in _STOPPED_EXIT_CODES and not failure:
            failure = with_probe_failure(f"{name}: Error (exit code {code})", probes)
    return failure


def _node_result(
    node: NodeContext,
    outcome: ProcessOutcome,
    to_host: Callable[[str], str],
    started_at: float,
    probes: ContainerProbes | None = None,
) -> NodeResult:
    request = node.request
    if outcome.exit_code is None:
        if outcome.deadline_exceeded:
            return NodeResult(request.node_id, FAILED, DEADLINE_MESSAGE, started_at=started_at)
        return NodeResult(request.node_id, ERROR, node.control.message, started_at=started_at)
    outputs, errors = main_outputs(node, outcome, to_host)
    if outcome.deadline_exceeded:
        phase, message = FAILED, DEADLINE_MESSAGE
    elif outcome.cancelled:
        phase, message = ERROR, node.control.message
    elif outcome.exit_code != 0:
        phase = FAILED
        message = with_probe_failure(f"main: Error (exit code {outcome.exit_code})", probes)
    elif errors:
        phase, message = ERROR, "; ".join(errors)
    else:
        phase, message = SUCCEEDED, ""
    return NodeResult(request.node_id, phase, message, outputs, started_at=started_at)
