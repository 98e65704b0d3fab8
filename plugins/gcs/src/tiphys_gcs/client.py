"""Storage clients for gcs locations: a service-account key, the default credentials, or none.

As Argo's GCS driver: a ``serviceAccountKeySecret`` holds a service-account JSON key
(scope ``devstorage.read_write``); without one the application default credentials
(Workload Identity, ``GOOGLE_APPLICATION_CREDENTIALS``, gcloud's login) are used.
Against an emulator (``STORAGE_EMULATOR_HOST``, as google-cloud-storage reads it, or the
location's ``endpoint``) requests are anonymous: a key is still parsed, so a malformed one
fails there too, but it is not traded for a token (that would call Google).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from typing import Any

from google.auth.credentials import AnonymousCredentials, Credentials
from google.auth.exceptions import DefaultCredentialsError
from google.cloud.storage import Client  # type: ignore[import-untyped]
from google.oauth2 import service_account
from tiphys_core.artifacts import ArtifactError

from tiphys_gcs.location import GCSLocation

READ_WRITE_SCOPE = "https://www.googleapis.com/auth/devstorage.read_write"
EMULATOR_VARIABLE = "STORAGE_EMULATOR_HOST"


class Clients:
    """One client per (credentials, endpoint), kept so connections and tokens are reused."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str, str], Client] = {}
        self._lock = threading.Lock()

    def for_location(self, location: GCSLocation) -> Client:
        """The client for ``location``; :class:`ArtifactError` if its credentials are unusable."""
        key_json = self._key_json(location)
        cache_key = (
            hashlib.sha256(key_json.encode()).hexdigest() if key_json is not None else "",
            location.endpoint,
            os.environ.get(EMULATOR_VARIABLE, ""),
        )
        with self._lock:
            client = self._clients.get(cache_key)
            if client is None:
                client = _new_client(location, key_json)
                self._clients[cache_key] = client
            return client

    def close(self) -> None:
        """Close every client's connections."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    @staticmethod
    def _key_json(location: GCSLocation) -> str | None:
        if location.key_secret is None:
            return None
        try:
            return location.artifact.secret(location.key_secret)
        except ArtifactError as exc:
            raise ArtifactError(f"{location.describe()}: serviceAccountKeySecret: {exc}") from None


def service_account_credentials(
    key_json: str, where: str = "serviceAccountKeySecret"
) -> Credentials:
    """Credentials from a service-account JSON key; :class:`ArtifactError` saying what is wrong.

    The message never repeats the key's content.
    """
    problem = f"{where} is not a service-account JSON key"
    try:
        info = json.loads(key_json)
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{problem}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(info, dict):
        raise ArtifactError(f"{problem}: expected a JSON object")
    if info.get("type") != "service_account":
        found = info.get("type")
        raise ArtifactError(
            f'{problem}: its "type" is {found!r}, expected "service_account" '
            "(create one with: gcloud iam service-accounts keys create)"
        )
    try:
        credentials: Credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=[READ_WRITE_SCOPE]
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise ArtifactError(f"{problem}: {_first_line(exc)}") from None
    return credentials


def _new_client(location: GCSLocation, key_json: str | None) -> Client:
    emulator = location.endpoint or os.environ.get(EMULATOR_VARIABLE, "")
    options: dict[str, Any] | None = (
        {"api_endpoint": location.endpoint} if location.endpoint else None
    )
    if key_json is not None:
        # Checked everywhere, so a bad key fails the same way against an emulator.
        credentials = service_account_credentials(
            key_json, f"{location.describe()}: serviceAccountKeySecret"
        )
        if not emulator:
            project = getattr(credentials, "project_id", None)
            return Client(project=project, credentials=credentials)
    if emulator:
        # Emulators accept any token, and trading a key for one would call Google.
        anonymous = AnonymousCredentials()  # type: ignore[no-untyped-call]
        return Client(project=None, credentials=anonymous, client_options=options)
    try:
        return Client(project=None)
    except DefaultCredentialsError as exc:
        raise ArtifactError(
            f"{location.describe()}: no serviceAccountKeySecret is set and the application "
            f"default credentials are not available: {_first_line(exc)}"
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
