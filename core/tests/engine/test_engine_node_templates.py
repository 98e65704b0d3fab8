"""The template each node runs: worked out once per local template without inputs, per node
otherwise; and what a launch asks for (deadline)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from simulate import echo
from tiphys_core.engine import Engine, Launch
from tiphys_core.engine.pods import pod_deadline

LIBRARY = yaml.safe_load("""
spec:
  templates:
  - name: outer
    steps:
    - - {name: inner, template: work}
  - name: work
    container: {image: alpine, command: [echo, from-library]}
""")["spec"]


def launches_of(text: str, archive_location: dict[str, Any] | None = None) -> list[Launch]:
    """Every launch of the workflow in ``text``, each answered at once with success."""
    workflow = yaml.safe_load(text)
    workflow.setdefault("metadata", {})["name"] = "wf"
    engine = Engine(
        workflow,
        lookup_workflow_template=lambda name, cluster: LIBRARY if name == "library" else None,
        clock=lambda: 1000.0,
        archive_location=archive_location,
    )
    engine.start()
    seen: list[Launch] = []
    while True:
        _, actions = engine.drain()
        launches = [a for a in actions if isinstance(a, Launch)]
        if not launches:
            break
        seen += launches
        for launch in launches:
            engine.node_result(echo(launch))
    assert engine.phase == "Succeeded", engine.message
    return seen


LOOP = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: plain, template: plain, withSequence: {count: "3"}}
      - {name: tagged, template: tagged, withSequence: {count: "2"}}
  - name: plain
    container: {image: alpine, command: [echo, same]}
  - name: tagged
    container: {image: alpine, command: [echo, "{{pod.name}}"]}
"""


def test_a_template_without_inputs_or_tags_is_one_template_for_every_node() -> None:
    launches = launches_of(LOOP)
    plain = [launch.template for launch in launches if launch.template["name"] == "plain"]
    assert len(plain) == 3 and all(template is plain[0] for template in plain)


def test_a_template_with_tags_is_substituted_for_each_node() -> None:
    launches = [launch for launch in launches_of(LOOP) if launch.template["name"] == "tagged"]
    assert [launch.template["container"]["command"][1] for launch in launches] == [
        launch.node_id for launch in launches
    ]


def test_a_template_named_inside_a_workflow_template_is_not_the_workflow_s_own() -> None:
    launches = launches_of("""
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: own, template: work}
      - {name: ref, templateRef: {name: library, template: outer}}
    - - {name: again, template: work}
  - name: work
    container: {image: alpine, command: [echo, own]}
""")
    said = sorted(launch.template["container"]["command"][1] for launch in launches)
    assert said == ["from-library", "own", "own"]


def test_the_archive_location_goes_to_templates_with_artifacts_only() -> None:
    location = {"s3": {"bucket": "b", "key": "{{workflow.name}}/{{pod.name}}"}}
    launches = launches_of(
        """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: saves, template: saves, withSequence: {count: "2"}}
      - {name: plain, template: plain}
  - name: saves
    container: {image: alpine, command: [echo, x]}
    outputs: {artifacts: [{name: out, path: /tmp/out}]}
  - name: plain
    container: {image: alpine, command: [echo, y]}
""",
        archive_location=location,
    )
    by_name = {launch.node_name: launch.template for launch in launches}
    keys = sorted(
        t["archiveLocation"]["s3"]["key"] for t in by_name.values() if "saves" in t["name"]
    )
    assert keys == sorted(
        f"wf/{launch.node_id}" for launch in launches if "saves" in launch.node_name
    )
    assert all("archiveLocation" not in t for t in by_name.values() if t["name"] == "plain")


@pytest.mark.parametrize(
    ("template", "deadline"),
    [
        ({}, None),
        ({"timeout": "1m"}, 1060.0),
        ({"activeDeadlineSeconds": 30}, 1030.0),
        ({"activeDeadlineSeconds": "30", "timeout": "1m30s"}, 1030.0),
        ({"timeout": "45s", "activeDeadlineSeconds": 0}, 1045.0),
        ({"timeout": "soon"}, None),
    ],
)
def test_a_pod_deadline_is_the_sooner_of_timeout_and_active_deadline(
    template: dict[str, Any], deadline: float | None
) -> None:
    assert pod_deadline(template, 1000.0) == deadline
