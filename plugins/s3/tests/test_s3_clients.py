"""The boto3 clients the driver makes for locations (made offline; nothing is sent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tiphys_core.artifacts import Artifact, Secrets
from tiphys_s3.client import S3Clients
from tiphys_s3.location import S3Location


def client_for(tmp_path: Path, **fields: Any) -> Any:
    secrets = Secrets(tmp_path)
    secrets.put("cred", {"a": "AKIA", "s": "secret"})
    body = {
        "bucket": "b",
        "key": "k",
        "accessKeySecret": {"name": "cred", "key": "a"},
        "secretKeySecret": {"name": "cred", "key": "s"},
        **fields,
    }
    return S3Clients().get(S3Location.of(Artifact({"name": "a", "s3": body}, secrets)))


def test_custom_endpoints_are_addressed_by_path_in_us_east_1_by_default(tmp_path: Path) -> None:
    client = client_for(tmp_path, endpoint="minio:9000", insecure=True)
    assert client.meta.endpoint_url == "http://minio:9000"
    assert client.meta.region_name == "us-east-1"
    assert client.meta.config.s3["addressing_style"] == "path"


def test_addressing_style_virtual_hosted_is_honoured(tmp_path: Path) -> None:
    client = client_for(tmp_path, endpoint="oss.example.com", addressingStyle="virtual-hosted")
    assert client.meta.config.s3["addressing_style"] == "virtual"


def test_aws_is_left_to_boto3_with_the_region_given(tmp_path: Path) -> None:
    client = client_for(tmp_path, endpoint="s3.amazonaws.com", region="eu-west-1")
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.endpoint_url == "https://s3.eu-west-1.amazonaws.com"
    assert client.meta.config.s3["addressing_style"] == "auto"


def test_one_client_serves_every_location_with_the_same_settings(tmp_path: Path) -> None:
    secrets = Secrets(tmp_path)
    secrets.put("cred", {"a": "AKIA", "s": "secret"})
    clients = S3Clients()

    def location(key: str, secret_key: str = "s") -> S3Location:
        body = {
            "endpoint": "minio:9000",
            "bucket": "b",
            "key": key,
            "accessKeySecret": {"name": "cred", "key": "a"},
            "secretKeySecret": {"name": "cred", "key": secret_key},
        }
        return S3Location.of(Artifact({"name": "a", "s3": body}, secrets))

    assert clients.get(location("one")) is clients.get(location("two"))
    secrets.put("cred", {"other": "another-secret"})
    assert clients.get(location("one")) is not clients.get(location("one", "other"))
    clients.close()
