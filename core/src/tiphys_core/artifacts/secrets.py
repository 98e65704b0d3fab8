"""Kubernetes secrets, locally: ``<state dir>/secrets/<name>/<key>`` files.

This is the layout Kubernetes gives a secret mounted as a volume, so a directory made
with ``kubectl get secret -o ...`` or by hand works as is. Artifact locations and http
templates name secrets as Argo does (``{name: my-minio-cred, key: accesskey}``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tiphys_core.artifacts.errors import ArtifactError
from tiphys_core.paths import home


class SecretNotFoundError(ArtifactError):
    """A secret or one of its keys does not exist; the message says where it looked."""


class Secrets:
    """Reads secret values from a directory of ``<name>/<key>`` files.

    :param root: the directory; default ``$TIPHYS_HOME/secrets`` (see :func:`tiphys_core.paths.home`).
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else home() / "secrets"

    def get(self, name: str, key: str) -> str:
        """The value of ``key`` in secret ``name`` (text; a trailing newline is kept)."""
        if not _plain_name(name) or not _plain_name(key):
            raise SecretNotFoundError(f"secret {name!r} key {key!r}: not a valid name")
        path = self.root / name / key
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SecretNotFoundError(
                f"secret {name!r} has no key {key!r} (looked for the file {path})"
            ) from None
        except OSError as exc:
            raise SecretNotFoundError(f"secret {name!r} key {key!r}: {exc}") from None

    def select(self, selector: Mapping[str, Any] | None) -> str | None:
        """The value a ``SecretKeySelector`` (``{name, key, optional}``) names, or None if unset.

        An ``optional`` selector whose secret is missing gives None too.
        """
        if not selector:
            return None
        name, key = str(selector.get("name") or ""), str(selector.get("key") or "")
        try:
            return self.get(name, key)
        except SecretNotFoundError:
            if selector.get("optional"):
                return None
            raise

    def put(self, name: str, values: Mapping[str, str]) -> None:
        """Store a secret (used by tests and ``tiphys secret create``)."""
        if not _plain_name(name) or not all(_plain_name(key) for key in values):
            raise SecretNotFoundError(f"secret {name!r}: names must not contain '/' or be '..'")
        directory = self.root / name
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        for key, value in values.items():
            target = directory / key
            target.write_text(value, encoding="utf-8")
            target.chmod(0o600)


def _plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and name not in (".", "..") and "\0" not in name
