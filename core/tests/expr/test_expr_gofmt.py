"""Go renderings: fmt %v (``string(x)``), encoding/json (``toJson``) and time layouts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from tiphys_core.expr import Duration, ExprError, go_string, to_json
from tiphys_core.expr.gofmt import format_float_f, go_quote
from tiphys_core.expr.golayout import format_layout, parse_layout
from tiphys_core.expr.gotime import parse_duration


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (-0.0, "-0"),
        (1.5, "1.5"),
        (123456.0, "123456"),
        (1234567.0, "1.234567e+06"),
        (1e21, "1e+21"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (1.5e-7, "1.5e-07"),
        (float("inf"), "+Inf"),
        (float("nan"), "NaN"),
        (None, "<nil>"),
        ([1, [2, "a"], None], "[1 [2 a] <nil>]"),
        ({"b": 1, "a": {"c": True}}, "map[a:map[c:true] b:1]"),
        (Duration(90 * 10**9), "1m30s"),
        (Duration(1500), "1.5µs"),
        (Duration(0), "0s"),
        (datetime(2023, 8, 14, tzinfo=UTC), "2023-08-14 00:00:00 +0000 UTC"),
    ],
)
def test_go_string_matches_fmt_v(value: Any, text: str) -> None:
    assert go_string(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.0, "2"),
        (35.8, "35.8"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (0.000001, "0.000001"),
        (1e-7, "1e-7"),
        (1.5e-10, "1.5e-10"),
        (-0.0, "-0"),
        ({"b": [1, 2.5], "a": None}, '{"a":null,"b":[1,2.5]}'),
        ("<&>\u2028", '"\\u003c\\u0026\\u003e\\u2028"'),
        ('tab\tquote"', '"tab\\tquote\\""'),
        (datetime(2023, 8, 14, 1, 2, 3, 500000, tzinfo=UTC), '"2023-08-14T01:02:03.5Z"'),
        (Duration(10**9), "1000000000"),
        # Go 1.22+ writes \b and \f short; other control characters as \u00XX.
        ("\b\f\x01\x7f", '"\\b\\f\\u0001\x7f"'),
        # A lone surrogate stands for bytes that are not UTF-8: Go writes the escape \ufffd.
        ("a\udc80b", '"a\\ufffdb"'),
        # Map keys are written and sorted as text, whatever their type.
        ({"a": 1, 10: 2, 9: 3, True: 4}, '{"10":2,"9":3,"a":1,"true":4}'),
    ],
)
def test_to_json_matches_go_json_marshal(value: Any, text: str) -> None:
    assert to_json(value) == text


def test_to_json_indented_matches_marshal_indent() -> None:
    assert to_json({"a": [1], "b": {}}, indent="  ") == '{\n  "a": [\n    1\n  ],\n  "b": {}\n}'


def test_to_json_rejects_nan_like_go() -> None:
    with pytest.raises(ExprError, match="unsupported value: NaN"):
        to_json(float("nan"))


def test_to_json_walks_deep_values_and_refuses_cycles() -> None:
    deep: list[Any] = []
    for _ in range(300):
        deep = [deep]
    assert to_json(deep) == "[" * 301 + "]" * 301
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ExprError, match="nested too deeply"):
        to_json(cycle)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (-0.0, "-0"),
        (0.5, "0.5"),
        (1234567.0, "1234567"),
        (1e21, "1000000000000000000000"),
        (2.5e-7, "0.00000025"),
        (float("nan"), "NaN"),
        (float("-inf"), "-Inf"),
    ],
)
def test_format_float_f_matches_strconv(value: float, text: str) -> None:
    assert format_float_f(value) == text


UTC = UTC
PLUS2 = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("layout", "text"),
    [
        ("2006-01-02T15:04:05Z07:00", "2023-08-14T13:05:09+02:00"),
        ("Mon Jan _2 15:04:05 2006", "Mon Aug 14 13:05:09 2023"),
        ("Monday, 02-Jan-06 03:04:05 PM", "Monday, 14-Aug-23 01:05:09 PM"),
        ("2006-01-02 15:04:05.000", "2023-08-14 13:05:09.120"),
        ("15:04:05.999", "13:05:09.12"),
        ("-0700 -07:00 -07", "+0200 +02:00 +02"),
        ("January 2, 2006 002", "August 14, 2023 226"),
    ],
)
def test_format_layout(layout: str, text: str) -> None:
    moment = datetime(2023, 8, 14, 13, 5, 9, 120000, tzinfo=PLUS2)
    assert format_layout(moment, layout) == text


def test_parse_layout_round_trips_rfc3339_with_fraction() -> None:
    parsed = parse_layout("2006-01-02T15:04:05Z07:00", "2023-08-14T13:05:09.25+02:00", UTC)
    assert parsed == datetime(2023, 8, 14, 11, 5, 9, 250000, tzinfo=UTC)


def test_parse_layout_reports_go_style_errors() -> None:
    with pytest.raises(ExprError, match='cannot parse "x" as "2006"'):
        parse_layout("2006", "x", UTC)


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("1h30m", 5400 * 10**9),
        ("1.5s", 1_500_000_000),
        ("-2m", -120 * 10**9),
        ("3us", 3000),
        ("0", 0),
    ],
)
def test_parse_duration(text: str, ns: int) -> None:
    assert parse_duration(text).ns == ns


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("", '""'),
        ('say "hi"\\', '"say \\"hi\\"\\\\"'),
        ("a\nb\tc\x07\x01\x7f", '"a\\nb\\tc\\a\\x01\\x7f"'),
        ("é 😀", '"é 😀"'),
        ("\u200b\u00a0", '"\\u200b\\u00a0"'),
        ("\U000e0001", '"\\U000e0001"'),
    ],
)
def test_go_quote_matches_strconv_quote(text: str, quoted: str) -> None:
    assert go_quote(text) == quoted
