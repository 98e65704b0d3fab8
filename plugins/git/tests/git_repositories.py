"""Real repositories for the tests: a bare repository the servers serve, filled from a work tree."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from git_servers import GitHost
from tiphys_core.artifacts import Artifact, Secrets

# The tests' git ignores the machine's git config and signs commits the same way every time.
GIT_ENVIRONMENT = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "tiphys tests",
    "GIT_AUTHOR_EMAIL": "tests@tiphys.invalid",
    "GIT_COMMITTER_NAME": "tiphys tests",
    "GIT_COMMITTER_EMAIL": "tests@tiphys.invalid",
}


def git(*arguments: str, cwd: Path | None = None) -> str:
    """Run git; its output, stripped."""
    result = subprocess.run(
        ["git", *arguments],
        cwd=cwd,
        env={**os.environ, **GIT_ENVIRONMENT},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"git {' '.join(arguments)} failed: {result.stderr}")
    return result.stdout.strip()


class Repository:
    """The bare repository ``bare`` (what servers serve) and a work tree that pushes to it."""

    def __init__(self, bare: Path, work: Path) -> None:
        self.bare = bare
        self.work = work
        bare.mkdir(parents=True)
        git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
        git("init", "--quiet", "--initial-branch=main", str(work))
        git("remote", "add", "origin", str(bare), cwd=work)

    def commit(self, files: Mapping[str, bytes], message: str = "change") -> str:
        """Write ``files`` (relative names), commit them, push every branch and tag; the sha."""
        for relative, data in files.items():
            target = self.work / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        git("add", "--all", cwd=self.work)
        git("commit", "--quiet", "--allow-empty", "-m", message, cwd=self.work)
        self.push()
        return self.head()

    def head(self) -> str:
        return git("rev-parse", "HEAD", cwd=self.work)

    def tag(self, name: str, *, annotated: bool = False) -> None:
        git("tag", *(["-a", "-m", name] if annotated else []), name, cwd=self.work)
        self.push()

    def branch(self, name: str) -> None:
        """Start branch ``name`` here and make it the work tree's branch."""
        git("switch", "--quiet", "--create", name, cwd=self.work)

    def switch(self, name: str) -> None:
        git("switch", "--quiet", name, cwd=self.work)

    def add_submodule(self, url: str, path: str) -> str:
        """Add the repository at ``url`` as a submodule at ``path``, commit and push; the sha."""
        git(
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "--quiet",
            "add",
            url,
            path,
            cwd=self.work,
        )
        return self.commit({}, f"add submodule {path}")

    def update_ref(self, ref: str, commit: str) -> None:
        """Point ``ref`` of the bare repository at ``commit`` (refs outside heads and tags)."""
        git("update-ref", ref, commit, cwd=self.bare)

    def push(self) -> None:
        git("push", "--quiet", "--all", "origin", cwd=self.work)
        git("push", "--quiet", "--tags", "origin", cwd=self.work)


class Served:
    """Fresh repositories on one host for one test, and artifacts naming them.

    Calling it with a name gives the artifact whose ``git.repo`` is that repository's URL
    (the "key" of the driver contract).
    """

    def __init__(self, host: GitHost, work: Path) -> None:
        self.host = host
        self.work = work
        # A directory of the host's root per test, so tests never share a repository.
        self.prefix = Path(tempfile.mkdtemp(prefix="t", dir=host.root)).name

    def path(self, name: str) -> Path:
        """Where the bare repository ``name`` lives on disk."""
        return self.host.root / self.prefix / name

    def url(self, name: str) -> str:
        return self.host.url(f"{self.prefix}/{name}")

    def repository(self, name: str) -> Repository:
        return Repository(self.path(name), self.work / name)

    def __call__(self, name: str, **fields: Any) -> Artifact:
        location = {"repo": self.url(name), **self.host.location_fields, **fields}
        return Artifact({"name": "source", "git": location}, self.host.secrets or Secrets())
