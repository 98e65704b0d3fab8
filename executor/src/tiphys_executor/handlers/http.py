"""``http`` templates: one HTTP request made by the agent itself, as Argo's agent does.

Following Argo (``workflow/executor/agent.go``): ``method`` (Go sends GET when it is
empty), ``url``, ``headers`` (``value``, or ``valueFrom.secretKeyRef``; a ``Host``
header sets the host sent), ``body`` or ``bodyFrom.bytes`` (base64; it wins over
``body``), ``timeoutSeconds`` (the whole exchange; none by default), ``insecureSkipVerify``.
``outputs.result`` is the response body. Without ``successCondition`` a 2xx status
succeeds and any other fails with ``received non-2xx response code: N``; with one, the
expression sees ``request.{method,url,body,bodyBytes,headers}`` and
``response.{statusCode,body,headers}`` (headers as Go's ``http.Header``: a list of
values per name) and must give a boolean. A request that cannot be made fails the node
with Go's wording (``Get "<url>": ...``).
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Mapping
from typing import Any

from tiphys_core.wire import ERROR, FAILED, SUCCEEDED, NodeResult

from tiphys_executor.container_plan import PlanError, node_deadline
from tiphys_executor.http_client import Exchange, HTTPRequestError, HTTPResponse
from tiphys_executor.inprocess import DeadlineExceeded, NodeCancelled, run_stoppable
from tiphys_executor.node import NodeContext

# Argo's controller fails a node that outlives the workflow's deadline with this message.
DEADLINE_MESSAGE = "Step exceeded its deadline"


class TemplateError(ValueError):
    """The ``http`` template cannot be sent as written; the message names the field."""


class SecretError(ValueError):
    """A header's ``secretKeyRef`` cannot be read; the message says which and why."""


class HTTPHandler:
    """Runs ``template.http`` inside the agent (no process per node)."""

    def run(self, node: NodeContext) -> NodeResult:
        request = node.request
        started_at = time.time()
        spec = request.template["http"]

        def ended(phase: str, message: str, body: str | None = None) -> NodeResult:
            outputs = {} if body is None else {"result": body}
            return NodeResult(request.node_id, phase, message, outputs, started_at=started_at)

        try:
            exchange = build_exchange(spec, node)
            deadline = node_deadline(request, started_at)
        except (TemplateError, PlanError) as exc:
            return ended(ERROR, str(exc))
        except SecretError as exc:  # Argo fails the request when a secret cannot be read
            return ended(FAILED, str(exc))
        timeout_at = _timeout_at(spec, started_at)
        earliest = min((t for t in (deadline, timeout_at) if t is not None), default=None)
        try:
            response = run_stoppable(
                node.control,
                exchange.perform,
                deadline=earliest,
                stop=exchange.abort,
                name=f"tiphys-http-{request.node_id}",
            )
        except NodeCancelled as exc:
            return ended(ERROR, str(exc))
        except DeadlineExceeded:
            if timeout_at is not None and timeout_at == earliest:
                return ended(FAILED, str(exchange.error(exchange.url, "context deadline exceeded")))
            return ended(FAILED, DEADLINE_MESSAGE)
        except HTTPRequestError as exc:
            return ended(FAILED, str(exc))
        body = response.body.decode("utf-8", errors="replace")
        phase, message = judge(spec, response, body)
        return ended(phase, message, body)


def build_exchange(spec: Mapping[str, Any], node: NodeContext) -> Exchange:
    """The request the template describes, with secret header values read.

    :raises TemplateError: a field has the wrong shape.
    :raises SecretError: a ``secretKeyRef`` names no secret.
    """
    timeout = _timeout_seconds(spec)
    return Exchange(
        method=str(spec.get("method") or "GET"),
        url=str(spec.get("url") or ""),
        headers=_headers(spec.get("headers"), node),
        body=_body(spec),
        insecure_skip_verify=bool(spec.get("insecureSkipVerify")),
        # The overall limit is enforced by the caller; this bounds each blocking call.
        timeout=float(timeout) if timeout is not None and timeout > 0 else None,
    )


def judge(spec: Mapping[str, Any], response: HTTPResponse, body: str) -> tuple[str, str]:
    """The node's phase and message for a response: the success condition, or 2xx."""
    condition = str(spec.get("successCondition") or "")
    if not condition:
        if 200 <= response.status < 300:
            return SUCCEEDED, ""
        return FAILED, f"received non-2xx response code: {response.status}"
    from tiphys_core.expr import ExprError, UndefinedVariable, compile_expr, go_string

    scope = {
        "request": {
            # As Argo: the method as written ("" when unset), headers without valueFrom.
            "method": str(spec.get("method") or ""),
            "url": str(spec.get("url") or ""),
            "body": str(spec.get("body") or ""),
            "bodyBytes": _body_bytes_value(spec),
            "headers": _written_headers(spec.get("headers")),
        },
        "response": {"statusCode": response.status, "body": body, "headers": response.headers},
    }
    try:
        program = compile_expr(condition)
    except ExprError as exc:
        return FAILED, str(exc)
    try:
        success = program.evaluate(scope)
    except UndefinedVariable as exc:  # expr-lang reports unknown names when compiling
        return FAILED, str(exc)
    except ExprError as exc:
        return FAILED, f"unable to evaluate expression '{condition}': {exc}"
    if not isinstance(success, bool):
        return FAILED, f"unable to cast expression result '{go_string(success)}' to bool"
    if not success:
        return FAILED, f"successCondition '{condition}' evaluated false"
    return SUCCEEDED, ""


def _headers(headers: Any, node: NodeContext) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if not isinstance(headers, list):
        raise TemplateError("http.headers must be a list of {name, value} or {name, valueFrom}")
    pairs = []
    for index, header in enumerate(headers):
        if not isinstance(header, Mapping) or not header.get("name"):
            raise TemplateError(f"http.headers[{index}] needs a name")
        value = str(header.get("value") or "")
        selector = (header.get("valueFrom") or {}).get("secretKeyRef")
        if selector:
            value = _secret(node, selector, index)
        pairs.append((str(header["name"]), value))
    return pairs


def _secret(node: NodeContext, selector: Any, index: int) -> str:
    from tiphys_core.artifacts import SecretNotFoundError

    if not isinstance(selector, Mapping):
        raise TemplateError(f"http.headers[{index}].valueFrom.secretKeyRef must be {{name, key}}")
    try:
        return node.secrets.select(selector) or ""
    except SecretNotFoundError as exc:
        raise SecretError(f"http.headers[{index}]: {exc}") from None


def _written_headers(headers: Any) -> dict[str, list[str]]:
    """Argo's ``HTTPHeaders.ToHeader``: names as written, the last value of a name wins."""
    written: dict[str, list[str]] = {}
    for header in headers if isinstance(headers, list) else ():
        if isinstance(header, Mapping) and header.get("valueFrom") is None:
            written[str(header.get("name") or "")] = [str(header.get("value") or "")]
    return written


def _body(spec: Mapping[str, Any]) -> bytes:
    body_from = spec.get("bodyFrom")
    if body_from is not None:
        encoded = (body_from or {}).get("bytes") if isinstance(body_from, Mapping) else None
        if not encoded:
            return b""
        try:
            return base64.b64decode(str(encoded), validate=True)
        except (binascii.Error, ValueError):
            raise TemplateError("http.bodyFrom.bytes is not base64-encoded data") from None
    return str(spec.get("body") or "").encode("utf-8")


def _body_bytes_value(spec: Mapping[str, Any]) -> list[int] | None:
    # Go's []byte: a list of numbers in expressions, nil without bodyFrom.
    if spec.get("bodyFrom") is None:
        return None
    return list(_body(spec))


def _timeout_seconds(spec: Mapping[str, Any]) -> int | None:
    value = spec.get("timeoutSeconds")
    if value is None or value == "":
        return None
    try:
        seconds = int(str(value))
    except ValueError:
        raise TemplateError(
            f"http.timeoutSeconds {value!r} is not a whole number of seconds"
        ) from None
    return seconds


def _timeout_at(spec: Mapping[str, Any], started_at: float) -> float | None:
    seconds = _timeout_seconds(spec)
    return None if seconds is None else started_at + seconds
