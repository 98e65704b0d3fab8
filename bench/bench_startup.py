"""``tiphys run`` of a one-step workflow from a fresh process, start to finish.

Run: ``uv run python bench/bench_startup.py [--runs 10]``

Against a baseline measured in the same run (``python -c "import tiphys_core"`` followed by
one spawn of ``true``), best of ``--runs``, interleaved so all see the same machine:

- **warm**: ``tiphys run hello.yaml`` handing off to the standing controller, which is up
  already (the usual case after the first run). The target (issue 4) is under 2x.
- **cold**: no controller is up; ``tiphys run`` starts one in the background and hands off
  (a new ``TIPHYS_HOME`` holding only the schema cache; the controller is stopped after).
- **embedded**: ``tiphys run --embedded``, the controller inside the ``tiphys`` process
  (beside the standing controller: it drives only its own workflow).

``tiphys`` is the console script next to the interpreter when installed (else ``python -m
tiphys_core``; ``-m`` also imports ``runpy``). Output goes to /dev/null.

Then where the time goes, from single runs: a warm run's timeline (the workflow's
creation, its node's start and end in the store), and ``python -X importtime`` of the warm
client path, by cumulative time, with a check that it imports no YAML, expression, engine
or plugin modules.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from _timing import best_of
from _tiphys import scratch_dir, sequential_steps

TARGET_RATIO = 2.0
# Modules the warm client must not import (they belong to the controller).
HEAVY = ("yaml", "tiphys_core.expr", "tiphys_core.engine", "tiphys_core.spec", "pluggy", "hera")


def tiphys_command() -> list[str]:
    """The ``tiphys`` console script next to this interpreter, else ``python -m tiphys_core``."""
    script = Path(sys.executable).parent / "tiphys"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "tiphys_core"]


def tiphys(
    home: Path, *args: str, command: Sequence[str] | None = None, write_bytecode: bool = False
) -> None:
    environment = {**os.environ, "TIPHYS_HOME": str(home)}
    if write_bytecode:  # as an installed package has it; PYTHONDONTWRITEBYTECODE may be set
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(
        [*(command or tiphys_command()), *args],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(
            f"tiphys {' '.join(args)} failed ({done.returncode}): {done.stderr.decode()}"
        )


def stop_controller(home: Path) -> None:
    tiphys(home, "controller", "--stop")


def run_baseline() -> None:
    subprocess.run([sys.executable, "-c", "import tiphys_core"], check=True)
    subprocess.run(["true"], check=True)


def timeline(workflow: Path, home: Path) -> list[tuple[str, float]]:
    """``(event, seconds since the client process was started)`` for one warm run."""
    start = time.time()
    tiphys(home, "run", str(workflow))
    end = time.time()
    db = sqlite3.connect(home / "tiphys.db")
    try:
        uid, created, started, finished = db.execute(
            "SELECT uid, created, started, finished FROM workflows ORDER BY created DESC LIMIT 1"
        ).fetchone()
        rows = db.execute("SELECT row FROM nodes WHERE workflow_uid = ?", (uid,))
        pods = [json.loads(row) for (row,) in rows]
    finally:
        db.close()
    pod = next(row for row in pods if row["type"] == "Pod")
    return [
        ("workflow created (client start, hand-off, parse, lint, submit)", created - start),
        ("the controller starts it; node launched", started - start),
        ("node's process started in a warm agent", pod["started_at"] - start),
        ("node's process ended", pod["finished_at"] - start),
        ("workflow finished", finished - start),
        ("client exited (output streamed, interpreter shut down)", end - start),
    ]


def client_imports(
    workflow: Path, home: Path, count: int
) -> tuple[float, list[tuple[float, str]], list[str]]:
    """A warm run's total import time, its ``count`` largest imports (seconds, module), and
    the heavy modules it imported (there should be none)."""
    environment = {**os.environ, "TIPHYS_HOME": str(home)}
    script = tiphys_command()
    interpreter = [sys.executable, "-X", "importtime"]
    argv = interpreter + ([*script[1:]] if len(script) > 1 else [script[0]])
    done = subprocess.run(
        [*argv, "run", str(workflow)],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    entries: list[tuple[float, str]] = []
    total = 0.0
    heavy: list[str] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part for part in line[len("import time:") :].split("|"))
        seconds = int(cumulative) / 1e6
        module = name.strip()
        if not name.startswith("  "):  # a top-level import: its cumulative time is its own
            total += seconds
        if any(module == h or module.startswith(h + ".") for h in HEAVY):
            heavy.append(module)
        entries.append((seconds, name.rstrip()))
    entries.sort(reverse=True)
    return total, entries[:count], heavy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--imports", type=int, default=15, help="how many imports to list")
    options = parser.parse_args()

    base = scratch_dir("tiphys-startup-")
    warm = base / "warm"
    homes: list[Path] = [warm]
    module_command = [sys.executable, "-m", "tiphys_core"]
    try:
        workflow = base / "hello.yaml"
        workflow.write_text(sequential_steps(1, name="hello"))
        # Starts the controller; fills caches: .pyc (client, controller, agents), the schema.
        tiphys(warm, "run", str(workflow), write_bytecode=True)
        tiphys(warm, "run", str(workflow), write_bytecode=True)
        tiphys(warm, "run", "--embedded", str(workflow), write_bytecode=True)

        def cold_run() -> None:
            home = base / f"cold{len(homes)}"
            homes.append(home)
            shutil.copytree(warm / "cache", home / "cache")
            tiphys(home, "run", str(workflow))

        run_baseline()
        measured = {
            "warm": lambda: tiphys(warm, "run", str(workflow)),
            "warm, python -m": lambda: tiphys(warm, "run", str(workflow), command=module_command),
            "cold (starts the controller)": cold_run,
            "embedded (--embedded)": lambda: tiphys(warm, "run", "--embedded", str(workflow)),
        }
        times: dict[str, list[float]] = {label: [] for label in measured}
        baseline: list[float] = []
        for _ in range(options.runs):  # interleaved, so all see the same machine
            for label, work in measured.items():
                times[label].append(best_of(1, work))
                if label.startswith("cold"):
                    stop_controller(homes[-1])
            baseline.append(best_of(1, run_baseline))
        events = timeline(workflow, warm)
        total_imports, imports, heavy = client_imports(workflow, warm, options.imports)
    finally:
        for home in homes:
            if (home / "controller.sock").exists():
                subprocess.run(
                    [*tiphys_command(), "controller", "--stop"],
                    env={**os.environ, "TIPHYS_HOME": str(home)}, stdout=subprocess.DEVNULL,
                )  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)

    reference = min(baseline)
    command = " ".join(Path(part).name for part in tiphys_command()[:2])
    print(
        f"tiphys run of a one-step workflow, fresh client process ({command}), best of {options.runs}"
    )
    print(f"  python -c 'import tiphys_core' + spawn of true  {reference * 1e3:7.1f} ms   1.00x")
    for label, runs in times.items():
        ratio = min(runs) / reference
        verdict = ""
        if label == "warm":
            verdict = (
                f"  (target < {TARGET_RATIO:.1f}x: {'met' if ratio < TARGET_RATIO else 'NOT met'})"
            )
        print(f"  tiphys run, {label:<36} {min(runs) * 1e3:7.1f} ms  {ratio:5.2f}x{verdict}")
    print("a warm run's timeline (one run):")
    previous = 0.0
    for label, moment in events:
        print(f"  {moment * 1e3:7.1f} ms  (+{(moment - previous) * 1e3:6.1f})  {label}")
        previous = moment
    print(
        "largest imports of a warm `tiphys run` client (python -X importtime, cumulative; "
        f"all top-level imports: {total_imports * 1e3:.1f} ms)"
    )
    for seconds, name in imports:
        print(f"  {seconds * 1e3:7.1f} ms  {name}")
    print(f"  heavy modules imported by the client: {', '.join(heavy) if heavy else 'none'}")


if __name__ == "__main__":
    main()
