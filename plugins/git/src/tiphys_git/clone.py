"""Clone a git artifact's repository into a directory, as Argo's git driver does, with GitPython.

The steps follow Argo's ``workflow/artifacts/git/git.go``: clone (``depth``,
``singleBranch`` + ``branch``), fetch the extra ``fetch`` refspecs, check out ``revision``
(a branch, tag or commit) as a detached HEAD, then update submodules recursively unless
``disableSubmodules``. GitPython runs the ``git`` command; every git process gets the
environment of :func:`tiphys_git.environment.git_environment` and nothing else of ours.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import git
from tiphys_core.artifacts import ArtifactNotFoundError

from tiphys_git.failures import git_failure
from tiphys_git.location import GitLocation

REMOTE = "origin"


def clone_repository(location: GitLocation, path: str, environment: Mapping[str, str]) -> None:
    """Clone ``location`` into the directory ``path`` (git makes it, and its parents).

    :raises ArtifactError: a step failed; ``ArtifactNotFoundError`` when the repository,
        branch or revision does not exist.
    """
    options: dict[str, Any] = {}
    if location.depth:
        options["depth"] = location.depth
        # git's --depth implies --single-branch; go-git's (Argo's) does not.
        if not location.single_branch:
            options["no_single_branch"] = True
    if location.single_branch:
        options["single_branch"] = True
        options["branch"] = location.branch
    if location.revision:
        # The revision is checked out below; checking out the default branch first is waste.
        options["no_checkout"] = True
    try:
        repository = git.Repo.clone_from(location.repo, path, env=dict(environment), **options)
    except git.GitCommandError as exc:
        raise git_failure(location, "clone", _stderr(exc)) from None
    except git.UnsafeProtocolError:
        raise location.error(
            f"git.repo {location.shown_repo} uses a transport tiphys does not run "
            "(ext:: and other remote helpers that run commands)"
        ) from None
    with repository:
        if location.fetch:
            _fetch(repository, location, list(location.fetch), f"fetch {list(location.fetch)} from")
        if location.revision:
            commit = _resolve_revision(repository, location)
            if commit is None:
                return  # An empty repository: Argo accepts it as it is.
            _run(
                repository,
                location,
                f"check out {location.revision!r} of",
                "checkout",
                "--quiet",
                "--detach",
                commit,
            )
        if not location.disable_submodules and os.path.exists(os.path.join(path, ".gitmodules")):
            _run(
                repository,
                location,
                "update the submodules of",
                "submodule",
                "--quiet",
                "update",
                "--init",
                "--recursive",
            )


def _resolve_revision(repository: git.Repo, location: GitLocation) -> str | None:
    """The commit ``revision`` names, fetching it by name if the clone did not bring it.

    None for an empty repository. Argo resolves branches, tags and commits after fetching
    every branch; a clone already has every branch as ``origin/<name>``.
    """
    revision = location.revision
    for candidate in (revision, f"refs/remotes/{REMOTE}/{revision}"):
        commit = _commit(repository, candidate)
        if commit:
            return commit
    if _empty(repository):
        return None
    # A commit or tag a shallow or single-branch clone left out, or a ref outside
    # refs/heads and refs/tags (refs/pull/1/head): ask the server for it by name.
    missing = location.error(
        f"revision {revision!r} not found in repository {location.shown_repo}", not_found=True
    )
    try:
        _fetch(repository, location, [revision], f"fetch revision {revision!r} from")
    except ArtifactNotFoundError:
        raise missing from None
    commit = _commit(repository, "FETCH_HEAD")
    if not commit:
        raise missing
    return commit


def _fetch(repository: git.Repo, location: GitLocation, refspecs: list[str], action: str) -> None:
    options: dict[str, Any] = {"quiet": True}
    if location.depth:
        options["depth"] = location.depth
    try:
        repository.git.fetch(REMOTE, *refspecs, **options)
    except git.GitCommandError as exc:
        raise git_failure(location, action, _stderr(exc)) from None


def _run(repository: git.Repo, location: GitLocation, action: str, *command: str) -> None:
    """Run ``git <command>`` in the clone; a failure says it could not ``action`` the repo."""
    try:
        getattr(repository.git, command[0])(*command[1:])
    except git.GitCommandError as exc:
        raise git_failure(location, action, _stderr(exc)) from None


def _commit(repository: git.Repo, revision: str) -> str | None:
    try:
        return str(repository.git.rev_parse("--verify", "--quiet", f"{revision}^{{commit}}"))
    except git.GitCommandError:
        return None


def _empty(repository: git.Repo) -> bool:
    return not str(repository.git.for_each_ref("--count=1")).strip()


def _stderr(error: git.GitCommandError) -> str:
    # GitPython keeps stderr wrapped as "\n  stderr: '...'".
    text = str(error.stderr)
    prefix = "\n  stderr: '"
    if text.startswith(prefix) and text.endswith("'"):
        text = text[len(prefix) : -1]
    return text
