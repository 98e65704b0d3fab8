"""A DAG task's ``depends`` (and legacy ``dependencies``), as Argo reads and evaluates them.

Argo (``workflow/common/ancestry.go``) finds operands with the regular expression
``[a-zA-Z0-9][-a-zA-Z0-9]*`` optionally followed by ``.Result``; a bare task name
``A`` expands to ``(A.Succeeded || A.Skipped || A.Daemoned)``, widened by the
dependency's ``continueOn`` (``error`` adds ``A.Errored``, ``failed`` adds
``A.Failed``, in that order). ``dependencies: [A, B]`` joins the expansions
with ``&&``. The result is evaluated with ``&&``, ``||``, ``!`` and parentheses
over each dependency's results (``workflow/controller/dag.go``).

Task names cannot contain dots or underscores (Argo validates them against the
same pattern), so anything else in the text is an error here; Argo would pass
it to expr-lang and fail later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .errors import MAX_NESTING, DependsError, check_length

__all__ = [
    "TASK_RESULTS",
    "ContinueOn",
    "DependsExpr",
    "TaskState",
    "dependencies_to_depends",
    "expand_dependency",
    "parse_depends",
]

TASK_RESULTS = (
    "Succeeded",
    "Failed",
    "Errored",
    "Skipped",
    "Omitted",
    "Daemoned",
    "AnySucceeded",
    "AllFailed",
)
_ITEM_RESULTS = frozenset({"AnySucceeded", "AllFailed"})
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_NAME_CHARS = _NAME_START | {"-"}
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True, slots=True)
class ContinueOn:
    """A dependency task's ``continueOn``: which of its failures its dependents tolerate."""

    error: bool = False
    failed: bool = False


@dataclass(frozen=True, slots=True)
class TaskState:
    """What ``depends`` can see of a finished dependency.

    :param phase: the task node's phase (``Succeeded``, ``Failed``, ``Error``,
        ``Skipped``, ``Omitted``, ...).
    :param daemoned: the node is a daemon (a daemon counts as ``Daemoned`` once
        it is no longer ``Pending``).
    :param children_phases: for a task with ``withItems``/``withParam``/
        ``withSequence`` (a TaskGroup node), the phases of its children; ``None``
        for an ordinary task. ``AnySucceeded`` and ``AllFailed`` read these.
    """

    phase: str
    daemoned: bool = False
    children_phases: tuple[str, ...] | None = None
    results: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        results = set()
        if self.phase == "Succeeded":
            results.add("Succeeded")
        elif self.phase == "Failed":
            results.add("Failed")
        elif self.phase == "Error":
            results.add("Errored")
        elif self.phase == "Skipped":
            results.add("Skipped")
        elif self.phase == "Omitted":
            results.add("Omitted")
        if self.daemoned and self.phase != "Pending":
            results.add("Daemoned")
        children = self.children_phases
        if children is not None:
            if "Succeeded" in children:
                results.add("AnySucceeded")
            if children and all(phase == "Failed" for phase in children):
                results.add("AllFailed")
        object.__setattr__(self, "results", frozenset(results))


_Evaluator = Callable[[Mapping[str, TaskState]], bool]


class DependsExpr:
    """A parsed ``depends``: which tasks it names, and whether it holds for their states."""

    __slots__ = ("_evaluate", "_item_tasks", "_tasks", "expanded", "field", "text")

    def __init__(
        self,
        text: str,
        expanded: str,
        evaluate: _Evaluator,
        tasks: tuple[str, ...],
        item_tasks: frozenset[str],
        field: str | None,
    ) -> None:
        self.text = text
        self.expanded = expanded
        self.field = field
        self._evaluate = evaluate
        self._tasks = tasks
        self._item_tasks = item_tasks

    def task_names(self) -> tuple[str, ...]:
        """Every task referenced, in order of first appearance."""
        return self._tasks

    def item_task_names(self) -> frozenset[str]:
        """Tasks referenced with ``AnySucceeded``/``AllFailed``: they must have items."""
        return self._item_tasks

    def evaluate(self, states: Mapping[str, TaskState]) -> bool:
        """Whether the task should run, given every referenced task's state.

        Raises :class:`DependsError` when a referenced task has no state yet;
        callers wait until all of :meth:`task_names` are fulfilled, as Argo does.
        """
        try:
            return self._evaluate(states)
        except KeyError as missing:
            name = missing.args[0]
            raise DependsError(
                f"task '{name}' has no state yet; evaluate 'depends' once every dependency "
                "has finished",
                text=self.text,
                position=_find_name(self.text, name),
                field=self.field,
            ) from None

    def __repr__(self) -> str:
        return f"DependsExpr({self.text!r})"


def _find_name(text: str, name: str) -> int | None:
    index = text.find(name)
    return index if index >= 0 else None


def expand_dependency(name: str, continue_on: ContinueOn | None = None) -> str:
    """Argo's expansion of a bare dependency name (``expandDependency``)."""
    results = [f"{name}.Succeeded", f"{name}.Skipped", f"{name}.Daemoned"]
    if continue_on is not None:
        if continue_on.error:
            results.append(f"{name}.Errored")
        if continue_on.failed:
            results.append(f"{name}.Failed")
    return "(" + " || ".join(results) + ")"


def dependencies_to_depends(
    dependencies: Sequence[str],
    continue_on: Mapping[str, ContinueOn] | None = None,
    *,
    field: str | None = None,
) -> DependsExpr:
    """Read a legacy ``dependencies: [A, B]`` list: ``A && B``, each name expanded."""
    for index, name in enumerate(dependencies):
        if not name or name[0] not in _NAME_START or not set(name) <= _NAME_CHARS:
            raise DependsError(
                f"dependency {name!r} is not a task name",
                text=name,
                field=f"{field}[{index}]" if field else None,
            )
    return parse_depends(" && ".join(dependencies), continue_on, field=field)


def parse_depends(
    text: str,
    continue_on: Mapping[str, ContinueOn] | None = None,
    *,
    field: str | None = None,
) -> DependsExpr:
    """Parse a ``depends`` expression; raise :class:`DependsError` with the position if invalid.

    :param continue_on: the ``continueOn`` of each dependency task, which widens
        the expansion of bare names (Argo forbids ``continueOn`` in a DAG that
        uses ``depends``, so this matters for ``dependencies`` lists).
    :param field: the field path, named in errors.
    """
    check_length(text, DependsError, field, "'depends'")
    if text and text[0] in _NAME_START and _NAME_CHARS.issuperset(text):
        # One task, the most common case: what the parser makes of it, without tokens.
        widened = (continue_on or {}).get(text)
        evaluate = _AnyResult(text, _bare_results(widened))
        expanded = expand_dependency(text, widened)
        return DependsExpr(text, expanded, evaluate, (text,), _NO_TASKS, field)
    parser = _Parser(text, continue_on or {}, field)
    return parser.parse()


_BARE_RESULTS = frozenset({"Succeeded", "Skipped", "Daemoned"})
_NO_TASKS: frozenset[str] = frozenset()


def _bare_results(widened: ContinueOn | None) -> frozenset[str]:
    """The results a bare task name accepts (see :func:`expand_dependency`)."""
    if widened is None or not (widened.error or widened.failed):
        return _BARE_RESULTS  # one set for every task of a large DAG
    results = set(_BARE_RESULTS)
    if widened.error:
        results.add("Errored")
    if widened.failed:
        results.add("Failed")
    return frozenset(results)


class _Parser:
    def __init__(self, text: str, continue_on: Mapping[str, ContinueOn], field: str | None):
        self.text = text
        self.continue_on = continue_on
        self.field = field
        self.tokens = _tokenize(text, field)
        self.index = 0
        self.depth = 0
        self.tasks: dict[str, None] = {}
        self.item_tasks: set[str] = set()

    def error(self, message: str, position: int | None) -> DependsError:
        return DependsError(message, text=self.text, position=position, field=self.field)

    def parse(self) -> DependsExpr:
        if not self.tokens:
            return DependsExpr(self.text, "", _always, (), frozenset(), self.field)
        evaluate = self.parse_or()
        if self.index < len(self.tokens):
            kind, _, position = self.tokens[self.index]
            raise self.error(
                f"unexpected {_describe(kind)}; expected '&&', '||' or the end", position
            )
        return DependsExpr(
            self.text,
            self.expand(),
            evaluate,
            tuple(self.tasks),
            frozenset(self.item_tasks),
            self.field,
        )

    def expand(self) -> str:
        """The text with bare names expanded, as Argo hands it to expr-lang."""
        text = self.text
        for kind, (name, result), position in reversed(self.tokens):
            if kind == "task" and result is None:
                expansion = expand_dependency(name, self.continue_on.get(name))
                text = text[:position] + expansion + text[position + len(name) :]
        return text

    def peek(self) -> str | None:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else None

    def parse_or(self) -> _Evaluator:
        operands = [self.parse_and()]
        while self.peek() == "||":
            self.take("||")
            operands.append(self.parse_and())
        return _any_of(operands)

    def parse_and(self) -> _Evaluator:
        operands = [self.parse_unary()]
        while self.peek() == "&&":
            self.take("&&")
            operands.append(self.parse_unary())
        return _all_of(operands)

    def take(self, kind: str) -> None:
        self.index += 1

    def parse_unary(self) -> _Evaluator:
        if self.index >= len(self.tokens):
            end = len(self.text)
            raise self.error("unexpected end of 'depends'; expected a task or '('", end)
        kind, value, position = self.tokens[self.index]
        if kind in ("!", "("):
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise self.error(f"'depends' is nested deeper than {MAX_NESTING}", position)
            self.take(kind)
            if kind == "!":
                inner = self.parse_unary()
                self.depth -= 1
                return _negate(inner)
            inner = self.parse_or()
            if self.peek() != ")":
                raise self.error("missing ')'", self._position())
            self.take(")")
            self.depth -= 1
            return inner
        if kind != "task":
            raise self.error(f"unexpected {_describe(kind)}; expected a task or '('", position)
        self.index += 1
        name, result = value
        self.tasks.setdefault(name, None)
        if result is None:
            return _AnyResult(name, _bare_results(self.continue_on.get(name)))
        if result not in TASK_RESULTS:
            raise self.error(
                f"task result '{result}' for task '{name}' is invalid; expected one of "
                + ", ".join(TASK_RESULTS),
                position + len(name) + 1,
            )
        if result in _ITEM_RESULTS:
            self.item_tasks.add(name)
        return _HasResult(name, result)

    def _position(self) -> int:
        if self.index < len(self.tokens):
            return self.tokens[self.index][2]
        return len(self.text)


def _describe(kind: str) -> str:
    return "task" if kind == "task" else f"'{kind}'"


def _tokenize(text: str, field: str | None) -> list[tuple[str, tuple[str, str | None], int]]:
    tokens: list[tuple[str, tuple[str, str | None], int]] = []
    none: tuple[str, str | None] = ("", None)
    length = len(text)
    i = 0
    while i < length:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c in "()!":
            tokens.append((c, none, i))
            i += 1
        elif c in "&|" and text[i : i + 2] == c * 2:
            tokens.append((c * 2, none, i))
            i += 2
        elif c in _NAME_START:
            start = i
            while i < length and text[i] in _NAME_CHARS:
                i += 1
            name = text[start:i]
            result: str | None = None
            if i < length and text[i] == ".":
                end = i + 1
                while end < length and text[end] in _LETTERS:
                    end += 1
                result = text[i + 1 : end]
                if not result:
                    raise DependsError(
                        f"expected a task result after '{name}.' (one of "
                        + ", ".join(TASK_RESULTS)
                        + ")",
                        text=text,
                        position=i + 1,
                        field=field,
                    )
                i = end
            tokens.append(("task", (name, result), start))
        else:
            hint = (
                "task names contain only letters, digits and '-'"
                if c in "._"
                else "'depends' uses task names, '.Result', '&&', '||', '!' and parentheses"
            )
            raise DependsError(
                f"unexpected character {c!r} in 'depends'",
                text=text,
                position=i,
                field=field,
                hint=hint,
            )
    return tokens


def _always(states: Mapping[str, TaskState]) -> bool:
    return True


# One object per operand (a closure would be three: function, cells), for large DAGs.
class _HasResult:
    __slots__ = ("name", "result")

    def __init__(self, name: str, result: str) -> None:
        self.name = name
        self.result = result

    def __call__(self, states: Mapping[str, TaskState]) -> bool:
        return self.result in states[self.name].results


class _AnyResult:
    __slots__ = ("name", "results")

    def __init__(self, name: str, results: frozenset[str]) -> None:
        self.name = name
        self.results = results

    def __call__(self, states: Mapping[str, TaskState]) -> bool:
        return not self.results.isdisjoint(states[self.name].results)


def _negate(inner: _Evaluator) -> _Evaluator:
    def negate(states: Mapping[str, TaskState]) -> bool:
        return not inner(states)

    return negate


def _all_of(operands: Iterable[_Evaluator]) -> _Evaluator:
    items = tuple(operands)
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        first, second = items

        def both(states: Mapping[str, TaskState]) -> bool:
            return first(states) and second(states)

        return both

    def every(states: Mapping[str, TaskState]) -> bool:
        return all(item(states) for item in items)

    return every


def _any_of(operands: Iterable[_Evaluator]) -> _Evaluator:
    items = tuple(operands)
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        first, second = items

        def either(states: Mapping[str, TaskState]) -> bool:
            return first(states) or second(states)

        return either

    def some(states: Mapping[str, TaskState]) -> bool:
        return any(item(states) for item in items)

    return some
