"""The ``git`` artifact driver: Argo's ``workflow/artifacts/git/git.go``, verb for verb.

Only ``load`` does anything, as in Argo: it clones the repository into the artifact's path
(a directory). Git artifacts cannot be outputs (``save``), and Argo neither lists,
deletes nor tells directories of them: those verbs raise
:class:`~tiphys_core.artifacts.UnsupportedVerbError`. So does ``open_stream``: Argo's
loads the clone to a temporary path and opens it as a file, which for a directory gives
nothing to read.
"""

from __future__ import annotations

import os
import shutil

from tiphys_core.artifacts import Artifact, BaseDriver

from tiphys_git.environment import git_environment
from tiphys_git.location import read_location


class GitDriver(BaseDriver):
    """Loads ``git`` artifacts: clones ``git.repo`` at ``git.revision`` into the artifact's path."""

    name = "git"

    def load(self, artifact: Artifact, path: str) -> None:
        """Clone the repository into the directory ``path``.

        On failure nothing is left at ``path`` that this load put there.
        """
        location = read_location(artifact)
        try:
            # GitPython finds the git command when imported; import it only to clone.
            from tiphys_git.clone import clone_repository
        except ImportError as exc:
            raise location.error(
                f"cannot clone: the git command is missing or unusable ({exc})".replace("\n", " ")
            ) from None
        existed = os.path.isdir(path)
        if existed and os.listdir(path):
            raise location.error(f"cannot clone into {path}: it is a directory that is not empty")
        try:
            with git_environment(location) as environment:
                clone_repository(location, path, environment)
        except BaseException:
            _remove_clone(path, existed)
            raise


def _remove_clone(path: str, existed: bool) -> None:
    """Remove what a failed load put at ``path``; keep the directory if it was there before."""
    if not existed:
        shutil.rmtree(path, ignore_errors=True)
        return
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            os.unlink(entry.path)
