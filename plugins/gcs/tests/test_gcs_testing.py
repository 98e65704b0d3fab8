"""The fake-gcs-server launcher other test suites reuse (tiphys_gcs.testing)."""

from __future__ import annotations

from pathlib import Path

from tiphys_core.artifacts import Artifact
from tiphys_gcs.driver import GCSDriver
from tiphys_gcs.testing import create_bucket, gcs_server


def test_the_filesystem_backend_keeps_objects_under_the_directory(tmp_path: Path) -> None:
    with gcs_server(tmp_path / "server") as endpoint:
        assert endpoint.startswith("http://127.0.0.1:")
        create_bucket(endpoint, "launcher-test")
        create_bucket(endpoint, "launcher-test")  # again: kept, not an error
        (tmp_path / "f.txt").write_text("kept on disk")
        driver = GCSDriver()
        try:
            location = {"bucket": "launcher-test", "key": "dir/f.txt", "endpoint": endpoint}
            driver.save(str(tmp_path / "f.txt"), Artifact({"name": "a", "gcs": location}))
        finally:
            driver.close()
    stored = tmp_path / "server" / "storage" / "launcher-test" / "dir" / "f.txt"
    assert stored.read_text() == "kept on disk"
