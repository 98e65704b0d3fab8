"""The ``tiphys`` command line: Argo's verbs and flags where Argo has them.

Only the module of the command given is imported (``tiphys run`` must start quickly; see
:mod:`tiphys_core.client`); ``tiphys --help`` and unknown commands import them all.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from tiphys_core import __version__

__all__ = ["main"]

# Each command module exposes ``add_parser(subparsers)`` that sets ``handler`` for the
# commands it defines, listed here so one command imports only its own module.
COMMANDS = {
    "tiphys_core.cli.run": ("run", "submit", "wait", "controller"),
    "tiphys_core.cli.inspect": ("list", "get", "logs", "watch", "delete"),
    "tiphys_core.cli.control": ("suspend", "resume", "stop", "terminate", "node"),
    "tiphys_core.cli.again": ("retry", "resubmit"),
    "tiphys_core.cli.templates": ("template", "cluster-template"),
    "tiphys_core.cli.lint": ("lint",),
    "tiphys_core.cli.plugins": ("plugins",),
}
COMMAND_MODULES = tuple(COMMANDS)


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, without ``shutil`` (argparse makes one per added argument,
    and ``shutil`` imports the compression modules: milliseconds on every ``tiphys run``)."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def _terminal_columns() -> int:
    """As ``shutil.get_terminal_size().columns``: ``$COLUMNS``, the terminal's width, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _Parser(argparse.ArgumentParser):
    """An argument parser (and, through ``add_subparsers``, each command's) using :class:`_Formatter`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given ``argv``, only the named command's module is loaded."""
    import importlib

    parser = _Parser(
        prog="tiphys",
        description="Run Argo Workflows documents unchanged, locally or on Kubernetes.",
    )
    parser.add_argument("--version", action="version", version=f"tiphys {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in _modules_for(argv):
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def _modules_for(argv: Sequence[str] | None) -> tuple[str, ...]:
    if argv is not None:
        command = next((arg for arg in argv if not arg.startswith("-")), None)
        for module_name, commands in COMMANDS.items():
            if command in commands:
                return (module_name,)
    return COMMAND_MODULES


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(arguments)
    args = parser.parse_args(arguments)
    handler = getattr(args, "handler", None)
    if handler is None:
        build_parser().print_help(sys.stderr)
        return 2
    if not getattr(args, "light", False):  # light commands tune it when they run workflows
        from tiphys_core.controller.loop import tune_garbage_collector

        tune_garbage_collector()
    try:
        code = int(handler(args))
        if argv is None and getattr(args, "handed_off", False):
            _exit_now(code)
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # a bug of ours, not the user's: say so without a traceback
        if os.environ.get("TIPHYS_DEBUG"):
            raise
        print(
            f"tiphys: internal error: {type(err).__name__}: {err}\n"
            "This is a bug in tiphys; rerun with TIPHYS_DEBUG=1 for the traceback and report it.",
            file=sys.stderr,
        )
        return 3


def _exit_now(code: int) -> None:
    """End a ``tiphys`` process whose work the standing controller did: its output is
    flushed and nothing else is left to clean up, so the interpreter's teardown (a few
    milliseconds, a tenth of a warm ``tiphys run``) is skipped."""
    import contextlib  # loaded already (typing imports it)

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
