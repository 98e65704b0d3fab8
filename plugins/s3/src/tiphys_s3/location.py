"""An ``s3:`` artifact location, checked: Argo's ``S3Artifact`` (``S3Bucket`` plus ``key``).

Fields as Argo reads them (``pkg/apis/workflow/v1alpha1/workflow_types.go``,
``workflow/artifacts/artifacts.go``): ``endpoint`` is ``host:port`` without a scheme and
is spoken to over TLS unless ``insecure: true``; ``accessKeySecret``/``secretKeySecret``
(and ``sessionTokenSecret``) are secret selectors; without them the credentials come
from ``roleARN`` (assumed through STS) or, as with ``useSDKCreds``, from the SDK's
default chain (environment, config files, instance or pod identity).
``createBucketIfNotPresent: {}`` creates the bucket on save; ``encryptionOptions``
asks for server-side encryption (SSE-S3, or SSE-KMS with ``kmsKeyId``).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import posixpath
import re
from collections.abc import Mapping
from typing import Any

from tiphys_core.artifacts import Artifact, ArtifactError

ADDRESSING_STYLES = ("", "path", "virtual-hosted")
# Hosts where the SDK knows the endpoint from the region (and how to address buckets).
AWS_GLOBAL_ENDPOINTS = ("s3.amazonaws.com", "s3.amazonaws.com:443")
# s3.<region>.amazonaws.com and the older s3-<region>.amazonaws.com name their region.
AWS_REGIONAL_ENDPOINT = re.compile(
    r"^(?:https?://)?s3[.-](?:dualstack\.)?([a-z]{2}(?:-gov)?-[a-z]+-\d+)\.amazonaws\.com"
)


@dataclasses.dataclass(frozen=True)
class S3Credentials:
    """Static keys from the location's secrets (whitespace trimmed, as Argo does)."""

    access_key: str
    secret_key: str
    session_token: str | None = None

    def __repr__(self) -> str:
        # Never print secrets, even in a traceback's locals.
        return f"S3Credentials(access_key={self.access_key[:4]!r}...)"


@dataclasses.dataclass(frozen=True)
class S3Location:
    """Where an s3 artifact lives and how to reach it.

    :param artifact: the artifact, for its name, secrets and messages.
    :param key: the object's key as written; :attr:`prefix` is its directory form.
    :param endpoint_url: the URL for the SDK, or "" to let it derive AWS's from the region.
    :param on_aws: whether the endpoint is AWS's (buckets then addressed as boto3 decides).
    :param region: ``region``, or the one a regional AWS endpoint names, or "".
    :param credentials: keys from secrets, or None for ``roleARN``/the default chain.
    :param ca_bundle: PEM text of the CA to trust (``caSecret``), or None.
    """

    artifact: Artifact
    bucket: str
    key: str
    endpoint: str
    endpoint_url: str
    on_aws: bool
    region: str
    addressing_style: str
    credentials: S3Credentials | None
    role_arn: str
    ca_bundle: str | None
    create_bucket: bool
    object_locking: bool
    encryption: Mapping[str, str]

    @classmethod
    def of(cls, artifact: Artifact) -> S3Location:
        """The location of an ``s3:`` artifact; :class:`ArtifactError` naming a wrong field."""
        body = artifact.location
        label = _label(artifact)
        bucket = _text(body, "bucket", label)
        if not bucket:
            raise ArtifactError(f"{label}: s3.bucket is required (the bucket's name)")
        if "/" in bucket:
            raise ArtifactError(f"{label}: s3.bucket {bucket!r} must be a bucket name, not a path")
        endpoint = _text(body, "endpoint", label).rstrip("/")
        insecure = body.get("insecure")
        if insecure is not None and not isinstance(insecure, bool):
            raise ArtifactError(f"{label}: s3.insecure must be true or false, not {insecure!r}")
        style = _text(body, "addressingStyle", label)
        if style not in ADDRESSING_STYLES:
            raise ArtifactError(
                f"{label}: s3.addressingStyle {style!r} is not one of path, virtual-hosted"
            )
        create = body.get("createBucketIfNotPresent")
        if create is not None and not isinstance(create, Mapping):
            raise ArtifactError(
                f"{label}: s3.createBucketIfNotPresent must be a mapping ({{}} or {{objectLocking: true}})"
            )
        return cls(
            artifact=artifact,
            bucket=bucket,
            key=_key(body, label),
            endpoint=endpoint,
            endpoint_url=_endpoint_url(endpoint, secure=not insecure),
            on_aws=_on_aws(endpoint),
            region=_text(body, "region", label) or _region_of(endpoint),
            addressing_style=style,
            credentials=_credentials(artifact, body, label),
            role_arn=_text(body, "roleARN", label),
            ca_bundle=_secret(artifact, body, "caSecret", label),
            create_bucket=create is not None,
            object_locking=bool(create and create.get("objectLocking")),
            encryption=_encryption(artifact, body, label),
        )

    @property
    def prefix(self) -> str:
        """The key as a directory: Go's ``filepath.Clean(key) + "/"``, or "" for the bucket's root."""
        return directory_prefix(self.key)

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def at(self, key: str) -> S3Location:
        """The same bucket and settings naming another object."""
        return dataclasses.replace(self, key=key)

    def describe(self) -> str:
        """The artifact, its URL and the endpoint, for messages."""
        where = f" at {self.endpoint}" if self.endpoint else ""
        return f"{_label(self.artifact)} ({self.url}{where})"


def directory_prefix(key: str) -> str:
    """The prefix objects under ``key`` as a directory share (``a/b`` -> ``a/b/``).

    As Argo's ``filepath.Clean(key) + "/"``; an empty key is the bucket's root ("").
    """
    if not key:
        return ""
    cleaned = posixpath.normpath(key)
    # POSIX keeps a leading "//"; Go's Clean does not.
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return "" if cleaned in (".", "/") else cleaned + "/"


def _endpoint_url(endpoint: str, secure: bool) -> str:
    if not endpoint or endpoint in AWS_GLOBAL_ENDPOINTS:
        return ""
    # Argo wants host:port; a URL is taken as it is (its scheme then decides TLS).
    if "://" in endpoint:
        return endpoint
    return f"{'https' if secure else 'http'}://{endpoint}"


def _on_aws(endpoint: str) -> bool:
    host = endpoint.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return not host or host.endswith((".amazonaws.com", ".amazonaws.com.cn"))


def _region_of(endpoint: str) -> str:
    match = AWS_REGIONAL_ENDPOINT.match(endpoint)
    return match.group(1) if match else ""


def _credentials(artifact: Artifact, body: Mapping[str, Any], label: str) -> S3Credentials | None:
    access_selector = body.get("accessKeySecret")
    if access_selector is not None and not isinstance(access_selector, Mapping):
        raise ArtifactError(f"{label}: s3.accessKeySecret must be a secret selector {{name, key}}")
    # As Argo: the secrets are read when accessKeySecret names a secret.
    if not (access_selector and access_selector.get("name")):
        return None
    access_key = _secret(artifact, body, "accessKeySecret", label)
    secret_key = _secret(artifact, body, "secretKeySecret", label)
    if access_key is None:
        return None
    if not secret_key:
        raise ArtifactError(
            f"{label}: s3.secretKeySecret is required with s3.accessKeySecret (the secret key)"
        )
    token = _secret(artifact, body, "sessionTokenSecret", label)
    return S3Credentials(access_key.strip(), secret_key.strip(), token.strip() if token else None)


def _encryption(artifact: Artifact, body: Mapping[str, Any], label: str) -> dict[str, str]:
    options = body.get("encryptionOptions")
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise ArtifactError(f"{label}: s3.encryptionOptions must be a mapping")
    if options.get("serverSideCustomerKeySecret"):
        # Argo derives the SSE-C key from the secret with minio's PBKDF; objects written
        # that way could not be read back by any other client, so tiphys refuses it.
        raise ArtifactError(
            f"{label}: s3.encryptionOptions.serverSideCustomerKeySecret (SSE-C) is not supported; "
            "use enableEncryption with or without kmsKeyId"
        )
    if not options.get("enableEncryption"):
        return {}
    kms_key = str(options.get("kmsKeyId") or "")
    if not kms_key:
        return {"ServerSideEncryption": "AES256"}
    extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key}
    context = str(options.get("kmsEncryptionContext") or "")
    if context:
        try:
            parsed = json.loads(context)
        except ValueError as exc:
            raise ArtifactError(
                f"{label}: s3.encryptionOptions.kmsEncryptionContext is not JSON: {exc}"
            ) from None
        compact = json.dumps(parsed, separators=(",", ":")).encode()
        extra["SSEKMSEncryptionContext"] = base64.b64encode(compact).decode()
    return extra


def _secret(artifact: Artifact, body: Mapping[str, Any], field: str, label: str) -> str | None:
    selector = body.get(field)
    if selector is None:
        return None
    if not isinstance(selector, Mapping):
        raise ArtifactError(f"{label}: s3.{field} must be a secret selector {{name, key}}")
    try:
        return artifact.secret(selector)
    except ArtifactError as exc:
        raise ArtifactError(f"{label}: s3.{field}: {exc}") from None


def _key(body: Mapping[str, Any], label: str) -> str:
    # Keys are taken as written: a space is a legal part of a key.
    value = body.get("key")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ArtifactError(f"{label}: s3.key must be a string, not {value!r}")
    return value


def _text(body: Mapping[str, Any], field: str, label: str) -> str:
    value = body.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ArtifactError(f"{label}: s3.{field} must be a string, not {value!r}")
    return value.strip()


def _label(artifact: Artifact) -> str:
    return f"s3 artifact {artifact.name!r}" if artifact.name else "s3 artifact"
