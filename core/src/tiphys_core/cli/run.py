"""``tiphys run``, ``submit``, ``wait`` and ``controller``.

``run`` and ``submit`` hand the workflow to the standing controller (``run`` starts one
in the background when none answers) and print what it sends back; ``--embedded`` (or a
controller that cannot start) runs it on a controller inside this process instead, as
before. Output and exit status are the same either way. This module is imported by every
``tiphys run``: anything heavy is imported where the embedded path needs it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

_UNFINISHED = ("Pending", "Running")
# How often a workflow another process drives is looked at in the store.
_WATCH_SECONDS = 0.25


def add_parser(subparsers: Any) -> None:
    for command, helptext in (
        ("run", "submit a workflow and follow it to the end"),
        ("submit", "submit a workflow (add --watch or --wait to follow it)"),
    ):
        parser = subparsers.add_parser(command, help=helptext, description=helptext)
        parser.add_argument(
            "file", metavar="FILE", help="a Workflow or WorkflowTemplate (YAML/JSON; - for stdin)"
        )
        parser.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE")
        parser.add_argument("-f", "--parameter-file")
        parser.add_argument("--entrypoint")
        parser.add_argument("--generate-name")
        parser.add_argument("--name")
        parser.add_argument(
            "-o", "--output", choices=("name", "json", "yaml", "wide"), default=None
        )
        parser.add_argument("--no-color", action="store_true")
        parser.add_argument(
            "--embedded",
            action="store_true",
            help="run on a controller inside this process, not on the standing controller",
        )
        if command == "submit":
            parser.add_argument(
                "-w", "--wait", action="store_true", help="wait for the workflow to finish"
            )
            parser.add_argument("--watch", action="store_true", help="follow the workflow live")
        parser.set_defaults(handler=run if command == "run" else submit, light=True)
    add_wait_parsers(subparsers)


def add_wait_parsers(subparsers: Any) -> None:
    wait = subparsers.add_parser(
        "wait",
        help="wait for workflows to finish, running them on an embedded controller if needed",
    )
    wait.add_argument("names", nargs="+", metavar="NAME")
    wait.add_argument("--no-color", action="store_true")
    wait.set_defaults(handler=wait_workflows, light=True)
    controller = subparsers.add_parser(
        "controller",
        help="run the standing controller in the foreground (`tiphys run` starts one itself)",
        description="Run every unfinished workflow and serve `tiphys run`, `submit` and `wait` "
        "over a socket in the state directory; exit after an idle period with no workflow "
        "and no client (TIPHYS_CONTROLLER_IDLE seconds, default 600).",
    )
    controller.add_argument(
        "--idle", type=float, metavar="SECONDS", help="exit after this long with nothing to do"
    )
    asks = controller.add_mutually_exclusive_group()
    asks.add_argument("--status", action="store_true", help="show the standing controller")
    asks.add_argument("--stop", action="store_true", help="stop the standing controller")
    controller.add_argument("--ready-fd", type=int, help=argparse.SUPPRESS)
    controller.set_defaults(handler=run_controller, light=True)


def run(args: argparse.Namespace) -> int:
    args.watch, args.wait = True, False
    return submit(args)


def submit(args: argparse.Namespace) -> int:
    sources = None
    if not args.embedded:
        from tiphys_core import client

        request = client.submit_request(args, *_show(args, args.watch))
        code = client.submit(request, start=args.watch or args.wait)
        if code is not None:
            args.handed_off = True
            return code
        sources = request["sources"]  # stdin was read already
    return submit_embedded(args, sources)


def submit_embedded(args: argparse.Namespace, sources: list[dict[str, Any]] | None = None) -> int:
    """Submit on this process's own controller (and run the workflow here if asked to)."""
    from tiphys_core.cli.common import open_store
    from tiphys_core.cli.submission import SubmitFlags, load_sources, prepare_workflow
    from tiphys_core.controller import tune_garbage_collector
    from tiphys_core.spec.loader import load_paths

    tune_garbage_collector()
    loaded = load_sources(sources) if sources is not None else load_paths([args.file])
    store = open_store()
    flags = SubmitFlags(
        file=args.file, parameters=args.parameter, parameter_file=args.parameter_file,
        entrypoint=args.entrypoint, generate_name=args.generate_name, name=args.name,
    )  # fmt: skip
    prepared = prepare_workflow(loaded, flags, store, sys.stderr)
    if isinstance(prepared, int):
        return prepared
    store.create(prepared)
    name = prepared.name
    if args.output == "name":
        print(name)
    if not (args.watch or args.wait):
        if args.output != "name":
            print(
                f"Name: {name}\nStatus: Pending (run `tiphys controller` or `tiphys wait {name}`)"
            )
        return 0
    return follow_embedded(
        store,
        prepared.uid,
        live=args.watch and args.output not in ("name", "json", "yaml"),
        color=not args.no_color,
    )


def _show(args: argparse.Namespace, watch: bool) -> tuple[bool, bool]:
    """``(live, color)`` as the embedded view decides them: only on a terminal."""
    tty = sys.stdout.isatty()
    live = bool(watch) and args.output not in ("name", "json", "yaml") and tty
    return live, tty and not args.no_color


def wait_workflows(args: argparse.Namespace) -> int:
    from tiphys_core import client

    names = list(args.names)
    status = 0
    while names:
        outcome = client.follow(names[0], live=False, color=False, quiet=True)
        if outcome is None:  # no standing controller: drive them here
            break
        names.pop(0)
        if outcome.end is not None:
            end = outcome.end
            print(
                f"{end['name']} {end['phase']}" + (f" ({end['message']})" if end["message"] else "")
            )
        status = max(status, outcome.code)
    if names:
        status = max(status, _wait_embedded(names, not args.no_color))
    return status


def _wait_embedded(names: list[str], color: bool) -> int:
    from tiphys_core.cli.common import for_each_workflow
    from tiphys_core.controller import tune_garbage_collector

    tune_garbage_collector()

    def wait(store: Any, record: Any) -> int:
        if record.phase in _UNFINISHED:
            follow_embedded(store, record.uid, live=False, color=color, quiet=True)
            record = store.get(record.uid) or record
        print(f"{record.name} {record.phase}" + (f" ({record.message})" if record.message else ""))
        return 0 if record.phase == "Succeeded" else 1

    return for_each_workflow(names, wait)


def run_controller(args: argparse.Namespace) -> int:
    from tiphys_core import client
    from tiphys_core.server.protocol import LOG_NAME, idle_seconds, state_dir

    if args.status:
        status = client.ping()
        if status is None:
            print(f"no standing controller answers for {state_dir()}")
            return 1
        print(
            f"controller pid {status['pid']} serving {status['directory']} "
            f"({status['workflows']} workflow(s) running; exits after {status['idle']:g} s idle)\n"
            f"log: {status['log']}"
        )
        return 0
    if args.stop:
        if not client.stop():
            print(f"no standing controller runs for {state_dir()}")
        return 0
    from tiphys_core.server.serve import serve

    if args.ready_fd is None:
        print(f"logging here; a background controller logs to {state_dir()}/{LOG_NAME}")
    return serve(args.idle if args.idle is not None else idle_seconds(), args.ready_fd)


def follow(store: Any, uid: str, live: bool, color: bool, quiet: bool = False) -> int:
    """Show the workflow to its end (on the standing controller, else on one embedded here,
    which runs it); exit 0 only if it succeeded."""
    from tiphys_core import client

    tty = sys.stdout.isatty()
    outcome = client.follow(uid, live=live and tty, color=color and tty, quiet=quiet)
    if outcome is not None:
        return outcome.code
    return follow_embedded(store, uid, live, color, quiet)


def follow_embedded(store: Any, uid: str, live: bool, color: bool, quiet: bool = False) -> int:
    """Run the workflow on a controller embedded here; if another process drives it (the
    standing controller, another ``tiphys``), follow it there instead: never run it twice."""
    import time

    from tiphys_core import client
    from tiphys_core.server.lock import WorkflowLock
    from tiphys_core.server.protocol import state_dir

    lock = WorkflowLock(state_dir(), uid)
    asked = False
    while not lock.try_acquire():
        if not asked:  # the standing controller may be its driver: it shows it best
            asked = True
            tty = sys.stdout.isatty()
            outcome = client.follow(uid, live=live and tty, color=color and tty, quiet=quiet)
            if outcome is not None:
                return outcome.code
        record = store.get(uid)
        if record is None or record.phase not in _UNFINISHED:  # it ended there
            return _show_end(store, uid, record, quiet)
        time.sleep(_WATCH_SECONDS)  # its driver may die: then it is ours to resume
    try:
        record = store.get(uid)
        if record is None or record.phase not in _UNFINISHED:  # it ended while we waited
            return _show_end(store, uid, record, quiet)
        return drive(store, uid, live, color, quiet)
    finally:
        lock.release()


def _show_end(store: Any, uid: str, record: Any, quiet: bool) -> int:
    """The end of a workflow another process drove, as ``run`` shows an end."""
    from tiphys_core.cli.common import fail
    from tiphys_core.cli.display import summary

    if record is None:
        return fail(f"workflow {uid} was deleted")
    if not quiet:
        print(summary(record, store.nodes(uid), color=False))
    return 0 if record.phase == "Succeeded" else 1


def drive(store: Any, uid: str, live: bool, color: bool, quiet: bool = False) -> int:
    """Run the workflow on a controller in this process and show it (the caller holds its
    driver lock)."""
    import queue

    from tiphys_core.cli.display import LiveView, summary
    from tiphys_core.controller import Controller
    from tiphys_core.launch import LocalLauncher
    from tiphys_core.paths import home
    from tiphys_core.plugins import Hooks, make_plugin_manager
    from tiphys_core.wire import NodeResult

    results: queue.Queue[NodeResult] = queue.Queue()
    launcher = LocalLauncher(results)
    view = LiveView(live=None if live else False, color=None if color else False)
    controller = Controller(home(), store, launcher, results, Hooks(make_plugin_manager()))
    record = store.get(uid)

    def on_step(engine: Any, changed: list[Any]) -> None:
        record.phase = engine.phase
        if not quiet:
            view.update(record, engine.nodes, changed)

    try:
        record = controller.run(uid, on_step=on_step)
    finally:
        launcher.close()
    nodes = store.nodes(uid)
    if quiet:
        pass
    elif view.live:
        view.update(record, nodes, [], final=True)
    else:
        print(summary(record, nodes, color=False))
    return 0 if record.phase == "Succeeded" else 1
