"""Lint of the containers' probes: named ports accepted when the container declares them;
the mistakes Kubernetes would reject at pod creation reported with file, line and path
(the broken corpus, files 91-93, holds the rejected shapes)."""

from __future__ import annotations

from pathlib import Path

from tiphys_core.spec.diagnostics import format_path
from tiphys_core.validate import lint_paths

WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: probes-}
spec:
  entrypoint: main
  templates:
  - name: main
    inputs: {parameters: [{name: port, value: "8080"}]}
    daemon: true
    container:
      image: nginx:1.25
      ports:
      - {name: web, containerPort: 80}
      - {name: admin-api, containerPort: 9090}
%s
"""


def lint(tmp_path: Path, probes: str) -> list[str]:
    source = tmp_path / "wf.yaml"
    source.write_text(WORKFLOW % probes)
    report = lint_paths([str(source)])
    return [f"{d.line}: {format_path(d.path)}: {d.message}" for d in report.diagnostics]


def test_probe_ports_named_after_the_containers_ports_are_accepted(tmp_path: Path) -> None:
    probes = """\
      readinessProbe: {httpGet: {path: /, port: web}, periodSeconds: 1}
      livenessProbe: {tcpSocket: {port: admin-api}, failureThreshold: 1}
      startupProbe: {httpGet: {port: 80}, terminationGracePeriodSeconds: 5}"""
    assert lint(tmp_path, probes) == []


def test_probe_port_from_a_variable_is_left_to_run_time(tmp_path: Path) -> None:
    probes = '      readinessProbe: {tcpSocket: {port: "{{inputs.parameters.port}}"}}'
    assert lint(tmp_path, probes) == []


def test_probe_port_name_not_declared_is_reported_with_its_line_and_path(
    tmp_path: Path,
) -> None:
    probes = "      livenessProbe: {httpGet: {port: metrics}}"
    assert lint(tmp_path, probes) == [
        "15: spec.templates[0].container.livenessProbe.httpGet.port: "
        'port "metrics" names none of the container\'s ports (ports.name: web, admin-api); '
        "declare it under ports or give the number"
    ]


def test_quoted_port_number_and_bad_port_name_are_reported(tmp_path: Path) -> None:
    probes = """\
      readinessProbe: {tcpSocket: {port: "8080"}}
      livenessProbe: {tcpSocket: {port: Web_Port}}"""
    found = lint(tmp_path, probes)
    assert len(found) == 2
    assert found[0].startswith(
        '15: spec.templates[0].container.readinessProbe.tcpSocket.port: port "8080" is quoted'
    )
    assert "neither a number (1 to 65535) nor a port name" in found[1]


def test_probe_without_an_action_or_with_two_is_reported(tmp_path: Path) -> None:
    probes = """\
      readinessProbe: {periodSeconds: 1}
      livenessProbe: {exec: {command: ["true"]}, tcpSocket: {port: 80}}"""
    found = lint(tmp_path, probes)
    assert found == [
        "15: spec.templates[0].container.readinessProbe: readinessProbe needs an action: "
        "one of exec, httpGet, tcpSocket, grpc",
        "16: spec.templates[0].container.livenessProbe.tcpSocket: livenessProbe has more than "
        "one action (exec, tcpSocket); give exactly one",
    ]


def test_init_container_probe_is_reported_unless_it_is_a_sidecar(tmp_path: Path) -> None:
    source = tmp_path / "wf.yaml"
    source.write_text(
        (WORKFLOW % "")
        + """\
    initContainers:
    - name: setup
      image: alpine:3.19
      readinessProbe: {exec: {command: ["true"]}}
    - name: proxy
      image: alpine:3.19
      restartPolicy: Always
      readinessProbe: {exec: {command: ["true"]}}
"""
    )
    report = lint_paths([str(source)])
    assert [(d.line, format_path(d.path)) for d in report.diagnostics] == [
        (19, "spec.templates[0].initContainers[0].readinessProbe")
    ]
