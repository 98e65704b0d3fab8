from __future__ import annotations

from typing import Any

import yaml
from simulate import echo, phases, run
from tiphys_core.engine import Engine, Launch, Node
from tiphys_core.wire import NodeResult

LIBRARY = yaml.safe_load("""
spec:
  entrypoint: outer
  arguments: {parameters: [{name: greeting, value: from-template}]}
  templates:
  - name: outer
    steps:
    - - {name: inner, template: say, arguments: {parameters: [{name: m, value: "{{workflow.parameters.greeting}}"}]}}
  - name: say
    inputs: {parameters: [{name: m}]}
    container: {image: alpine, command: [echo, "{{inputs.parameters.m}}"]}
""")["spec"]


def lookup(name: str, cluster: bool) -> Any:
    return LIBRARY if name == "library" else None


def run_with_library(text: str) -> Engine:
    workflow = yaml.safe_load(text)
    workflow.setdefault("metadata", {})["name"] = "wf"
    engine = Engine(workflow, lookup_workflow_template=lookup, clock=lambda: 1000.0)
    engine.start()
    for _ in range(100):
        _, actions = engine.drain()
        launches = [a for a in actions if isinstance(a, Launch)]
        if not launches:
            break
        for launch in launches:
            engine.node_result(echo(launch))
    return engine


def test_template_ref_resolves_names_inside_the_referenced_workflow_template() -> None:
    engine = run_with_library("""
spec:
  entrypoint: main
  arguments: {parameters: [{name: greeting, value: hi}]}
  templates:
  - name: main
    steps:
    - - {name: call, templateRef: {name: library, template: outer}}
""")
    assert engine.phase == "Succeeded"
    inner = next(n for n in engine.nodes.values() if n.display_name == "inner")
    assert inner.outputs["result"] == "hi"


def test_workflow_template_ref_runs_its_entrypoint_with_merged_arguments() -> None:
    engine = run_with_library("""
spec:
  workflowTemplateRef: {name: library}
  arguments: {parameters: [{name: greeting, value: overridden}]}
""")
    assert engine.phase == "Succeeded"
    inner = next(n for n in engine.nodes.values() if n.display_name == "inner")
    assert inner.outputs["result"] == "overridden"


def test_step_exit_hook_runs_after_the_step_and_reads_its_outputs() -> None:
    engine = run("""
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: work
        template: say
        arguments: {parameters: [{name: m, value: done}]}
        hooks: {exit: {template: say, arguments: {parameters: [{name: m, value: "hook saw {{steps.work.outputs.result}}"}]}}}
  - name: say
    inputs: {parameters: [{name: m}]}
    container: {image: alpine, command: [echo, "{{inputs.parameters.m}}"]}
""")
    assert engine.phase == "Succeeded"
    hook = next(n for n in engine.nodes.values() if n.display_name == "work.onExit")
    assert hook.outputs["result"] == "hook saw done"


def test_skipped_producer_output_default_reaches_the_consumer() -> None:
    engine = run("""
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: producer, template: produce, when: "false"}
      - {name: consumer, depends: producer, template: say, arguments: {parameters: [{name: m, value: "{{tasks.producer.outputs.parameters.out}}"}]}}
  - name: produce
    container: {image: alpine, command: [echo, x]}
    outputs: {parameters: [{name: out, valueFrom: {path: /tmp/out, default: fallback}}]}
  - name: say
    inputs: {parameters: [{name: m, default: consumer-default}]}
    container: {image: alpine, command: [echo, "{{inputs.parameters.m}}"]}
""")
    assert phases(engine)["producer"] == "Skipped"
    consumer = next(n for n in engine.nodes.values() if n.display_name == "consumer")
    assert consumer.outputs["result"] == "fallback"


def test_loop_outputs_aggregate_by_parameter_name() -> None:
    engine = run("""
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: gen, template: produce, withItems: [1, 2]}
    - - {name: show, template: say, arguments: {parameters: [{name: m, value: "{{steps.gen.outputs.parameters.out}}"}]}}
  - name: produce
    container: {image: alpine, command: [echo, x]}
    outputs: {parameters: [{name: out, value: same}]}
  - name: say
    inputs: {parameters: [{name: m}]}
    container: {image: alpine, command: [echo, "{{inputs.parameters.m}}"]}
""")
    show = next(n for n in engine.nodes.values() if n.display_name == "show")
    assert show.outputs["result"] == '["same","same"]'


def test_template_timeout_becomes_the_launch_deadline() -> None:
    workflow = yaml.safe_load("""
metadata: {name: wf}
spec:
  entrypoint: main
  templates:
  - name: main
    timeout: 90s
    activeDeadlineSeconds: 300
    container: {image: alpine, command: [sleep, "1000"]}
""")
    engine = Engine(workflow, clock=lambda: 1000.0)
    engine.start()
    (launch,) = engine.drain()[1]
    assert isinstance(launch, Launch) and launch.deadline == 1090.0


def test_workflow_template_ref_parameters_not_given_by_the_workflow_come_from_the_template() -> (
    None
):
    engine = run_with_library("""
spec:
  workflowTemplateRef: {name: library}
""")
    inner = next(n for n in engine.nodes.values() if n.display_name == "inner")
    assert inner.outputs["result"] == "from-template"


def result_of(engine: Engine, display_name: str) -> str:
    node = next(n for n in engine.nodes.values() if n.display_name == display_name)
    return str((node.outputs or {}).get("result"))


def test_steps_name_is_the_name_of_the_step_running_the_template() -> None:
    engine = run("""
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: first, template: say}
      - {name: looped, template: say, withItems: [a]}
    - - name: told
        template: echo
        arguments: {parameters: [{name: m, value: "entrypoint sees '{{steps.name}}'"}]}
  - name: say
    container: {image: alpine, command: [echo, "I am {{steps.name}}"]}
  - name: echo
    inputs: {parameters: [{name: m}]}
    container: {image: alpine, command: [echo, "{{inputs.parameters.m}}"]}
""")
    assert result_of(engine, "first") == "I am first"
    assert result_of(engine, "looped(0:a)") == "I am looped(0:a)"
    # Argo runs the entrypoint as a step without a name: its own steps read "".
    assert result_of(engine, "told") == "entrypoint sees ''"


def test_tasks_name_is_the_name_of_the_task_running_the_template() -> None:
    engine = run("""
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: say}
      - {name: many, template: say, withParam: '["x"]'}
  - name: say
    container: {image: alpine, command: [echo, "task {{tasks.name}}, step {{steps.name}}"]}
""")
    assert result_of(engine, "a") == "task a, step {{steps.name}}"
    assert result_of(engine, "many(0:x)") == "task many(0:x), step {{steps.name}}"


def test_host_node_name_is_recorded_and_read_through_steps_and_tasks() -> None:
    def on_host(launch: Launch) -> NodeResult:
        result = echo(launch)
        result.host_node_name = "host-1"
        return result

    engine = run(
        """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: work, template: say}
      - {name: retried, template: flaky}
    - - name: where
        template: dag
        arguments: {parameters: [{name: host, value: "{{steps.work.hostNodeName}} {{steps.retried.hostNodeName}}"}]}
  - name: dag
    inputs: {parameters: [{name: host}]}
    dag:
      tasks:
      - {name: a, template: say}
      - {name: b, depends: a, template: echo, arguments: {parameters: [{name: m, value: "{{inputs.parameters.host}} {{tasks.a.hostNodeName}}"}]}}
  - name: say
    container: {image: alpine, command: [echo, hi]}
  - name: flaky
    retryStrategy: {limit: 1}
    container: {image: alpine, command: [echo, ok]}
  - name: echo
    inputs: {parameters: [{name: m}]}
    container: {image: alpine, command: [echo, "{{inputs.parameters.m}}"]}
""",
        on_host,
    )
    assert result_of(engine, "b") == "host-1 host-1 host-1"
    work = next(n for n in engine.nodes.values() if n.display_name == "work")
    assert work.to_status()["hostNodeName"] == "host-1"
    assert Node.from_row(work.to_row()).host_node_name == "host-1"
    assert "hostNodeName" not in engine.nodes["wf"].to_status()


def test_scheduled_time_comes_from_the_annotation_and_stays_as_written_without_it() -> None:
    template = """
metadata: {annotations: {workflows.argoproj.io/scheduled-time: "2026-04-29T00:00:00Z"}}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: alpine, command: [echo, "{{workflow.scheduledTime}}"]}
"""
    assert result_of(run(template), "wf") == "2026-04-29T00:00:00Z"
    plain = template.replace("metadata:", "unused:")
    assert result_of(run(plain), "wf") == "{{workflow.scheduledTime}}"


def test_workflow_duration_is_seconds_since_start_and_failures_are_quoted_json() -> None:
    engine = run("""
spec:
  entrypoint: main
  onExit: report
  templates:
  - name: main
    steps:
    - - {name: ok, template: say}
    - - {name: later, template: say}
  - name: say
    inputs: {parameters: [{name: m, value: "{{workflow.duration}}"}]}
    container: {image: alpine, command: [echo, "{{inputs.parameters.m}}"]}
  - name: report
    container: {image: alpine, command: [echo, "{{workflow.duration}} {{workflow.failures}}"]}
""")
    assert result_of(engine, "ok") == "0.000000"
    assert result_of(engine, "later") == "1.000000"  # one simulated second per step
    # Argo quotes the JSON once more (strconv.Quote); "null" when nothing failed.
    assert result_of(engine, "wf.onExit") == '2.000000 "null"'


def test_workflow_failures_lists_failed_nodes_in_argo_field_order() -> None:
    import json

    engine = run("""
spec:
  entrypoint: main
  onExit: report
  templates:
  - name: main
    container: {image: alpine, command: [sh, exit, "3"]}
  - name: report
    container: {image: alpine, command: [echo, "{{workflow.failures}}"]}
""")
    failures = json.loads(json.loads(result_of(engine, "wf.onExit")))
    assert failures == [
        {
            "displayName": "wf", "message": "exit code 3", "templateName": "main",
            "phase": "Failed", "podName": "wf", "finishedAt": "1970-01-01T00:16:41Z",
        }
    ]  # fmt: skip
    assert list(failures[0]) == [
        "displayName", "message", "templateName", "phase", "podName", "finishedAt"
    ]  # fmt: skip


def test_retry_attempts_see_the_previous_attempt_through_last_retry() -> None:
    seen: list[str] = []

    def fail_first(launch: Launch) -> NodeResult:
        seen.append(launch.template["container"]["args"][0])
        if launch.attempt == 0:
            return NodeResult(launch.node_id, "Failed", "exit code 5", {"exitCode": "5"})
        return NodeResult(launch.node_id, "Succeeded", "", {"exitCode": "0"})

    engine = run(
        """
spec:
  entrypoint: main
  templates:
  - name: main
    retryStrategy: {limit: 2}
    container:
      image: alpine
      command: [sh, -c]
      args: ["{{retries}}|{{lastRetry.exitCode}}|{{lastRetry.status}}|{{lastRetry.duration}}|{{lastRetry.message}}"]
""",
        fail_first,
    )
    assert engine.phase == "Succeeded"
    # Argo's defaults for the first attempt: exit code and duration 0, status and message empty.
    assert seen == ["0|0||0|", "1|5|Failed|1|exit code 5"]


def test_template_metrics_are_passed_through_unsubstituted() -> None:
    engine = run("""
spec:
  entrypoint: main
  templates:
  - name: main
    metrics:
      prometheus:
      - name: seconds
        help: how long
        labels: [{key: phase, value: "{{status}}"}, {key: out, value: "{{outputs.result}}"}]
        gauge: {realtime: false, value: "{{duration}}"}
    container: {image: alpine, command: [echo, hi]}
""")
    assert engine.phase == "Succeeded"
    gauge = engine.template_of(engine.nodes["wf"])["metrics"]["prometheus"][0]["gauge"]
    assert gauge["value"] == "{{duration}}"
