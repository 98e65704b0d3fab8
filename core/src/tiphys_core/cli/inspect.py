"""``tiphys list``, ``get``, ``logs`` and ``delete``: read what the store holds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tiphys_core.cli.common import dump, fail, find_workflow, for_each_workflow, open_store
from tiphys_core.cli.display import duration, summary
from tiphys_core.store import Store, WorkflowRecord


def add_parser(subparsers: Any) -> None:
    listing = subparsers.add_parser("list", help="list workflows")
    listing.add_argument("-o", "--output", choices=("wide", "name", "json", "yaml"), default=None)
    listing.set_defaults(handler=list_workflows)

    get = subparsers.add_parser("get", help="show a workflow's node tree (NAME or @latest)")
    get.add_argument("name", metavar="NAME")
    get.add_argument("-o", "--output", choices=("wide", "json", "yaml"), default=None)
    get.add_argument("--no-color", action="store_true")
    get.set_defaults(handler=get_workflow)

    logs = subparsers.add_parser("logs", help="print the logs of a workflow's nodes")
    logs.add_argument("name", metavar="NAME")
    logs.add_argument("node", nargs="?", metavar="NODE", help="a node id, name or display name")
    logs.add_argument(
        "-f", "--follow", action="store_true", help="keep printing until the workflow ends"
    )
    logs.set_defaults(handler=print_logs)

    watch = subparsers.add_parser("watch", help="follow a workflow another process runs, live")
    watch.add_argument("name", metavar="NAME")
    watch.add_argument("--no-color", action="store_true")
    watch.set_defaults(handler=watch_workflow)

    delete = subparsers.add_parser("delete", help="delete workflows")
    delete.add_argument("names", nargs="+", metavar="NAME")
    delete.set_defaults(handler=delete_workflows)


def list_workflows(args: argparse.Namespace) -> int:
    records = open_store().all()
    if args.output in ("json", "yaml"):
        dump(
            [
                {"name": r.name, "uid": r.uid, "phase": r.phase, "message": r.message}
                for r in records
            ],
            args.output,
        )
        return 0
    if args.output == "name":
        for record in records:
            print(record.name)
        return 0
    print(f"{'NAME':<36} {'STATUS':<10} {'DURATION':>8}  MESSAGE")
    for record in records:
        print(
            f"{record.name:<36} {record.phase:<10} {duration(None, record.started or record.created, record.finished):>8}  {record.message}"
        )
    return 0


def get_workflow(args: argparse.Namespace) -> int:
    store = open_store()
    record = find_workflow(store, args.name)
    if record is None:
        return 1
    nodes = store.nodes(record.uid)
    if args.output in ("json", "yaml"):
        document = dict(record.document)
        document["status"] = {
            "phase": record.phase,
            "message": record.message,
            "outputs": record.outputs,
            "nodes": {node_id: node.to_status() for node_id, node in nodes.items()},
        }
        dump(document, args.output)
        return 0
    print(
        summary(
            record,
            nodes,
            color=sys.stdout.isatty() and not args.no_color,
            wide=args.output == "wide",
        )
    )
    return 0


def print_logs(args: argparse.Namespace) -> int:
    import time

    from tiphys_core.paths import home

    store = open_store()
    record = find_workflow(store, args.name)
    if record is None:
        return 1
    root = home() / "workflows" / record.uid / "nodes"
    printed: dict[Path, int] = {}  # log file -> characters already shown
    while True:
        nodes = store.nodes(record.uid)
        chosen = [
            n for n in sorted(nodes.values(), key=lambda n: n.started_at or 0)
            if n.type == "Pod" and (args.node is None or args.node in (n.id, n.name, n.display_name))
        ]  # fmt: skip
        if args.node is not None and not chosen and not args.follow:
            return fail(f'no pod node "{args.node}" in workflow {record.name}')
        for node in chosen:
            for log in sorted(root.glob(f"{node.id}-*/main.log")):
                text = log.read_text(errors="replace")
                new, printed[log] = text[printed.get(log, 0) :], len(text)
                for line in new.splitlines():
                    print(f"{node.display_name}: {line}" if args.node is None else line, flush=True)
        current = store.get(record.uid)
        if not args.follow or current is None or current.phase not in ("Pending", "Running"):
            return 0
        time.sleep(0.2)


def watch_workflow(args: argparse.Namespace) -> int:
    """Redraw the tree while another process runs the workflow; plain output prints it once, at the end."""
    import time

    from tiphys_core.cli.display import LiveView

    store = open_store()
    record = find_workflow(store, args.name)
    if record is None:
        return 1
    view = LiveView(color=False if args.no_color else None)
    while True:
        record = store.get(record.uid) or record
        finished = record.phase not in ("Pending", "Running")
        if view.live:
            view.update(record, store.nodes(record.uid), [], final=finished)
        elif finished:
            print(summary(record, store.nodes(record.uid), color=False))
        if finished:
            return 0 if record.phase == "Succeeded" else 1
        time.sleep(0.3)


def delete_workflows(args: argparse.Namespace) -> int:
    import shutil

    from tiphys_core.paths import home

    def delete(store: Store, record: WorkflowRecord) -> int:
        _collect_artifacts_on_deletion(store, record)
        store.delete(record.uid)
        shutil.rmtree(home() / "workflows" / record.uid, ignore_errors=True)
        print(f"Workflow '{record.name}' deleted")
        return 0

    return for_each_workflow(args.names, delete)


def _collect_artifacts_on_deletion(store: Store, record: WorkflowRecord) -> None:
    """Artifacts whose ``artifactGC`` strategy is ``OnWorkflowDeletion`` go with the workflow."""
    from tiphys_core.artifacts import Secrets
    from tiphys_core.controller.artifact_gc import ON_DELETION, artifacts_to_collect, collect
    from tiphys_core.paths import home

    spec = record.document.get("spec") or {}
    chosen = artifacts_to_collect(spec, store.nodes(record.uid).values(), ON_DELETION)
    if not chosen:
        return
    from tiphys_core.artifacts.repositories import (
        RepositoryError,
        archive_location,
        resolve_repository,
    )
    from tiphys_core.plugins import Hooks, make_plugin_manager

    try:
        location = archive_location(resolve_repository(spec).repository)
    except RepositoryError:
        location = None  # key-only artifacts then cannot be found; the others still go
    drivers = Hooks(make_plugin_manager()).artifact_drivers()
    for problem in collect(chosen, drivers, Secrets(home() / "secrets"), location):
        print(f"tiphys: artifact garbage collection: {problem}", file=sys.stderr)
