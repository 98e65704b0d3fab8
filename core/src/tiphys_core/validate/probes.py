"""Checks of the containers' probes (``startupProbe``, ``readinessProbe``, ``livenessProbe``).

Argo passes probes to the pod unchanged, so these are the rules Kubernetes' API server
applies when the pod is created (``pkg/apis/core/validation``: ``validateProbe``,
``ValidatePortNumOrName``), which otherwise fail a node only once it runs:

- one action: ``exec``, ``httpGet``, ``tcpSocket`` or ``grpc``;
- a port is a number from 1 to 65535, or (``httpGet``, ``tcpSocket``) a port name; here
  a name must also be one of the container's ``ports`` (the kubelet fails every try of
  a probe whose name matches none, which would kill or never ready the container);
- times and thresholds are not negative; ``terminationGracePeriodSeconds`` is positive
  and not set on a ``readinessProbe``; a liveness or startup ``successThreshold`` is 1;
- init containers take no probes unless they are sidecars (``restartPolicy: Always``).

A value holding a ``{{...}}`` variable is checked once Argo substitutes it, not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from tiphys_core.spec.diagnostics import Path, quote_choices
from tiphys_core.validate.context import Findings, as_list, as_map
from tiphys_core.validate.fields import has_variable

PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
_ACTIONS = ("exec", "httpGet", "tcpSocket", "grpc")
_NON_NEGATIVE = (
    "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
    "failureThreshold",
)  # fmt: skip
# Kubernetes' IANA_SVC_NAME: what a port name may be.
_PORT_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")


def check_probes(template: Mapping[str, Any], path: Path, findings: Findings) -> None:
    """Every probe of every container of ``template``."""
    for container, where, init in _containers(template, path):
        for field in PROBES:
            probe = container.get(field)
            if probe is None:
                continue
            here = (*where, field)
            if init and container.get("restartPolicy") != "Always":
                findings.error(
                    here,
                    f"an init container takes no {field} "
                    "(only one with restartPolicy: Always, a sidecar, does)",
                )
                continue
            if isinstance(probe, Mapping):
                _check_probe(probe, field, container, here, findings)


def _containers(
    template: Mapping[str, Any], path: Path
) -> Iterator[tuple[Mapping[str, Any], Path, bool]]:
    """Each container of the template, its path, and whether it is an init container."""
    for kind in ("container", "script"):
        if isinstance(template.get(kind), Mapping):
            yield template[kind], (*path, kind), False
    container_set = as_map(template.get("containerSet"))
    for index, member in enumerate(as_list(container_set.get("containers"))):
        if isinstance(member, Mapping):
            yield member, (*path, "containerSet", "containers", index), False
    for field, init in (("sidecars", False), ("initContainers", True)):
        for index, container in enumerate(as_list(template.get(field))):
            if isinstance(container, Mapping):
                yield container, (*path, field, index), init


def _check_probe(
    probe: Mapping[str, Any],
    field: str,
    container: Mapping[str, Any],
    path: Path,
    findings: Findings,
) -> None:
    actions = [action for action in _ACTIONS if probe.get(action) is not None]
    if not actions:
        findings.error(path, f"{field} needs an action: one of {', '.join(_ACTIONS)}")
    for extra in actions[1:]:
        findings.error(
            (*path, extra),
            f"{field} has more than one action ({', '.join(actions)}); give exactly one",
            at_key=True,
        )
    for action in actions:
        body = as_map(probe.get(action))
        if action == "exec":
            if not as_list(body.get("command")):
                findings.error((*path, action), f"{field}.exec needs a command")
        elif "port" in body:
            named = action != "grpc"
            _check_port(body["port"], named, container, (*path, action, "port"), findings)
        if action == "httpGet" and isinstance(body.get("scheme"), str):
            scheme = body["scheme"]
            if not has_variable(scheme) and scheme not in ("HTTP", "HTTPS"):
                findings.error(
                    (*path, action, "scheme"), f'scheme "{scheme}" is not one of: HTTP, HTTPS'
                )
    for name in _NON_NEGATIVE:
        value = probe.get(name)
        if isinstance(value, int) and value < 0:
            findings.error((*path, name), f"{name} must not be negative (found {value})")
    success = probe.get("successThreshold")
    if field != "readinessProbe" and isinstance(success, int) and success > 1:
        findings.error(
            (*path, "successThreshold"),
            f"a {field}'s successThreshold must be 1 (found {success}): "
            "one pass is all it waits for",
        )
    grace = probe.get("terminationGracePeriodSeconds")
    if grace is not None and field == "readinessProbe":
        findings.error(
            (*path, "terminationGracePeriodSeconds"),
            "a readinessProbe has no terminationGracePeriodSeconds (a failing readiness "
            "probe kills nothing)",
        )
    elif isinstance(grace, int) and grace <= 0:
        findings.error(
            (*path, "terminationGracePeriodSeconds"),
            f"terminationGracePeriodSeconds must be greater than 0 (found {grace})",
        )


def _check_port(
    port: Any, named: bool, container: Mapping[str, Any], path: Path, findings: Findings
) -> None:
    if isinstance(port, bool) or has_variable(port):
        return  # a boolean: the schema check reports it
    if isinstance(port, int):
        if not 1 <= port <= 65535:
            findings.error(path, f"port {port} is not a port number (1 to 65535)")
        return
    if not isinstance(port, str) or not named:
        return  # the schema check reports the wrong type
    if port.isdigit():
        findings.error(
            path,
            f'port "{port}" is quoted: Kubernetes reads a string as a port name, and a '
            f"name needs a letter; write the number unquoted ({port})",
        )
        return
    declared = [
        str(entry.get("name"))
        for entry in as_list(container.get("ports"))
        if isinstance(entry, Mapping) and entry.get("name") is not None
    ]
    if port in declared:
        return
    if not (len(port) <= 15 and _PORT_NAME.fullmatch(port) and "--" not in port):
        findings.error(
            path,
            f'port "{port}" is neither a number (1 to 65535) nor a port name (at most 15 '
            "lowercase letters, digits and single hyphens inside)",
        )
        return
    findings.error(
        path,
        f'port "{port}" names none of the container\'s ports '
        f"(ports.name: {quote_choices(declared)}); declare it under ports or give the number",
    )
