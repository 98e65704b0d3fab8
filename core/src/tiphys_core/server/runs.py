"""The workflows a standing controller drives, and the clients following each one.

Each workflow is driven by the same :class:`~tiphys_core.controller.Controller` loop an
embedded ``tiphys run`` uses, in its own thread with its own store connection, and shown
to each client following it through its :class:`~tiphys_core.server.followers.Follower`.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tiphys_core.controller import Controller
from tiphys_core.engine import Engine, Node
from tiphys_core.plugins import Hooks
from tiphys_core.server.followers import Follower, internal_error
from tiphys_core.server.launchers import LauncherPools, StoppingError, WorkflowResults
from tiphys_core.server.lock import WorkflowLock
from tiphys_core.store import Store, WorkflowRecord

Log = Callable[[str], None]
UNFINISHED = ("Pending", "Running")
# How often a workflow another process drives is looked at in the store.
WATCH_SECONDS = 0.25


@dataclass
class Run:
    """A workflow being driven (or about to be)."""

    uid: str
    working_dir: str
    environment: Mapping[str, str]
    followers: list[Follower] = field(default_factory=list)
    pool_key: str = ""


class Runs:
    """The registry of driven workflows: each is driven by exactly one thread.

    :param home: the state directory.
    :param pools: the agents workflows run on.
    :param hooks: the plugin hooks every controller calls.
    :param stopping: set when the server stops.
    :param log: writes a line to the server's log.
    """

    def __init__(
        self,
        home: Path,
        pools: LauncherPools,
        hooks: Hooks,
        stopping: threading.Event,
        log: Log,
    ) -> None:
        self.home = home
        self.pools = pools
        self.hooks = hooks
        self.stopping = stopping
        self.log = log
        self._lock = threading.Lock()
        self._runs: dict[str, Run] = {}
        self._threads: list[threading.Thread] = []

    def claim(
        self,
        uid: str,
        working_dir: str,
        environment: Mapping[str, str],
        follower: Follower | None = None,
    ) -> Run | None:
        """Register ``uid`` as driven by the caller (who must then :meth:`drive` it), or
        attach ``follower`` to whoever drives it already and return None."""
        with self._lock:
            run = self._runs.get(uid)
            if run is not None:
                if follower is not None:
                    run.followers.append(follower)
                return None
            run = Run(uid, working_dir, environment, [follower] if follower else [])
            self._runs[uid] = run
            return run

    def unclaim(self, uid: str) -> None:
        with self._lock:
            self._runs.pop(uid, None)

    def active(self) -> int:
        with self._lock:
            return len(self._runs)

    def start(self, run: Run) -> None:
        """Drive ``run`` in a new thread with its own store connection."""

        def drive() -> None:
            store = Store(self.home / "tiphys.db")
            try:
                self.drive(run, store)
            finally:
                store.close()

        thread = threading.Thread(target=drive, name=f"tiphys-workflow-{run.uid}", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def drive(self, run: Run, store: Store) -> None:
        """Run a claimed workflow to its end in this thread, showing it to its followers.
        While another process drives it (an embedded controller), follow it in the store,
        and take over if that process dies first."""
        lock = WorkflowLock(str(self.home), run.uid)
        while not lock.try_acquire():
            record = store.get(run.uid)
            if record is None or record.phase not in UNFINISHED or self.stopping.is_set():
                self._end_elsewhere(run, store, record)
                return
            time.sleep(WATCH_SECONDS)
        try:
            record = store.get(run.uid)
            if record is None or record.phase not in UNFINISHED:  # it ended while we waited
                self._end_elsewhere(run, store, record)
            else:
                self._drive(run, store)
        finally:
            lock.release()

    def _drive(self, run: Run, store: Store) -> None:
        record = store.get(run.uid)
        if record is None:  # deleted meanwhile
            self._end(run, lambda f: f.fail(f"tiphys: workflow {run.uid} was deleted\n", 1))
            return
        results = WorkflowResults(self.stopping)
        try:
            launcher = self.pools.for_workflow(run.uid, run.working_dir, run.environment, results)
        except StoppingError:
            self._end(run, lambda f: self._abandoned(f, record.name))
            return
        run.pool_key = launcher.key
        controller = Controller(self.home, store, launcher, results, self.hooks)
        self.log(f"workflow {record.name} running")

        shown: list[Mapping[str, Node]] = [{}]  # the engine's nodes, for the final tree

        def on_step(engine: Engine, changed: list[Node]) -> None:
            record.phase = engine.phase
            shown[0] = engine.nodes
            for follower in self._followers(run):
                follower.step(record, engine.nodes, changed)

        try:
            final = controller.run(run.uid, on_step=on_step)
        except StoppingError:
            self.log(f"workflow {record.name} left {record.phase}: the controller stops")
            self._end(run, lambda f: self._abandoned(f, record.name))
            return
        except Exception as err:  # a bug of ours: tell the followers, keep serving others
            self.log(
                f"workflow {record.name} failed inside the controller:\n{traceback.format_exc()}"
            )
            text = internal_error(err, self.home)
            self._end(run, lambda f: f.fail(text, 3))
            return
        finally:
            launcher.close()
        nodes = shown[0]  # as committed at the end (not read back: that is per node)
        self.log(f"workflow {final.name} {final.phase}")
        self._end(run, lambda f: f.finish(final, nodes))

    def _end_elsewhere(self, run: Run, store: Store, record: WorkflowRecord | None) -> None:
        """The end of a workflow another process drove: its final state, from the store."""
        if record is None:
            self._end(run, lambda f: f.fail(f"tiphys: workflow {run.uid} was deleted\n", 1))
        elif record.phase in UNFINISHED:  # we stop first
            self._end(run, lambda f: self._abandoned(f, record.name))
        else:
            nodes = store.nodes(run.uid)
            self._end(run, lambda f: f.finish(record, nodes))

    def detach(self, follower: Follower) -> None:
        """A client stopped following (it went away); its workflow goes on."""
        follower.closed = True
        with self._lock:
            for run in self._runs.values():
                if follower in run.followers:
                    run.followers.remove(follower)

    def broadcast(self, pool_key: str, line: str) -> None:
        """An agent's message, to the clients whose workflows run on that agent's pool."""
        with self._lock:
            runs = [run for run in self._runs.values() if run.pool_key == pool_key]
        for run in runs:
            for follower in self._followers(run):
                follower.err(line + "\n")

    def join(self, timeout: float) -> None:
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def _followers(self, run: Run) -> list[Follower]:
        with self._lock:
            return list(run.followers)

    def _end(self, run: Run, tell: Callable[[Follower], object]) -> None:
        # Unregistered first: a client attaching from now on reads the outcome from the store.
        with self._lock:
            self._runs.pop(run.uid, None)
            followers = list(run.followers)
        for follower in followers:
            tell(follower)

    @staticmethod
    def _abandoned(follower: Follower, name: str) -> None:
        follower.err(
            f"tiphys: the standing controller stopped before workflow {name} finished; "
            f"it resumes when a controller runs again (`tiphys wait {name}`)\n"
        )
        follower.exit(1)
