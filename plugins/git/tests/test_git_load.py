"""Loading git artifacts: Argo's revision, depth, singleBranch/branch, fetch and submodules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from git_repositories import Repository, Served, git
from tiphys_core.artifacts import ArtifactError, ArtifactNotFoundError
from tiphys_git import GitDriver


@pytest.fixture
def on_file(served_on: Callable[[str], Served]) -> Served:
    return served_on("file")


def history(served: Served) -> list[str]:
    """A repository ``project`` with three commits of ``version.txt`` (v1, v2, v3); their shas."""
    repository = served.repository("project")
    return [repository.commit({"version.txt": f"v{n}\n".encode()}, f"v{n}") for n in (1, 2, 3)]


def version(clone: Path) -> str:
    return (clone / "version.txt").read_text().strip()


def test_without_revision_the_default_branch_is_checked_out(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    history(on_file)
    driver.load(on_file("project"), str(tmp_path / "clone"))
    assert version(tmp_path / "clone") == "v3"
    assert git("branch", "--show-current", cwd=tmp_path / "clone") == "main"


def test_revision_names_a_commit_sha(driver: GitDriver, on_file: Served, tmp_path: Path) -> None:
    shas = history(on_file)
    driver.load(on_file("project", revision=shas[0]), str(tmp_path / "clone"))
    assert version(tmp_path / "clone") == "v1"
    # Argo checks the commit out as a detached HEAD.
    assert git("rev-parse", "HEAD", cwd=tmp_path / "clone") == shas[0]
    assert git("branch", "--show-current", cwd=tmp_path / "clone") == ""


def test_revision_names_an_abbreviated_sha(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    shas = history(on_file)
    driver.load(on_file("project", revision=shas[1][:10]), str(tmp_path / "clone"))
    assert version(tmp_path / "clone") == "v2"


@pytest.mark.parametrize("annotated", [False, True], ids=["lightweight", "annotated"])
def test_revision_names_a_tag(
    driver: GitDriver, on_file: Served, tmp_path: Path, annotated: bool
) -> None:
    repository = on_file.repository("project")
    repository.commit({"version.txt": b"v1\n"})
    repository.tag("release-1", annotated=annotated)
    repository.commit({"version.txt": b"v2\n"})
    driver.load(on_file("project", revision="release-1"), str(tmp_path / "clone"))
    assert version(tmp_path / "clone") == "v1"


def test_revision_names_a_branch_other_than_the_default(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    repository = on_file.repository("project")
    repository.commit({"version.txt": b"main\n"})
    repository.branch("feature")
    repository.commit({"version.txt": b"feature\n"})
    repository.switch("main")
    driver.load(on_file("project", revision="feature"), str(tmp_path / "clone"))
    assert version(tmp_path / "clone") == "feature"


def test_revision_relative_to_a_branch(driver: GitDriver, on_file: Served, tmp_path: Path) -> None:
    history(on_file)
    driver.load(on_file("project", revision="main~2"), str(tmp_path / "clone"))
    assert version(tmp_path / "clone") == "v1"


def test_missing_revision_is_not_found_and_names_the_repo(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    history(on_file)
    with pytest.raises(ArtifactNotFoundError) as raised:
        driver.load(on_file("project", revision="no-such-tag"), str(tmp_path / "clone"))
    message = str(raised.value)
    assert "'no-such-tag'" in message
    assert on_file.url("project") in message
    assert "git artifact 'source'" in message
    assert not (tmp_path / "clone").exists()


def test_missing_repository_is_not_found_and_names_the_repo(
    driver: GitDriver, served: Served, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactNotFoundError) as raised:
        driver.load(served("nowhere"), str(tmp_path / "clone"))
    assert f"repository {served.url('nowhere')} not found" in str(raised.value)
    assert "Traceback" not in str(raised.value)


def test_depth_makes_a_shallow_clone(driver: GitDriver, served: Served, tmp_path: Path) -> None:
    history(served)
    driver.load(served("project", depth=1), str(tmp_path / "clone"))
    assert git("rev-list", "--count", "HEAD", cwd=tmp_path / "clone") == "1"
    assert version(tmp_path / "clone") == "v3"


def test_depth_keeps_every_branch_as_argo_does(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    repository = on_file.repository("project")
    repository.commit({"version.txt": b"main\n"})
    repository.branch("other")
    repository.commit({"version.txt": b"other\n"})
    driver.load(on_file("project", depth=1), str(tmp_path / "clone"))
    branches = git("branch", "--remotes", "--format=%(refname:short)", cwd=tmp_path / "clone")
    assert set(branches.split()) >= {"origin/main", "origin/other"}


@pytest.mark.parametrize("transport", ["file", "daemon", "http"])
def test_depth_with_a_revision_outside_the_shallow_history_fetches_it(
    driver: GitDriver, served_on: Callable[[str], Served], tmp_path: Path, transport: str
) -> None:
    served = served_on(transport)
    shas = history(served)
    driver.load(served("project", depth=1, revision=shas[0]), str(tmp_path / "clone"))
    assert version(tmp_path / "clone") == "v1"
    assert git("rev-list", "--count", "HEAD", cwd=tmp_path / "clone") == "1"


def test_depth_as_text_after_substitution(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    history(on_file)
    driver.load(on_file("project", depth="2"), str(tmp_path / "clone"))
    assert git("rev-list", "--count", "HEAD", cwd=tmp_path / "clone") == "2"


def test_single_branch_clones_only_that_branch(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    repository = on_file.repository("project")
    repository.commit({"version.txt": b"main\n"})
    repository.branch("release")
    repository.commit({"version.txt": b"release\n"})
    artifact = on_file("project", singleBranch=True, branch="release")
    driver.load(artifact, str(tmp_path / "clone"))
    assert version(tmp_path / "clone") == "release"
    branches = git("branch", "--remotes", "--format=%(refname:short)", cwd=tmp_path / "clone")
    assert branches.split() == ["origin/release"]


def test_single_branch_with_a_revision_on_that_branch(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    repository = on_file.repository("project")
    first = repository.commit({"version.txt": b"one\n"})
    repository.commit({"version.txt": b"two\n"})
    artifact = on_file("project", singleBranch=True, branch="main", revision=first)
    driver.load(artifact, str(tmp_path / "clone"))
    assert version(tmp_path / "clone") == "one"


def test_single_branch_without_branch_is_an_error(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    history(on_file)
    with pytest.raises(ArtifactError, match=r"single branch mode without a branch"):
        driver.load(on_file("project", singleBranch=True), str(tmp_path / "clone"))


def test_single_branch_of_a_missing_branch_is_not_found(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    history(on_file)
    artifact = on_file("project", singleBranch=True, branch="gone")
    with pytest.raises(ArtifactNotFoundError, match=r"branch 'gone' not found in repository"):
        driver.load(artifact, str(tmp_path / "clone"))
    assert not (tmp_path / "clone").exists()


@pytest.mark.parametrize("transport", ["file", "http"])
def test_fetch_brings_refs_outside_branches_and_tags(
    driver: GitDriver, served_on: Callable[[str], Served], tmp_path: Path, transport: str
) -> None:
    served = served_on(transport)
    repository = served.repository("project")
    repository.commit({"version.txt": b"main\n"})
    repository.branch("review")
    change = repository.commit({"version.txt": b"change 7\n"})
    repository.switch("main")
    git("push", "--quiet", "origin", "--delete", "review", cwd=repository.work)
    repository.update_ref("refs/changes/7", change)
    artifact = served(
        "project",
        fetch=["+refs/changes/*:refs/remotes/origin/changes/*"],
        revision="origin/changes/7",
    )
    driver.load(artifact, str(tmp_path / "clone"))
    assert version(tmp_path / "clone") == "change 7"


def test_revision_that_is_a_ref_outside_branches_is_fetched_by_name(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    repository = on_file.repository("project")
    repository.commit({"version.txt": b"main\n"})
    change = repository.commit({"version.txt": b"pull 1\n"})
    git("reset", "--quiet", "--hard", "HEAD~1", cwd=repository.work)
    git("push", "--quiet", "--force", "origin", "main", cwd=repository.work)
    repository.update_ref("refs/pull/1/head", change)
    driver.load(on_file("project", revision="refs/pull/1/head"), str(tmp_path / "clone"))
    assert version(tmp_path / "clone") == "pull 1"


def with_submodules(served: Served) -> Repository:
    """``project`` with submodule ``lib`` (relative URL), which has submodule ``deep``."""
    deep = served.repository("deep")
    deep.commit({"deep.txt": b"deep\n"})
    lib = served.repository("lib")
    lib.commit({"lib.txt": b"lib\n"})
    lib.add_submodule("../deep", "deep")
    project = served.repository("project")
    project.commit({"version.txt": b"v1\n"})
    project.add_submodule("../lib", "lib")
    return project


@pytest.mark.parametrize("transport", ["daemon", "http", "ssh"])
def test_submodules_are_cloned_recursively(
    driver: GitDriver, served_on: Callable[[str], Served], tmp_path: Path, transport: str
) -> None:
    served = served_on(transport)
    with_submodules(served)
    driver.load(served("project"), str(tmp_path / "clone"))
    assert (tmp_path / "clone" / "lib" / "lib.txt").read_text() == "lib\n"
    assert (tmp_path / "clone" / "lib" / "deep" / "deep.txt").read_text() == "deep\n"


def test_submodules_follow_the_revision(
    driver: GitDriver, served_on: Callable[[str], Served], tmp_path: Path
) -> None:
    served = served_on("daemon")
    tagged = with_submodules(served)
    tagged.tag("with-lib")
    git("rm", "--quiet", "-r", "lib", cwd=tagged.work)
    tagged.commit({}, "drop lib")
    driver.load(served("project", revision="with-lib"), str(tmp_path / "clone"))
    assert (tmp_path / "clone" / "lib" / "deep" / "deep.txt").read_text() == "deep\n"


def test_disable_submodules_leaves_them_empty(
    driver: GitDriver, served_on: Callable[[str], Served], tmp_path: Path
) -> None:
    served = served_on("daemon")
    with_submodules(served)
    driver.load(served("project", disableSubmodules=True), str(tmp_path / "clone"))
    assert (tmp_path / "clone" / "version.txt").is_file()
    assert list((tmp_path / "clone" / "lib").iterdir()) == []


def test_an_empty_repository_loads_as_an_empty_clone(
    driver: GitDriver, served: Served, tmp_path: Path
) -> None:
    served.repository("empty")
    driver.load(served("empty"), str(tmp_path / "clone"))
    assert [entry.name for entry in (tmp_path / "clone").iterdir()] == [".git"]


def test_an_empty_repository_with_a_revision_loads_as_argo_does(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    on_file.repository("empty")
    driver.load(on_file("empty", revision="main"), str(tmp_path / "clone"))
    assert (tmp_path / "clone" / ".git").is_dir()


def test_loads_into_an_existing_empty_directory(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    history(on_file)
    (tmp_path / "clone").mkdir()
    driver.load(on_file("project"), str(tmp_path / "clone"))
    assert version(tmp_path / "clone") == "v3"


def test_failed_load_into_an_existing_directory_keeps_the_directory(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    history(on_file)
    (tmp_path / "clone").mkdir()
    with pytest.raises(ArtifactNotFoundError):
        driver.load(on_file("project", revision="nope"), str(tmp_path / "clone"))
    assert list((tmp_path / "clone").iterdir()) == []


def test_a_directory_that_is_not_empty_is_refused_and_kept(
    driver: GitDriver, on_file: Served, tmp_path: Path
) -> None:
    history(on_file)
    (tmp_path / "clone").mkdir()
    (tmp_path / "clone" / "mine.txt").write_text("keep me")
    with pytest.raises(ArtifactError, match=r"not empty"):
        driver.load(on_file("project"), str(tmp_path / "clone"))
    assert (tmp_path / "clone" / "mine.txt").read_text() == "keep me"
