"""How keys, prefixes and errors behave beyond the shared contract (Argo's GCS driver)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tiphys_core.artifacts import Artifact, ArtifactError, ArtifactNotFoundError
from tiphys_gcs.driver import CHUNK_SIZE, GCSDriver
from tiphys_gcs.location import clean_key

GcsAt = Callable[..., Artifact]


PutObject = Callable[[str, bytes], None]


# -- the location's fields ---------------------------------------------------------------


def test_a_missing_bucket_field_is_named(driver: GCSDriver, tmp_path: Path) -> None:
    artifact = Artifact({"name": "my-art", "gcs": {"key": "k"}})
    with pytest.raises(ArtifactError, match=r"gcs artifact 'my-art': gcs.bucket is required"):
        driver.load(artifact, str(tmp_path / "x"))


def test_a_missing_key_field_is_named(driver: GCSDriver, tmp_path: Path) -> None:
    artifact = Artifact({"name": "my-art", "gcs": {"bucket": "b"}})
    with pytest.raises(ArtifactError, match=r"gcs artifact 'my-art': gcs.key is required"):
        driver.save(str(tmp_path), artifact)


@pytest.mark.parametrize("verb", ["load", "save", "open_stream", "list_objects", "delete"])
def test_a_bucket_that_does_not_exist_is_an_error_naming_it_not_a_missing_artifact(
    driver: GCSDriver, gcs_endpoint: str, tmp_path: Path, verb: str
) -> None:
    artifact = Artifact(
        {
            "name": "my-art",
            "gcs": {"bucket": "no-such-bucket", "key": "k", "endpoint": gcs_endpoint},
        }
    )
    (tmp_path / "file").write_bytes(b"x")
    arguments = {
        "load": (artifact, str(tmp_path / "out")),
        "save": (str(tmp_path / "file"), artifact),
    }
    with pytest.raises(ArtifactError) as caught:
        getattr(driver, verb)(*arguments.get(verb, (artifact,)))
    assert not isinstance(caught.value, ArtifactNotFoundError)
    assert str(caught.value).startswith("gcs artifact 'my-art' at gs://no-such-bucket/k: ")
    assert "bucket 'no-such-bucket' does not exist" in str(caught.value)


def test_saving_a_path_that_does_not_exist_is_an_error(
    driver: GCSDriver, gcs_at: GcsAt, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactError, match="nothing to save at"):
        driver.save(str(tmp_path / "missing"), gcs_at("k"))


# -- keys as Argo cleans them -----------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "cleaned"),
    [("a/b/", "a/b"), ("a//b/./c", "a/b/c"), ("a/x/../b", "a/b"), ("//a", "/a"), ("/a/", "/a")],
)
def test_keys_are_cleaned_like_go_filepath_clean(key: str, cleaned: str) -> None:
    assert clean_key(key) == cleaned


def test_a_directory_saved_to_a_key_with_a_trailing_slash_lands_under_the_key(
    driver: GCSDriver, gcs_at: GcsAt, prefix: str, tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.txt").write_text("a")
    driver.save(str(tmp_path / "out"), gcs_at("results/"))
    assert driver.list_objects(gcs_at("results")) == [f"{prefix}/results/a.txt"]


# -- prefixes as directories ------------------------------------------------------------


def test_a_sibling_with_the_same_leading_name_is_not_part_of_the_directory(
    driver: GCSDriver, gcs_at: GcsAt, put_object: PutObject, prefix: str, tmp_path: Path
) -> None:
    put_object(f"{prefix}/out/inside.txt", b"in")
    put_object(f"{prefix}/out.txt", b"sibling")
    put_object(f"{prefix}/outer/x", b"sibling")
    assert driver.list_objects(gcs_at("out")) == [f"{prefix}/out/inside.txt"]
    driver.load(gcs_at("out"), str(tmp_path / "out"))
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == ["inside.txt"]
    driver.delete(gcs_at("out"))
    assert driver.list_objects(gcs_at("out.txt")) == [f"{prefix}/out.txt"]


def test_folder_placeholder_objects_are_skipped_when_loading_a_directory(
    driver: GCSDriver, gcs_at: GcsAt, put_object: PutObject, prefix: str, tmp_path: Path
) -> None:
    put_object(f"{prefix}/tree/", b"")
    put_object(f"{prefix}/tree/sub/", b"")
    put_object(f"{prefix}/tree/sub/file.txt", b"data")
    driver.load(gcs_at("tree"), str(tmp_path / "tree"))
    assert (tmp_path / "tree" / "sub" / "file.txt").read_bytes() == b"data"
    assert driver.list_objects(gcs_at("tree")) == [f"{prefix}/tree/sub/file.txt"]
    driver.delete(gcs_at("tree"))
    with pytest.raises(ArtifactNotFoundError):
        driver.list_objects(gcs_at("tree/sub/"))


def test_an_object_at_the_key_wins_over_objects_under_it_as_in_argo(
    driver: GCSDriver, gcs_at: GcsAt, put_object: PutObject, prefix: str, tmp_path: Path
) -> None:
    put_object(f"{prefix}/both", b"the object")
    put_object(f"{prefix}/both/child", b"a child")
    driver.load(gcs_at("both"), str(tmp_path / "both"))
    assert (tmp_path / "both").read_bytes() == b"the object"
    assert driver.list_objects(gcs_at("both")) == [f"{prefix}/both", f"{prefix}/both/child"]


def test_an_object_name_leaving_the_directory_is_refused(
    driver: GCSDriver, gcs_at: GcsAt, put_object: PutObject, prefix: str, tmp_path: Path
) -> None:
    put_object(f"{prefix}/evil/../../escaped.txt", b"x")
    with pytest.raises(ArtifactError, match="would be written outside the directory"):
        driver.load(gcs_at("evil"), str(tmp_path / "inside" / "evil"))
    assert not (tmp_path / "escaped.txt").exists()


def test_listing_or_deleting_nothing_raises_not_found(driver: GCSDriver, gcs_at: GcsAt) -> None:
    with pytest.raises(ArtifactNotFoundError):
        driver.list_objects(gcs_at("nothing"))
    with pytest.raises(ArtifactNotFoundError):
        driver.delete(gcs_at("nothing"))
    assert driver.is_directory(gcs_at("nothing")) is False


# -- streams ---------------------------------------------------------------------------


def test_open_stream_of_a_directory_key_says_it_is_a_directory(
    driver: GCSDriver, gcs_at: GcsAt, put_object: PutObject, prefix: str
) -> None:
    put_object(f"{prefix}/dir/a", b"a")
    with pytest.raises(ArtifactError, match="is a directory") as caught:
        driver.open_stream(gcs_at("dir")).close()
    assert not isinstance(caught.value, ArtifactNotFoundError)


def test_a_stream_larger_than_a_chunk_reads_back_in_pieces(
    driver: GCSDriver, gcs_at: GcsAt, tmp_path: Path
) -> None:
    data = bytes(range(256)) * ((CHUNK_SIZE + 300_000) // 256)
    (tmp_path / "big").write_bytes(data)
    driver.save(str(tmp_path / "big"), gcs_at("big"))
    pieces = []
    with driver.open_stream(gcs_at("big")) as stream:
        while piece := stream.read(1_000_003):
            pieces.append(piece)
    assert len(pieces) > 1
    assert b"".join(pieces) == data


def test_a_failed_load_leaves_no_partial_file(
    driver: GCSDriver, gcs_at: GcsAt, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactNotFoundError):
        driver.load(gcs_at("absent"), str(tmp_path / "sub" / "absent"))
    assert not (tmp_path / "sub" / "absent").exists()
