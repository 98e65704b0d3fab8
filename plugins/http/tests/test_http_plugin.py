"""The plugin's registration: names, laziness, the entry point."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import tiphys_http.plugin
from tiphys_core.plugins import Hooks, make_plugin_manager
from tiphys_http.driver import ArtifactoryDriver, HTTPDriver


def test_importing_the_plugin_does_not_import_requests() -> None:
    code = (
        "import sys, tiphys_http, tiphys_http.plugin\n"
        "heavy = sorted(m for m in ('requests', 'urllib3', 'tiphys_http.driver') if m in sys.modules)\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_plugin_registers_http_and_artifactory_drivers_lazily() -> None:
    manager = make_plugin_manager(load_entry_points=False, extra=[tiphys_http.plugin])
    drivers = Hooks(manager).artifact_drivers()
    assert {"http", "artifactory"} <= set(drivers.names())
    assert type(drivers.get("http")) is HTTPDriver
    assert type(drivers.get("artifactory")) is ArtifactoryDriver


def test_the_distribution_declares_its_tiphys_entry_point() -> None:
    found = {entry.name: entry.value for entry in entry_points(group="tiphys")}
    assert found.get("http") == "tiphys_http.plugin"


def test_the_package_names_the_drivers_on_demand() -> None:
    import tiphys_http

    assert tiphys_http.HTTPDriver is HTTPDriver
    assert tiphys_http.ArtifactoryDriver is ArtifactoryDriver
