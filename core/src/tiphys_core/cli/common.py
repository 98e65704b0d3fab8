"""What several commands share: the state directory, the store, parameters, output formats."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the light paths (``tiphys run`` handing off) import this module too
    from tiphys_core.store import Store, WorkflowRecord


def open_store() -> Store:
    from tiphys_core.paths import home
    from tiphys_core.store import Store

    return Store(home() / "tiphys.db")


def find_workflow(store: Store, name: str) -> WorkflowRecord | None:
    """The workflow called ``name`` (or ``@latest``); says so on stderr when there is none."""
    record = store.get(name)
    if record is None:
        fail(f'workflow "{name}" not found')
    return record


def for_each_workflow(names: list[str], action: Callable[[Store, WorkflowRecord], int]) -> int:
    """Run ``action`` on each named workflow; the exit status is the worst one (1 if any is missing)."""
    store = open_store()
    status = 0
    for name in names:
        record = find_workflow(store, name)
        status = max(status, 1 if record is None else action(store, record))
    return status


def fail(message: str, code: int = 1) -> int:
    print(f"tiphys: {message}", file=sys.stderr)
    return code


def read_text(path: str) -> str:
    with open(path, encoding="utf-8") as file:
        return file.read()


def parse_parameters(
    pairs: list[str], parameter_file: str | None, read: Callable[[str], str] = read_text
) -> list[tuple[str, str]]:
    """``-p name=value`` flags and a ``--parameter-file`` (YAML or JSON mapping), in that order
    of precedence; ``read`` reads the file (a standing controller gets its text from the client).
    """
    result: list[tuple[str, str]] = []
    if parameter_file:
        import yaml

        try:
            loaded = yaml.safe_load(read(parameter_file)) or {}
        except (OSError, yaml.YAMLError) as err:
            raise ValueError(f"cannot read parameter file {parameter_file}: {err}") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"parameter file {parameter_file} must hold a mapping of name: value")
        result.extend(
            (str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in loaded.items()
        )
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"parameter {pair!r} must look like name=value")
        result.append((name, value))
    return result


def add_output_flag(parser: argparse.ArgumentParser, choices: tuple[str, ...]) -> None:
    parser.add_argument("-o", "--output", choices=choices, default=None)


def dump(data: Any, output: str) -> None:
    if output == "json":
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        import yaml

        sys.stdout.write(yaml.safe_dump(data, sort_keys=False))
