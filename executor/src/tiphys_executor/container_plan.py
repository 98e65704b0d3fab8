"""From a container in Argo's shape to a process spec: argv, environment, mounts, deadline.

Used for every container of a pod-like node: the main container, init containers and
sidecars. Each container gets its own ``/tmp`` (containers of a pod do not share their
filesystems) and the pod's volumes (an ``emptyDir`` is shared by the node's containers);
one that uses paths outside those (see :func:`~tiphys_executor.private_root.
needs_private_root`; every one, if the agent's policy says ``always``) also gets its own
copy-on-write ``/`` where the machine allows it. A container without ``workingDir``
starts where its image would (its WORKDIR, ``/`` for most) in its own ``/``; without
one, in the agent's directory, so nothing is written to the host's ``/``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tiphys_core.wire import NodeRequest

from tiphys_executor.images import EntrypointError, image_workdir, resolve_argv
from tiphys_executor.isolation import BindMount, IsolationError, PrivateRoot
from tiphys_executor.k8s_env import EnvError, container_env, expand
from tiphys_executor.node import NodeContext
from tiphys_executor.private_root import ROOT_DIR, needs_private_root
from tiphys_executor.process import ProcessSpec
from tiphys_executor.volumes import VolumeError, plan_mounts

# Argo's pod deadline when there is none (Go's zero time).
_NO_DEADLINE = "0001-01-01T00:00:00Z"


class PlanError(ValueError):
    """The container cannot be run as written (the message says why)."""


@dataclass
class ContainerRun:
    """One container of the node, ready to start."""

    name: str
    image: str
    spec: ProcessSpec


def node_deadline(request: NodeRequest, started_at: float) -> float | None:
    """The earlier of the request's deadline and the template's ``activeDeadlineSeconds``."""
    deadline = request.deadline
    seconds = request.template.get("activeDeadlineSeconds")
    if seconds is not None and str(seconds) != "":
        try:
            limit = int(str(seconds))
        except ValueError:
            raise PlanError(
                f"activeDeadlineSeconds {seconds!r} is not a whole number of seconds"
            ) from None
        own = started_at + limit
        deadline = own if deadline is None else min(deadline, own)
    return deadline


def plan_container(
    node: NodeContext,
    container: Mapping[str, Any],
    *,
    name: str,
    deadline: float | None,
    capture_stdout: bool = False,
    extra_args: Sequence[str] = (),
    volume_mounts: Sequence[Mapping[str, Any]] | None = None,
) -> ContainerRun:
    """Build the process spec of one container; its log is ``<node_dir>/<name>.log``.

    :param extra_args: appended to ``args`` after ``$(VAR)`` expansion (a staged script).
    :param volume_mounts: mounts to use instead of the container's own
        (``mirrorVolumeMounts``).
    :raises PlanError: a bad env entry, image without a command, volume or deadline.
    """
    request = node.request
    image = str(container.get("image") or "")
    try:
        env, declared = container_env(
            container.get("env") or (),
            _base_env(node, name, deadline),
            _field_values(request),
        )
        command = [expand(str(part), declared.get) for part in container.get("command") or ()]
        args = [expand(str(part), declared.get) for part in container.get("args") or ()]
        argv = resolve_argv(image, command, [*args, *extra_args])
        mounts: list[BindMount] = []
        private_root = False
        if node.isolation.available:
            own_dir = (
                request.node_dir
                if name == "main"
                else os.path.join(request.node_dir, "containers", name)
            )
            if volume_mounts is not None:
                container = {**container, "volumeMounts": list(volume_mounts)}
            mounts = plan_mounts(
                request, container, tmp_dir=None if name == "main" else os.path.join(own_dir, "tmp")
            )
            private_root = _gets_private_root(node, container, name)
            if private_root:
                mounts.insert(0, PrivateRoot(os.path.join(own_dir, ROOT_DIR)))
    except (EnvError, EntrypointError, VolumeError) as exc:
        raise PlanError(f"{name}: {exc}" if name != "main" else str(exc)) from None
    working_dir = container.get("workingDir")
    if working_dir:
        cwd = str(working_dir)
    else:
        cwd = image_workdir(image) if private_root else node.working_dir
    spec = ProcessSpec(
        argv=argv,
        env=env,
        cwd=cwd,
        log_path=os.path.join(request.node_dir, f"{name}.log"),
        capture_stdout=capture_stdout,
        mounts=mounts,
        deadline=deadline,
    )
    return ContainerRun(name, image, spec)


def _gets_private_root(node: NodeContext, container: Mapping[str, Any], name: str) -> bool:
    policy = node.isolation.private_root_policy
    if policy == "never" or (
        policy == "needed"
        and not needs_private_root(node.request.template, container, main=name == "main")
    ):
        return False
    return node.isolation.private_roots_available(node.request.node_dir)


def start_error(exc: OSError, run: ContainerRun) -> str:
    """What to tell the user when a container's process could not start."""
    prefix = "" if run.name == "main" else f"{run.name}: "
    command = run.spec.argv[0]
    if isinstance(exc, IsolationError):
        return f"{prefix}could not set up the node's private filesystem view: {exc.strerror}"
    if isinstance(exc, FileNotFoundError) and exc.filename == run.spec.cwd:
        return f"{prefix}workingDir {run.spec.cwd} could not be entered: {exc.strerror}"
    if isinstance(exc, FileNotFoundError):
        return (
            f'{prefix}command "{command}" not found (image {run.image} expects it); '
            "install it or put it on PATH"
        )
    return f'{prefix}command "{command}" cannot be run (image {run.image}): {exc.strerror}'


def _base_env(node: NodeContext, name: str, deadline: float | None) -> dict[str, str]:
    request = node.request
    env = dict(node.environment)
    env.update(
        {
            "ARGO_CONTAINER_NAME": name,
            "ARGO_NODE_ID": request.node_id,
            "ARGO_WORKFLOW_NAME": request.workflow.name,
            "ARGO_WORKFLOW_UID": request.workflow.uid,
            "ARGO_POD_NAME": request.pod_name or request.node_id,
            "ARGO_INCLUDE_SCRIPT_OUTPUT": "true" if request.capture_result else "false",
            "ARGO_DEADLINE": _rfc3339(deadline),
        }
    )
    return env


def _rfc3339(moment: float | None) -> str:
    if moment is None:
        return _NO_DEADLINE
    return datetime.fromtimestamp(int(moment), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _field_values(request: NodeRequest) -> dict[str, str]:
    return {
        "metadata.name": request.pod_name or request.node_id,
        "metadata.namespace": request.workflow.namespace,
        "spec.nodeName": socket.gethostname(),
        "spec.serviceAccountName": "default",
        "status.hostIP": "127.0.0.1",
        "status.podIP": "127.0.0.1",
        "status.podIPs": "127.0.0.1",
    }
