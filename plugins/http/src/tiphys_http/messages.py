"""How errors name artifacts, URLs and failures, keeping credentials out."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit, urlunsplit

import requests
from tiphys_core.artifacts import Artifact


def subject(artifact: Artifact) -> str:
    """How messages name the artifact."""
    return f"artifact {artifact.name!r}" if artifact.name else f"{artifact.kind} artifact"


def public_url(url: str) -> str:
    """The URL for messages: no ``user:password@``, query values hidden (they may be tokens)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an invalid URL)"
    host = parts.netloc.rpartition("@")[2]
    query = "&".join(
        f"{name}=***" if value else name
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


def reason(error: BaseException) -> str:
    """The innermost cause of a request failure, in words.

    requests' own messages quote the request's path and query, which may hold tokens.
    """
    found = ""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and isinstance(current.strerror, str):
            found = current.strerror
        following = getattr(current, "reason", None)
        if not isinstance(following, BaseException):
            following = current.__cause__ or current.__context__
        if following is None and current.args and isinstance(current.args[0], BaseException):
            following = current.args[0]
        current = following
    if found:
        return found
    if isinstance(error, requests.Timeout):
        return "timed out"
    return type(error).__name__
