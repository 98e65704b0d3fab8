"""Per-step cost of sequential ``true`` steps: tiphys vs a bare spawn vs Luigi.

Run: ``uv run --group bench python bench/bench_steps_local.py [--steps 100] [--rounds 7]
[--no-isolation]`` (without ``--group bench`` Luigi is not installed and is skipped).

Each round times, in turn (the order rotates so all see the same machine):

- ``subprocess.run(["true"])`` called ``--steps`` times: the baseline;
- the same number of ``true`` container nodes handed straight to a LocalLauncher (each:
  request to a warm agent, private mount namespace, spawn, wait, result file, result back
  on the queue the controller blocks on);
- ``tiphys run`` of a steps template of ``--steps`` groups of one ``true`` step, in this
  process: lint, submit, embedded Controller (engine, SQLite commits grouped within 50 ms, the
  line per finished node that ``tiphys run > file`` prints) and the same warm agents;
- ``tiphys run FILE`` in a new process, as a user types it, handed to the standing
  controller of a state directory of the bench's own (its client's start-up is paid
  for one step and for many alike; not with ``--no-isolation``);
- Luigi (``luigi.build``, local scheduler, one worker, no lock, log level WARNING) on a
  chain of ``--steps`` tasks, each requiring the previous one and running ``true`` with
  ``subprocess.run``. Completion is an in-memory flag, not a file target: the cheapest
  ``complete()`` Luigi can have, so its figure is a lower bound on a real pipeline's.

and each again with a single step. The per-step marginal cost is
``(T(steps) - T(1)) / (steps - 1)``, so what every run pays once (agents' start, Luigi's
scheduler, workflow creation) is left out; the figure printed is the median over rounds.
Targets (issue 4): tiphys at most 2x the spawn, and below Luigi; both ``tiphys run``
rows are judged (the standing controller's is what a user's ``tiphys run FILE`` does).

Node directories live in a fresh directory under ``$TIPHYS_BENCH_DIR`` (default:
``/var/tmp``; see ``_tiphys.py``). Each node creates a few files there (its directory,
private ``/tmp``, log, result file), which ``subprocess.run`` does not, so the bench
also prints what those file operations alone cost in that directory: compare a
``$TIPHYS_BENCH_DIR`` on tmpfs (``/dev/shm``) to see what the file system costs.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import queue
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _tiphys import InProcessRunner, cli_command, scratch_dir, sequential_steps
from tiphys_core.launch import LocalLauncher
from tiphys_core.wire import NodeRequest, NodeResult, WorkflowIdentity

TARGET_RATIO = 2.0
TEMPLATE = {"name": "true", "container": {"image": "alpine", "command": ["true"]}}


def run_nodes(
    launcher: LocalLauncher, results: queue.Queue[NodeResult], base: Path, tag: str, steps: int
) -> float:
    """Seconds for ``steps`` sequential nodes (each launched when the previous ended)."""
    workflow = WorkflowIdentity("bench", uid="bench")
    start = time.perf_counter()
    for index in range(steps):
        node_id = f"{tag}-{index}"
        node_dir = base / "nodes" / node_id
        node_dir.mkdir(parents=True)  # the controller makes it, as in real runs
        launcher.launch(
            NodeRequest(workflow, node_id, f"bench.{node_id}", TEMPLATE, str(node_dir), str(base))
        )
        result = results.get()
        if result.phase != "Succeeded":
            raise SystemExit(f"node {node_id} ended {result.phase}: {result.message}")
    return time.perf_counter() - start


def run_spawns(steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        subprocess.run(["true"], check=True)
    return time.perf_counter() - start


class StandingRuns:
    """``tiphys run FILE`` as a user types it: a client process handing the workflow to
    the standing controller of a state directory of its own (started by the first run).
    The client's start-up is paid by both runs, so it is not in the marginal cost."""

    def __init__(self, base: Path, long_text: str, short_text: str, steps: int) -> None:
        self.steps = steps
        self.files = {steps: base / "chain.yaml", 1: base / "one.yaml"}
        self.files[steps].write_text(long_text)
        self.files[1].write_text(short_text)
        self.env = {**os.environ, "TIPHYS_HOME": str(base / "standing-home")}

    def run(self, count: int) -> float:
        command = [*cli_command(), "run", str(self.files[self.steps if count > 1 else 1])]
        start = time.perf_counter()
        subprocess.run(command, env=self.env, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            subprocess.run(
                [*cli_command(), "controller", "--stop"], env=self.env, capture_output=True
            )


def file_cost(base: Path, count: int = 200) -> float:
    """Seconds per node for the file operations of one node, without any process."""
    start = time.perf_counter()
    for index in range(count):
        node_dir = base / "files" / str(index)
        (node_dir / "tmp").mkdir(parents=True)
        os.close(os.open(node_dir / "main.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644))
        (node_dir / "result.json.tmp").write_text('{"node_id": "x", "phase": "Succeeded"}')
        os.replace(node_dir / "result.json.tmp", node_dir / "result.json")
    return (time.perf_counter() - start) / count


def agent_pids() -> list[int]:
    """This process's children (the agents: the benchmarks' own spawns are waited for)."""
    pids = []
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            pids.extend(int(pid) for pid in (task / "children").read_text().split())
    return pids


def cpu_seconds(agents: list[int]) -> tuple[float, float, float]:
    """CPU seconds so far: ``(this process, the agents, the commands they and we spawned)``."""
    own = os.times()
    tick = os.sysconf("SC_CLK_TCK")
    in_agents = spawned = 0.0
    for pid in agents:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            in_agents += (int(fields[11]) + int(fields[12])) / tick
            spawned += (int(fields[13]) + int(fields[14])) / tick
    return own.user + own.system, in_agents, spawned + own.children_user + own.children_system


def luigi_chain() -> Callable[[str, int], float] | None:
    """A function timing a Luigi chain of ``steps`` tasks, or None without Luigi."""
    try:
        import luigi
    except ImportError:
        return None
    done: set[tuple[str, int]] = set()

    class RunTrue(luigi.Task):  # type: ignore[misc]
        chain = luigi.Parameter()
        index = luigi.IntParameter()

        def requires(self) -> Any:
            return RunTrue(chain=self.chain, index=self.index - 1) if self.index else []

        def complete(self) -> bool:
            return (self.chain, self.index) in done

        def run(self) -> None:
            subprocess.run(["true"], check=True)
            done.add((self.chain, self.index))

    def run_chain(tag: str, steps: int) -> float:
        start = time.perf_counter()
        ok = luigi.build(
            [RunTrue(chain=tag, index=steps - 1)],
            local_scheduler=True, workers=1, no_lock=True, log_level="WARNING",
        )  # fmt: skip
        elapsed = time.perf_counter() - start
        if not ok or (tag, steps - 1) not in done:
            raise SystemExit(f"the Luigi chain {tag} did not complete")
        return elapsed

    return run_chain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--agents", type=int, default=2)
    parser.add_argument(
        "--no-isolation", action="store_true", help="agents without mount namespaces"
    )
    options = parser.parse_args()
    steps: int = options.steps
    if steps < 2:
        parser.error("--steps must be at least 2")

    base = scratch_dir("tiphys-bench-")
    luigi_run = luigi_chain()
    tags = itertools.count()
    long_text, short_text = sequential_steps(steps), sequential_steps(1)
    standing = StandingRuns(base, long_text, short_text, steps)
    try:
        with InProcessRunner(
            base, agents=options.agents, no_isolation=options.no_isolation
        ) as runner:

            def launcher_nodes(count: int) -> float:
                tag = f"n{next(tags)}"
                return run_nodes(runner.launcher, runner.results, base, tag, count)

            def tiphys_run(count: int) -> float:
                text = long_text if count == steps else short_text
                start = time.perf_counter()
                runner.run(text)
                return time.perf_counter() - start

            contenders: dict[str, Callable[[int], float]] = {
                "spawn": run_spawns,
                "launcher": launcher_nodes,
                "tiphys": tiphys_run,
            }
            if not options.no_isolation:  # the standing controller's agents always isolate
                contenders["standing"] = standing.run
            if luigi_run is not None:
                contenders["luigi"] = lambda count: luigi_run(f"c{next(tags)}", count)
            files = file_cost(base)
            for measure in contenders.values():  # warm up: agents started, caches filled
                measure(min(10, steps))
            agents = agent_pids()
            marginal: dict[str, list[float]] = {name: [] for name in contenders}
            single: dict[str, list[float]] = {name: [] for name in contenders}
            cpu = {name: [0.0, 0.0, 0.0] for name in contenders}
            names = list(contenders)
            for round_index in range(options.rounds):
                shift = round_index % len(names)
                for name in names[shift:] + names[:shift]:
                    before = cpu_seconds(agents)
                    many = contenders[name](steps)
                    middle = cpu_seconds(agents)
                    one = contenders[name](1)
                    after = cpu_seconds(agents)
                    marginal[name].append((many - one) / (steps - 1))
                    single[name].append(one)
                    for index in range(3):
                        cpu[name][index] += (middle[index] - before[index]) - (
                            after[index] - middle[index]
                        )
    finally:
        standing.stop()
        shutil.rmtree(base, ignore_errors=True)

    step = {name: statistics.median(values) for name, values in marginal.items()}
    once = {name: statistics.median(values) for name, values in single.items()}
    spawn = step["spawn"]
    isolation = "off" if options.no_isolation else "on"
    print(
        f"{steps} sequential `true` steps: per-step marginal cost (T({steps}) - T(1)) / {steps - 1}, "
        f"median of {options.rounds} rounds (isolation {isolation}, {options.agents} agents)"
    )
    print(f"  {'':38} {'per step':>10} {'vs spawn':>9} {'1-step run':>11}")
    labels = {
        "spawn": "subprocess.run(['true'])",
        "launcher": "LocalLauncher + warm agents",
        "tiphys": "tiphys run (in process, warm agents)",
        "standing": "tiphys run FILE (standing controller)",
        "luigi": "Luigi (local scheduler, 1 worker)",
    }
    for name in contenders:
        print(
            f"  {labels[name]:38} {step[name] * 1e3:7.3f} ms {step[name] / spawn:8.2f}x "
            f"{once[name] * 1e3:8.1f} ms"
        )
    print(
        f"  CPU per step (ms), summed over rounds: {'caller':>8} {'agents':>8} {'spawned':>8}"
        "  (caller: this process, i.e. controller, launcher threads, Luigi)"
    )
    for name in contenders:
        if name == "standing":
            print(f"    {labels[name]:36} {'(another process tree: not counted)':>26}")
            continue
        figures = " ".join(
            f"{value / (options.rounds * (steps - 1)) * 1e3:8.3f}" for value in cpu[name]
        )
        print(f"    {labels[name]:36} {figures}")
    print(f"  node file operations alone            {files * 1e3:7.3f} ms  (in {base.parent})")
    print(
        f"  controller + engine + store per step  {(step['tiphys'] - step['launcher']) * 1e3:7.3f} ms"
        "  (tiphys run minus LocalLauncher)"
    )
    for name in ("tiphys", "standing"):
        if name not in step:
            continue
        ratio = step[name] / spawn
        verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
        print(
            f"  {labels[name]:38} vs spawn {ratio:5.2f}x (target <= {TARGET_RATIO:.1f}x: {verdict})"
        )
        if "luigi" in step:
            versus = step[name] / step["luigi"]
            verdict = "met" if versus < 1 else "NOT met"
            print(f"  {labels[name]:38} vs Luigi {versus:5.2f}x (target < 1.0x: {verdict})")
    if "luigi" not in step:
        print("  Luigi: not installed; run with `uv run --group bench python bench/...`")


if __name__ == "__main__":
    main()
