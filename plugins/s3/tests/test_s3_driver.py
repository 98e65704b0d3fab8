"""Argo's S3 semantics beyond the shared contract: buckets, directory keys, streams."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError, Secrets
from tiphys_s3.driver import S3Driver
from tiphys_s3.testing import S3Server, bucket_exists

S3At = Callable[..., Artifact]


def test_create_bucket_if_not_present_creates_the_bucket_on_save(
    server: S3Server, secrets: Secrets, tmp_path: Path
) -> None:
    bucket = f"created-{uuid.uuid4().hex[:12]}"
    location = {
        **server.location("out/result.txt", bucket=bucket, secret="my-s3-cred"),
        "createBucketIfNotPresent": {},
    }
    artifact = Artifact({"name": "result", "s3": location}, secrets)
    source = tmp_path / "result.txt"
    source.write_text("made\n")
    driver = S3Driver()
    assert not bucket_exists(server, bucket)
    driver.save(str(source), artifact)
    assert bucket_exists(server, bucket)
    # The bucket now exists: saving again is fine.
    driver.save(str(source), artifact.with_key("out/again.txt"))
    driver.load(artifact.with_key("out/again.txt"), str(tmp_path / "again.txt"))
    assert (tmp_path / "again.txt").read_text() == "made\n"


def test_saving_to_a_missing_bucket_names_the_bucket_and_the_remedy(
    server: S3Server, secrets: Secrets, tmp_path: Path
) -> None:
    location = server.location("x.txt", bucket="no-such-bucket-here", secret="my-s3-cred")
    artifact = Artifact({"name": "result", "s3": location}, secrets)
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(ArtifactError, match=r"bucket 'no-such-bucket-here' does not exist.*create"):
        S3Driver().save(str(tmp_path / "x.txt"), artifact)


def test_loading_from_a_missing_bucket_is_an_error_not_a_missing_artifact(
    server: S3Server, secrets: Secrets, tmp_path: Path
) -> None:
    location = server.location("x.txt", bucket="no-such-bucket-here", secret="my-s3-cred")
    artifact = Artifact({"name": "input", "s3": location}, secrets)
    with pytest.raises(ArtifactError, match=r"does not exist") as caught:
        S3Driver().load(artifact, str(tmp_path / "x.txt"))
    assert not isinstance(caught.value, ArtifactNotFoundError)


def test_saved_directory_files_land_under_key_slash_relative_path(
    driver: S3Driver, s3_at: S3At, prefix: str, tmp_path: Path
) -> None:
    (tmp_path / "out" / "nested").mkdir(parents=True)
    (tmp_path / "out" / "top.txt").write_text("top")
    (tmp_path / "out" / "nested" / "inner.txt").write_text("inner")
    driver.save(str(tmp_path / "out"), s3_at("results"))
    assert driver.list_objects(s3_at("results")) == [
        f"{prefix}/results/nested/inner.txt",
        f"{prefix}/results/top.txt",
    ]
    # A trailing slash names the same directory.
    assert driver.is_directory(s3_at("results/")) is True


def test_symbolic_links_in_a_saved_directory_are_skipped_as_argo_does(
    driver: S3Driver, s3_at: S3At, prefix: str, tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "real.txt").write_text("real")
    (tmp_path / "out" / "link.txt").symlink_to(tmp_path / "out" / "real.txt")
    driver.save(str(tmp_path / "out"), s3_at("linked"))
    assert driver.list_objects(s3_at("linked")) == [f"{prefix}/linked/real.txt"]


def test_list_objects_of_a_single_object_is_that_key(
    driver: S3Driver, s3_at: S3At, prefix: str, tmp_path: Path
) -> None:
    (tmp_path / "one.txt").write_text("1")
    driver.save(str(tmp_path / "one.txt"), s3_at("one.txt"))
    assert driver.list_objects(s3_at("one.txt")) == [f"{prefix}/one.txt"]
    with pytest.raises(ArtifactNotFoundError):
        driver.list_objects(s3_at("two.txt"))


def test_open_stream_of_a_directory_key_says_to_load_it(
    driver: S3Driver, s3_at: S3At, tmp_path: Path
) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.txt").write_text("f")
    driver.save(str(tmp_path / "d"), s3_at("d"))
    with pytest.raises(ArtifactError, match=r"directory key"):
        driver.open_stream(s3_at("d"))


def test_open_stream_reads_a_large_object_in_pieces(
    driver: S3Driver, s3_at: S3At, tmp_path: Path
) -> None:
    data = bytes(range(256)) * (12 * 4096)  # 12 MiB
    (tmp_path / "big.bin").write_bytes(data)
    driver.save(str(tmp_path / "big.bin"), s3_at("big.bin"))
    pieces = []
    with driver.open_stream(s3_at("big.bin")) as stream:
        while piece := stream.read(1024 * 1024):
            pieces.append(piece)
    assert b"".join(pieces) == data


def test_saving_a_missing_path_names_the_path(
    driver: S3Driver, s3_at: S3At, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError, match=r"no such file or directory"):
        driver.save(str(tmp_path / "absent"), s3_at("x"))


def test_deleting_a_key_that_holds_nothing_is_not_an_error(driver: S3Driver, s3_at: S3At) -> None:
    # As Argo (and S3's DeleteObject): garbage collection may delete twice.
    driver.delete(s3_at("never-saved"))


def test_deleting_the_whole_bucket_by_an_empty_key_is_refused(
    driver: S3Driver, server: S3Server, secrets: Secrets
) -> None:
    artifact = Artifact({"name": "x", "s3": server.location("", secret="my-s3-cred")}, secrets)
    with pytest.raises(ArtifactError, match=r"s3\.key is empty"):
        driver.delete(artifact)


def test_server_side_encryption_is_asked_for_on_upload(
    driver: S3Driver, seaweedfs: S3Server, secrets: Secrets, prefix: str, tmp_path: Path
) -> None:
    location = {
        **seaweedfs.location(f"{prefix}/secret.txt", secret="my-s3-cred"),
        "encryptionOptions": {"enableEncryption": True},
    }
    artifact = Artifact({"name": "sealed", "s3": location}, secrets)
    (tmp_path / "secret.txt").write_text("sealed\n")
    driver.save(str(tmp_path / "secret.txt"), artifact)
    driver.load(artifact, str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_text() == "sealed\n"
    answer = raw_client(seaweedfs).head_object(Bucket="tiphys", Key=f"{prefix}/secret.txt")
    assert answer["ServerSideEncryption"] == "AES256"


def test_directory_markers_are_not_loaded_as_files(
    driver: S3Driver, server: S3Server, s3_at: S3At, prefix: str, tmp_path: Path
) -> None:
    client = raw_client(server)
    # What the AWS console leaves when a folder is made by hand.
    client.put_object(Bucket="tiphys", Key=f"{prefix}/made/", Body=b"")
    client.put_object(Bucket="tiphys", Key=f"{prefix}/made/file.txt", Body=b"inside")
    driver.load(s3_at("made"), str(tmp_path / "made"))
    assert [p.name for p in (tmp_path / "made").iterdir()] == ["file.txt"]
    assert driver.list_objects(s3_at("made")) == [f"{prefix}/made/file.txt"]
    driver.delete(s3_at("made"))
    assert "Contents" not in client.list_objects_v2(Bucket="tiphys", Prefix=f"{prefix}/made")


def test_a_key_that_climbs_out_of_the_directory_is_refused(
    driver: S3Driver, moto: S3Server, secrets: Secrets, prefix: str, tmp_path: Path
) -> None:
    # SeaweedFS refuses such keys; moto stores them, as AWS does.
    raw_client(moto).put_object(Bucket="tiphys", Key=f"{prefix}/dir/../../escape", Body=b"x")
    artifact = Artifact(
        {"name": "in", "s3": moto.location(f"{prefix}/dir", secret="my-s3-cred")}, secrets
    )
    with pytest.raises(ArtifactError, match=r"does not name a file inside the directory"):
        driver.load(artifact, str(tmp_path / "target" / "dir"))
    assert not (tmp_path / "escape").exists()
    assert not (tmp_path / "target" / "escape").exists()


def raw_client(server: S3Server) -> Any:
    """A plain boto3 client, to place and inspect objects as another tool would."""
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name=server.region,
    )
