"""Running workflows for the benchmarks: in this process as ``tiphys run`` does, or as a
fresh ``tiphys run`` process.

Scratch directories (state directories, node directories, workflow files) are made under
``$TIPHYS_BENCH_DIR``, by default ``/var/tmp``: a temporary directory that, unlike
``/tmp``, is not where a node's private ``/tmp`` is mounted. A state directory under
``/tmp`` costs each node one more bind mount and the mount point's directories inside
its private ``/tmp``, which a state directory in its default place does not.
"""

from __future__ import annotations

import os
import queue
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from tiphys_core.cli.display import LiveView
from tiphys_core.controller import (
    Controller,
    SubmitOptions,
    prepare_submission,
    tune_garbage_collector,
)
from tiphys_core.launch import LocalLauncher, default_agent_command
from tiphys_core.plugins import Hooks, make_plugin_manager
from tiphys_core.spec.loader import load_text
from tiphys_core.store import Store, WorkflowRecord
from tiphys_core.validate import lint_documents
from tiphys_core.wire import NodeResult


def scratch_dir(prefix: str) -> Path:
    """A new directory under ``$TIPHYS_BENCH_DIR`` (default: ``/var/tmp``, else the
    system's temporary directory)."""
    parent = os.environ.get("TIPHYS_BENCH_DIR") or (
        "/var/tmp" if os.access("/var/tmp", os.W_OK) else tempfile.gettempdir()
    )
    os.makedirs(parent, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))


def cli_command() -> list[str]:
    """The argv of ``tiphys`` in a fresh interpreter: ``python -m tiphys_core``."""
    return [sys.executable, "-m", "tiphys_core"]


def sequential_steps(count: int, name: str = "chain") -> str:
    """A Workflow whose entrypoint is a steps template of ``count`` groups, one ``true`` each."""
    lines = [
        "apiVersion: argoproj.io/v1alpha1",
        "kind: Workflow",
        f"metadata: {{generateName: {name}-}}",
        "spec:",
        "  entrypoint: main",
        "  templates:",
        "  - name: main",
        "    steps:",
    ]
    lines.extend(f"    - - {{name: s{index}, template: run-true}}" for index in range(count))
    lines += [
        "  - name: run-true",
        "    container: {image: alpine, command: ['true']}",
    ]
    return "\n".join(lines) + "\n"


class InProcessRunner:
    """``tiphys run`` in this process: lint, submit, then an embedded controller whose
    warm agents stay up between workflows. Output goes where ``tiphys run > /dev/null``
    sends it (one line per finished node, then the summary is skipped).

    :param home: the state directory (the store and the node directories).
    :param agents: how many warm agents the launcher keeps.
    :param no_isolation: run the agents without mount namespaces.
    """

    def __init__(self, home: Path, *, agents: int = 2, no_isolation: bool = False) -> None:
        command = default_agent_command() + (["--no-isolation"] if no_isolation else [])
        tune_garbage_collector()  # as `tiphys run` and the standing controller do
        self.home = home
        self.results: queue.Queue[NodeResult] = queue.Queue()
        self.store = Store(home / "tiphys.db")
        self.launcher = LocalLauncher(self.results, agents=agents, agent_command=command)
        hooks = Hooks(make_plugin_manager())  # as `tiphys run` builds its controller
        self.controller = Controller(home, self.store, self.launcher, self.results, hooks)
        self._devnull = open(os.devnull, "w")  # noqa: SIM115 - closed in close()

    def run(self, text: str) -> WorkflowRecord:
        """Run the workflow in ``text`` to its end; raises unless it succeeded."""
        loaded = load_text(text, "bench.yaml")
        report = lint_documents(loaded.documents)
        errors = [d for d in (*loaded.diagnostics, *report.diagnostics) if d.is_error]
        if errors:
            raise SystemExit(f"the bench workflow does not lint: {errors[0]}")
        name, uid, workflow = prepare_submission(
            loaded.documents[0].data, SubmitOptions(), self.store.name_taken
        )
        record = WorkflowRecord(
            uid=uid, name=name, namespace=workflow["metadata"]["namespace"],
            phase="Pending", created=time.time(), document=workflow,
        )  # fmt: skip
        self.store.create(record)
        view = LiveView(stream=self._devnull, live=False, color=False)

        def on_step(engine: Any, changed: list[Any]) -> None:
            record.phase = engine.phase
            view.update(record, engine.nodes, changed)

        record = self.controller.run(uid, on_step=on_step)
        if record.phase != "Succeeded":
            raise SystemExit(f"workflow {name} ended {record.phase}: {record.message}")
        return record

    def close(self) -> None:
        self.launcher.close()
        self.store.close()
        self._devnull.close()

    def __enter__(self) -> InProcessRunner:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
