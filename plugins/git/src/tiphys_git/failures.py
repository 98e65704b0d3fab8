"""Turn what git printed when it failed into a message naming the artifact, its field and the fix.

Messages name the repository without any password written into its URL, and never carry
a secret of the location, even if git were to print one.
"""

from __future__ import annotations

import re

from tiphys_core.artifacts import ArtifactError

from tiphys_git.location import GitLocation, redact_url

# What git (and the servers it talks to) print when the repository is not there.
_MISSING_REPOSITORY = re.compile(
    r"does not appear to be a git repository"
    r"|repository '[^']*' not found"
    r"|repository not found"
    r"|no such repository"
    r"|repository not exported",
    re.IGNORECASE,
)
_MISSING_BRANCH = re.compile(r"Remote branch (\S+) not found")
_MISSING_REF = re.compile(r"couldn't find remote ref (\S+)|not our ref (\S+)")
# (what git prints, what to tell the user), the first match wins.
_HINTS = (
    ("Authentication failed", "authentication failed: check usernameSecret and passwordSecret"),
    (
        "could not read Username",
        "the server asks for a login: set usernameSecret and passwordSecret",
    ),
    ("could not read Password", "the server asks for a password: set passwordSecret"),
    # OpenSSH: 'Load key "...": invalid format' (or "error in libcrypto" with OpenSSL 3).
    ("Load key", "sshPrivateKeySecret is not a private key OpenSSH can read without a passphrase"),
    ("Permission denied (", "the ssh server refused the login: check sshPrivateKeySecret"),
    (
        "Host key verification failed",
        "the ssh server's host key is not in known_hosts "
        "(add it there, or set insecureIgnoreHostKey: true)",
    ),
    (
        "certificate",
        "the server's TLS certificate is not trusted (set insecureSkipTLS: true to skip the check)",
    ),
)
_SHOWN_LINES = 4
_SHOWN_CHARACTERS = 600


def git_failure(location: GitLocation, action: str, stderr: str) -> ArtifactError:
    """The error for a git command of ``action`` ("clone", "fetch ...") that printed ``stderr``.

    :class:`~tiphys_core.artifacts.ArtifactNotFoundError` when the repository, the branch
    or a ref is not there; :class:`ArtifactError` with a hint for everything else.
    """
    said = _said(location, stderr)
    shown = f" (git: {said})" if said else ""
    repo = location.shown_repo
    if _MISSING_REPOSITORY.search(stderr):
        return location.error(f"repository {repo} not found{shown}", not_found=True)
    branch = _MISSING_BRANCH.search(stderr)
    if branch:
        return location.error(
            f"branch {branch.group(1)!r} not found in repository {repo}", not_found=True
        )
    ref = _MISSING_REF.search(stderr)
    if ref:
        return location.error(
            f"{ref.group(1) or ref.group(2)!r} not found in repository {repo}{shown}",
            not_found=True,
        )
    for needle, hint in _HINTS:
        if needle.lower() in stderr.lower():
            return location.error(f"cannot {action} {repo}: {hint}{shown}")
    return location.error(f"cannot {action} {repo}{': ' + said if said else ''}")


def scrub(location: GitLocation, text: str) -> str:
    """``text`` without URL passwords or the location's secrets."""
    text = redact_url(text)
    for secret in location.credentials.values():
        for variant in {secret, secret.strip()}:
            # Very short values would mask ordinary words; git never prints them anyway.
            if len(variant) >= 4:
                text = text.replace(variant, "***")
    return text


def _said(location: GitLocation, stderr: str) -> str:
    """git's own words: its last few meaningful lines, one line, scrubbed."""
    lines = [line.strip() for line in scrub(location, stderr).splitlines()]
    kept = [line.removeprefix("fatal: ") for line in lines]
    kept = [line for line in kept if line and not _noise(line)]
    said = "; ".join(kept[-_SHOWN_LINES:])
    if len(said) > _SHOWN_CHARACTERS:
        said = said[: _SHOWN_CHARACTERS - 3] + "..."
    return said


_NOISE_PREFIXES = (
    "Cloning into",
    "Looking up",
    "Connecting to",
    "hint:",
    "remote: Counting",
    "remote: Compressing",
)
_NOISE_LINES = frozenset(
    {
        "Please make sure you have the correct access rights",
        "and the repository exists.",
        "Could not read from remote repository.",
    }
)


def _noise(line: str) -> bool:
    # Progress and advice, not the reason.
    return line.startswith(_NOISE_PREFIXES) or line in _NOISE_LINES
