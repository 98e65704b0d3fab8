"""The requests that concern a workflow: ``submit`` one (lint, create, drive it) and
``follow`` one (show it to its end, driving it if nobody does).

Both tell the client through a :class:`~tiphys_core.server.runs.Follower`, and run the
workflow's nodes where the client stands: its working directory and environment.
Imported once a client asks, so the controller says it is ready before loading these.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tiphys_core.cli.submission import SubmitFlags, load_sources, prepare_workflow
from tiphys_core.server.followers import Follower, internal_error
from tiphys_core.server.runs import UNFINISHED
from tiphys_core.store import Store

if TYPE_CHECKING:
    from tiphys_core.server.standing import StandingController


def submit(server: StandingController, request: dict[str, Any], follower: Follower) -> None:
    """Lint and create the workflow, then drive it in this thread."""
    store = Store(server.home / "tiphys.db")
    try:
        flags = SubmitFlags(
            file=str(request.get("file", "")),
            parameters=[str(p) for p in request.get("parameters") or ()],
            parameter_file=request.get("parameter_file"),
            entrypoint=request.get("entrypoint"),
            generate_name=request.get("generate_name"),
            name=request.get("name"),
            read_parameter_file=_client_file(request),
        )
        prepared = prepare_workflow(
            load_sources(request.get("sources") or []), flags, store, _Stderr(follower)
        )
        if isinstance(prepared, int):
            follower.exit(prepared)
            return
        following = bool(request.get("follow"))
        working_dir, environment = client_place(server, request)
        run = server.runs.claim(
            prepared.uid, working_dir, environment, follower if following else None
        )
        assert run is not None  # a new uid
        try:
            store.create(prepared)
        except BaseException:
            server.runs.unclaim(prepared.uid)
            raise
        name = prepared.name
        follower.send({"workflow": {"name": name, "uid": prepared.uid}})
        if request.get("output") == "name":
            follower.out(f"{name}\n")
        if not following:
            if request.get("output") != "name":
                follower.out(
                    f"Name: {name}\nStatus: Pending (the standing controller runs it; "
                    f"`tiphys wait {name}` follows it)\n"
                )
            follower.exit(0)
        server.runs.drive(run, store)
    except Exception as err:
        server.log(f"a submission failed:\n{traceback.format_exc()}")
        follower.fail(internal_error(err, server.home), 3)
    finally:
        store.close()


def follow(server: StandingController, request: dict[str, Any], follower: Follower) -> None:
    """Show an existing workflow to its end, driving it if nobody does."""
    store = Store(server.home / "tiphys.db")
    try:
        target = str(request.get("workflow", ""))
        record = store.get(target)
        if record is None:
            follower.fail(f'tiphys: workflow "{target}" not found\n', 1)
            return
        follower.send({"workflow": {"name": record.name, "uid": record.uid}})
        if record.phase in UNFINISHED:
            working_dir, environment = client_place(server, request)
            run = server.runs.claim(record.uid, working_dir, environment, follower)
            if run is None:
                return  # its driver shows it to this follower too
            current = store.get(record.uid)
            if current is not None and current.phase in UNFINISHED:
                server.runs.start(run)
                return
            server.runs.unclaim(record.uid)  # it ended between the two reads
            record = current or record
        follower.finish(record, store.nodes(record.uid))
    finally:
        store.close()


def client_place(server: StandingController, request: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """Where the client's nodes run: its working directory and environment (the
    controller's own when the client sent none)."""
    environment = request.get("environment")
    if not isinstance(environment, dict):
        return server.working_dir, server.environment
    return str(request.get("working_dir") or server.working_dir), {
        str(k): str(v) for k, v in environment.items()
    }


class _Stderr:
    """A text stream onto a follower's stderr."""

    def __init__(self, follower: Follower) -> None:
        self._follower = follower

    def write(self, text: str) -> int:
        self._follower.err(text)
        return len(text)

    def flush(self) -> None:
        pass


def _client_file(request: dict[str, Any]) -> Callable[[str], str]:
    """Reads the ``--parameter-file`` as the client read it (it may not be visible here)."""

    def read(path: str) -> str:
        text = request.get("parameter_text")
        if isinstance(text, str):
            return text
        raise OSError(str(request.get("parameter_error") or f"cannot read {path}"))

    return read
