"""The plugin registers the driver lazily and is found through its entry point."""

from __future__ import annotations

import subprocess
import sys

import tiphys_fsspec.plugin
from tiphys_core.plugins import Hooks, make_plugin_manager
from tiphys_fsspec import FsspecDriver


def test_plugin_registers_the_fsspec_driver() -> None:
    manager = make_plugin_manager(load_entry_points=False, extra=[tiphys_fsspec.plugin])
    drivers = Hooks(manager).artifact_drivers()
    assert "fsspec" in drivers.names()
    assert isinstance(drivers.get("fsspec"), FsspecDriver)


def test_plugin_is_found_through_its_entry_point() -> None:
    manager = make_plugin_manager(disabled=())
    assert "fsspec" in Hooks(manager).artifact_drivers().names()


def test_importing_the_plugin_does_not_import_fsspec() -> None:
    code = (
        "import sys, tiphys_fsspec.plugin\nassert 'fsspec' not in sys.modules, 'fsspec imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
