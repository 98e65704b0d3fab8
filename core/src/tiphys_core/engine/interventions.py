"""What a person can do to a running workflow: stop, terminate, suspend, resume."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tiphys_core.engine.actions import Cancel
from tiphys_core.engine.nodes import Node
from tiphys_core.wire import FAILED

if TYPE_CHECKING:
    from tiphys_core.engine.gates import LaunchGate
    from tiphys_core.engine.pods import Pods
    from tiphys_core.engine.runtime import Frame


class Interventions:
    """Mixed into :class:`~tiphys_core.engine.runtime.Engine`."""

    gate: LaunchGate
    frames: dict[str, Frame]
    shutdown_strategy: str
    _shutdown_message: str
    pods: Pods

    # Provided by Engine.
    @property
    def finished(self) -> bool:
        raise NotImplementedError

    def complete(
        self,
        node: Node,
        phase: str,
        message: str = "",
        outputs: dict[str, Any] | None = None,
        finished_at: float | None = None,
    ) -> None:
        raise NotImplementedError

    def request(self, action: Any) -> None:
        raise NotImplementedError

    def _pump(self) -> None:
        raise NotImplementedError

    def shutdown(self, strategy: str, message: str = "") -> None:
        """Argo's ``stop`` (exit handlers still run) or ``terminate`` (they do not)."""
        if self.finished or self.shutdown_strategy:
            return
        self.shutdown_strategy = strategy
        self._shutdown_message = message or f"Stopped with strategy '{strategy}'"
        reason = f"workflow shutdown with strategy: {strategy}"
        queued, self.gate.waiting = list(self.gate.waiting), type(self.gate.waiting)()
        for node, _ in queued:
            self.complete(node, FAILED, reason)
        for node_id in list(self.pods.running):
            self.request(Cancel(node_id))
        from tiphys_core.engine.suspend import SuspendFrame

        for frame in list(self.frames.values()):
            if isinstance(frame, SuspendFrame):
                self.complete(frame.node, FAILED, reason)
        self._pump()

    def suspend(self) -> None:
        """Start nothing new until :meth:`resume` (running pods go on)."""
        self.gate.held = True

    def resume(
        self, selector: Callable[[Node], bool] | None = None, outputs: dict[str, Any] | None = None
    ) -> None:
        """Lift a workflow suspension and finish waiting ``suspend`` nodes (those ``selector`` picks)."""
        from tiphys_core.engine.suspend import SuspendFrame

        self.gate.held = False
        self.gate.release(self.request)
        for frame in list(self.frames.values()):
            if isinstance(frame, SuspendFrame) and (selector is None or selector(frame.node)):
                frame.resume(outputs)
        self._pump()

    def set_outputs(
        self, selector: Callable[[Node], bool] | None, parameters: dict[str, str]
    ) -> None:
        """Supply output parameters of waiting suspend nodes (Argo's ``argo node set``)."""
        from tiphys_core.engine.suspend import SuspendFrame

        for frame in self.frames.values():
            if isinstance(frame, SuspendFrame) and (selector is None or selector(frame.node)):
                frame.supplied.update(parameters)

    @property
    def waiting_for_someone(self) -> bool:
        """Nothing can move until a person resumes (a manual suspend, or a suspended workflow)."""
        from tiphys_core.engine.suspend import SuspendFrame

        manual = any(isinstance(f, SuspendFrame) and not f.timed for f in self.frames.values())
        return manual or (self.gate.held and bool(self.gate.waiting))
