"""The plugin entry point, the registered driver, and how a git location is read and checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tiphys_git.plugin
from tiphys_core.artifacts import Artifact, ArtifactError, Secrets, UnsupportedVerbError
from tiphys_core.plugins import Hooks, make_plugin_manager
from tiphys_git import GitDriver, read_location
from tiphys_git.environment import ssh_command


def test_importing_the_plugin_does_not_import_gitpython() -> None:
    code = "import sys, tiphys_git.plugin; print(sorted({'git', 'gitdb'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_importing_the_driver_does_not_import_gitpython_either() -> None:
    code = "import sys, tiphys_git.driver; print('git' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_plugin_registers_the_git_driver_lazily() -> None:
    manager = make_plugin_manager(load_entry_points=False, extra=[tiphys_git.plugin])
    drivers = Hooks(manager).artifact_drivers()
    assert drivers.names() == ["git"]
    assert isinstance(drivers.get("git"), GitDriver)


def test_the_entry_point_is_named_git() -> None:
    from importlib.metadata import entry_points

    names = {entry.name: entry.value for entry in entry_points(group="tiphys")}
    assert names.get("git") == "tiphys_git.plugin"


@pytest.mark.parametrize("verb", ["save", "list_objects", "delete", "is_directory", "open_stream"])
def test_verbs_argo_does_not_support_raise_without_touching_the_network(
    verb: str, tmp_path: Path
) -> None:
    artifact = Artifact({"name": "source", "git": {"repo": "https://127.0.0.1:9/never"}})
    arguments: dict[str, tuple[Any, ...]] = {"save": (str(tmp_path), artifact)}
    with pytest.raises(UnsupportedVerbError, match=rf"git artifact driver does not support {verb}"):
        getattr(GitDriver(), verb)(*arguments.get(verb, (artifact,)))


def location(**fields: Any) -> Artifact:
    return Artifact({"name": "source", "git": {"repo": "https://example.invalid/r.git", **fields}})


def test_location_fields_are_read_as_argo_spells_them() -> None:
    read = read_location(
        location(
            revision="v1.2",
            depth=3,
            fetch=["refs/pull/*:refs/remotes/pull/*"],
            branch="main",
            singleBranch=True,
            disableSubmodules=True,
            insecureIgnoreHostKey=True,
            insecureSkipTLS=True,
        )
    )
    assert (read.revision, read.depth, read.fetch, read.branch) == (
        "v1.2",
        3,
        ("refs/pull/*:refs/remotes/pull/*",),
        "main",
    )
    assert read.single_branch and read.disable_submodules
    assert read.insecure_ignore_host_key and read.insecure_skip_tls
    assert not read.credentials.basic_auth


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"repo": ""}, r"git\.repo is required"),
        ({"depth": -1}, r"git\.depth must be a whole number"),
        ({"depth": "deep"}, r"git\.depth must be a whole number"),
        ({"singleBranch": "yes"}, r"git\.singleBranch must be true or false"),
        ({"revision": "--upload-pack=evil"}, r"git\.revision .* is not a valid git ref"),
        ({"fetch": ["-o"]}, r"git\.fetch\[0\] .* is not a valid git ref"),
        ({"fetch": "refs/*"}, r"git\.fetch must be a list"),
        ({"usernameSecret": "name"}, r"git\.usernameSecret must be \{name, key\}"),
    ],
)
def test_invalid_locations_name_the_field(fields: dict[str, Any], expected: str) -> None:
    with pytest.raises(ArtifactError, match=rf"git artifact 'source': {expected}"):
        read_location(location(**fields))


def test_ext_transport_is_refused(tmp_path: Path) -> None:
    artifact = Artifact({"name": "source", "git": {"repo": "ext::sh -c touch% /tmp/pwned"}})
    with pytest.raises(ArtifactError, match=r"transport tiphys does not run"):
        GitDriver().load(artifact, str(tmp_path / "clone"))
    assert not (tmp_path / "clone").exists()


def test_credentials_never_show_in_a_repr(tmp_path: Path) -> None:
    secrets = Secrets(tmp_path)
    secrets.put("creds", {"password": "hunter2-secret", "key": "KEY-MATERIAL"})
    artifact = Artifact(
        {
            "name": "source",
            "git": {
                "repo": "https://example.invalid/r.git",
                "passwordSecret": {"name": "creds", "key": "password"},
                "sshPrivateKeySecret": {"name": "creds", "key": "key"},
            },
        },
        secrets,
    )
    shown = repr(read_location(artifact))
    assert "hunter2-secret" not in shown
    assert "KEY-MATERIAL" not in shown


@pytest.mark.parametrize(
    ("repo", "user_option"),
    [
        ("ssh://host.invalid/srv/repo.git", True),
        ("host.invalid:repo.git", True),
        ("ssh://deploy@host.invalid/srv/repo.git", False),
        ("git@host.invalid:org/repo.git", False),
    ],
)
def test_with_a_key_ssh_logs_in_as_git_unless_the_url_names_a_user(
    repo: str, user_option: bool
) -> None:
    command = ssh_command(read_location(location(repo=repo)), Path("/keys/id"))
    assert ("User=git" in command) is user_option
    assert "-i /keys/id" in command
    assert "BatchMode=yes" in command
