"""Which nodes need ``outputs.result`` captured: those whose result something references.

Capturing stdout costs a pipe and a reader per node; most steps' output is only logged.
A step or task's result is referenced as ``steps.<name>.outputs.result``,
``tasks.<name>.outputs.result`` or ``tasks['<name>'].outputs.result``; any other mention
of ``outputs.result`` (e.g. a name built at run time) makes every node capture it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_MENTION = "outputs.result"
_NAMED = re.compile(
    r"(?:steps|tasks)\s*(?:\.\s*([A-Za-z0-9_-]+)|\[\s*['\"]([^'\"]+)['\"]\s*\])\s*\.\s*outputs\.result"
)


@dataclass(frozen=True)
class ResultReferences:
    """The step/task names whose result is referenced, or ``everything``."""

    names: frozenset[str] = frozenset()
    everything: bool = False

    def wanted(self, step_name: Any) -> bool:
        """Whether a node run for the step or task ``step_name`` should capture its result."""
        return self.everything or (isinstance(step_name, str) and step_name in self.names)


def result_references(spec: Mapping[str, Any]) -> ResultReferences:
    """Scan every string of the spec once."""
    names: set[str] = set()
    for text in _strings(spec):
        if _MENTION not in text:
            continue
        found = list(_NAMED.finditer(text))
        if len(found) < text.count(_MENTION):
            return ResultReferences(everything=True)
        names.update(match.group(1) or match.group(2) for match in found)
    return ResultReferences(frozenset(names))


def _strings(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
