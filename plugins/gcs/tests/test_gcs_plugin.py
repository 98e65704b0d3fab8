"""The plugin's registration, and what importing it costs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import tiphys_gcs.plugin
from tiphys_core.artifacts import Artifact, ArtifactDriver
from tiphys_core.plugins import Hooks, make_plugin_manager
from tiphys_gcs.driver import GCSDriver


def test_importing_the_plugin_does_not_import_google_cloud() -> None:
    script = (
        "import sys, tiphys_gcs, tiphys_gcs.plugin\n"
        "heavy = sorted(m for m in sys.modules if m.startswith(('google', 'requests')))\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_plugin_is_an_entry_point_of_the_distribution() -> None:
    (entry,) = entry_points(group="tiphys", name="gcs")
    assert entry.value == "tiphys_gcs.plugin"
    assert entry.dist is not None and entry.dist.name == "tiphys-gcs"


def test_the_driver_is_registered_as_gcs_and_loaded_on_first_use() -> None:
    hooks = Hooks(
        make_plugin_manager(load_entry_points=False, extra=[tiphys_gcs.plugin], disabled=())
    )
    drivers = hooks.artifact_drivers()
    assert drivers.names() == ["gcs"]
    driver = drivers.get("gcs")
    assert isinstance(driver, GCSDriver)
    assert isinstance(driver, ArtifactDriver)


def test_storage_emulator_host_points_the_driver_at_the_emulator(
    gcs_at: Callable[..., Artifact],
    gcs_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_endpoint)
    driver = GCSDriver()
    try:
        (tmp_path / "f.txt").write_text("via STORAGE_EMULATOR_HOST")
        artifact = gcs_at("f.txt", endpoint=None)
        assert "endpoint" not in {k for k, v in artifact.location.items() if v}
        driver.save(str(tmp_path / "f.txt"), artifact)
        driver.load(artifact, str(tmp_path / "back.txt"))
    finally:
        driver.close()
    assert (tmp_path / "back.txt").read_text() == "via STORAGE_EMULATOR_HOST"
