"""Go's renderings of values: ``fmt`` ``%v``, ``strconv`` floats, ``%T`` names and ``encoding/json``.

Argo runs expr-lang and govaluate in Go, so ``string(x)``, ``toJson(x)``, the text a
``{{=...}}`` tag turns into and the numbers in govaluate's messages are Go's
renderings; these functions reproduce them for the Python value model (None, bool,
int, float, str, list, dict, plus time values). The templating package uses them
too, so each rendering exists once.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from operator import itemgetter
from types import MappingProxyType
from typing import Any

from tiphys_core.expr.errors import ExprError
from tiphys_core.expr.gotime import Duration, format_time_string, location_name, rfc3339_nano


def value_kind(value: Any) -> str:
    """Which of expr-lang's value kinds ``value`` is: one classification for every spelling."""
    t = type(value)
    if value is None:
        return "nil"
    if t is bool or t is int or t is float or t is str:
        return t.__name__
    if t is list or t is tuple:
        return "list"
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, datetime):
        return "time"
    if t is Duration:
        return "duration"
    if isinstance(value, tzinfo):
        return "location"
    return ""


_GO_TYPE_NAMES = {
    "nil": "<nil>", "bool": "bool", "int": "int", "float": "float64", "str": "string",
    "list": "[]interface {}", "map": "map[string]interface {}", "time": "time.Time",
    "duration": "time.Duration", "location": "*time.Location",
}  # fmt: skip


def type_name(value: Any) -> str:
    """Go's ``%T`` of the value as expr-lang would hold it (for error messages)."""
    return _GO_TYPE_NAMES.get(value_kind(value)) or type(value).__name__


def _shortest(value: float) -> tuple[str, int]:
    """Shortest round-trip digits of ``abs(value)`` and Go's decimal point position.

    The value is ``0.<digits> * 10**point``; ``digits`` has no leading or trailing zeros.
    """
    text = repr(abs(value))
    exponent = 0
    if "e" in text:
        text, exp_text = text.split("e")
        exponent = int(exp_text)
    if "." in text:
        whole, frac = text.split(".")
    else:
        whole, frac = text, ""
    digits = whole + frac
    point = len(whole) + exponent
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    if not digits:
        return "0", 1
    return digits, point


def _fixed(digits: str, point: int) -> str:
    if point <= 0:
        return "0." + "0" * (-point) + digits
    if point >= len(digits):
        return digits + "0" * (point - len(digits))
    return digits[:point] + "." + digits[point:]


def _exponent(digits: str, point: int, min_exp_digits: int) -> str:
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exp = point - 1
    sign = "-" if exp < 0 else "+"
    return f"{mantissa}e{sign}{abs(exp):0{min_exp_digits}d}"


def _format_shortest(value: float, fmt: str) -> str:
    """``strconv.FormatFloat(value, fmt, -1, 64)`` for ``fmt`` ``'g'`` or ``'f'``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0"
    digits, point = _shortest(value)
    # 'g' with the shortest precision decides with precision 6, not the digit count.
    if fmt == "g" and not -4 <= point - 1 < 6:
        return sign + _exponent(digits, point, 2)
    return sign + _fixed(digits, point)


def format_float(value: float) -> str:
    """Go's ``%v`` of a float64 (``strconv.FormatFloat(f, 'g', -1, 64)``).

    Shortest digits; the exponent form below 1e-4 and from 1e6 on (1e6 is ``1e+06``).
    """
    return _format_shortest(value, "g")


def format_float_f(value: float) -> str:
    """``strconv.FormatFloat(f, 'f', -1, 64)``: shortest digits, never an exponent."""
    return _format_shortest(value, "f")


def json_float(value: float) -> str:
    """Go's ``encoding/json`` rendering of a float64 (ES6 style)."""
    if math.isnan(value) or math.isinf(value):
        raise ExprError(f"json: unsupported value: {format_float(value)}")
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0"
    digits, point = _shortest(value)
    magnitude = abs(value)
    if magnitude < 1e-6 or magnitude >= 1e21:
        # Go cleans e-09 up to e-9 but keeps e+21.
        return sign + _exponent(digits, point, 1 if point - 1 < 0 else 2)
    return sign + _fixed(digits, point)


def go_string(value: Any) -> str:
    """Go's ``fmt.Sprintf("%v", value)``: what ``string(x)`` returns."""
    t = type(value)
    if t is str:
        return value  # type: ignore[no-any-return]
    if value is None:
        return "<nil>"
    if t is bool:
        return "true" if value else "false"
    if t is int:
        return str(value)
    if t is float:
        return format_float(value)
    if t is list or t is tuple:
        return "[" + " ".join(go_string(item) for item in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: _sort_key(kv[0]))
        return "map[" + " ".join(f"{go_string(k)}:{go_string(v)}" for k, v in items) + "]"
    if isinstance(value, datetime):
        return format_time_string(value)
    if t is Duration:
        return value.string()  # type: ignore[no-any-return]
    if isinstance(value, tzinfo):
        return location_name(value)
    return str(value)


def _sort_key(key: Any) -> tuple[int, Any]:
    # fmt sorts map keys; mixed key types (from groupBy) sort by type first.
    if type(key) in (int, float):
        return (1, key)
    if type(key) is str:
        return (2, key)
    if type(key) is bool:
        return (0, key)
    return (3, go_string(key))


_HTML_ESCAPES: Mapping[str, str] = MappingProxyType(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)
# What json.dumps leaves as it is but Go escapes: the HTML-unsafe characters and line
# separators, and lone surrogates (text that was not valid UTF-8), which Go writes as
# the escape \ufffd.
_GO_ESCAPED = re.compile("[<>&\u2028\u2029\ud800-\udfff]")


def _go_escape(match: re.Match[str]) -> str:
    return _HTML_ESCAPES.get(match.group(), "\\ufffd")


def json_string(text: str) -> str:
    """A JSON string literal exactly as Go's ``json.Marshal`` writes it (HTML-safe).

    ``\\b``, ``\\f``, ``\\n``, ``\\r`` and ``\\t`` get short escapes and the other
    control characters ``\\u00XX`` (as since Go 1.22); everything else stays UTF-8.
    """
    out = json.dumps(text, ensure_ascii=False)
    if _GO_ESCAPED.search(out) is not None:
        out = _GO_ESCAPED.sub(_go_escape, out)
    return out


_QUOTE_ESCAPES: Mapping[str, str] = MappingProxyType(
    {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
     "\v": "\\v", "\\": "\\\\", '"': '\\"'}
)  # fmt: skip


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote``: a double-quoted literal; printable characters stay as they
    are (Go's ``IsPrint`` is Python's ``isprintable``), control characters below space
    and DEL become ``\\xNN``, other unprintable ones ``\\uNNNN`` / ``\\UNNNNNNNN``."""
    out = ['"']
    for char in text:
        if char in _QUOTE_ESCAPES:
            out.append(_QUOTE_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def to_json(value: Any, indent: str | None = None) -> str:
    """Go's ``json.Marshal`` (or ``json.MarshalIndent(v, "", indent)``) of a value.

    Maps are written with keys sorted by their text, floats in Go's shortest form
    (``2.0`` is ``2``), times as RFC 3339 strings and durations as nanoseconds. Raises
    ExprError for NaN and infinities, as Go does, and for values nested too deeply
    to walk.
    """
    parts: list[str] = []
    try:
        _encode(value, parts, indent, "")
    except RecursionError:
        raise ExprError("json: value nested too deeply") from None
    return "".join(parts)


def _key_text(key: Any) -> str:
    # Go writes map keys as strings (ints in decimal) and sorts them by that text.
    return key if type(key) is str else go_string(key)


def _encode(value: Any, out: list[str], indent: str | None, prefix: str) -> None:
    t = type(value)
    if t is str:
        out.append(json_string(value))
    elif value is None:
        out.append("null")
    elif t is bool:
        out.append("true" if value else "false")
    elif t is int:
        out.append(str(value))
    elif t is float:
        out.append(json_float(value))
    elif t is list or t is tuple:
        if not value:
            out.append("[]")
            return
        inner = prefix + indent if indent is not None else ""
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            if indent is not None:
                out.append("\n" + inner)
            _encode(item, out, indent, inner)
        if indent is not None:
            out.append("\n" + prefix)
        out.append("]")
    elif isinstance(value, Mapping):
        if not value:
            out.append("{}")
            return
        inner = prefix + indent if indent is not None else ""
        out.append("{")
        items = sorted(((_key_text(k), v) for k, v in value.items()), key=itemgetter(0))
        for i, (key, item) in enumerate(items):
            if i:
                out.append(",")
            if indent is not None:
                out.append("\n" + inner)
            out.append(json_string(key))
            out.append(": " if indent is not None else ":")
            _encode(item, out, indent, inner)
        if indent is not None:
            out.append("\n" + prefix)
        out.append("}")
    elif isinstance(value, datetime):
        out.append(json_string(rfc3339_nano(value)))
    elif t is Duration:
        out.append(str(value.ns))
    elif isinstance(value, tzinfo):
        out.append("{}")
    else:
        raise ExprError(f"json: unsupported type: {type_name(value)}")


def from_json(text: str) -> Any:
    """Go's ``json.Unmarshal`` into ``any``: numbers become float64, as in Argo."""
    try:
        return json.loads(text, parse_int=float, parse_constant=_reject_constant)
    except RecursionError:
        raise ExprError("json: document is nested too deeply") from None
    except ValueError as exc:
        raise ExprError(_json_error_message(text, exc)) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def _json_error_message(text: str, exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        if exc.pos >= len(text.rstrip()):
            return "unexpected end of JSON input"
        return f"invalid character {text[exc.pos]!r} in JSON input (offset {exc.pos}): {exc.msg}"
    return str(exc)
