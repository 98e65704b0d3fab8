"""Helpers for the executor's tests: a real agent over pipes, request builders."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from tiphys_core.wire import NodeRequest, NodeResult, WorkflowIdentity
from tiphys_executor.isolation import Isolation

REPO = Path(__file__).resolve().parents[2]
TOOLS_BIN = REPO / "tests" / "tools" / "bin"


def namespaces_available() -> bool:
    return Isolation().available


needs_namespaces = pytest.mark.skipif(
    not namespaces_available(), reason="mount namespaces are unavailable here (needs root)"
)


class AgentProcess:
    """A real ``python -m tiphys_executor.agent`` driven over its pipes."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tiphys_executor.agent", "--kill-grace", "2", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.results: queue.Queue[NodeResult] = queue.Queue()
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            text = raw.decode()
            self.lines.append(text)
            self.results.put(NodeResult.from_json(text))

    def send_line(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        self.process.stdin.flush()

    def send(self, request: NodeRequest) -> None:
        self.send_line(request.to_json())

    def cancel(self, node_id: str, message: str | None = None) -> None:
        document: dict[str, Any] = {"cancel": node_id}
        if message is not None:
            document["message"] = message
        self.send_line(json.dumps(document))

    def result(self, timeout: float = 20.0) -> NodeResult:
        return self.results.get(timeout=timeout)

    def run(self, request: NodeRequest, timeout: float = 20.0) -> NodeResult:
        self.send(request)
        return self.result(timeout)

    def close(self, timeout: float = 20.0) -> tuple[int, str]:
        """Close stdin (end of input) and return the exit code and stderr."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        code = self.process.wait(timeout)
        self._reader.join(timeout)
        assert self.process.stdout is not None and self.process.stderr is not None
        stderr = self.process.stderr.read().decode()
        self.process.stdout.close()
        self.process.stderr.close()
        return code, stderr


class Requests:
    """Builds NodeRequests whose directories live under one test's tmp_path."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.count = 0

    def node_dir(self, node_id: str) -> Path:
        """The directory of node ``node_id``: the node sees it at the same path."""
        return self.base / "workflow" / "nodes" / node_id

    def __call__(self, template: dict[str, Any], **fields: Any) -> NodeRequest:
        self.count += 1
        node_id = fields.pop("node_id", f"wf-{self.count}")
        workflow_dir = self.base / "workflow"
        node_dir = workflow_dir / "nodes" / node_id
        node_dir.mkdir(parents=True, exist_ok=True)
        return NodeRequest(
            workflow=WorkflowIdentity("wf", uid="uid-1"),
            node_id=node_id,
            node_name=f"wf.{node_id}",
            template=template,
            node_dir=str(node_dir),
            workflow_dir=str(workflow_dir),
            **fields,
        )


def stored_result(node_dir: str, timeout: float = 20.0) -> str:
    """The text of ``<node_dir>/result.json``, which the agent writes just after it reports."""
    path = Path(node_dir, "result.json")
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    return path.read_text()


def container(*command: str, image: str = "alpine", **fields: Any) -> dict[str, Any]:
    """A container template running ``command``."""
    body: dict[str, Any] = {"image": image, **fields}
    if command:
        body["command"] = list(command)
    return {"name": "main", "container": body}


def sh(script: str, **fields: Any) -> dict[str, Any]:
    """A container template running ``sh -c script``."""
    return container("sh", "-c", script, **fields)
