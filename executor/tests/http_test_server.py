"""A small HTTP(S) server for the http template's tests, run as its own process.

``python http_test_server.py [--cert FILE --key FILE]`` listens on 127.0.0.1 (a free
port), prints the port on its first line and serves until killed:

- ``/status/<code>``: that status, body ``status <code>``;
- ``/echo``: 200 with the request as JSON (method, path, headers, body as text);
- ``/slow?seconds=N``: waits N seconds, then 200 ``slow``;
- ``/redirect/<code>?to=<path>``: that redirect status to ``to``;
- ``/gzip``: a gzip-encoded ``compressed body``;
- anything else: 404.
"""

from __future__ import annotations

import argparse
import gzip
import json
import ssl
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output quiet

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def _serve(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        segments = parts.path.strip("/").split("/")
        if segments[0] == "status" and len(segments) == 2:
            self._reply(int(segments[1]), f"status {segments[1]}".encode())
        elif segments[0] == "echo":
            document = {
                "method": self.command,
                "path": self.path,
                "headers": [[name, value] for name, value in self.headers.items()],
                "body": body.decode("utf-8", errors="replace"),
            }
            self._reply(200, json.dumps(document).encode(), "application/json")
        elif segments[0] == "slow":
            time.sleep(float(query.get("seconds", "30")))
            self._reply(200, b"slow")
        elif segments[0] == "redirect" and len(segments) == 2:
            self._reply(int(segments[1]), b"", extra={"Location": query.get("to", "/echo")})
        elif segments[0] == "gzip":
            self._reply(200, gzip.compress(b"compressed body"), extra={"Content-Encoding": "gzip"})
        else:
            self._reply(404, b"not found")

    def _reply(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/plain",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Test-Server", "yes")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert")
    parser.add_argument("--key")
    options = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if options.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(options.cert, options.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()  # until the fixture terminates the process


if __name__ == "__main__":
    main()
