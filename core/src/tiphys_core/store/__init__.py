"""Where workflows live locally: SQLite, one row per node, engine steps committed atomically."""

from __future__ import annotations

from tiphys_core.store.sqlite import Store, WorkflowRecord

__all__ = ["Store", "WorkflowRecord"]
