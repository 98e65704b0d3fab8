"""A git artifact's location (Argo's ``GitArtifact``), read and checked once per load."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError

# Argo's GetUser: an ssh URL names its user as ``[ssh://]user@host...``.
_SSH_USER = re.compile(r"^(ssh://)?([^/:]*?)@[^@]+$")
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*):[^/@\s]*@")

Problem = Callable[[str], ArtifactError]


@dataclass(frozen=True)
class Credentials:
    """The secrets a location names; ``repr`` never shows them."""

    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    ssh_private_key: str | None = field(default=None, repr=False)

    @property
    def basic_auth(self) -> bool:
        return self.username is not None or self.password is not None

    def values(self) -> list[str]:
        """The secret values to keep out of messages."""
        return [value for value in (self.password, self.ssh_private_key) if value]


@dataclass(frozen=True)
class GitLocation:
    """The fields of Argo's ``GitArtifact``, typed; see ``workflow_types.go``."""

    artifact_name: str
    repo: str
    revision: str = ""
    depth: int = 0
    fetch: tuple[str, ...] = ()
    branch: str = ""
    single_branch: bool = False
    disable_submodules: bool = False
    insecure_ignore_host_key: bool = False
    insecure_skip_tls: bool = False
    credentials: Credentials = field(default_factory=Credentials)

    @property
    def shown_repo(self) -> str:
        """The repo URL for messages, without a password written into it."""
        return redact_url(self.repo)

    @property
    def ssh_user(self) -> str | None:
        """The user an ssh URL names, or None (Argo then logs in as ``git``)."""
        match = _SSH_USER.match(self.repo)
        return match.group(2) if match else None

    def error(self, problem: str, *, not_found: bool = False) -> ArtifactError:
        """An error naming this artifact and saying ``problem``."""
        kind = ArtifactNotFoundError if not_found else ArtifactError
        return kind(f"git artifact {self.artifact_name!r}: {problem}")


def read_location(artifact: Artifact) -> GitLocation:
    """The artifact's ``git`` location with its secrets read; :class:`ArtifactError` if invalid."""
    name = artifact.name
    body = artifact.location

    def problem(text: str) -> ArtifactError:
        return ArtifactError(f"git artifact {name!r}: {text}")

    repo = _text(body, "repo")
    if not repo:
        raise problem("git.repo is required (the repository URL)")
    if repo.startswith("-"):
        raise problem(f"git.repo {redact_url(repo)!r} is not a URL")
    revision = _text(body, "revision")
    branch = _text(body, "branch")
    fetch = body.get("fetch") or []
    if not isinstance(fetch, list) or not all(isinstance(spec, str) for spec in fetch):
        raise problem("git.fetch must be a list of refspecs")
    for field_name, value in [("revision", revision), ("branch", branch)] + [
        (f"fetch[{index}]", spec) for index, spec in enumerate(fetch)
    ]:
        # A leading dash would reach git as an option.
        if value.startswith("-") or any(character.isspace() for character in value):
            raise problem(f"git.{field_name} {value!r} is not a valid git ref")
    single_branch = _flag(body, "singleBranch", problem)
    if single_branch and not branch:
        # Argo's message for the same mistake.
        raise problem("single branch mode without a branch specified (set git.branch)")
    return GitLocation(
        artifact_name=name,
        repo=repo,
        revision=revision,
        depth=_depth(body.get("depth"), problem),
        fetch=tuple(fetch),
        branch=branch,
        single_branch=single_branch,
        disable_submodules=_flag(body, "disableSubmodules", problem),
        insecure_ignore_host_key=_flag(body, "insecureIgnoreHostKey", problem),
        insecure_skip_tls=_flag(body, "insecureSkipTLS", problem),
        credentials=Credentials(
            username=_secret(artifact, body, "usernameSecret"),
            password=_secret(artifact, body, "passwordSecret"),
            ssh_private_key=_secret(artifact, body, "sshPrivateKeySecret"),
        ),
    )


def redact_url(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@`` URL in it masked."""
    return _URL_PASSWORD.sub(r"\1:***@", text)


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    return "" if value is None else str(value).strip()


def _flag(body: Mapping[str, Any], key: str, problem: Problem) -> bool:
    value = body.get(key, False)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        # After {{...}} substitution a boolean may arrive as text.
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise problem(f"git.{key} must be true or false, not {value!r}")
    return value


def _depth(value: Any, problem: Problem) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise problem(f"git.depth must be a whole number of commits, not {value!r}")


def _secret(artifact: Artifact, body: Mapping[str, Any], key: str) -> str | None:
    selector = body.get(key)
    if selector is not None and not isinstance(selector, Mapping):
        raise ArtifactError(f"git artifact {artifact.name!r}: git.{key} must be {{name, key}}")
    try:
        return artifact.secret(selector)
    except ArtifactError as exc:
        raise ArtifactError(f"git artifact {artifact.name!r}: git.{key}: {exc}") from None
