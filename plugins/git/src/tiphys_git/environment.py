"""The environment of the git processes of one load, with the secrets kept off every command line.

Secrets go to files in a private directory (mode 0700) that lives only as long as the load:
https credentials reach git through a credential helper reading one of them, the ssh key
through ``GIT_SSH_COMMAND``. The variables name those files, never hold a secret, and are
given to the git processes alone (``os.environ`` is never changed). Settings go through
``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n`` rather than ``-c`` options.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tiphys_git.location import GitLocation


@contextmanager
def git_environment(location: GitLocation) -> Iterator[dict[str, str]]:
    """Variables to add to the environment of every git process of one load of ``location``.

    Files holding secrets are removed when the block ends, whatever happens in it.
    """
    credentials = location.credentials
    directory = None
    if credentials.basic_auth or credentials.ssh_private_key is not None:
        directory = Path(tempfile.mkdtemp(prefix="tiphys-git-"))  # mode 0700
    try:
        # Never wait for someone to type a username, a password or "yes" at a terminal.
        variables = {"GIT_TERMINAL_PROMPT": "0"}
        settings: list[tuple[str, str]] = []
        if directory is not None and credentials.basic_auth:
            settings += _credential_helper(location, directory)
        if location.insecure_skip_tls:
            settings.append(("http.sslVerify", "false"))
        key_file = None
        if directory is not None and credentials.ssh_private_key is not None:
            key_file = _private_file(directory / "ssh-key", _key_text(credentials.ssh_private_key))
        variables["GIT_SSH_COMMAND"] = ssh_command(location, key_file)
        variables.update(_config_variables(settings, os.environ))
        yield variables
    finally:
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)


def ssh_command(location: GitLocation, key_file: Path | None) -> str:
    """The ssh command git runs (``GIT_SSH_COMMAND``): never prompts, uses only the given key."""
    words = ["ssh", "-o", "BatchMode=yes"]
    if key_file is not None:
        words += ["-i", str(key_file), "-o", "IdentitiesOnly=yes"]
        if location.ssh_user is None:
            # As Argo's GetUser: a URL without a user logs in as "git".
            words += ["-o", "User=git"]
    if location.insecure_ignore_host_key:
        words += [
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
        ]
    return shlex.join(words)


def _credential_helper(location: GitLocation, directory: Path) -> list[tuple[str, str]]:
    credentials = location.credentials
    username = _one_line(location, "usernameSecret", credentials.username or "")
    password = _one_line(location, "passwordSecret", credentials.password or "")
    answer = _private_file(directory / "credentials", f"username={username}\npassword={password}\n")
    # A shell function rather than a script file, so a noexec temp dir does not matter. It
    # answers "get" and ignores "store"/"erase", so git neither saves these credentials in the
    # user's helpers nor erases the user's own after a failure.
    helper = (
        f'!f() {{ cat >/dev/null; if [ "$1" = get ]; then cat {shlex.quote(str(answer))}; fi; }}; f'
    )
    # The empty value first drops the helpers of the user's git config.
    return [("credential.helper", ""), ("credential.helper", helper)]


def _one_line(location: GitLocation, field_name: str, value: str) -> str:
    # A secret file often ends with a newline that is not part of the value.
    value = value.removesuffix("\n").removesuffix("\r")
    if "\n" in value or "\0" in value:
        raise location.error(f"git.{field_name} must be a single line")
    return value


def _key_text(key: str) -> str:
    # OpenSSH refuses a private key whose last line has no newline.
    return key if key.endswith("\n") else key + "\n"


def _private_file(path: Path, text: str) -> Path:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def _config_variables(
    settings: list[tuple[str, str]], environment: Mapping[str, str]
) -> dict[str, str]:
    """``GIT_CONFIG_*`` variables for ``settings``, after any the environment already has."""
    if not settings:
        return {}
    existing = environment.get("GIT_CONFIG_COUNT", "")
    start = int(existing) if existing.isdigit() else 0
    variables = {"GIT_CONFIG_COUNT": str(start + len(settings))}
    for offset, (key, value) in enumerate(settings):
        variables[f"GIT_CONFIG_KEY_{start + offset}"] = key
        variables[f"GIT_CONFIG_VALUE_{start + offset}"] = value
    return variables
