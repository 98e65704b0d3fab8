"""The SQLite store (WAL): workflows, their nodes (one row each) and stored templates.

Engine steps are committed atomically with :meth:`Store.commit` (the controller groups
those of up to 50 ms), so a controller killed at any instant restarts from a
consistent state, and replays the rest from the nodes' result files.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tiphys_core.engine.nodes import Node

SCHEMA = """
CREATE TABLE IF NOT EXISTS workflows (
    uid TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    namespace TEXT NOT NULL,
    phase TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    document TEXT NOT NULL,
    outputs TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS nodes (
    workflow_uid TEXT NOT NULL REFERENCES workflows(uid) ON DELETE CASCADE,
    id TEXT NOT NULL,
    phase TEXT NOT NULL,
    row TEXT NOT NULL,
    PRIMARY KEY (workflow_uid, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_uid TEXT NOT NULL,
    command TEXT NOT NULL,
    arguments TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS templates (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (kind, name)
) WITHOUT ROWID;
"""


@dataclass
class WorkflowRecord:
    uid: str
    name: str
    namespace: str
    phase: str
    created: float
    document: dict[str, Any]
    message: str = ""
    started: float | None = None
    finished: float | None = None
    outputs: dict[str, Any] = field(default_factory=dict)


class Store:
    """One SQLite database under the state directory. Not shared between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        self._encode = json.JSONEncoder(separators=(",", ":")).encode
        # What each workflow's row holds, as this store last wrote it: an engine step that
        # changes only nodes (most do) leaves the row alone.
        self._written: dict[str, tuple[Any, ...]] = {}

    def close(self) -> None:
        self.db.close()

    # -- workflows ----------------------------------------------------------------------

    def create(self, record: WorkflowRecord) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT INTO workflows (uid, name, namespace, phase, message, created, started, finished, document, outputs)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.uid, record.name, record.namespace, record.phase, record.message, record.created,
                 record.started, record.finished, json.dumps(record.document), json.dumps(record.outputs)),
            )  # fmt: skip

    def name_taken(self, name: str) -> bool:
        return (
            self.db.execute("SELECT 1 FROM workflows WHERE name = ?", (name,)).fetchone()
            is not None
        )

    def get(self, name_or_uid: str) -> WorkflowRecord | None:
        """A workflow by name, uid, or ``@latest``."""
        if name_or_uid == "@latest":
            row = self.db.execute(
                f"SELECT {_COLUMNS} FROM workflows ORDER BY created DESC LIMIT 1"
            ).fetchone()
        else:
            row = self.db.execute(
                f"SELECT {_COLUMNS} FROM workflows WHERE name = ? OR uid = ?",
                (name_or_uid, name_or_uid),
            ).fetchone()
        if not row:
            return None
        self._written.pop(row[0], None)  # whoever reads it may change it: write it again
        return _record(row)

    def all(self) -> list[WorkflowRecord]:
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM workflows ORDER BY created DESC").fetchall()
        return [_record(row) for row in rows]

    def unfinished(self) -> list[WorkflowRecord]:
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM workflows WHERE phase IN ('Pending', 'Running') ORDER BY created"
        ).fetchall()
        return [_record(row) for row in rows]

    def reset_for_retry(self, uid: str) -> list[str]:
        """Forget every node that did not succeed (and the workflow's end) so they run again;
        returns the ids forgotten. Succeeded and skipped nodes are kept and not re-run."""
        self._written.pop(uid, None)
        with self._transaction():
            rows = self.db.execute(
                "SELECT id FROM nodes WHERE workflow_uid = ? AND phase NOT IN ('Succeeded', 'Skipped')",
                (uid,),
            ).fetchall()
            self.db.execute(
                "DELETE FROM nodes WHERE workflow_uid = ? AND phase NOT IN ('Succeeded', 'Skipped')",
                (uid,),
            )
            self.db.execute(
                "UPDATE workflows SET phase = 'Pending', message = '', finished = NULL WHERE uid = ?",
                (uid,),
            )
        return [row[0] for row in rows]

    def delete(self, uid: str) -> None:
        self._written.pop(uid, None)
        with self._transaction():
            self.db.execute("DELETE FROM nodes WHERE workflow_uid = ?", (uid,))
            self.db.execute("DELETE FROM workflows WHERE uid = ?", (uid,))

    # -- nodes --------------------------------------------------------------------------

    def commit(self, record: WorkflowRecord, nodes: Iterable[Node]) -> None:
        """Write the workflow's status and every changed node in one transaction."""
        encode = self._encode
        rows = [(record.uid, n.id, n.phase, encode(n.to_row())) for n in nodes]
        status = (
            record.phase, record.message, record.started, record.finished, encode(record.outputs)
        )  # fmt: skip
        unchanged = self._written.get(record.uid) == status
        if unchanged and not rows:
            return
        with self._transaction():
            if not unchanged:
                self.db.execute(
                    "UPDATE workflows SET phase = ?, message = ?, started = ?, finished = ?, outputs = ? WHERE uid = ?",
                    (*status, record.uid),
                )  # fmt: skip
            self.db.executemany(
                "INSERT INTO nodes (workflow_uid, id, phase, row) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (workflow_uid, id) DO UPDATE SET phase = excluded.phase, row = excluded.row",
                rows,
            )
        self._written[record.uid] = status

    def nodes(self, uid: str) -> dict[str, Node]:
        rows = self.db.execute("SELECT row FROM nodes WHERE workflow_uid = ?", (uid,)).fetchall()
        loaded = (Node.from_row(json.loads(row[0])) for row in rows)
        return {node.id: node for node in loaded}

    # -- commands from other processes (suspend, resume, stop, terminate) ----------------

    def send(self, uid: str, command: str, arguments: dict[str, Any] | None = None) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT INTO commands (workflow_uid, command, arguments) VALUES (?, ?, ?)",
                (uid, command, json.dumps(arguments or {})),
            )

    def take_commands(self, uid: str) -> list[tuple[str, dict[str, Any]]]:
        """Commands sent to ``uid``, oldest first; each is returned once."""
        # Asked after every engine step: a plain read finds none without taking the lock.
        if (
            self.db.execute(
                "SELECT 1 FROM commands WHERE workflow_uid = ? LIMIT 1", (uid,)
            ).fetchone()
            is None
        ):
            return []
        with self._transaction():
            rows = self.db.execute(
                "SELECT id, command, arguments FROM commands WHERE workflow_uid = ? ORDER BY id",
                (uid,),
            ).fetchall()
            self.db.execute("DELETE FROM commands WHERE workflow_uid = ?", (uid,))
        return [(command, json.loads(arguments)) for _, command, arguments in rows]

    # -- templates ----------------------------------------------------------------------

    def put_template(self, kind: str, name: str, document: dict[str, Any]) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT INTO templates (kind, name, document) VALUES (?, ?, ?)"
                " ON CONFLICT (kind, name) DO UPDATE SET document = excluded.document",
                (kind, name, json.dumps(document)),
            )

    def get_template(self, kind: str, name: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT document FROM templates WHERE kind = ? AND name = ?", (kind, name)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def list_templates(self, kind: str) -> list[str]:
        rows = self.db.execute(
            "SELECT name FROM templates WHERE kind = ? ORDER BY name", (kind,)
        ).fetchall()
        return [row[0] for row in rows]

    def delete_template(self, kind: str, name: str) -> bool:
        with self._transaction():
            cursor = self.db.execute(
                "DELETE FROM templates WHERE kind = ? AND name = ?", (kind, name)
            )
        return cursor.rowcount > 0

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


_COLUMNS = "uid, name, namespace, phase, message, created, started, finished, document, outputs"


def _record(row: tuple[Any, ...]) -> WorkflowRecord:
    uid, name, namespace, phase, message, created, started, finished, document, outputs = row
    return WorkflowRecord(
        uid=uid, name=name, namespace=namespace, phase=phase, message=message, created=created,
        started=started, finished=finished, document=json.loads(document), outputs=json.loads(outputs),
    )  # fmt: skip


def iter_status_nodes(nodes: dict[str, Node]) -> Iterator[dict[str, Any]]:
    for node in nodes.values():
        yield node.to_status()
