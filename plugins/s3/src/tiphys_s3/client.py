"""boto3 clients for s3 locations, kept per endpoint and credentials, and the transfer settings.

Making a boto3 client costs tens of milliseconds (it loads the service model), so a
driver keeps one per distinct endpoint, region, addressing style and credentials, and
reuses it from any thread (boto3 clients are thread safe; sessions are not, so each
client gets its own session).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from tiphys_s3.location import S3Credentials, S3Location

# boto3 makes its client classes at run time; there is no static type to name here.
S3Client: TypeAlias = Any

MiB = 1024 * 1024
# boto3's own part size and parallelism (8 MiB parts, 10 in flight): measured no slower
# than larger parts against a local server, and what S3 itself is tuned for. Parts of a
# file are read from disk as they are sent, so an upload holds little in memory.
MULTIPART_THRESHOLD = 8 * MiB
MULTIPART_CHUNKSIZE = 8 * MiB
MAX_CONCURRENCY = 10
# Downloaded chunks (256 KiB each) waiting for the disk: download threads wait when this
# many are queued. boto3's default (100) lets a 1 GiB download grow the process by
# ~70 MiB when the disk lags; 16 keeps it near 30 MiB at the same speed.
MAX_IO_QUEUE = 16
# Every file of a directory goes through one transfer manager, so small files also
# move in parallel; the pool must hold a connection per worker thread.
MAX_POOL_CONNECTIONS = 2 * MAX_CONCURRENCY
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 60
# Assumed-role credentials are renewed this long before they expire.
ROLE_MARGIN = 300.0
DEFAULT_REGION = "us-east-1"


def transfer_config() -> TransferConfig:
    """How uploads and downloads are split into parts and run in parallel."""
    return TransferConfig(
        multipart_threshold=MULTIPART_THRESHOLD,
        multipart_chunksize=MULTIPART_CHUNKSIZE,
        max_concurrency=MAX_CONCURRENCY,
        max_io_queue=MAX_IO_QUEUE,
        use_threads=True,
    )


@dataclass(frozen=True)
class ClientSettings:
    """What makes two locations need different clients."""

    endpoint_url: str
    on_aws: bool
    region: str
    addressing_style: str
    credentials: S3Credentials | None
    role_arn: str
    ca_bundle: str | None

    @classmethod
    def of(cls, location: S3Location) -> ClientSettings:
        return cls(
            endpoint_url=location.endpoint_url,
            on_aws=location.on_aws,
            region=location.region,
            addressing_style=location.addressing_style,
            credentials=location.credentials,
            role_arn=location.role_arn,
            ca_bundle=location.ca_bundle,
        )


class S3Clients:
    """boto3 S3 clients by :class:`ClientSettings`, made on first use (thread safe)."""

    def __init__(self) -> None:
        self._clients: dict[ClientSettings, tuple[S3Client, float]] = {}
        self._lock = threading.Lock()

    def get(self, location: S3Location) -> S3Client:
        """The client for ``location`` (boto3's exceptions propagate; the caller translates)."""
        settings = ClientSettings.of(location)
        with self._lock:
            cached = self._clients.get(settings)
            if cached is not None and cached[1] > time.time():
                return cached[0]
            # An expired role client is dropped, not closed: a transfer may still use it.
            client, expires = _make_client(settings)
            self._clients[settings] = (client, expires)
            return client

    def close(self) -> None:
        """Close every client's connections."""
        with self._lock:
            clients = [client for client, _ in self._clients.values()]
            self._clients.clear()
        for client in clients:
            client.close()


def _make_client(settings: ClientSettings) -> tuple[S3Client, float]:
    # Other servers need some region to sign with; on AWS boto3 finds it (config, redirects).
    region = settings.region or (None if settings.on_aws else DEFAULT_REGION)
    expires = float("inf")
    credentials = settings.credentials
    if credentials is not None:
        session = boto3.session.Session(
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.secret_key,
            aws_session_token=credentials.session_token,
            region_name=region,
        )
    elif settings.role_arn:
        session, expires = _assumed_role_session(settings.role_arn, region)
    else:
        # useSDKCreds, or no secrets at all: boto3's default chain (environment variables,
        # shared config files, container and instance roles), as Argo's SDK credentials.
        session = boto3.session.Session(region_name=region)
    # Servers other than AWS (MinIO, SeaweedFS, Ceph...) are addressed by path unless
    # told otherwise; on AWS boto3 picks virtual-hosted addressing itself.
    style = {"path": "path", "virtual-hosted": "virtual"}.get(
        settings.addressing_style, "auto" if settings.on_aws else "path"
    )
    config = Config(
        s3={"addressing_style": style},
        signature_version="s3v4",
        retries={"mode": "standard", "max_attempts": 5},
        max_pool_connections=MAX_POOL_CONNECTIONS,
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        user_agent_extra="tiphys",
    )
    verify: str | bool | None = None
    if settings.ca_bundle:
        verify = _ca_file(settings.ca_bundle)
    client = session.client(
        "s3",
        endpoint_url=settings.endpoint_url or None,
        config=config,
        verify=verify,
    )
    return client, expires


def _assumed_role_session(role_arn: str, region: str | None) -> tuple[Any, float]:
    """A session with the role's temporary credentials, and when to renew them."""
    sts = boto3.session.Session(region_name=region).client("sts")
    answer = sts.assume_role(RoleArn=role_arn, RoleSessionName="tiphys")
    keys = answer["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
        region_name=region,
    )
    return session, keys["Expiration"].timestamp() - ROLE_MARGIN


def _ca_file(pem: str) -> str:
    """A file holding ``pem`` (botocore wants a path), named by its digest so it is reused."""
    digest = hashlib.sha256(pem.encode()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"tiphys-s3-ca-{digest}.pem"
    if not target.exists():
        descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=".tiphys-s3-ca-")
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(pem)
        os.replace(name, target)
    return str(target)
