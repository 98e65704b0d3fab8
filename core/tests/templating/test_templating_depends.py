"""``depends`` vectors: Argo's ancestry_test.go expansions, docs examples, evaluation and errors."""

from __future__ import annotations

import pytest
from tiphys_core.templating import DependsError
from tiphys_core.templating.depends import (
    ContinueOn,
    TaskState,
    dependencies_to_depends,
    parse_depends,
)

# workflow/common/ancestry_test.go TestGetTaskDependenciesFromDepends: (depends, tasks, logic).
ARGO_EXPANSIONS = [
    (
        "(task-1 || task-2.Succeeded) && !task-3.Succeeded",
        ("task-1", "task-2", "task-3"),
        "((task-1.Succeeded || task-1.Skipped || task-1.Daemoned) || task-2.Succeeded)"
        " && !task-3.Succeeded",
    ),
    (
        "(task-1 || task-2.AnySucceeded) && !task-3.Succeeded",
        ("task-1", "task-2", "task-3"),
        "((task-1.Succeeded || task-1.Skipped || task-1.Daemoned) || task-2.AnySucceeded)"
        " && !task-3.Succeeded",
    ),
    (
        "(task-1||(task-2.Succeeded || task-2.Failed))&&!task-3.Failed",
        ("task-1", "task-2", "task-3"),
        "((task-1.Succeeded || task-1.Skipped || task-1.Daemoned)||(task-2.Succeeded"
        " || task-2.Failed))&&!task-3.Failed",
    ),
    (
        "(task-1 || task-1.Succeeded) && !task-1.Failed",
        ("task-1",),
        "((task-1.Succeeded || task-1.Skipped || task-1.Daemoned) || task-1.Succeeded)"
        " && !task-1.Failed",
    ),
    (
        "task-1.Succeeded && task-1.AnySucceeded",
        ("task-1",),
        "task-1.Succeeded && task-1.AnySucceeded",
    ),
    (
        "task || task-2.Failed",
        ("task", "task-2"),
        "(task.Succeeded || task.Skipped || task.Daemoned) || task-2.Failed",
    ),
]

CONTINUE_ON = [
    (
        ContinueOn(failed=True),
        "(task-1.Succeeded || task-1.Skipped || task-1.Daemoned || task-1.Failed)",
    ),
    (
        ContinueOn(error=True),
        "(task-1.Succeeded || task-1.Skipped || task-1.Daemoned || task-1.Errored)",
    ),
    (
        ContinueOn(failed=True, error=True),
        "(task-1.Succeeded || task-1.Skipped || task-1.Daemoned || task-1.Errored || task-1.Failed)",
    ),
]

OK = TaskState("Succeeded")
FAILED = TaskState("Failed")
ERROR = TaskState("Error")
SKIPPED = TaskState("Skipped")
OMITTED = TaskState("Omitted")
DAEMON = TaskState("Running", daemoned=True)
PENDING_DAEMON = TaskState("Pending", daemoned=True)

# (depends, states, expected): dag_test.go scenarios and the docs' examples.
EVALUATIONS = [
    ("A", {"A": OK}, True),
    ("A", {"A": SKIPPED}, True),
    ("A", {"A": DAEMON}, True),
    ("A", {"A": PENDING_DAEMON}, False),
    ("A", {"A": FAILED}, False),
    ("A", {"A": ERROR}, False),
    ("A", {"A": OMITTED}, False),
    ("A && (C.Succeeded || C.Failed)", {"A": OK, "C": FAILED}, True),
    ("A && (C.Succeeded || C.Failed)", {"A": OK, "C": ERROR}, False),
    ("B || C", {"B": FAILED, "C": OK}, True),
    ("B && C", {"B": FAILED, "C": OK}, False),
    ("A.Omitted", {"A": OMITTED}, True),
    ("A.Errored", {"A": ERROR}, True),
    ("A.Failed", {"A": ERROR}, False),
    ("A.Daemoned", {"A": DAEMON}, True),
    ("A.Skipped || A.Omitted", {"A": OMITTED}, True),
    ("!A.Succeeded", {"A": FAILED}, True),
    ("!!A.Succeeded", {"A": OK}, True),
    ("!(A.Succeeded || B.Succeeded)", {"A": FAILED, "B": FAILED}, True),
    (
        "(task-2.Succeeded || task-2.Skipped) && !task-3.Failed",
        {"task-2": SKIPPED, "task-3": OK},
        True,
    ),
    (
        "(task-2.Succeeded || task-2.Skipped) && !task-3.Failed",
        {"task-2": SKIPPED, "task-3": FAILED},
        False,
    ),
    ("A.AnySucceeded", {"A": TaskState("Failed", children_phases=("Failed", "Succeeded"))}, True),
    ("A.AnySucceeded", {"A": TaskState("Failed", children_phases=("Failed", "Failed"))}, False),
    ("B.AllFailed", {"B": TaskState("Failed", children_phases=("Failed", "Failed"))}, True),
    ("B.AllFailed", {"B": TaskState("Failed", children_phases=("Failed", "Error"))}, False),
    ("B.AllFailed", {"B": TaskState("Succeeded", children_phases=())}, False),
    ("B.AnySucceeded", {"B": OK}, False),  # not a task group
    ("A.Succeeded && B.Succeeded || C.Succeeded", {"A": FAILED, "B": OK, "C": OK}, True),
    ("A.Succeeded || B.Succeeded && C.Succeeded", {"A": OK, "B": FAILED, "C": FAILED}, True),
    (
        "should-execute-2 || should-not-execute",
        {"should-execute-2": OK, "should-not-execute": OMITTED},
        True,
    ),
    ("", {}, True),
]

ERRORS = [
    (
        "(task-1.DoeNotExist || task-2.Succeeded)",
        "task result 'DoeNotExist' for task 'task-1' is invalid",
        8,
    ),
    ("A.succeeded", "task result 'succeeded' for task 'A' is invalid", 2),
    ("A.", "expected a task result after 'A.'", 2),
    ("A &&", "unexpected end of 'depends'", 4),
    ("(A", "missing ')'", 2),
    ("A)", "unexpected ')'", 1),
    ("A B", "unexpected task", 2),
    ("A & B", "unexpected character '&'", 2),
    ("my_task", "unexpected character '_'", 2),
    ("A.Succeeded == true", "unexpected character '='", 12),
    ("&& A", "unexpected '&&'", 0),
]


@pytest.mark.parametrize(("text", "tasks", "logic"), ARGO_EXPANSIONS)
def test_depends_expands_bare_names_like_argo(
    text: str, tasks: tuple[str, ...], logic: str
) -> None:
    parsed = parse_depends(text)
    assert parsed.task_names() == tasks
    assert parsed.expanded == logic


@pytest.mark.parametrize(("continue_on", "logic"), CONTINUE_ON)
def test_depends_bare_name_is_widened_by_continue_on(continue_on: ContinueOn, logic: str) -> None:
    assert parse_depends("task-1", {"task-1": continue_on}).expanded == logic


@pytest.mark.parametrize("continue_on", [None, ContinueOn(), ContinueOn(error=True, failed=True)])
@pytest.mark.parametrize("phase", ["Succeeded", "Failed", "Error", "Skipped", "Omitted"])
def test_depends_on_one_task_reads_as_the_same_name_in_parentheses(
    continue_on: ContinueOn | None, phase: str
) -> None:
    widened = {"task-1": continue_on} if continue_on else None
    bare, parsed = parse_depends("task-1", widened), parse_depends("(task-1)", widened)
    assert bare.task_names() == parsed.task_names() == ("task-1",)
    assert f"({bare.expanded})" == parsed.expanded
    states = {"task-1": TaskState(phase)}
    assert bare.evaluate(states) is parsed.evaluate(states)


@pytest.mark.parametrize(("text", "states", "expected"), EVALUATIONS)
def test_depends_evaluates_task_results(
    text: str, states: dict[str, TaskState], expected: bool
) -> None:
    assert parse_depends(text).evaluate(states) is expected


@pytest.mark.parametrize(("text", "message", "position"), ERRORS)
def test_depends_errors_point_at_the_problem(text: str, message: str, position: int) -> None:
    with pytest.raises(DependsError) as caught:
        parse_depends(text, field="spec.templates[0].dag.tasks[2].depends")
    error = caught.value
    assert message in error.message
    assert error.position == position
    assert str(error).startswith("spec.templates[0].dag.tasks[2].depends: ")


def test_depends_dependencies_list_joins_expansions_with_and() -> None:
    parsed = dependencies_to_depends(["task-1", "task-2"])
    assert parsed.expanded == (
        "(task-1.Succeeded || task-1.Skipped || task-1.Daemoned) && "
        "(task-2.Succeeded || task-2.Skipped || task-2.Daemoned)"
    )
    assert parsed.evaluate({"task-1": OK, "task-2": SKIPPED}) is True
    assert parsed.evaluate({"task-1": OK, "task-2": FAILED}) is False


def test_depends_dependencies_list_honours_continue_on_failed() -> None:
    parsed = dependencies_to_depends(["A"], {"A": ContinueOn(failed=True)})
    assert parsed.evaluate({"A": FAILED}) is True
    assert parsed.evaluate({"A": ERROR}) is False


def test_depends_dependencies_list_rejects_non_task_names() -> None:
    with pytest.raises(DependsError, match="not a task name"):
        dependencies_to_depends(["A", "b.c"], field="spec.templates[0].dag.tasks[1].dependencies")


def test_depends_item_results_mark_tasks_that_need_items() -> None:
    parsed = parse_depends("A.AnySucceeded || B.AllFailed || C")
    assert parsed.item_task_names() == frozenset({"A", "B"})


def test_depends_missing_state_is_reported_not_guessed() -> None:
    with pytest.raises(DependsError, match="task 'B' has no state yet"):
        parse_depends("A.Succeeded && B.Succeeded").evaluate({"A": OK})


def test_depends_rejects_deep_nesting() -> None:
    with pytest.raises(DependsError, match="nested deeper"):
        parse_depends("(" * 500 + "A" + ")" * 500)


def test_depends_rejects_huge_input() -> None:
    with pytest.raises(DependsError, match="too long"):
        parse_depends(" || ".join(f"task-{i}" for i in range(20000)))
