"""``outputs.result`` is captured only for the steps and tasks whose result is referenced."""

from __future__ import annotations

from tiphys_core.engine.results import result_references


def test_named_references_in_every_spelling_are_found() -> None:
    spec = {
        "templates": [
            {"steps": [[{"name": "b", "arguments": {"parameters": [
                {"name": "x", "value": "{{steps.a.outputs.result}}"}]}}]]},
            {"dag": {"tasks": [{"name": "d", "when": "{{tasks.c.outputs.result}} == 1"},
                               {"name": "e", "withParam": "{{= tasks['f'].outputs.result }}"}]}},
        ]
    }  # fmt: skip
    references = result_references(spec)
    assert references.names == {"a", "c", "f"}
    assert not references.everything
    assert references.wanted("a") and not references.wanted("b") and not references.wanted(None)


def test_a_spec_without_results_captures_nothing() -> None:
    assert not result_references({"templates": [{"container": {"args": ["echo"]}}]}).wanted("x")


def test_a_result_named_at_run_time_makes_every_node_capture() -> None:
    spec = {
        "templates": [{"steps": [[{"name": "s", "when": "{{= steps[name].outputs.result }}"}]]}]
    }
    assert result_references(spec).wanted("anything")
