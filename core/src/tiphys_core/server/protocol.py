"""What clients and the standing controller share: where its files are and how they talk.

The protocol is JSON lines over a Unix socket in the state directory (mode 0600, so only
its owner connects). A client sends one request and reads events until ``exit``::

    -> {"protocol": 1, "build": "...", "op": "submit", ...}
    <- {"controller": {"pid": 4242}}
    <- {"workflow": {"name": "hello-x1z2q", "uid": "..."}}
    <- {"out": "text for stdout"}          {"err": "text for stderr"}
    <- {"end": {"name": ..., "phase": "Succeeded", "message": ""}}
    <- {"exit": 0}

Requests (``op``): ``submit`` (documents read by the client, submit flags, how to show
the run), ``follow`` (an existing workflow, driving it if nobody does), ``ping`` and
``stop``. A server whose ``protocol`` or ``build`` differs from the request's answers
``{"incompatible": reason, "retiring": bool}`` and, when idle, exits so the client can
start a current one. Only the standard library is imported here: the client loads it.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

PROTOCOL_VERSION = 1
SOCKET_NAME = "controller.sock"
LOCK_NAME = "controller.lock"
LOG_NAME = "controller.log"
IDLE_ENV = "TIPHYS_CONTROLLER_IDLE"
BUILD_ENV = "TIPHYS_BUILD_ID"
DEFAULT_IDLE_SECONDS = 600.0
# sun_path holds 108 bytes on Linux, 104 on macOS; longer paths are reached relatively.
_SOCKET_PATH_LIMIT = 100
_SOURCE_PACKAGES = ("tiphys_core", "tiphys_executor")


def state_dir() -> str:
    """The state directory as an absolute path, computed as :func:`tiphys_core.paths.home`
    does but without importing :mod:`pathlib` (the client's start-up is counted)."""
    explicit = os.environ.get("TIPHYS_HOME")
    if explicit:
        return os.path.abspath(explicit)
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "share"
    )
    return os.path.abspath(os.path.join(data, "tiphys"))


def idle_seconds(default: float = DEFAULT_IDLE_SECONDS) -> float:
    """How long a standing controller waits with no workflow and no client before it exits:
    ``$TIPHYS_CONTROLLER_IDLE`` (seconds) or ``default``."""
    text = os.environ.get(IDLE_ENV, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        return default
    return max(0.0, value)


def socket_address(directory: str) -> tuple[str, str]:
    """``(directory to enter or "", address)`` for the socket in ``directory``: a path too
    long for ``sun_path`` is bound and connected to relative to its directory."""
    path = os.path.join(directory, SOCKET_NAME)
    if len(os.fsencode(path)) < _SOCKET_PATH_LIMIT:
        return "", path
    return directory, SOCKET_NAME


def encode(message: dict[str, Any]) -> bytes:
    """One protocol line."""
    return json.dumps(message, separators=(",", ":")).encode("utf-8") + b"\n"


def build_id() -> str:
    """What the running code is: the tiphys version, the interpreter, and when the code last
    changed on disk (installed packages: their directories; source checkouts: each module).

    A standing controller started before ``pip install`` or an edit would run old code; the
    client compares this with the server's and has a stale server replaced.
    ``$TIPHYS_BUILD_ID``, when set, is used instead (a packager's pin; tests' too, so that
    edits made meanwhile elsewhere in a checkout do not replace their controller).
    """
    from tiphys_core import __version__

    pinned = os.environ.get(BUILD_ENV)
    if pinned:
        return pinned
    newest = 0
    for entry in sys.path:
        if not entry or not os.path.isdir(entry):
            continue
        installed = entry.endswith(("site-packages", "dist-packages"))
        if installed:  # an install or uninstall changes the directory
            newest = max(newest, os.stat(entry).st_mtime_ns)
        for package in _SOURCE_PACKAGES:
            package_dir = os.path.join(entry, package)
            if not installed and os.path.isfile(os.path.join(package_dir, "__init__.py")):
                newest = max(newest, _newest_module(package_dir))  # a checkout, edited in place
    return f"{__version__}:{sys.executable}:{newest}"


def _newest_module(directory: str) -> int:
    newest = 0
    pending = [directory]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        pending.append(entry.path)
                elif entry.name.endswith(".py"):
                    newest = max(newest, entry.stat().st_mtime_ns)
    return newest
