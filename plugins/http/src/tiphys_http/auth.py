"""Credentials from secrets onto a requests session, as Argo's ``workflow/artifacts/artifacts.go``.

``http.auth`` has three forms, each applied only when all its secrets are named (Argo
ignores a half-filled one): ``basicAuth`` (username and password), ``oauth2`` (client
credentials exchanged for a bearer token at the token URL, as Go's
``oauth2/clientcredentials``) and ``clientCert`` (a TLS client certificate and key).
As in Argo, a client certificate replaces the OAuth2 client, and an OAuth2 token takes
the place of basic auth. ``artifactory`` always sends basic auth from its two secrets.
Messages name secrets by ``name``/``key``, never their values.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote_plus

import requests
from requests.auth import AuthBase, HTTPBasicAuth
from tiphys_core.artifacts import Artifact, ArtifactError

from tiphys_http.messages import reason, subject

# Go's default transport: 30 s to connect, no limit on the transfer.
TIMEOUT = (30.0, None)
OAUTH2_SECRETS = ("clientIDSecret", "clientSecretSecret", "tokenURLSecret")
CLIENT_CERT_SECRETS = ("clientCertSecret", "clientKeySecret")


class BearerAuth(AuthBase):
    """``Authorization: <type> <token>``, the header an OAuth2 token gives."""

    def __init__(self, token_type: str, token: str) -> None:
        self.header = f"{token_type} {token}"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.header
        return request


def apply_http_auth(artifact: Artifact, session: requests.Session, stack: ExitStack) -> None:
    """Set the session's credentials from ``http.auth``; temporary files close with ``stack``."""
    auth = _mapping(artifact, artifact.location.get("auth"), "http.auth")
    basic = _mapping(artifact, auth.get("basicAuth"), "http.auth.basicAuth")
    username = _secret(artifact, basic, "usernameSecret", "http.auth.basicAuth")
    password = _secret(artifact, basic, "passwordSecret", "http.auth.basicAuth")
    # Argo sends basic auth only when both values are non-empty.
    if username and password:
        session.auth = _basic(username, password)
    client_cert = _mapping(artifact, auth.get("clientCert"), "http.auth.clientCert")
    oauth2 = _mapping(artifact, auth.get("oauth2"), "http.auth.oauth2")
    if all(client_cert.get(name) for name in CLIENT_CERT_SECRETS):
        session.cert = _client_certificate(artifact, client_cert, stack)
    elif all(oauth2.get(name) for name in OAUTH2_SECRETS):
        session.auth = _oauth2_token(artifact, oauth2)


def apply_artifactory_auth(artifact: Artifact, session: requests.Session) -> None:
    """Basic auth from ``artifactory.usernameSecret``/``passwordSecret`` (both required)."""
    location = artifact.location
    for name in ("usernameSecret", "passwordSecret"):
        if not location.get(name):
            raise ArtifactError(f"{subject(artifact)}: artifactory.{name} is required")
    username = _secret(artifact, location, "usernameSecret", "artifactory") or ""
    password = _secret(artifact, location, "passwordSecret", "artifactory") or ""
    session.auth = _basic(username, password)


def _basic(username: str, password: str) -> HTTPBasicAuth:
    # Bytes, so non-ASCII credentials go out as UTF-8 (as Go sends them), not Latin-1.
    return HTTPBasicAuth(username.encode("utf-8"), password.encode("utf-8"))


def _mapping(artifact: Artifact, value: Any, field: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ArtifactError(f"{subject(artifact)}: {field} must be a mapping")
    return value


def _secret(artifact: Artifact, holder: Mapping[str, Any], name: str, field: str) -> str | None:
    selector = holder.get(name)
    if selector is not None and not isinstance(selector, Mapping):
        raise ArtifactError(f"{subject(artifact)}: {field}.{name} must be {{name, key}}")
    try:
        return artifact.secret(selector)
    except ArtifactError as exc:
        raise ArtifactError(f"{subject(artifact)}: {field}.{name}: {exc}") from None


def _client_certificate(
    artifact: Artifact, settings: Mapping[str, Any], stack: ExitStack
) -> tuple[str, str]:
    """Write the certificate and key to private files (requests reads TLS files by path)."""
    certificate = _secret(artifact, settings, "clientCertSecret", "http.auth.clientCert") or ""
    key = _secret(artifact, settings, "clientKeySecret", "http.auth.clientCert") or ""
    directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tiphys-http-")))
    paths = []
    for name, text in (("client.crt", certificate), ("client.key", key)):
        path = directory / name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        paths.append(str(path))
    return paths[0], paths[1]


def _oauth2_token(artifact: Artifact, settings: Mapping[str, Any]) -> BearerAuth:
    """A token from the client-credentials grant, as Go's ``clientcredentials.Config``."""
    field = "http.auth.oauth2"
    client_id = _secret(artifact, settings, "clientIDSecret", field) or ""
    client_secret = _secret(artifact, settings, "clientSecretSecret", field) or ""
    token_url = (_secret(artifact, settings, "tokenURLSecret", field) or "").strip()
    form: dict[str, list[str]] = {"grant_type": ["client_credentials"]}
    scopes = [str(scope) for scope in settings.get("scopes") or ()]
    if scopes:
        form["scope"] = [" ".join(scopes)]
    params: dict[str, list[str]] = {}
    for index, param in enumerate(settings.get("endpointParams") or ()):
        if not isinstance(param, Mapping) or not param.get("key"):
            raise ArtifactError(f"{subject(artifact)}: {field}.endpointParams[{index}] needs a key")
        params.setdefault(str(param["key"]), []).append(str(param.get("value") or ""))
    for key, values in params.items():
        if key in form and key != "grant_type":
            raise ArtifactError(f"{subject(artifact)}: {field}.endpointParams cannot set {key!r}")
        form[key] = values
    # The token URL is itself a secret: messages name the secret, never the URL.
    selector = settings["tokenURLSecret"]
    where = f"the OAuth2 token endpoint (secret {selector.get('name')}/{selector.get('key')})"
    # Go's auto-detection: client credentials in a basic-auth header first, then in the body.
    in_header = (quote_plus(client_id, safe=""), quote_plus(client_secret, safe=""))
    first = _token_request(artifact, where, token_url, form, HTTPBasicAuth(*in_header))
    if first.ok:
        return _parse_token(artifact, where, first)
    in_body = {**form, "client_id": [client_id]}
    if client_secret:
        in_body["client_secret"] = [client_secret]
    second = _token_request(artifact, where, token_url, in_body, None)
    if second.ok:
        return _parse_token(artifact, where, second)
    raise ArtifactError(
        f"{subject(artifact)}: {where} refused the client credentials: "
        f"HTTP {second.status_code} {second.reason}"
    )


def _token_request(
    artifact: Artifact,
    where: str,
    url: str,
    form: Mapping[str, list[str]],
    auth: HTTPBasicAuth | None,
) -> requests.Response:
    try:
        return requests.post(
            url,
            data=[(key, value) for key, values in form.items() for value in values],
            auth=auth,
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise ArtifactError(f"{subject(artifact)}: cannot reach {where}: {reason(exc)}") from None


def _parse_token(artifact: Artifact, where: str, response: requests.Response) -> BearerAuth:
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    fields: Mapping[str, Any]
    if content_type in ("application/x-www-form-urlencoded", "text/plain"):
        fields = dict(parse_qsl(response.text))
    else:
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        if not isinstance(parsed, Mapping):
            raise ArtifactError(f"{subject(artifact)}: {where} did not answer with a JSON token")
        fields = parsed
    token = str(fields.get("access_token") or "")
    if not token:
        raise ArtifactError(f"{subject(artifact)}: {where} answered without an access_token")
    # Go's Token.Type(): well-known types in canonical case, Bearer when unset.
    kind = str(fields.get("token_type") or "Bearer")
    kind = {"bearer": "Bearer", "mac": "MAC", "basic": "Basic"}.get(kind.lower(), kind)
    return BearerAuth(kind, token)
