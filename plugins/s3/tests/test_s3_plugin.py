"""The plugin's registration, and what importing it costs."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import tiphys_s3.plugin
from tiphys_core.artifacts import ArtifactDriver
from tiphys_core.plugins import Hooks, make_plugin_manager
from tiphys_s3.driver import S3Driver


def test_importing_the_plugin_and_its_test_server_does_not_import_boto3() -> None:
    script = (
        "import sys, tiphys_s3, tiphys_s3.plugin, tiphys_s3.testing\n"
        "heavy = sorted(m for m in sys.modules if m.startswith(('boto3', 'botocore', 's3transfer')))\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_plugin_is_an_entry_point_of_the_distribution() -> None:
    (entry,) = entry_points(group="tiphys", name="s3")
    assert entry.value == "tiphys_s3.plugin"
    assert entry.dist is not None and entry.dist.name == "tiphys-s3"


def test_the_driver_is_registered_as_s3_and_loaded_on_first_use() -> None:
    hooks = Hooks(
        make_plugin_manager(load_entry_points=False, extra=[tiphys_s3.plugin], disabled=())
    )
    drivers = hooks.artifact_drivers()
    assert drivers.names() == ["s3"]
    driver = drivers.get("s3")
    assert isinstance(driver, S3Driver)
    assert isinstance(driver, ArtifactDriver)


def test_the_package_names_the_driver_lazily() -> None:
    import tiphys_s3

    assert tiphys_s3.S3Driver is S3Driver
