"""boto3's exceptions as :class:`ArtifactError` messages that name the artifact and the cause."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
    SSLError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from s3transfer.exceptions import RetriesExceededError
from tiphys_core.artifacts import ArtifactError, ArtifactNotFoundError

from tiphys_s3.location import S3Location

NOT_FOUND_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
ALREADY_EXISTS_CODES = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})


def error_code(exc: ClientError) -> str:
    """The S3 error code (``NoSuchKey``...), or the HTTP status for bodiless answers (HEAD)."""
    error = exc.response.get("Error") or {}
    code = str(error.get("Code") or "")
    if code:
        return code
    return str((exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or "")


def is_not_found(exc: ClientError) -> bool:
    """Whether the object is missing (GET's ``NoSuchKey`` or HEAD's bare 404)."""
    return error_code(exc) in NOT_FOUND_CODES


@contextlib.contextmanager
def translated(location: S3Location, doing: str) -> Iterator[None]:
    """Turn boto3's and the file system's exceptions into :class:`ArtifactError`.

    :param doing: what was tried, for the message ("load", "save", "list"...).
    """
    try:
        yield
    except ArtifactError:
        raise
    except RetriesExceededError as exc:
        raise failure(exc.last_exception or exc, location, doing) from None
    except (BotoCoreError, ClientError, OSError) as exc:
        raise failure(exc, location, doing) from None


def failure(exc: BaseException, location: S3Location, doing: str) -> ArtifactError:
    """The :class:`ArtifactError` for ``exc``; :class:`ArtifactNotFoundError` for a missing key."""
    prefix = f"{location.describe()}: cannot {doing}"
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in NOT_FOUND_CODES:
            return ArtifactNotFoundError(f"{prefix}: no object has this key")
        return ArtifactError(f"{prefix}: {_client_error(exc, code, location)}")
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return ArtifactError(
            f"{prefix}: no credentials ({exc}); give s3.accessKeySecret and s3.secretKeySecret, "
            "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for boto3's default chain"
        )
    if isinstance(exc, SSLError):
        return ArtifactError(
            f"{prefix}: TLS with {_server(location)} failed ({exc}); for plain http set "
            "s3.insecure: true, for a private CA give s3.caSecret"
        )
    if isinstance(exc, ReadTimeoutError):
        return ArtifactError(f"{prefix}: {_server(location)} did not answer in time ({exc})")
    if isinstance(exc, (BotoConnectionError, ConnectionClosedError)):
        return ArtifactError(
            f"{prefix}: cannot reach {_server(location)} ({exc}); check s3.endpoint "
            "(host:port) and s3.insecure (true for plain http)"
        )
    if isinstance(exc, OSError):
        what = f" {exc.filename}" if exc.filename else ""
        return ArtifactError(f"{prefix}:{what} {exc.strerror or exc}")
    return ArtifactError(f"{prefix}: {exc}")


def _client_error(exc: ClientError, code: str, location: S3Location) -> str:
    error = exc.response.get("Error") or {}
    message = str(error.get("Message") or "")
    if code == "NoSuchBucket":
        return (
            f"bucket {location.bucket!r} does not exist "
            "(s3.createBucketIfNotPresent: {} creates it when saving)"
        )
    if code == "InvalidAccessKeyId":
        return (
            "the server does not know the access key; check the secret s3.accessKeySecret "
            "names (or the credentials boto3 found in the environment)"
        )
    if code == "SignatureDoesNotMatch":
        return (
            "the secret key does not match the access key (request signature rejected); "
            "check the secret s3.secretKeySecret names"
        )
    if code in ("403", "AccessDenied", "Forbidden"):
        return (
            "access denied: the credentials are wrong or may not use this bucket and key "
            "(check s3.accessKeySecret and s3.secretKeySecret)"
        )
    if code in ("ExpiredToken", "InvalidToken", "TokenRefreshRequired"):
        return f"the session token is invalid or expired ({code}); check s3.sessionTokenSecret"
    status = (exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    detail = f": {message}" if message else ""
    return f"{code or 'error'}{detail} (HTTP {status})" if status else f"{code}{detail}"


def _server(location: S3Location) -> str:
    return location.endpoint_url or "AWS S3"
