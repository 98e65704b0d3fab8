"""The reusable nginx launcher (tiphys_http.testing): what it serves and how it stops."""

from __future__ import annotations

import base64
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tiphys_http.testing import NginxError, NginxServer, nginx_server


def _request(
    url: str, method: str = "GET", data: bytes | None = None, **headers: str
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_range_requests_get_partial_content(nginx: NginxServer) -> None:
    (nginx.root / "range.txt").write_bytes(b"0123456789")
    status, body = _request(f"{nginx.url}/range.txt", Range="bytes=2-5")
    assert (status, body) == (206, b"2345")


def test_put_creates_missing_directories_and_delete_removes(nginx: NginxServer) -> None:
    url = f"{nginx.url}/webdav/made/on/put.txt"
    assert _request(url, "PUT", b"put")[0] == 201
    assert (nginx.root / "webdav/made/on/put.txt").read_bytes() == b"put"
    assert _request(url, "DELETE")[0] == 204
    assert not (nginx.root / "webdav/made/on/put.txt").exists()


def test_the_protected_location_needs_a_configured_user(nginx: NginxServer) -> None:
    (nginx.root / "private").mkdir(exist_ok=True)
    (nginx.root / "private/guarded.txt").write_bytes(b"ok")
    url = f"{nginx.url}{nginx.protected}guarded.txt"
    assert _request(url)[0] == 401
    wrong = "Basic " + base64.b64encode(b"ann:nope").decode()
    assert _request(url, Authorization=wrong)[0] == 401
    right = "Basic " + base64.b64encode(b"ann:correct horse:battery").decode()
    assert _request(url, Authorization=right) == (200, b"ok")


def test_nginx_stops_when_the_block_ends(nginx: NginxServer, tmp_path: Path) -> None:
    with nginx_server(tmp_path / "www") as server:
        pid = int((server.run_directory / "nginx.pid").read_text())
        assert _request(f"{server.url}/missing")[0] == 404
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=5):
        pass
    assert not Path(f"/proc/{pid}").exists(), "the nginx master has exited"
    assert not server.run_directory.exists(), "its config, pid and logs are removed"


def test_a_bad_configuration_raises_with_nginx_s_message(
    nginx: NginxServer, tmp_path: Path
) -> None:
    with (
        pytest.raises(NginxError, match="unknown directive"),
        nginx_server(tmp_path / "www", server_config="no_such_directive on;"),
    ):
        pass
