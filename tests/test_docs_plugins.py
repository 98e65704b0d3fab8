"""docs/plugins.md teaches what works: every ```python sample runs, against a fresh plugin manager.

Each sample is imported as a module and registered on its own plugin manager; the
template type then runs a node through the executor, the artifact driver passes the
shared driver contract and serves a ``data`` template, the lifecycle hook observes a
node. A meta-test keeps the hook reference honest: every hook in ``hookspecs.py`` is
named in the docs and in some test (implemented, or called through the typed facade).
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import tiphys_executor.plugin
from tiphys_core.artifacts import Artifact
from tiphys_core.plugins import Hooks, hookspecs, make_plugin_manager
from tiphys_core.testing.artifact_contract import ArtifactDriverContract
from tiphys_core.wire import ERROR, SUCCEEDED, NodeRequest, NodeResult, WorkflowIdentity
from tiphys_executor.isolation import Isolation
from tiphys_executor.node import NodeContext, run_node

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "plugins.md"


def samples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)


def sample_defining(hook: str) -> int:
    """The index of the sample implementing ``hook``."""
    found = [i for i, text in enumerate(samples()) if f"def {hook}(" in text]
    assert len(found) == 1, f"expected one docs sample implementing {hook}, found {found}"
    return found[0]


def load_sample(index: int, directory: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The sample as a module, imported from a file as a plugin author's module would be."""
    name = f"tiphys_docs_plugins_sample_{index}"
    (directory / f"{name}.py").write_text(samples()[index])
    monkeypatch.syspath_prepend(str(directory))
    sys.modules.pop(name, None)
    return importlib.import_module(name)


def hooks_with(*plugins: Any) -> Hooks:
    """A fresh plugin manager: the executor's plugin and ``plugins``, no entry points."""
    manager = make_plugin_manager(
        load_entry_points=False, extra=[tiphys_executor.plugin, *plugins], disabled=()
    )
    return Hooks(manager)


def node_for(template: dict[str, Any], tmp_path: Path, **fields: Any) -> NodeContext:
    request = NodeRequest(
        WorkflowIdentity("docs", uid="uid-1"),
        "docs-1",
        "docs.step",
        template,
        str(tmp_path / "node"),
        str(tmp_path),
    )
    return NodeContext(request, Isolation(enabled=False), **fields)


@pytest.mark.parametrize("index", range(len(samples())))
def test_every_sample_imports_and_implements_a_hook(
    index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = load_sample(index, tmp_path, monkeypatch)
    manager = make_plugin_manager(load_entry_points=False, extra=[module], disabled=())
    implemented = [caller.name for caller in manager.get_hookcallers(module) or ()]
    assert implemented, f"docs sample {index} implements no hook"


def test_docs_teach_a_template_type_a_driver_and_a_lifecycle_hook() -> None:
    sample_defining("tiphys_register_template_handlers")
    sample_defining("tiphys_register_artifact_drivers")
    sample_defining("tiphys_node_finished")
    assert "BaseDriver" in samples()[sample_defining("tiphys_register_artifact_drivers")]


def test_template_type_sample_runs_a_plugin_node_in_the_executor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = load_sample(
        sample_defining("tiphys_register_template_handlers"), tmp_path, monkeypatch
    )
    handlers = hooks_with(module).template_handlers()
    greeted = run_node(
        node_for({"name": "hi", "plugin": {"greet": {"who": "docs"}}}, tmp_path), handlers
    )
    assert (greeted.phase, greeted.outputs) == (SUCCEEDED, {"result": "hello docs"})
    missing = run_node(node_for({"name": "hi", "plugin": {"greet": {}}}, tmp_path), handlers)
    assert (missing.phase, missing.message) == (ERROR, "plugin.greet.who is required")


@pytest.fixture
def docs_driver_module(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    directory = tmp_path_factory.mktemp("docs-driver")
    return load_sample(sample_defining("tiphys_register_artifact_drivers"), directory, monkeypatch)


def test_driver_sample_registers_under_its_location_name(docs_driver_module: ModuleType) -> None:
    drivers = hooks_with(docs_driver_module).artifact_drivers()
    assert drivers.names() == ["memory"]


def test_driver_sample_serves_a_data_template_listing(
    docs_driver_module: ModuleType, tmp_path: Path
) -> None:
    hooks = hooks_with(docs_driver_module)
    drivers = hooks.artifact_drivers()
    memory = drivers.get("memory")
    location = {"name": "memory", "configuration": "{}", "key": ""}
    for key in ("logs/a/main.log", "logs/a/init.log", "logs/b/main.log"):
        source = tmp_path / "object"
        source.write_text(key)
        memory.save(str(source), Artifact({"name": "x", "plugin": {**location, "key": key}}))
    template = {
        "name": "list",
        "data": {
            "source": {"artifactPaths": {"name": "logs", "plugin": {**location, "key": "logs"}}},
            "transformation": [{"expression": 'filter(data, {# endsWith "main.log"})'}],
        },
    }
    result: NodeResult = run_node(
        node_for(template, tmp_path, drivers=drivers), hooks.template_handlers()
    )
    assert (result.phase, result.message) == (SUCCEEDED, "")
    assert result.outputs == {"result": '["logs/a/main.log","logs/b/main.log"]'}


class TestDocsDriverKeepsTheContract(ArtifactDriverContract):
    large_size = 1024 * 1024

    @pytest.fixture
    def driver(self, docs_driver_module: ModuleType) -> Any:
        return hooks_with(docs_driver_module).artifact_drivers().get("memory")

    @pytest.fixture
    def artifact_at(self) -> Callable[[str], Artifact]:
        def at(key: str) -> Artifact:
            body = {"name": "memory", "configuration": "{}", "key": f"contract/{key}"}
            return Artifact({"name": "contract", "plugin": body})

        return at


def test_lifecycle_sample_observes_nodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = load_sample(sample_defining("tiphys_node_finished"), tmp_path, monkeypatch)
    hooks_with(module).node_finished({}, {"name": "wf.a", "phase": "Succeeded"})
    assert module.FINISHED == [("wf.a", "Succeeded")]


def test_every_hook_is_documented_and_named_in_some_test() -> None:
    hooks = sorted(name for name in dir(hookspecs) if name.startswith("tiphys_"))
    assert hooks, "no hooks found in hookspecs.py"
    docs = DOCS.read_text()
    test_files = [
        path
        for pattern in ("core/tests/**/test_*.py", "executor/tests/**/test_*.py", "tests/test_*.py",
                        "plugins/*/tests/**/test_*.py")
        for path in REPO.glob(pattern)
        if path.resolve() != Path(__file__).resolve()
    ]  # fmt: skip
    tests_text = "\n".join(path.read_text() for path in test_files)
    undocumented = [name for name in hooks if name not in docs]
    # A test names a hook by implementing it or by calling it through the typed facade.
    untested = [
        name
        for name in hooks
        if name not in tests_text and f".{name.removeprefix('tiphys_')}(" not in tests_text
    ]
    assert undocumented == [], f"hooks missing from docs/plugins.md: {undocumented}"
    assert untested == [], f"hooks no test names: {untested}"
