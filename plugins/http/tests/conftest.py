"""One nginx for the session (tiphys_http.testing), with the locations the tests need."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote_plus

import pytest
from tiphys_core.artifacts import Artifact, Secrets
from tiphys_http.testing import NGINX_MISSING, NginxServer, find_nginx, nginx_server

USER, PASSWORD = "ann", "correct horse:battery"
HEADER_NAME, HEADER_VALUE = "X-Tiphys-Token", "let-me-in"
CLIENT_ID, CLIENT_SECRET = "my client", "s3cr3t/+="
TOKEN = "tok-123"

MakeArtifact = Callable[[dict[str, Any]], Artifact]


def _locations() -> str:
    # Go's oauth2 sends the client credentials URL-escaped inside the basic-auth header.
    pair = f"{quote_plus(CLIENT_ID, safe='')}:{quote_plus(CLIENT_SECRET, safe='')}"
    client_basic = "Basic " + base64.b64encode(pair.encode()).decode()
    return f"""
        location /headers/ {{
            if ($http_x_tiphys_token != "{HEADER_VALUE}") {{ return 403; }}
            dav_methods PUT;
            create_full_put_path on;
        }}
        location /repeated-header/ {{
            if ($http_x_tiphys_repeated != "one, two") {{ return 403; }}
        }}
        location = /oauth/token-in-header {{
            if ($http_authorization != "{client_basic}") {{ return 401; }}
            default_type application/json;
            return 200 '{{"access_token": "{TOKEN}", "token_type": "bearer", "expires_in": 3600}}';
        }}
        location = /oauth/token-in-body {{
            if ($http_authorization != "") {{ return 401; }}
            default_type application/x-www-form-urlencoded;
            return 200 'access_token={TOKEN}&token_type=bearer';
        }}
        location /bearer/ {{
            if ($http_authorization != "Bearer {TOKEN}") {{ return 401; }}
            dav_methods PUT;
            create_full_put_path on;
        }}
        location = /moved {{
            absolute_redirect off;
            return 307 /redirected/target;
        }}
        location = /teapot {{
            return 418;
        }}
"""


@pytest.fixture(scope="session")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NginxServer]:
    if find_nginx() is None:
        pytest.skip(NGINX_MISSING)
    root = tmp_path_factory.mktemp("www")
    with nginx_server(root, users={USER: PASSWORD}, server_config=_locations()) as server:
        yield server


@pytest.fixture(scope="session")
def secrets(tmp_path_factory: pytest.TempPathFactory, nginx: NginxServer) -> Secrets:
    store = Secrets(tmp_path_factory.mktemp("secrets"))
    store.put("http-cred", {"username": USER, "password": PASSWORD})
    store.put("wrong-cred", {"username": USER, "password": "not-the-password-42"})
    store.put(
        "oauth",
        {
            "client-id": CLIENT_ID,
            "client-secret": CLIENT_SECRET,
            "token-url-header": f"{nginx.url}/oauth/token-in-header",
            "token-url-body": f"{nginx.url}/oauth/token-in-body\n",
        },
    )
    return store


@pytest.fixture
def make_artifact(secrets: Secrets) -> MakeArtifact:
    """An artifact named ``art`` at the given location (``{"http": {...}}``), with the secrets."""
    return lambda location: Artifact({"name": "art", **location}, secrets)
