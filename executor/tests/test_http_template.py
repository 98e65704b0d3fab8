"""``http`` templates against a real HTTP(S) server on 127.0.0.1, run in a separate process."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import AgentProcess, Requests
from tiphys_core.artifacts import Secrets
from tiphys_core.wire import ERROR, FAILED, SUCCEEDED, NodeResult
from tiphys_executor.isolation import Isolation
from tiphys_executor.node import NodeContext, run_node
from tiphys_executor.process import NodeControl
from tiphys_executor.registry import default_registry

SERVER = Path(__file__).with_name("http_test_server.py")


class Server:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(SERVER), *args], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The base URL of a plain HTTP test server."""
    running = Server()
    yield f"http://127.0.0.1:{running.port}"
    running.stop()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of an HTTPS test server with a self-signed certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a self-signed certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    running = Server("--cert", str(cert), "--key", str(key))
    yield f"https://127.0.0.1:{running.port}"
    running.stop()


@pytest.fixture
def run_http(tmp_path: Path) -> Any:
    """Runs an ``http`` template in this process, as the agent does; returns the result."""
    requests = Requests(tmp_path)

    def run(http: dict[str, Any], *, secrets: Secrets | None = None, **fields: Any) -> NodeResult:
        node = NodeContext(
            requests({"name": "http", "http": http}, **fields),
            Isolation(enabled=False),
            secrets=secrets or Secrets(tmp_path / "secrets"),
        )
        return run_node(node, default_registry())

    return run


def echoed(result: NodeResult) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(result.outputs["result"])
    document["headers"] = {name.lower(): value for name, value in document["headers"]}
    return document


def test_get_succeeds_with_the_body_as_result(server: str, run_http: Any) -> None:
    result = run_http({"url": f"{server}/status/200"})
    assert (result.phase, result.message) == (SUCCEEDED, "")
    assert result.outputs == {"result": "status 200"}


def test_method_defaults_to_get_and_headers_are_sent(server: str, run_http: Any) -> None:
    result = run_http(
        {"url": f"{server}/echo?x=1", "headers": [{"name": "X-Trace", "value": "abc"}]}
    )
    sent = echoed(result)
    assert (sent["method"], sent["path"]) == ("GET", "/echo?x=1")
    assert sent["headers"]["x-trace"] == "abc"


def test_non_2xx_fails_with_argos_message_and_keeps_the_body(server: str, run_http: Any) -> None:
    result = run_http({"url": f"{server}/status/404"})
    assert (result.phase, result.message) == (FAILED, "received non-2xx response code: 404")
    assert result.outputs == {"result": "status 404"}


def test_post_sends_the_body(server: str, run_http: Any) -> None:
    result = run_http({"url": f"{server}/echo", "method": "POST", "body": '{"a": 1}'})
    sent = echoed(result)
    assert (sent["method"], sent["body"]) == ("POST", '{"a": 1}')
    assert sent["headers"]["content-length"] == "8"


def test_body_from_bytes_is_base64_and_wins_over_body(server: str, run_http: Any) -> None:
    encoded = base64.b64encode(b"\x00raw bytes").decode()
    result = run_http(
        {
            "url": f"{server}/echo",
            "method": "PUT",
            "body": "ignored",
            "bodyFrom": {"bytes": encoded},
        }
    )
    assert echoed(result)["body"] == "\x00raw bytes"


def test_body_from_bytes_that_is_not_base64_is_an_error(server: str, run_http: Any) -> None:
    result = run_http({"url": f"{server}/echo", "bodyFrom": {"bytes": "not base64!"}})
    assert (result.phase, result.message) == (
        ERROR,
        "http.bodyFrom.bytes is not base64-encoded data",
    )


def test_header_value_from_a_secret(server: str, run_http: Any, tmp_path: Path) -> None:
    secrets = Secrets(tmp_path / "my-secrets")
    secrets.put("api", {"token": "s3cret"})
    header = {
        "name": "Authorization",
        "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}},
    }
    result = run_http({"url": f"{server}/echo", "headers": [header]}, secrets=secrets)
    assert echoed(result)["headers"]["authorization"] == "s3cret"


def test_missing_secret_fails_the_node_naming_it(server: str, run_http: Any) -> None:
    header = {"name": "A", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "token"}}}
    result = run_http({"url": f"{server}/echo", "headers": [header]})
    assert result.phase == FAILED
    assert "http.headers[0]" in result.message and "'nope'" in result.message


def test_host_header_sets_the_host_sent(server: str, run_http: Any) -> None:
    result = run_http(
        {"url": f"{server}/echo", "headers": [{"name": "host", "value": "example.org"}]}
    )
    assert echoed(result)["headers"]["host"] == "example.org"


def test_success_condition_on_status(server: str, run_http: Any) -> None:
    condition = "response.statusCode == 201"
    assert (
        run_http({"url": f"{server}/status/201", "successCondition": condition}).phase == SUCCEEDED
    )
    failed = run_http({"url": f"{server}/status/200", "successCondition": condition})
    assert (failed.phase, failed.message) == (
        FAILED,
        "successCondition 'response.statusCode == 201' evaluated false",
    )
    assert failed.outputs == {"result": "status 200"}


def test_success_condition_overrides_the_2xx_rule(server: str, run_http: Any) -> None:
    result = run_http(
        {"url": f"{server}/status/503", "successCondition": "response.statusCode == 503"}
    )
    assert result.phase == SUCCEEDED


def test_success_condition_sees_body_and_headers_as_go_does(server: str, run_http: Any) -> None:
    condition = (
        'response.body contains "status" && response.headers["X-Test-Server"][0] == "yes"'
        ' && response.headers["Content-Type"] == ["text/plain"]'
    )
    assert (
        run_http({"url": f"{server}/status/200", "successCondition": condition}).phase == SUCCEEDED
    )


def test_success_condition_sees_the_request_as_written(server: str, run_http: Any) -> None:
    condition = (
        'request.method == "" && request.url endsWith "/echo" && request.body == "hi"'
        ' && request.headers["x-one"] == ["1"] && request.bodyBytes == nil'
    )
    result = run_http(
        {
            "url": f"{server}/echo",
            "body": "hi",
            "headers": [{"name": "x-one", "value": "1"}],
            "successCondition": condition,
        }
    )
    assert (result.phase, result.message) == (SUCCEEDED, "")


def test_success_condition_that_is_not_boolean_fails(server: str, run_http: Any) -> None:
    result = run_http({"url": f"{server}/status/200", "successCondition": "response.statusCode"})
    assert (result.phase, result.message) == (
        FAILED,
        "unable to cast expression result '200' to bool",
    )


def test_success_condition_that_does_not_compile_fails_with_the_expression_error(
    server: str, run_http: Any
) -> None:
    result = run_http({"url": f"{server}/status/200", "successCondition": "response.statusCode =="})
    assert result.phase == FAILED
    assert "response.statusCode ==" in result.message


def test_success_condition_with_an_unknown_name_fails(server: str, run_http: Any) -> None:
    result = run_http({"url": f"{server}/status/200", "successCondition": "status == 200"})
    assert result.phase == FAILED
    assert result.message.startswith("unknown name status")


def test_connection_refused_fails_in_gos_words(run_http: Any) -> None:
    with_free_port = Server()
    port = with_free_port.port
    with_free_port.stop()
    result = run_http({"url": f"http://127.0.0.1:{port}/x"})
    assert (result.phase, result.message) == (
        FAILED,
        f'Get "http://127.0.0.1:{port}/x": dial tcp 127.0.0.1:{port}: connect: connection refused',
    )


def test_unsupported_scheme_fails_in_gos_words(run_http: Any) -> None:
    result = run_http({"url": "ftp://127.0.0.1/file", "method": "POST"})
    assert (result.phase, result.message) == (
        FAILED,
        'Post "ftp://127.0.0.1/file": unsupported protocol scheme "ftp"',
    )


def test_timeout_seconds_fails_the_request(server: str, run_http: Any) -> None:
    url = f"{server}/slow?seconds=30"
    result = run_http({"url": url, "timeoutSeconds": 1})
    assert (result.phase, result.message) == (FAILED, f'Get "{url}": context deadline exceeded')


def test_node_deadline_fails_the_request(server: str, run_http: Any) -> None:
    result = run_http({"url": f"{server}/slow?seconds=30"}, deadline=time.time() + 0.5)
    assert (result.phase, result.message) == (FAILED, "Step exceeded its deadline")


def test_cancellation_ends_the_node_with_its_message(server: str, tmp_path: Path) -> None:
    request = Requests(tmp_path)({"name": "http", "http": {"url": f"{server}/slow?seconds=30"}})
    node = NodeContext(request, Isolation(enabled=False), control=NodeControl())
    results: list[NodeResult] = []
    runner = threading.Thread(target=lambda: results.append(run_node(node, default_registry())))
    runner.start()
    time.sleep(0.3)
    node.control.cancel("workflow shutdown with strategy: Terminate")
    runner.join(10)
    assert not runner.is_alive()
    assert (results[0].phase, results[0].message) == (
        ERROR,
        "workflow shutdown with strategy: Terminate",
    )


def test_redirects_are_followed_and_post_becomes_get_after_302(server: str, run_http: Any) -> None:
    result = run_http({"url": f"{server}/redirect/302?to=/echo", "method": "POST", "body": "x"})
    sent = echoed(result)
    assert (sent["method"], sent["body"]) == ("GET", "")


def test_307_redirect_repeats_method_and_body(server: str, run_http: Any) -> None:
    result = run_http({"url": f"{server}/redirect/307?to=/echo", "method": "POST", "body": "x"})
    sent = echoed(result)
    assert (sent["method"], sent["body"]) == ("POST", "x")


def test_gzip_responses_are_decompressed_as_go_does(server: str, run_http: Any) -> None:
    condition = 'response.headers["Content-Encoding"] == nil'
    result = run_http({"url": f"{server}/gzip", "successCondition": condition})
    assert (result.phase, result.outputs["result"]) == (SUCCEEDED, "compressed body")


def test_self_signed_certificate_is_rejected(tls_server: str, run_http: Any) -> None:
    result = run_http({"url": f"{tls_server}/status/200"})
    assert result.phase == FAILED
    assert result.message.startswith(
        f'Get "{tls_server}/status/200": tls: failed to verify certificate'
    )


def test_insecure_skip_verify_accepts_a_self_signed_certificate(
    tls_server: str, run_http: Any
) -> None:
    result = run_http({"url": f"{tls_server}/status/200", "insecureSkipVerify": True})
    assert (result.phase, result.outputs) == (SUCCEEDED, {"result": "status 200"})


def test_agent_runs_http_nodes_itself(
    server: str, agent: AgentProcess, make_request: Requests
) -> None:
    result = agent.run(make_request({"name": "http", "http": {"url": f"{server}/status/200"}}))
    assert (result.phase, result.outputs) == (SUCCEEDED, {"result": "status 200"})


def test_http_proxy_from_the_environment_is_used_as_go_does(
    server: str, run_http: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", server)
    monkeypatch.setenv("NO_PROXY", "elsewhere.invalid")
    result = run_http({"url": "http://tiphys-test.invalid/echo?via=proxy"})
    # The test server answers as the proxy: it got the absolute URL.
    assert echoed(result)["path"] == "http://tiphys-test.invalid/echo?via=proxy"
