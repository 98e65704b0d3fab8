"""Running one node: pick the template's handler, run it, record the result.

Whoever reports the result also writes it with :func:`write_result_file`, so a
controller that crashed meanwhile finds it in ``<node_dir>/result.json`` on restart.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from tiphys_core.spec.template_types import POD_TYPES
from tiphys_core.wire import ERROR, RUNNING, NodeRequest, NodeResult

from tiphys_executor.fsutil import ensure_existing_dir
from tiphys_executor.isolation import Isolation
from tiphys_executor.process import NodeControl
from tiphys_executor.registry import (
    TEMPLATE_TYPES,
    Lookup,
    TemplateHandler,
    no_artifact_drivers,
    plugin_template_types,
    template_type,
)

if TYPE_CHECKING:
    from tiphys_core.artifacts import Secrets

RESULT_FILE = "result.json"
LOG_FILE = "main.log"
# Nodes run as host processes: a daemon is reached on the loopback address.
LOCAL_POD_IP = "127.0.0.1"


def host_node_name() -> str:
    """The machine pods run on here, Argo's ``hostNodeName``: this host's name."""
    return os.uname().nodename


class NodeContext:
    """What a template handler gets: the request and the agent's means to run it.

    :param environment: the host environment nodes inherit (the agent's, at start).
    :param working_dir: where a container without ``workingDir`` starts (the agent's
        directory at start; threads that spawned in a namespace are left in ``/``).
    :param drivers: the artifact drivers by name (``.get(name)`` is None when none is
        registered; ``.names()``), from the plugin manager.
    :param secrets: where secret selectors are read; default ``$TIPHYS_HOME/secrets``,
        made on first use (reading secrets imports the artifact API, which a plain
        container node does not need).
    :param on_running: sends a ``Running`` report to the controller before the result
        (a daemon that is ready); None: nobody listens.
    """

    def __init__(
        self,
        request: NodeRequest,
        isolation: Isolation,
        control: NodeControl | None = None,
        environment: Mapping[str, str] | None = None,
        working_dir: str | None = None,
        drivers: Lookup[Any] | None = None,
        secrets: Secrets | None = None,
        on_running: Callable[[NodeResult], None] | None = None,
    ) -> None:
        self.request = request
        self.isolation = isolation
        self.control = control if control is not None else NodeControl()
        self.environment = environment if environment is not None else dict(os.environ)
        self.working_dir = working_dir if working_dir is not None else os.getcwd()
        self.drivers: Lookup[Any] = drivers if drivers is not None else no_artifact_drivers()
        self._secrets = secrets
        self._on_running = on_running

    def report_running(self, started_at: float) -> None:
        """Tell the controller the node runs and is ready (a daemon), ahead of its result."""
        if self._on_running is not None:
            report = NodeResult(
                self.request.node_id, RUNNING, started_at=started_at, pod_ip=LOCAL_POD_IP,
                host_node_name=host_node_name(),
            )  # fmt: skip
            self._on_running(report)

    @property
    def secrets(self) -> Secrets:
        if self._secrets is None:
            from tiphys_core.artifacts import Secrets

            self._secrets = Secrets()
        return self._secrets

    @secrets.setter
    def secrets(self, value: Secrets) -> None:
        self._secrets = value

    @property
    def log_path(self) -> str:
        return os.path.join(self.request.node_dir, LOG_FILE)

    def __repr__(self) -> str:
        return f"NodeContext(node_id={self.request.node_id!r}, node_dir={self.request.node_dir!r})"


def run_node(node: NodeContext, registry: Lookup[TemplateHandler]) -> NodeResult:
    """Run the node to its end; never raises for faults of the node or its handler."""
    request = node.request
    started_at = time.time()
    ensure_existing_dir(request.node_dir)
    type_name = template_type(request.template)
    handler, problem = _pick_handler(type_name, request.template, registry)
    if handler is None:
        result = NodeResult(request.node_id, ERROR, problem)
    else:
        try:
            result = handler.run(node)
        except Exception as exc:  # a handler's bug must end the node, not the agent
            result = NodeResult(
                request.node_id, ERROR, f"executor error in {type_name} handler: {exc!r}"
            )
    result.node_id = request.node_id
    if type_name in POD_TYPES:  # Argo records the node of pods only
        result.host_node_name = result.host_node_name or host_node_name()
    result.started_at = result.started_at or started_at
    result.finished_at = result.finished_at or time.time()
    return result


def _pick_handler(
    type_name: str | None, template: Mapping[str, Any], registry: Lookup[TemplateHandler]
) -> tuple[TemplateHandler | None, str]:
    if type_name is None:
        supported = ", ".join(registry.names())
        return None, f"template has no type: expected one of the fields {supported}"
    if type_name == "plugin":
        return _pick_plugin_handler(template.get("plugin"), registry)
    handler, problem = _load(type_name, registry)
    if handler is None and not problem:
        supported = ", ".join(registry.names())
        problem = (
            f"template type {type_name!r} is not supported by this executor "
            f"(supported: {supported})"
        )
    return handler, problem


def _pick_plugin_handler(
    body: Any, registry: Lookup[TemplateHandler]
) -> tuple[TemplateHandler | None, str]:
    """``plugin: {<name>: {...}}`` (Argo's syntax for executor plugins) runs handler ``<name>``."""
    installed = ", ".join(plugin_template_types(registry)) or "none"
    if not isinstance(body, Mapping) or len(body) != 1:
        return None, (
            "plugin template must have exactly one field, the plugin's name "
            f"(plugin: {{<name>: {{...}}}}); installed plugin template types: {installed}"
        )
    name = str(next(iter(body)))
    handler, problem = (None, "") if name in TEMPLATE_TYPES else _load(name, registry)
    if handler is None and not problem:
        problem = (
            f"plugin template type {name!r} is not installed "
            f"(installed plugin template types: {installed})"
        )
    return handler, problem


def _load(name: str, registry: Lookup[TemplateHandler]) -> tuple[TemplateHandler | None, str]:
    try:
        return registry.get(name), ""
    except Exception as exc:  # a plugin that fails to import ends the node, not the agent
        return None, f"the handler for template type {name!r} failed to load: {exc!r}"


def write_result_file(node_dir: str, text: str) -> None:
    """Write ``<node_dir>/result.json`` atomically (a temporary file, then a rename)."""
    final = os.path.join(node_dir, RESULT_FILE)
    temporary = f"{final}.{os.getpid()}.{threading.get_ident()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        data = memoryview(text.encode("utf-8"))
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)
    os.replace(temporary, final)
