"""Argo's ``http`` and ``artifactory`` artifact drivers (``workflow/artifacts/http/http.go``).

One URL is one file: ``load`` and ``open_stream`` GET it, ``save`` PUTs a file to it,
both streamed in chunks so an artifact is never whole in memory. Argo's driver cannot
list, tell directories or delete, so those verbs raise :class:`UnsupportedVerbError`
(the executor archives a directory into one file before it saves it, as Argo does).
A 404 is :class:`ArtifactNotFoundError`; any other status outside 2xx is an
:class:`ArtifactError` naming the URL (without credentials) and the status.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, suppress
from typing import Any, BinaryIO, NoReturn
from urllib.parse import urlsplit

import requests
from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError, BaseDriver

from tiphys_http.auth import TIMEOUT, apply_artifactory_auth, apply_http_auth
from tiphys_http.messages import public_url, reason, subject

CHUNK_SIZE = 1024 * 1024
_VERB_WORDS = {"GET": "loading", "PUT": "saving to"}


class HTTPDriver(BaseDriver):
    """``http: {url, headers: [{name, value}], auth: {basicAuth|oauth2|clientCert}}``."""

    name = "http"

    def load(self, artifact: Artifact, path: str) -> None:
        """GET the URL into the file ``path`` (created only once the server answers 2xx)."""
        with _Connection(self, artifact) as connection:
            response = connection.send("GET", stream=True)
            with response:
                _download(connection, response, path)

    def open_stream(self, artifact: Artifact) -> BinaryIO:
        """The body of a GET of the URL, read as it arrives (close it when done)."""
        connection = _Connection(self, artifact)
        try:
            response = connection.send("GET", stream=True)
        except BaseException:
            connection.close()
            raise
        return io.BufferedReader(_ResponseReader(connection, response), CHUNK_SIZE)

    def save(self, path: str, artifact: Artifact) -> None:
        """PUT the file at ``path`` to the URL, streamed from disk."""
        if os.path.isdir(path):
            raise ArtifactError(
                f"{subject(artifact)}: {path} is a directory, and an {artifact.kind} URL holds "
                "one file (archive the directory, e.g. with Argo's default tar archive)"
            )
        with _Connection(self, artifact) as connection:
            try:
                handle = open(path, "rb")  # noqa: SIM115 (closed below, after the request)
            except OSError as exc:
                raise ArtifactError(
                    f"{subject(artifact)}: cannot read {path}: {exc.strerror}"
                ) from None
            with handle:
                # An empty body goes as Content-Length: 0 rather than an empty chunked one;
                # a file object is streamed, and rewound if a 307/308 redirect resends it.
                body: BinaryIO | bytes = handle if os.fstat(handle.fileno()).st_size else b""
                connection.send("PUT", data=body).close()

    def configure(self, artifact: Artifact, session: requests.Session, stack: ExitStack) -> None:
        """Put the location's headers and credentials on the session."""
        session.headers.update(_headers(artifact, artifact.location.get("headers")))
        apply_http_auth(artifact, session, stack)


class ArtifactoryDriver(HTTPDriver):
    """``artifactory: {url, usernameSecret, passwordSecret}``: the http driver with basic auth."""

    name = "artifactory"

    def configure(self, artifact: Artifact, session: requests.Session, stack: ExitStack) -> None:
        apply_artifactory_auth(artifact, session)


class _Connection:
    """One verb's session: the URL, its settings, and what to close when the verb ends."""

    def __init__(self, driver: HTTPDriver, artifact: Artifact) -> None:
        self.artifact = artifact
        url = artifact.location.get("url")
        if not url or not isinstance(url, str):
            raise ArtifactError(f"{subject(artifact)}: {artifact.kind}.url is empty")
        try:
            parts = urlsplit(url)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            parts = urlsplit("")
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise ArtifactError(
                f"{subject(artifact)}: {artifact.kind}.url {public_url(url)!r} "
                "is not an http:// or https:// URL"
            )
        self.url = url
        self._stack = ExitStack()
        try:
            self.session = self._stack.enter_context(requests.Session())
            driver.configure(artifact, self.session, self._stack)
        except BaseException:
            self._stack.close()
            raise

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()

    def describe(self) -> str:
        return f"{subject(self.artifact)}: {public_url(self.url)}"

    def send(self, method: str, **options: Any) -> requests.Response:
        """The response to one request; errors for failures and statuses outside 2xx."""
        try:
            response = self.session.request(method, self.url, timeout=TIMEOUT, **options)
        except requests.RequestException as exc:
            raise ArtifactError(
                f"{self.describe()}: cannot reach the server: {reason(exc)}"
            ) from None
        if 200 <= response.status_code < 300:
            return response
        response.close()
        self.raise_for(response, method)

    def raise_for(self, response: requests.Response, method: str) -> NoReturn:
        status = f"HTTP {response.status_code} {response.reason}".rstrip()
        if response.status_code == 404:
            raise ArtifactNotFoundError(f"{self.describe()}: not found ({status})")
        hint = ""
        if response.status_code in (401, 403):
            if self.session.auth is None and self.session.cert is None:
                hint = f" (the server wants credentials: set {_auth_field(self.artifact)})"
            else:
                hint = " (the server refused the credentials from the secrets)"
        verb = _VERB_WORDS.get(method, method)
        raise ArtifactError(f"{self.describe()}: {verb} failed with {status}{hint}")


class _ResponseReader(io.RawIOBase):
    """A streamed response body as a raw binary file; closing it closes the connection."""

    def __init__(self, connection: _Connection, response: requests.Response) -> None:
        super().__init__()
        self._connection = connection
        self._response = response
        self._chunks: Iterator[bytes] = response.iter_content(CHUNK_SIZE)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if not self._pending:
            try:
                self._pending = next(self._chunks, b"")
            except requests.RequestException as exc:
                raise ArtifactError(
                    f"{self._connection.describe()}: the download broke off: {reason(exc)}"
                ) from None
        count = min(len(view), len(self._pending))
        view[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def close(self) -> None:
        if not self.closed:
            self._response.close()
            self._connection.close()
        super().close()


def _download(connection: _Connection, response: requests.Response, path: str) -> None:
    """Stream the body into ``path``; a partial file is removed if the transfer fails."""
    try:
        target = open(path, "wb")  # noqa: SIM115 (closed below; a failed open removes nothing)
    except OSError as exc:
        raise ArtifactError(
            f"{connection.describe()}: cannot write {path}: {exc.strerror}"
        ) from None
    try:
        with target:
            for chunk in response.iter_content(CHUNK_SIZE):
                target.write(chunk)
    except requests.RequestException as exc:
        _remove(path)
        raise ArtifactError(
            f"{connection.describe()}: the download broke off: {reason(exc)}"
        ) from None
    except OSError as exc:
        _remove(path)
        raise ArtifactError(
            f"{connection.describe()}: cannot write {path}: {exc.strerror}"
        ) from None


def _remove(path: str) -> None:
    with suppress(OSError):
        os.unlink(path)


def _headers(artifact: Artifact, headers: Any) -> dict[str, str]:
    """``[{name, value}]`` as a dict; a repeated name's values are joined with ``, ``."""
    if headers is None:
        return {}
    if not isinstance(headers, list):
        raise ArtifactError(f"{subject(artifact)}: http.headers must be a list of {{name, value}}")
    found: dict[str, str] = {}
    lower: dict[str, str] = {}
    for index, header in enumerate(headers):
        if not isinstance(header, Mapping) or not header.get("name"):
            raise ArtifactError(f"{subject(artifact)}: http.headers[{index}] needs a name")
        name, value = str(header["name"]), str(header.get("value") or "")
        if any(character in name + value for character in "\r\n"):
            raise ArtifactError(f"{subject(artifact)}: http.headers[{index}] has a line break")
        # Argo adds each header (Header.Add), so repeats are all sent: as one joined field here.
        spelled = lower.setdefault(name.lower(), name)
        found[spelled] = f"{found[spelled]}, {value}" if spelled in found else value
    return found


def _auth_field(artifact: Artifact) -> str:
    if artifact.kind == "artifactory":
        return "artifactory.usernameSecret and passwordSecret"
    return "http.auth.basicAuth"
