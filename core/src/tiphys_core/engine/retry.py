"""``retryStrategy``: a Retry node whose children are the attempts ``name(0)``, ``name(1)``..."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tiphys_core.engine.actions import SetTimer
from tiphys_core.engine.nodes import Node
from tiphys_core.wire import ERROR, FAILED, SUCCEEDED

if TYPE_CHECKING:
    from tiphys_core.engine.runtime import Engine

_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


class RetryFrame:
    def __init__(
        self,
        engine: Engine,
        node: Node,
        holder: Mapping[str, Any],
        arguments: Mapping[str, Any] | None,
        extra: Mapping[str, str],
        depth: int,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        self.engine = engine
        self.node = node
        self.holder = holder
        self.arguments = arguments
        self.extra = dict(extra)
        self.depth = depth
        self.context = context
        template, _ = engine.resolver.resolve(holder, context)
        self.strategy: Mapping[str, Any] = self._substituted(
            template.get("retryStrategy") or {}, template
        )
        self.attempts: list[Node] = []

    def _substituted(
        self, strategy: Mapping[str, Any], template: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        """The strategy with the template's inputs (and globals) substituted, as Argo does."""
        from collections import ChainMap

        from tiphys_core.engine.templates import TemplateError, bind_inputs
        from tiphys_core.templating import TemplatingError, substitute_structure

        try:
            inputs = bind_inputs(template, self.arguments)
            scope = ChainMap(
                inputs, dict(self.extra), self.engine.global_outputs, self.engine.globals
            )
            result: Mapping[str, Any] = substitute_structure(strategy, scope)
        except (TemplateError, TemplatingError):
            return strategy  # the attempt itself reports what is wrong with its inputs
        return result

    def start(self) -> None:
        self._attempt()

    def _attempt(self) -> None:
        index = len(self.attempts)
        name = f"{self.node.name}({index})"
        last = self.attempts[-1] if self.attempts else None
        extra = {**self.extra, "retries": str(index), **last_retry_values(last)}
        child = self.engine.execute(
            name, f"{self.node.display_name}({index})", self.holder, self.arguments,
            self.node.id, self.node.boundary_id, extra, in_retry=True, depth=self.depth,
            context=self.context,
        )  # fmt: skip
        self.attempts.append(child)
        self.engine.add_child(self.node, child)

    def timer_fired(self) -> None:
        self._attempt()

    def child_finished(self, child: Node) -> None:
        self.node.template_name = child.template_name
        # The retry node stands for its attempt ({{steps.X.hostNodeName}}), as Argo's
        # references read the last attempt.
        self.node.host_node_name = child.host_node_name or self.node.host_node_name
        if child.phase == SUCCEEDED:
            self.engine.complete(self.node, SUCCEEDED, outputs=child.outputs)
            return
        if not self._should_retry(child):
            message = child.message
            if self._limit() is not None and len(self.attempts) > (self._limit() or 0):
                message = "No more retries left"
            self.engine.complete(self.node, child.phase, message, outputs=child.outputs)
            return
        delay = self._backoff(len(self.attempts) - 1)
        if delay > 0:
            self.node.message = f"Backoff for {delay:g}s"
            self.engine.touch(self.node)
            self.engine.request(SetTimer(self.node.id, self.engine.clock() + delay))
        else:
            self._attempt()

    def _limit(self) -> int | None:
        limit = self.strategy.get("limit")
        try:
            return int(limit) if limit is not None else None
        except (TypeError, ValueError):
            return None

    def _should_retry(self, child: Node) -> bool:
        policy = self.strategy.get("retryPolicy") or "OnFailure"
        on_failed = policy in ("Always", "OnFailure", "OnTransientError")
        on_error = policy in ("Always", "OnError", "OnTransientError")
        if (child.phase == FAILED and not on_failed) or (child.phase == ERROR and not on_error):
            return False
        limit = self._limit()
        if limit is not None and len(self.attempts) > limit:
            return False
        expression = self.strategy.get("expression")
        if expression:
            return self._expression_allows(expression, child)
        return True

    def _expression_allows(self, expression: str, child: Node) -> bool:
        from tiphys_core.expr import ExprError, evaluate_expr

        outputs = child.outputs or {}
        duration = (child.finished_at or 0) - (child.started_at or 0)
        env = {
            "lastRetry": {
                "exitCode": str(outputs.get("exitCode", "")),
                "status": child.phase,
                "duration": f"{duration:g}",
                "message": child.message,
            },
            "retries": len(self.attempts) - 1,
        }
        try:
            return bool(evaluate_expr(expression, env))
        except ExprError:
            return False

    def _backoff(self, retried: int) -> float:
        backoff = self.strategy.get("backoff") or {}
        base = parse_duration(backoff.get("duration"))
        if base <= 0:
            return 0.0
        factor = float(backoff.get("factor") or 1)
        delay = base * (factor**retried)
        cap = parse_duration(backoff.get("cap")) or parse_duration(backoff.get("maxDuration"))
        return min(delay, cap) if cap > 0 else delay


def last_retry_values(last: Node | None) -> dict[str, str]:
    """``{{lastRetry.*}}`` for the next attempt, from the one before it (Argo's defaults,
    ``0`` and empty, for the first)."""
    if last is None:
        return {
            "lastRetry.exitCode": "0", "lastRetry.duration": "0",
            "lastRetry.status": "", "lastRetry.message": "",
        }  # fmt: skip
    from tiphys_core.expr.gofmt import format_float

    started = last.started_at or 0.0
    duration = (last.finished_at or started) - started
    return {
        "lastRetry.exitCode": str((last.outputs or {}).get("exitCode", "0")),
        "lastRetry.duration": format_float(max(duration, 0.0)),
        "lastRetry.status": last.phase,
        "lastRetry.message": last.message,
    }


def parse_duration(value: Any) -> float:
    """Seconds in a Go duration (``1m30s``) or a plain number of seconds; 0 when absent or bad."""
    import re

    if value is None or value == "":
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit():
        return float(text)
    total, matched = 0.0, 0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", text):
        total += float(number) * _DURATION_UNITS[unit]
        matched += len(number) + len(unit)
    return total if matched == len(text) else 0.0
