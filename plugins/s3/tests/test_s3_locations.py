"""Reading Argo's ``s3`` location fields (no server needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tiphys_core.artifacts import Artifact, ArtifactError, Secrets
from tiphys_s3.location import S3Location, directory_prefix


def locate(secrets: Secrets | None = None, **fields: Any) -> S3Location:
    body = {"bucket": "my-bucket", "key": "path/in/bucket.txt", **fields}
    return S3Location.of(Artifact({"name": "my-art", "s3": body}, secrets or Secrets("/nowhere")))


def test_endpoint_is_host_and_port_spoken_to_over_tls_unless_insecure() -> None:
    assert locate(endpoint="minio:9000").endpoint_url == "https://minio:9000"
    assert locate(endpoint="minio:9000", insecure=True).endpoint_url == "http://minio:9000"
    assert locate(endpoint="minio:9000", insecure=False).endpoint_url == "https://minio:9000"


def test_aws_endpoints_are_left_to_the_sdk() -> None:
    assert locate().endpoint_url == ""
    assert locate(endpoint="s3.amazonaws.com", region="eu-west-1").endpoint_url == ""


def test_aws_regional_endpoints_name_the_region_and_keep_aws_addressing() -> None:
    regional = locate(endpoint="s3.eu-central-1.amazonaws.com")
    assert regional.on_aws is True
    assert regional.region == "eu-central-1"
    assert regional.endpoint_url == "https://s3.eu-central-1.amazonaws.com"
    assert locate(endpoint="s3-us-west-2.amazonaws.com").region == "us-west-2"
    assert locate(endpoint="s3.eu-central-1.amazonaws.com", region="x-1").region == "x-1"
    assert locate(endpoint="minio:9000").on_aws is False
    assert locate().on_aws is True


def test_an_endpoint_written_as_a_url_keeps_its_scheme() -> None:
    assert locate(endpoint="http://minio:9000/").endpoint_url == "http://minio:9000"


def test_directory_prefix_is_the_cleaned_key_and_a_slash() -> None:
    assert directory_prefix("a/b") == "a/b/"
    assert directory_prefix("a/b/") == "a/b/"
    assert directory_prefix("a//b/./c") == "a/b/c/"
    assert directory_prefix("") == ""
    assert directory_prefix("/") == ""


def test_keys_are_taken_as_written() -> None:
    assert locate(key=" spaced name ").key == " spaced name "


def test_secrets_give_keys_with_surrounding_whitespace_trimmed(tmp_path: Path) -> None:
    secrets = Secrets(tmp_path)
    secrets.put("cred", {"a": " AKIA\n", "s": "secret\n", "t": "token\n"})
    location = locate(
        secrets,
        accessKeySecret={"name": "cred", "key": "a"},
        secretKeySecret={"name": "cred", "key": "s"},
        sessionTokenSecret={"name": "cred", "key": "t"},
    )
    assert location.credentials is not None
    assert location.credentials.access_key == "AKIA"
    assert location.credentials.secret_key == "secret"
    assert location.credentials.session_token == "token"
    assert "secret" not in repr(location.credentials)


def test_without_secrets_there_are_no_static_credentials() -> None:
    assert locate().credentials is None
    assert locate(useSDKCreds=True).credentials is None
    assert locate(roleARN="arn:aws:iam::1:role/r").role_arn == "arn:aws:iam::1:role/r"


def test_create_bucket_if_not_present_is_on_when_present_even_empty() -> None:
    assert locate().create_bucket is False
    assert locate(createBucketIfNotPresent={}).create_bucket is True
    assert locate(createBucketIfNotPresent={"objectLocking": True}).object_locking is True


def test_encryption_options_become_upload_arguments() -> None:
    assert locate().encryption == {}
    assert locate(encryptionOptions={"enableEncryption": False}).encryption == {}
    assert locate(encryptionOptions={"enableEncryption": True}).encryption == {
        "ServerSideEncryption": "AES256"
    }
    kms = locate(
        encryptionOptions={
            "enableEncryption": True,
            "kmsKeyId": "key-1",
            "kmsEncryptionContext": '{"team": "data"}',
        }
    ).encryption
    assert kms["ServerSideEncryption"] == "aws:kms"
    assert kms["SSEKMSKeyId"] == "key-1"
    assert kms["SSEKMSEncryptionContext"] == "eyJ0ZWFtIjoiZGF0YSJ9"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"bucket": ""}, r"s3\.bucket is required"),
        ({"bucket": "a/b"}, r"must be a bucket name"),
        ({"insecure": "yes"}, r"s3\.insecure must be true or false"),
        ({"addressingStyle": "dns"}, r"s3\.addressingStyle 'dns' is not one of"),
        ({"createBucketIfNotPresent": True}, r"createBucketIfNotPresent must be a mapping"),
        ({"accessKeySecret": "cred"}, r"s3\.accessKeySecret must be a secret selector"),
        ({"key": 3}, r"s3\.key must be a string"),
        (
            {
                "encryptionOptions": {
                    "enableEncryption": True,
                    "kmsKeyId": "k",
                    "kmsEncryptionContext": "{",
                }
            },
            r"kmsEncryptionContext is not JSON",
        ),
        (
            {"encryptionOptions": {"serverSideCustomerKeySecret": {"name": "a", "key": "b"}}},
            r"SSE-C\) is not supported",
        ),
    ],
)
def test_wrong_fields_are_errors_naming_the_artifact_and_field(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ArtifactError, match=message) as caught:
        locate(**fields)
    assert "s3 artifact 'my-art'" in str(caught.value)


def test_a_secret_key_without_its_access_key_partner_is_an_error(tmp_path: Path) -> None:
    secrets = Secrets(tmp_path)
    secrets.put("cred", {"a": "AKIA"})
    with pytest.raises(ArtifactError, match=r"s3\.secretKeySecret"):
        locate(
            secrets,
            accessKeySecret={"name": "cred", "key": "a"},
            secretKeySecret={"name": "cred", "key": "missing"},
        )
