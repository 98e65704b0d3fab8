"""Fixtures: real git servers (session-wide processes on 127.0.0.1) and fresh repositories on them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from git_repositories import Served
from git_servers import (
    GitHost,
    ServerUnavailable,
    file_host,
    git_daemon,
    git_http_backend,
    self_signed_certificate,
    sshd,
)
from tiphys_git import GitDriver

TRANSPORTS = ("file", "daemon", "http", "ssh")


@pytest.fixture(scope="session")
def file_server(tmp_path_factory: pytest.TempPathFactory) -> GitHost:
    return file_host(tmp_path_factory.mktemp("file-repositories"))


@pytest.fixture(scope="session")
def daemon_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHost]:
    root = tmp_path_factory.mktemp("daemon-repositories")
    with git_daemon(root, tmp_path_factory.mktemp("daemon") / "daemon.log") as host:
        yield host


@pytest.fixture(scope="session")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHost]:
    root = tmp_path_factory.mktemp("http-repositories")
    state = tmp_path_factory.mktemp("http")
    with git_http_backend(root, state / "server.log", state / "secrets") as host:
        yield host


@pytest.fixture(scope="session")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHost]:
    root = tmp_path_factory.mktemp("https-repositories")
    state = tmp_path_factory.mktemp("https")
    try:
        tls = self_signed_certificate(state)
    except ServerUnavailable as exc:
        pytest.skip(str(exc))
    with git_http_backend(root, state / "server.log", state / "secrets", tls) as host:
        yield host


@pytest.fixture(scope="session")
def ssh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHost]:
    root = tmp_path_factory.mktemp("ssh-repositories")
    state = tmp_path_factory.mktemp("sshd")
    try:
        with sshd(root, state, state / "secrets") as host:
            yield host
    except ServerUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(params=TRANSPORTS)
def host(request: pytest.FixtureRequest) -> GitHost:
    """Each transport in turn."""
    found: GitHost = request.getfixturevalue(f"{request.param}_server")
    return found


@pytest.fixture
def served(host: GitHost, tmp_path: Path) -> Served:
    return Served(host, tmp_path / "work")


@pytest.fixture
def driver() -> GitDriver:
    return GitDriver()


@pytest.fixture
def served_on(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], Served]:
    """``served_on("http")``: fresh repositories on that transport's host."""

    def make(transport: str) -> Served:
        host: GitHost = request.getfixturevalue(f"{transport}_server")
        return Served(host, tmp_path / "work" / transport)

    return make
