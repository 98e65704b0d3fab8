"""One HTTP exchange as Argo's agent makes it with Go's default client, on the stdlib.

Go's ``http.Client`` follows up to 10 redirects (301/302/303 become GET without a body
unless the method was GET or HEAD; 307/308 repeat the method and body; credentials are
not sent to another host), asks for gzip and decompresses it transparently, honours
``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY`` (never for localhost), and words failures as
``Get "<url>": <what went wrong>``. :class:`Exchange` does the same with ``http.client``,
and can be stopped from another thread (:meth:`Exchange.abort` shuts its socket).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import ipaddress
import os
import socket
import ssl
import threading
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_REDIRECTS = 10
USER_AGENT = "tiphys-executor"
# Headers Go drops when a redirect leaves the original host.
_CREDENTIAL_HEADERS = frozenset({"authorization", "www-authenticate", "cookie", "cookie2"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_TOKEN_CHARACTERS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


class HTTPRequestError(Exception):
    """The exchange failed; the message is worded as Go's ``*url.Error``."""


@dataclass
class HTTPResponse:
    """The final response: status, headers as Go's ``http.Header`` (canonical keys), body."""

    status: int
    headers: dict[str, list[str]]
    body: bytes


@dataclass
class Exchange:
    """One request and its redirects.

    :param headers: ``(name, value)`` pairs in order; a ``Host`` header sets the host sent.
    :param timeout: seconds each socket operation may block (a safety net: the caller
        enforces the overall deadline and calls :meth:`abort`).
    """

    method: str
    url: str
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    insecure_skip_verify: bool = False
    timeout: float | None = None
    _connection: http.client.HTTPConnection | None = field(default=None, repr=False)
    _aborted: bool = field(default=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def operation(self) -> str:
        """Go's ``url.Error.Op`` for the method: ``Get``, ``Post``..."""
        return self.method[:1] + self.method[1:].lower()

    def error(self, url: str, what: str) -> HTTPRequestError:
        return HTTPRequestError(f'{self.operation()} "{_without_password(url)}": {what}')

    def perform(self) -> HTTPResponse:
        """Send the request, follow redirects as Go does, read the whole final response."""
        if not self.method or not all(c in _TOKEN_CHARACTERS for c in self.method):
            raise HTTPRequestError(f"net/http: invalid method {self.method!r}")
        method, url, body = self.method, self.url, self.body
        headers = list(self.headers)
        for redirects in range(MAX_REDIRECTS + 1):
            status, response_headers, data = self._send(method, url, headers, body)
            location = _first(response_headers, "Location")
            follow, method, keep_body = _redirect(method, status)
            if not follow or not location:
                return HTTPResponse(status, response_headers, data)
            if redirects == MAX_REDIRECTS:
                break
            target = urllib.parse.urljoin(url, location)
            if urllib.parse.urlsplit(target).hostname != urllib.parse.urlsplit(url).hostname:
                headers = [(n, v) for n, v in headers if n.lower() not in _CREDENTIAL_HEADERS]
            url, body = target, body if keep_body else b""
        raise self.error(url, f"stopped after {MAX_REDIRECTS} redirects")

    def abort(self) -> None:
        """Make a blocked :meth:`perform` fail now (from another thread)."""
        with self._lock:
            self._aborted = True
            connection = self._connection
        if connection is not None and connection.sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing to stop
                connection.sock.shutdown(socket.SHUT_RDWR)

    def _send(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, dict[str, list[str]], bytes]:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise self.error(url, f'unsupported protocol scheme "{parts.scheme}"')
        if not parts.hostname:
            raise self.error(url, "http: no Host in request URL")
        connection, target, proxy_headers = self._connect(scheme, parts)
        with self._lock:
            if self._aborted:
                raise self.error(url, "context canceled")
            self._connection = connection
        try:
            names = {name.lower() for name, _ in headers}
            connection.putrequest(
                method, target, skip_host="host" in names, skip_accept_encoding=True
            )
            for name, value in [*headers, *proxy_headers]:
                connection.putheader(name, value)
            if "user-agent" not in names:
                connection.putheader("User-Agent", USER_AGENT)
            if "accept-encoding" not in names:
                connection.putheader("Accept-Encoding", "gzip")
            if body or method in _BODY_METHODS:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            response = connection.getresponse()
            data = response.read()
            response_headers = canonical_headers(response.getheaders())
        except (OSError, http.client.HTTPException) as exc:
            raise self.error(url, _describe(exc, parts)) from None
        finally:
            connection.close()
        if (
            "accept-encoding" not in names
            and _first(response_headers, "Content-Encoding") == "gzip"
        ):
            data = _gunzip(data, self.error(url, "gzip: invalid header"))
            for name in ("Content-Encoding", "Content-Length"):
                response_headers.pop(name, None)
        return response.status, response_headers, data

    def _connect(
        self, scheme: str, parts: urllib.parse.SplitResult
    ) -> tuple[http.client.HTTPConnection, str, list[tuple[str, str]]]:
        """A connection, the request target and headers the proxy needs (if any)."""
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        proxy = _proxy_for(scheme, host, port)
        if proxy is None:
            return self._connection_to(scheme, host, port), target, []
        proxy_parts = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        proxy_headers: list[tuple[str, str]] = []
        if proxy_parts.username:
            user = urllib.parse.unquote(proxy_parts.username)
            password = urllib.parse.unquote(proxy_parts.password or "")
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            proxy_headers.append(("Proxy-Authorization", f"Basic {token}"))
        proxy_scheme = proxy_parts.scheme.lower()
        proxy_port = proxy_parts.port or (443 if proxy_scheme == "https" else 80)
        connection = self._connection_to(proxy_scheme, proxy_parts.hostname or "", proxy_port)
        if scheme == "https":
            connection.set_tunnel(host, port, headers=dict(proxy_headers))
            return connection, target, []
        # Plain HTTP through a proxy: the absolute URL, the proxy's credentials on the request.
        return connection, urllib.parse.urlunsplit(parts._replace(fragment="")), proxy_headers

    def _connection_to(self, scheme: str, host: str, port: int) -> http.client.HTTPConnection:
        if scheme == "https":
            context = ssl.create_default_context()
            if self.insecure_skip_verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(host, port, timeout=self.timeout, context=context)
        return http.client.HTTPConnection(host, port, timeout=self.timeout)


def canonical_headers(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """Header pairs as Go's ``http.Header``: canonical keys (``Content-Type``), values in order."""
    headers: dict[str, list[str]] = {}
    for name, value in pairs:
        headers.setdefault(canonical_key(name), []).append(value)
    return headers


def canonical_key(name: str) -> str:
    """Go's ``CanonicalMIMEHeaderKey``: each dash-separated word capitalized, if all token."""
    if not name or not all(c in _TOKEN_CHARACTERS for c in name):
        return name
    return "-".join(word[:1].upper() + word[1:].lower() for word in name.split("-"))


def _redirect(method: str, status: int) -> tuple[bool, str, bool]:
    """Go's ``redirectBehavior``: whether to follow, with which method, keeping the body."""
    if status in (301, 302, 303):
        return True, method if method in ("GET", "HEAD") else "GET", False
    if status in (307, 308):
        return True, method, True
    return False, method, False


def _first(headers: dict[str, list[str]], name: str) -> str:
    values = headers.get(name) or [""]
    return values[0]


def _gunzip(data: bytes, error: HTTPRequestError) -> bytes:
    import gzip
    import zlib

    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        raise error from None


def _proxy_for(scheme: str, host: str, port: int) -> str | None:
    """The proxy Go's ``ProxyFromEnvironment`` picks for a URL, or None.

    ``HTTPS_PROXY`` for https URLs, ``HTTP_PROXY`` for http (upper case first), never for
    localhost or a loopback address, nor for a host ``NO_PROXY`` names (``*``, an IP
    address or network, or a domain that also covers its subdomains; ``:port`` optional).
    """
    if host == "localhost" or _is_loopback(host):
        return None
    proxy = _environment("HTTPS_PROXY" if scheme == "https" else "HTTP_PROXY")
    if not proxy or _bypassed(host, port):
        return None
    return proxy


def _environment(name: str) -> str:
    return os.environ.get(name) or os.environ.get(name.lower()) or ""


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bypassed(host: str, port: int) -> bool:
    host = host.lower().rstrip(".")
    for entry in _environment("NO_PROXY").split(","):
        entry = entry.strip().lower()
        if entry == "*":
            return True
        if not entry:
            continue
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            network = None
        if network is not None:
            try:
                if ipaddress.ip_address(host) in network:
                    return True
            except ValueError:
                pass
            continue
        name, _, wanted_port = entry.partition(":")
        if wanted_port and wanted_port != str(port):
            continue
        name = name.lstrip("*").rstrip(".")
        if name.startswith("."):
            if host.endswith(name):
                return True
        elif host == name or host.endswith(f".{name}"):
            return True
    return False


def _describe(exc: BaseException, parts: urllib.parse.SplitResult) -> str:
    """What went wrong, in the words Go's net/http uses where they differ from Python's."""
    address = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"tls: failed to verify certificate: x509: {exc.verify_message}"
    if isinstance(exc, ConnectionRefusedError):
        return f"dial tcp {address}: connect: connection refused"
    if isinstance(exc, socket.gaierror):
        return f"dial tcp: lookup {parts.hostname}: no such host"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
    if isinstance(exc, http.client.RemoteDisconnected | http.client.IncompleteRead):
        return "EOF"
    return str(exc) or type(exc).__name__


def _without_password(url: str) -> str:
    """The URL as Go's ``url.Error`` shows it: a password is replaced by ``***``."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
