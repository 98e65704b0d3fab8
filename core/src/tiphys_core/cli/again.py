"""``tiphys retry`` (run failed nodes again, keep succeeded ones) and ``resubmit`` (a fresh copy)."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from tiphys_core.cli.common import fail, find_workflow, open_store

# The nodes a retry keeps (as Store.reset_for_retry does); the others run again.
RETRY_KEEPS = ("Succeeded", "Skipped")
# Where the attempts of the nodes a retry runs again wait to be deleted, in their
# workflow's directory: out of the way of the controller, which looks in nodes/<id>-<n>.
_SET_ASIDE_PREFIX = ".retried-"


def add_parser(subparsers: Any) -> None:
    retry = subparsers.add_parser("retry", help="run a finished workflow's failed nodes again")
    retry.add_argument("name", metavar="NAME")
    retry.add_argument("-w", "--wait", action="store_true")
    retry.add_argument("--watch", action="store_true")
    retry.set_defaults(handler=retry_workflow)
    resubmit = subparsers.add_parser("resubmit", help="submit a copy of a workflow, from the start")
    resubmit.add_argument("name", metavar="NAME")
    resubmit.add_argument("-w", "--wait", action="store_true")
    resubmit.add_argument("--watch", action="store_true")
    resubmit.set_defaults(handler=resubmit_workflow)


def retry_workflow(args: argparse.Namespace) -> int:
    """Run a finished workflow's nodes that did not succeed again, from their start."""
    from tiphys_core.paths import home

    store = open_store()
    record = find_workflow(store, args.name)
    if record is None:
        return 1
    if record.phase in ("Pending", "Running"):
        return fail(
            f"workflow {record.name} is still {record.phase}; only finished workflows can be retried"
        )
    if record.phase == "Succeeded":
        return fail(f"workflow {record.name} succeeded; there is nothing to retry")
    # The old results go first, the rows after: once the workflow is Pending again, a
    # controller starting adopts it, and would take a result file still at a node's
    # attempt directory as that node's new result. Killed before the rows are reset, the
    # workflow stays as it was, finished (less the files set aside), and `retry` again
    # does the rest; killed after, the next retry deletes what this one set aside.
    workflow_dir = home() / "workflows" / record.uid
    rerun = [n.id for n in store.nodes(record.uid).values() if n.phase not in RETRY_KEEPS]
    try:
        _set_aside(workflow_dir, rerun)
    except OSError as err:
        return fail(f"workflow {record.name} not retried: cannot remove its old results: {err}")
    forgotten = store.reset_for_retry(record.uid)
    _delete_set_aside(workflow_dir)
    print(f"workflow {record.name} retried: {len(forgotten)} node(s) will run again")
    return _follow_if_asked(args, store, record.uid)


def resubmit_workflow(args: argparse.Namespace) -> int:
    from tiphys_core.controller import SubmitOptions, prepare_submission
    from tiphys_core.store import WorkflowRecord

    store = open_store()
    record = find_workflow(store, args.name)
    if record is None:
        return 1
    document = dict(record.document)
    meta = dict(document.get("metadata") or {})
    base = meta.pop("generateName", None) or f"{meta.get('name', 'workflow')}-"
    for key in ("name", "uid"):
        meta.pop(key, None)
    meta["generateName"] = base
    document["metadata"] = meta
    name, uid, workflow = prepare_submission(document, SubmitOptions(), store.name_taken)
    store.create(WorkflowRecord(uid, name, record.namespace, "Pending", time.time(), workflow))
    print(name)
    return _follow_if_asked(args, store, uid)


def _follow_if_asked(args: argparse.Namespace, store: Any, uid: str) -> int:
    if not (args.wait or args.watch):
        return 0
    from tiphys_core.cli.run import follow

    return follow(store, uid, live=args.watch, color=True)


def _set_aside(workflow_dir: Path, node_ids: list[str]) -> None:
    """Move every attempt directory of ``node_ids`` out of ``nodes/``, one rename each, so
    no result file of theirs is ever half deleted where a controller reads results."""
    nodes_dir = workflow_dir / "nodes"
    attempts = [a for node_id in node_ids for a in nodes_dir.glob(f"{node_id}-*")]
    if not attempts:
        return
    aside = Path(tempfile.mkdtemp(prefix=_SET_ASIDE_PREFIX, dir=workflow_dir))
    for attempt_dir in attempts:
        with contextlib.suppress(FileNotFoundError):  # another `retry` moved it first
            os.rename(attempt_dir, aside / attempt_dir.name)


def _delete_set_aside(workflow_dir: Path) -> None:
    """Delete what retries set aside, this one's and any a killed one left."""
    for aside in workflow_dir.glob(f"{_SET_ASIDE_PREFIX}*"):
        shutil.rmtree(aside, ignore_errors=True)
