"""``{{...}}`` simple-tag vectors: Argo's replace_test.go/template_test.go, strictness, structures."""

from __future__ import annotations

from typing import Any

import pytest
from tiphys_core.templating import (
    AbsentOptionalError,
    TemplateSyntaxError,
    TemplatingError,
    UnresolvedReference,
    UnresolvedReferenceError,
)
from tiphys_core.templating.substitute import (
    compile_structure,
    compile_text,
    substitute_structure,
    substitute_text,
)

VALUES: dict[str, str | None] = {
    "workflow.name": "hello-xyz",
    "workflow.namespace": "argo",
    "workflow.parameters.message": "hello world",
    "workflow.parameters.json": '[{"name":"message","value":"hello world"}]',
    "workflow.creationTimestamp.Y": "2024",
    "inputs.parameters.x": "1",
    "inputs.parameters.message": "hello world",
    "inputs.parameters.quote": "say \"hi\"\nthen 'bye'",
    "steps.gen.outputs.result": "42",
    "tasks.A.outputs.parameters.p": "pv",
    "tasks.my-task.outputs.result": "dashed",
    "item": "apple",
    "item.field": "f1",
    "pod.name": "hello-xyz-123",
    "retries": "2",
    "node.name": "hello-xyz.step",
    "customParam": "This is ' John",
    "inner": "suffix",
    "outer-suffix": "final-value",
    "C": "valC",
    "B valC": "valB",
    "A valB": "final",
    "tasks.skipped.outputs.parameters.msg": None,
    "": "empty-name",
}

# (text, expected) in lenient mode (Argo's Replace with allowUnresolved=true).
LENIENT = [
    ("{{workflow.name}}", "hello-xyz"),
    ("{{ inputs.parameters.message }}", "hello world"),
    ("{{  inputs.parameters.message}}", "hello world"),
    ("prefix-{{inputs.parameters.x}}-suffix", "prefix-1-suffix"),
    ("{{inputs.parameters.x}}{{inputs.parameters.x}}", "11"),
    ("{{steps.gen.outputs.result}}", "42"),
    ("{{tasks.A.outputs.parameters.p}}", "pv"),
    ("{{tasks.my-task.outputs.result}}", "dashed"),
    ("{{item}}", "apple"),
    ("{{item.field}}", "f1"),
    ("{{pod.name}}", "hello-xyz-123"),
    ("{{retries}}", "2"),
    ("{{node.name}}", "hello-xyz.step"),
    ("{{workflow.parameters.json}}", '[{"name":"message","value":"hello world"}]'),
    ("{{workflow.creationTimestamp.Y}}", "2024"),
    ("{{inputs.parameters.quote}}", "say \"hi\"\nthen 'bye'"),
    ("{{customParam}}", "This is ' John"),
    ("no tags here", "no tags here"),
    ("", ""),
    ("{{}}", "empty-name"),
    ("{{ }}", "empty-name"),
    ("}} stray closer", "}} stray closer"),
    ("{{unknown}}", "{{unknown}}"),
    ("{{steps.missing.outputs.result}}", "{{steps.missing.outputs.result}}"),
    ("{{\ninputs.parameters.x}}", "{{\ninputs.parameters.x}}"),  # newlines are not trimmed
    ("{{\tinputs.parameters.x}}", "{{\tinputs.parameters.x}}"),
    ("{{\u00a0inputs.parameters.x\u3000}}", "1"),
    ("{{ =inputs.parameters.x}}", "{{ =inputs.parameters.x}}"),  # '=' must follow '{{'
    ("{{outer-{{inner}}}}", "{{outer-suffix}}"),
    ("{{A {{B {{C}}}}}}", "{{A {{B valC}}}}"),
    ("{{A {{B valC}}}}", "{{A valB}}"),
    ("{{A valB}}", "final"),
    (
        '{{- with secret "{{inputs.parameters.message}}" -}}\n    {{ .Data.data.gitcreds }}',
        '{{- with secret "hello world" -}}\n    {{ .Data.data.gitcreds }}',
    ),
    (
        '{{- with {{ {{ }} secret "{{does-not-exist}}" -}} }}',
        '{{- with {{ {{ }} secret "{{does-not-exist}}" -}} }}',
    ),
    ("{{{inputs.parameters.x}}}", "{{{inputs.parameters.x}}}"),
    ("{{{{inputs.parameters.x}}}}", "{{{{inputs.parameters.x}}}}"),
    ("x{{item}}y{{item.field}}z", "xappleyf1z"),
    ("{{steps.{{item}}.outputs.result}}", "{{steps.apple.outputs.result}}"),
]

# (text, strict, name of the first unresolved reference)
NOT_READY = [
    ("{{foo}}", True, "foo"),
    ("{{steps.missing.outputs.result}}", ("steps", "tasks"), "steps.missing.outputs.result"),
    ("{{tasks.B.outputs.parameters.p}}", ("steps", "tasks"), "tasks.B.outputs.parameters.p"),
    ("{{ tasks.B.outputs.result }}", ("steps", "tasks"), "tasks.B.outputs.result"),
    ("{{steps}}", ("steps", "tasks"), "steps"),
    ("{{steps.{{nope}}.x}}", ("steps", "tasks"), "steps.{{nope"),
    ("{{steps.x.outputs.artifacts.a}}", True, "steps.x.outputs.artifacts.a"),
    ("a {{workflow.name}} {{inputs.parameters.nope}}", True, "inputs.parameters.nope"),
]

# (text, strict): left verbatim because not under a strict prefix, or an artifact.
LEFT_FOR_LATER = [
    ("{{inputs.parameters.nope}}", ("steps", "tasks")),
    ("{{workflow.outputs.parameters.p}}", ("steps", "tasks")),
    ("{{stepsX.a}}", ("steps", "tasks")),
    ("{{steps.x.outputs.artifacts.a}}", ("steps", "tasks")),
    ("{{tasks.x.outputs.artifacts.a}}", ("steps", "tasks")),
    ("{{anything}}", ()),
    ("{{anything}}", False),
]


@pytest.mark.parametrize(("text", "expected"), LENIENT)
def test_substitute_simple_tags_lenient(text: str, expected: str) -> None:
    assert substitute_text(text, VALUES) == expected


@pytest.mark.parametrize(("text", "strict", "name"), NOT_READY)
def test_substitute_strict_reference_without_value_is_not_ready(
    text: str, strict: Any, name: str
) -> None:
    with pytest.raises(UnresolvedReferenceError) as caught:
        substitute_text(text, VALUES, strict=strict, field="spec.templates[0].steps[0][0]")
    error = caught.value
    assert error.references[0].name == name
    assert error.field == "spec.templates[0].steps[0][0]"
    assert "failed to resolve {{" in error.message


@pytest.mark.parametrize(("text", "strict"), LEFT_FOR_LATER)
def test_substitute_non_strict_references_are_left_verbatim(text: str, strict: Any) -> None:
    left: list[UnresolvedReference] = []
    assert substitute_text(text, VALUES, strict=strict, unresolved=left) == text
    assert [r.tag for r in left] == [text]


def test_substitute_argo_strict_message_matches_argo() -> None:
    with pytest.raises(UnresolvedReferenceError, match=r"failed to resolve \{\{foo\}\}"):
        substitute_text("{{foo}}", {}, strict=True)


def test_substitute_lists_every_not_ready_reference() -> None:
    with pytest.raises(UnresolvedReferenceError) as caught:
        substitute_text("{{steps.a.x}} and {{tasks.b.y}}", {}, strict=("steps", "tasks"))
    assert [r.name for r in caught.value.references] == ["steps.a.x", "tasks.b.y"]
    assert [r.position for r in caught.value.references] == [0, 18]


def test_substitute_unterminated_tag_is_a_syntax_error_with_position() -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        substitute_text("echo {{inputs.parameters.x", VALUES, field="args[0]")
    assert caught.value.position == 5
    assert caught.value.field == "args[0]"


def test_substitute_lone_open_braces_is_a_syntax_error() -> None:
    with pytest.raises(TemplateSyntaxError):
        substitute_text("{{", {})


def test_substitute_absent_optional_is_terminal_not_a_requeue() -> None:
    with pytest.raises(AbsentOptionalError, match="absent optional"):
        substitute_text(
            "pre-{{tasks.skipped.outputs.parameters.msg}}-post", VALUES, strict=("steps", "tasks")
        )


def test_substitute_absent_optional_fails_even_when_lenient() -> None:
    with pytest.raises(AbsentOptionalError):
        substitute_text("{{tasks.skipped.outputs.parameters.msg}}", VALUES)


def test_substitute_empty_string_value_still_substitutes() -> None:
    values = {"tasks.producer.outputs.parameters.msg": ""}
    text = "pre-{{tasks.producer.outputs.parameters.msg}}-post"
    assert substitute_text(text, values, strict=("steps", "tasks")) == "pre--post"


def test_substitute_nested_absent_value_is_terminal() -> None:
    values: dict[str, str | None] = {"steps.x.outputs.parameters.key": None, "outer-": "resolved"}
    with pytest.raises(AbsentOptionalError, match="nested tag"):
        substitute_text(
            "{{outer-{{steps.x.outputs.parameters.key}}}}", values, strict=("steps", "tasks")
        )


def test_substitute_nested_empty_value_collapses_then_resolves() -> None:
    values = {"steps.x.outputs.parameters.key": "", "outer-": "resolved-outer"}
    first = substitute_text(
        "{{outer-{{steps.x.outputs.parameters.key}}}}", values, strict=("steps", "tasks")
    )
    assert first == "{{outer-}}"
    assert substitute_text(first, values, strict=("steps", "tasks")) == "resolved-outer"


def test_substitute_not_ready_before_terminal_error_reports_not_ready() -> None:
    text = "{{steps.later.outputs.result}} {{tasks.skipped.outputs.parameters.msg}}"
    with pytest.raises(UnresolvedReferenceError):
        substitute_text(text, VALUES, strict=("steps", "tasks"))


def test_substitute_non_string_value_is_an_error() -> None:
    with pytest.raises(TemplatingError, match="to string"):
        substitute_text("{{n}}", {"n": 5})


def test_substitute_values_are_inserted_once_not_rescanned() -> None:
    assert substitute_text("{{a}}", {"a": "{{b}}", "b": "no"}) == "{{b}}"


def test_substitute_compiled_text_renders_many_value_maps() -> None:
    compiled = compile_text("echo {{inputs.parameters.x}}!")
    assert compiled.references() == ("inputs.parameters.x",)
    rendered = [compiled.render({"inputs.parameters.x": str(i)}) for i in range(3)]
    assert rendered == ["echo 0!", "echo 1!", "echo 2!"]


STEP = {
    "name": "print",
    "template": "{{inputs.parameters.message}}-tmpl",
    "arguments": {
        "parameters": [
            {"name": "msg", "value": "{{steps.gen.outputs.result}}"},
            {"name": "n", "value": 3},
            {"name": "quote", "value": "{{inputs.parameters.quote}}"},
        ]
    },
    "when": "{{steps.gen.outputs.result}} == 42",
    "withItems": [1, True, None, "{{item}}"],
    "metadata": {"labels": {"{{workflow.name}}-key": "{{workflow.namespace}}"}},
}


def test_substitute_structure_replaces_every_string_and_keeps_other_values() -> None:
    result = substitute_structure(STEP, VALUES, strict=("steps", "tasks"))
    assert result == {
        "name": "print",
        "template": "hello world-tmpl",
        "arguments": {
            "parameters": [
                {"name": "msg", "value": "42"},
                {"name": "n", "value": 3},
                {"name": "quote", "value": "say \"hi\"\nthen 'bye'"},
            ]
        },
        "when": "42 == 42",
        "withItems": [1, True, None, "apple"],
        "metadata": {"labels": {"hello-xyz-key": "argo"}},
    }
    assert STEP["template"] == "{{inputs.parameters.message}}-tmpl"  # input untouched


def test_substitute_structure_errors_name_the_field_path() -> None:
    document = {"spec": {"templates": [{"container": {"args": ["ok", "{{steps.nope.x}}"]}}]}}
    with pytest.raises(UnresolvedReferenceError) as caught:
        substitute_structure(document, {}, strict=True, field="workflow")
    assert caught.value.field == "workflow.spec.templates[0].container.args[1]"
    assert caught.value.references[0].field == "workflow.spec.templates[0].container.args[1]"


def test_substitute_structure_collects_unresolved_with_field_paths() -> None:
    left: list[UnresolvedReference] = []
    substitute_structure({"a": ["{{x}}"], "b": "{{y}}"}, {}, unresolved=left)
    assert [(r.name, r.field) for r in left] == [("x", "a[0]"), ("y", "b")]


def test_substitute_compiled_structure_renders_fresh_copies() -> None:
    compiled = compile_structure({"args": ["{{item}}"], "fixed": {"k": "v"}})
    first = compiled.render({"item": "1"})
    second = compiled.render({"item": "2"})
    assert first == {"args": ["1"], "fixed": {"k": "v"}}
    assert second["args"] == ["2"]
    assert first["fixed"] is not second["fixed"]


def test_substitute_structure_rejects_absurd_nesting() -> None:
    deep: Any = "x"
    for _ in range(500):
        deep = [deep]
    with pytest.raises(TemplateSyntaxError, match="nested deeper"):
        substitute_structure(deep, {})


def test_substitute_structure_without_tags_is_shared_on_request_and_copied_otherwise() -> None:
    structure = {"container": {"image": "alpine", "args": ["a", 1, None, True]}, "n": 2.5}
    compiled = compile_structure(structure)
    assert not compiled.has_tags
    assert compiled.render({}, share=True) is structure
    copy = compiled.render({})
    assert copy == structure and copy is not structure
    assert copy["container"] is not structure["container"]


def test_substitute_structure_with_a_tag_in_a_key_only_is_compiled() -> None:
    compiled = compile_structure({"labels": {"{{item}}": "x"}})
    assert compiled.has_tags
    assert compiled.render({"item": "k"}) == {"labels": {"k": "x"}}


def test_substitute_structure_rejects_absurd_nesting_without_tags_too() -> None:
    deep: Any = {"k": "v"}
    for _ in range(500):
        deep = {"k": deep}
    with pytest.raises(TemplateSyntaxError, match="nested deeper"):
        compile_structure(deep)
