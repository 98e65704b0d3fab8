"""``containerSet`` templates: the containers of one pod, ordered by their ``dependencies``.

Each container runs as a host process in its own view (its own ``/tmp``), with the
set's ``volumeMounts`` added to its own (Argo's ``ContainerSetTemplate.GetContainers``).
A container starts once every container it depends on has succeeded; containers that
do not wait on each other run in parallel. As in Argo's pod, the first container to
fail fails the node (``<name>: Error (exit code N)``) and the containers still running
are stopped. Input artifacts, ``outputs.result``, ``exitCode`` and output parameters
belong to the container named ``main``. Every container's lines go to the node's
``main.log``, each prefixed with the container's name.

``containerSet.retryStrategy`` re-runs a failing container's command in place, as the
emissary does: ``retries`` counts the runs (it becomes k8s ``wait.Backoff.Steps``; the
emissary's own tests show ``retries: 1`` running once), ``duration`` is the pause
between them, and a command that cannot be started is not retried.

Each container is probed as the kubelet probes it (its ``startupProbe`` and
``livenessProbe`` kill it; a container so killed is not retried: the kubelet killed the
container the emissary retries in). A ``containerSet`` may be a daemon, as Argo allows: it
is ready once it runs and each container with a ``startupProbe`` or ``readinessProbe`` has
passed them (the others count as ready from the start, as in Argo's pod where each
container's emissary runs while it waits on its dependencies).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tiphys_core.wire import ERROR, FAILED, SUCCEEDED, NodeResult

from tiphys_executor.artifacts import ArtifactError
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
from tiphys_executor.handlers.main_container import (
    DEADLINE_MESSAGE,
    daemon_readiness,
    main_outputs,
    main_view,
    run_pod,
    stage_main_inputs,
    starting,
)
from tiphys_executor.node import NodeContext
from tiphys_executor.probes import ProbeError
from tiphys_executor.process import NodeControl, ProcessOutcome, run_process

MAIN = "main"


@dataclass(frozen=True)
class _Member:
    """One container of the set, planned."""

    run: ContainerRun
    dependencies: tuple[str, ...]
    volume_mounts: tuple[Mapping[str, Any], ...]
    container: Mapping[str, Any]


@dataclass(frozen=True)
class _Retry:
    runs: int = 1
    pause: float = 0.0


@dataclass(frozen=True)
class _Ended:
    """How a container ended: its last run's outcome, or why it could not run."""

    outcome: ProcessOutcome | None
    problem: str = ""
    started_at: float = 0.0
    finished_at: float = 0.0
    probes: ContainerProbes | None = None

    @property
    def succeeded(self) -> bool:
        return self.outcome is not None and self.outcome.exit_code == 0


class ContainerSetHandler:
    """Runs ``template.containerSet``."""

    def run(self, node: NodeContext) -> NodeResult:
        request = node.request
        container_set = request.template["containerSet"]
        started_at = time.time()
        try:
            deadline = node_deadline(request, started_at)
            retry = _retry_strategy(container_set)
            members = _plan_members(node, container_set, deadline)
            pod = daemon_readiness(node, started_at)
            probes = {
                name: container_probes(name, member.container, member.run.spec, node.isolation, pod)
                for name, member in members.items()
            }
            main = members.get(MAIN)
            if main is not None:
                stage_main_inputs(node, main.run, main.volume_mounts)
            elif (request.template.get("inputs") or {}).get("artifacts"):
                raise PlanError(
                    'a containerSet with input artifacts needs a container named "main"'
                )
        except (PlanError, ArtifactError, ProbeError) as exc:
            return NodeResult(request.node_id, ERROR, str(exc), started_at=started_at)

        def run_members() -> NodeResult:
            try:
                ended = _run_graph(node, members, retry, probes, pod)
            finally:
                if pod is not None:
                    pod.stop()  # no Running report may follow the result
            return _set_result(node, members, ended, started_at)

        mirrored = main.volume_mounts if main is not None else ()
        return run_pod(node, started_at, deadline, mirrored, run_members, pod)


def _retry_strategy(container_set: Mapping[str, Any]) -> _Retry:
    strategy = container_set.get("retryStrategy")
    if not isinstance(strategy, Mapping) or strategy.get("retries") is None:
        return _Retry()
    retries = strategy["retries"]
    try:
        runs = int(str(retries))
    except ValueError:
        raise PlanError(
            f"containerSet.retryStrategy.retries {retries!r} is not a whole number"
        ) from None
    pause = 0.0
    if strategy.get("duration"):
        from tiphys_core.engine.retry import parse_duration

        pause = parse_duration(strategy["duration"])
    return _Retry(max(runs, 1), pause)


def _plan_members(
    node: NodeContext, container_set: Mapping[str, Any], deadline: float | None
) -> dict[str, _Member]:
    """The set's containers by name, in the template's order; the graph is checked."""
    containers = container_set.get("containers") or ()
    if not containers:
        raise PlanError("containerSet.containers: a containerSet needs at least one container")
    shared = tuple(container_set.get("volumeMounts") or ())
    names = [str(container.get("name") or "") for container in containers]
    members: dict[str, _Member] = {}
    for index, (name, container) in enumerate(zip(names, containers, strict=True)):
        where = f"containerSet.containers[{index}]"
        if not name:
            raise PlanError(f"{where}.name: every container of a containerSet needs a name")
        if name in members:
            raise PlanError(f"{where}.name: container name {name!r} is not unique")
        dependencies = tuple(str(d) for d in container.get("dependencies") or ())
        for position, dependency in enumerate(dependencies):
            if dependency not in names:
                raise PlanError(
                    f"{where}.dependencies[{position}]: unknown container {dependency!r} "
                    f"(containers: {', '.join(names)})"
                )
        mounts = (*(container.get("volumeMounts") or ()), *shared)
        run = plan_container(
            node,
            container,
            name=name,
            deadline=deadline,
            capture_stdout=name == MAIN and node.request.capture_result,
            volume_mounts=mounts,
        )
        # The containers share the node's log, as they share the pod's.
        run.spec.log_path = node.log_path
        run.spec.log_prefix = f"{name}: "
        members[name] = _Member(run, dependencies, mounts, container)
    _check_acyclic(members)
    return members


def _check_acyclic(members: Mapping[str, _Member]) -> None:
    done: set[str] = set()
    while len(done) < len(members):
        ready = [
            name
            for name, member in members.items()
            if name not in done and all(d in done for d in member.dependencies)
        ]
        if not ready:
            cycle = ", ".join(name for name in members if name not in done)
            raise PlanError(f"containerSet.containers: dependency cycle among {cycle}")
        done.update(ready)


def _run_graph(
    node: NodeContext,
    members: Mapping[str, _Member],
    retry: _Retry,
    probes: Mapping[str, ContainerProbes | None],
    pod: PodReadiness | None,
) -> dict[str, _Ended]:
    """Run the containers in dependency order; how each ended, in the order they did.

    After a failure no container starts and the running ones are stopped.
    """
    control = node.control.child()
    finished: queue.Queue[tuple[str, _Ended]] = queue.Queue()
    waiting = dict(members)
    ended: dict[str, _Ended] = {}
    running = 0
    stopping = False
    while True:
        if not stopping:
            for name, member in list(waiting.items()):
                if all(d in ended and ended[d].succeeded for d in member.dependencies):
                    del waiting[name]
                    watch = _Watch(probes.get(name), pod)
                    _start(node, control, name, member.run, retry, watch, finished)
                    running += 1
        if running == 0:
            return ended
        name, how = finished.get()
        running -= 1
        ended[name] = how
        if not how.succeeded and not stopping:
            stopping = True
            control.cancel(f"stopped: container {name} did not succeed")


def _start(
    node: NodeContext,
    control: NodeControl,
    name: str,
    run: ContainerRun,
    retry: _Retry,
    watch: _Watch,
    finished: queue.Queue[tuple[str, _Ended]],
) -> None:
    def work() -> None:
        began = time.time()
        try:
            how = _run_container(node, control, run, retry, watch)
        except Exception as exc:  # a bug must end this container, not hang the node
            how = _Ended(None, f"executor error running container {name}: {exc!r}")
        finished.put((name, replace(how, started_at=began, finished_at=time.time())))

    # A fresh thread per container: it may be left in a private view, and then ends.
    threading.Thread(target=work, name=f"tiphys-container-{name}", daemon=True).start()


@dataclass(frozen=True)
class _Watch:
    """What watches a container: its probes, and a daemon's readiness."""

    probes: ContainerProbes | None
    pod: PodReadiness | None


def _run_container(
    node: NodeContext, control: NodeControl, run: ContainerRun, retry: _Retry, watch: _Watch
) -> _Ended:
    probes = watch.probes
    on_start = starting(watch.pod, probes) if watch.pod or probes else None
    outcome: ProcessOutcome | None = None
    for attempt in range(retry.runs):
        if attempt:
            pause = retry.pause
            if run.spec.deadline is not None:
                pause = min(pause, run.spec.deadline - time.time())
            if not control.wait(pause):
                break
        try:
            outcome = run_process(run.spec, node.isolation, control, on_start)
        except OSError as exc:
            return _Ended(None, start_error(exc, run))
        finally:
            if probes is not None:
                probes.stop()
        if outcome.exit_code in (0, None) or outcome.cancelled or outcome.deadline_exceeded:
            break
        if probes is not None and probes.killed:
            break  # the kubelet killed the container its emissary retries in
    return _Ended(outcome, probes=probes)


def _set_result(
    node: NodeContext,
    members: Mapping[str, _Member],
    ended: Mapping[str, _Ended],
    started_at: float,
) -> NodeResult:
    request = node.request
    outputs: dict[str, Any] = {}
    errors: Sequence[str] = ()
    main = ended.get(MAIN)
    if main is not None and main.outcome is not None and main.outcome.exit_code is not None:
        outputs, errors = main_outputs(node, main.outcome, main_view(members[MAIN].run))
    if node.control.cancelled:
        phase, message = ERROR, node.control.message
    else:
        phase, message = _first_failure(ended)
        if phase == SUCCEEDED and errors:
            phase, message = ERROR, "; ".join(errors)
    result = NodeResult(request.node_id, phase, message, outputs, started_at=started_at)
    result.containers = [_container_report(name, how) for name, how in ended.items()]
    return result


def _container_report(name: str, how: _Ended) -> dict[str, Any]:
    """One container's end, for its ``Container`` node (Argo's ``<node>.<container>``)."""
    outcome = how.outcome
    report: dict[str, Any] = {"name": name, "startedAt": how.started_at}
    report["finishedAt"] = how.finished_at
    if how.problem or outcome is None:
        report.update(phase=ERROR, message=how.problem)
    elif outcome.deadline_exceeded:
        report.update(phase=FAILED, message=DEADLINE_MESSAGE)
    elif outcome.cancelled or outcome.exit_code is None:
        report.update(phase=ERROR, message="container stopped")
    elif outcome.exit_code != 0:
        message = with_probe_failure(f"Error (exit code {outcome.exit_code})", how.probes)
        report.update(phase=FAILED, message=message)
    else:
        report.update(phase=SUCCEEDED, message="")
    if outcome is not None and outcome.exit_code is not None:
        report["exitCode"] = str(outcome.exit_code)
    return report


def _first_failure(ended: Mapping[str, _Ended]) -> tuple[str, str]:
    """The phase and message of the first container to fail on its own, in Argo's words."""
    for name, how in ended.items():
        outcome = how.outcome
        if how.problem or outcome is None:
            return ERROR, how.problem
        if outcome.deadline_exceeded:
            return FAILED, DEADLINE_MESSAGE
        if outcome.cancelled:
            continue  # stopped because another container failed
        if outcome.exit_code != 0:
            message = f"{name}: Error (exit code {outcome.exit_code})"
            return FAILED, with_probe_failure(message, how.probes)
    return SUCCEEDED, ""
