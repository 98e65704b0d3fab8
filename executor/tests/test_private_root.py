"""Private roots: each container's own copy-on-write ``/`` (an overlay of the host's)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import AgentProcess, Requests, container, sh
from tiphys_core.wire import SUCCEEDED, NodeResult
from tiphys_executor.container_plan import plan_container
from tiphys_executor.images import image_workdir
from tiphys_executor.isolation import BindMount, Isolation, PrivateRoot, host_path
from tiphys_executor.node import NodeContext
from tiphys_executor.private_root import host_submounts, needs_private_root, read_mounts


def _private_roots_available() -> bool:
    where = tempfile.mkdtemp(prefix="tiphys-probe-")
    try:
        return Isolation().private_roots_available(where)
    finally:
        shutil.rmtree(where, ignore_errors=True)


needs_private_roots = pytest.mark.skipif(
    not _private_roots_available(),
    reason="no overlayfs over / here (needs root, and a state directory not on overlayfs)",
)


@pytest.fixture
def host_dir() -> Iterator[Path]:
    """A directory of the host's root file system (not under /tmp, which nodes replace)."""
    path = Path(tempfile.mkdtemp(prefix="tiphys-root-test-", dir="/var/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def with_outputs(template: dict[str, Any], *paths: str, default: str | None = None) -> None:
    parameters = []
    for index, path in enumerate(paths):
        value_from: dict[str, Any] = {"path": path}
        if default is not None:
            value_from["default"] = default
        parameters.append({"name": f"p{index}", "valueFrom": value_from})
    template["outputs"] = {"parameters": parameters}


def values(result: NodeResult) -> list[str]:
    assert result.phase == SUCCEEDED, result.message
    return [parameter.get("value", "") for parameter in result.outputs["parameters"]]


@needs_private_roots
def test_parallel_nodes_writing_result_txt_without_working_dir_each_read_their_own(
    agent: AgentProcess, make_request: Requests
) -> None:
    before = os.stat("/result.txt") if os.path.lexists("/result.txt") else None
    requests = []
    for index in range(2):
        template = sh(f"echo {index} > result.txt; sleep 0.5; cat /result.txt")
        with_outputs(template, "/result.txt")
        requests.append(make_request(template, node_id=f"n{index}", capture_result=True))
    for request in requests:
        agent.send(request)
    results = {result.node_id: result for result in (agent.result() for _ in requests)}
    for index in range(2):
        result = results[f"n{index}"]
        assert values(result) == [str(index)]
        assert result.outputs["result"] == str(index)
    after = os.stat("/result.txt") if os.path.lexists("/result.txt") else None
    assert after == before, "a node wrote the host's /result.txt"


@needs_private_roots
def test_parallel_nodes_save_their_own_result_txt_as_output_artifacts(
    agent: AgentProcess, make_request: Requests, tmp_path: Path
) -> None:
    pytest.importorskip("tiphys_executor.output_artifacts")
    repository = tmp_path / "repository"
    requests = []
    for index in range(2):
        template = sh(f"echo {index} > result.txt; sleep 0.5")
        location = {"name": "fsspec", "configuration": f"url: file://{repository}"}
        template["outputs"] = {
            "artifacts": [
                {
                    "name": "result",
                    "path": "/result.txt",
                    "archive": {"none": {}},
                    "plugin": {**location, "key": f"n{index}/result.txt"},
                }
            ]
        }
        requests.append(make_request(template, node_id=f"n{index}"))
    for request in requests:
        agent.send(request)
    for result in [agent.result() for _ in requests]:
        assert result.phase == SUCCEEDED, result.message
    for index in range(2):
        assert (repository / f"n{index}" / "result.txt").read_text() == f"{index}\n"


@needs_private_roots
def test_a_container_without_working_dir_starts_in_its_images_workdir(
    agent: AgentProcess, make_request: Requests
) -> None:
    for image, expected in (("alpine:3.23", "/"), ("golang:1.18", "/go")):
        template = container("sh", "-c", "pwd > pwd.txt", image=image)
        with_outputs(template, "pwd.txt")
        assert values(agent.run(make_request(template))) == [expected]


@needs_private_roots
def test_a_node_reads_the_hosts_files_and_its_changes_stay_its_own(
    agent: AgentProcess, make_request: Requests, host_dir: Path
) -> None:
    for name in ("kept", "changed", "deleted"):
        (host_dir / name).write_text(f"host {name}\n")
    template = sh(
        f"cd {host_dir} && cat kept > copy && echo node > changed && rm deleted && echo n > new"
    )
    with_outputs(
        template,
        *(str(host_dir / name) for name in ("kept", "copy", "changed", "deleted", "new")),
        default="missing",
    )
    assert values(agent.run(make_request(template))) == [
        "host kept",
        "host kept",
        "node",
        "missing",
        "n",
    ]
    assert sorted(os.listdir(host_dir)) == ["changed", "deleted", "kept"]
    assert (host_dir / "changed").read_text() == "host changed\n"
    later = sh(f"test ! -e {host_dir}/new && cat {host_dir}/deleted")
    result = agent.run(make_request(later, capture_result=True))
    assert result.phase == SUCCEEDED, result.message
    assert result.outputs["result"] == "host deleted"


@needs_private_roots
def test_a_directory_made_anew_hides_the_hosts_files_in_it(
    agent: AgentProcess, make_request: Requests, host_dir: Path
) -> None:
    (host_dir / "dir").mkdir()
    (host_dir / "dir" / "old").write_text("old\n")
    template = sh(f"rm -r {host_dir}/dir && mkdir {host_dir}/dir && echo new > {host_dir}/dir/new")
    with_outputs(template, f"{host_dir}/dir/old", f"{host_dir}/dir/new", default="missing")
    assert values(agent.run(make_request(template))) == ["missing", "new"]
    assert (host_dir / "dir" / "old").read_text() == "old\n"


@needs_private_roots
def test_containers_that_need_no_private_root_start_in_the_agents_directory(
    agent: AgentProcess, make_request: Requests
) -> None:
    request = make_request(sh("pwd"), capture_result=True)
    result = agent.run(request)
    assert result.phase == SUCCEEDED, result.message
    assert result.outputs["result"] == os.getcwd()
    assert not os.path.exists(os.path.join(request.node_dir, "root"))


def test_plan_without_private_roots_keeps_the_agents_directory(
    make_request: Requests, tmp_path: Path
) -> None:
    request = make_request(sh("true", image="alpine"))
    node = NodeContext(request, Isolation(private_roots="never"), working_dir=str(tmp_path))
    run = plan_container(node, request.template["container"], name="main", deadline=None)
    assert run.spec.cwd == str(tmp_path)
    assert not any(isinstance(mount, PrivateRoot) for mount in run.spec.mounts)


@needs_private_roots
def test_plan_with_a_private_root_starts_in_the_images_workdir_under_its_own_root(
    make_request: Requests, tmp_path: Path
) -> None:
    request = make_request(sh("true", image="golang:1.18"))
    node = NodeContext(request, Isolation(private_roots="always"), working_dir=str(tmp_path))
    main = plan_container(node, request.template["container"], name="main", deadline=None)
    sidecar = plan_container(
        node, {"image": "alpine", "command": ["true"]}, name="side", deadline=None
    )
    assert main.spec.cwd == "/go"
    assert main.spec.mounts[0] == PrivateRoot(os.path.join(request.node_dir, "root"))
    assert sidecar.spec.mounts[0] == PrivateRoot(
        os.path.join(request.node_dir, "containers", "side", "root")
    )


def test_image_workdir_comes_from_the_images_table_else_is_root() -> None:
    assert image_workdir("golang:1.18") == "/go"
    assert image_workdir("docker.io/library/python:alpine3.23") == "/"
    assert image_workdir("example.org/unknown:1") == "/"


def test_host_path_reads_a_private_root_from_its_upper_dir_else_from_the_host(
    tmp_path: Path, host_dir: Path
) -> None:
    root = tmp_path / "root"
    (root / "upper" / "etc").mkdir(parents=True)
    (root / "upper" / "result.txt").write_text("mine")
    (root / "upper" / "etc" / "new").write_text("new")
    (host_dir / "untouched").write_text("host")
    mounts = [PrivateRoot(str(root)), BindMount(str(tmp_path / "tmp"), "/tmp")]
    assert host_path("/result.txt", mounts) == str(root / "upper" / "result.txt")
    assert host_path("/etc/new", mounts) == str(root / "upper" / "etc" / "new")
    assert host_path("/etc/hostname", mounts) == "/etc/hostname"
    assert host_path(f"{host_dir}/untouched", mounts) == f"{host_dir}/untouched"
    assert host_path("/tmp/x", mounts) == str(tmp_path / "tmp" / "x")
    # Under a file the node wrote, nothing exists (not the host's directory there).
    assert not os.path.lexists(host_path("/result.txt/x", mounts))


@pytest.mark.parametrize(
    ("template", "container_fields", "needed"),
    [
        ({}, {}, False),
        ({"outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/tmp/x"}}]}}, {}, False),
        ({"outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/x"}}]}}, {}, True),
        ({"outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "x"}}]}}, {}, True),
        ({"outputs": {"artifacts": [{"name": "a", "path": "/result.txt"}]}}, {}, True),
        ({"outputs": {"artifacts": [{"name": "a", "from": "{{x}}", "path": "/a"}]}}, {}, False),
        ({"inputs": {"artifacts": [{"name": "a", "path": "/src/a"}]}}, {}, True),
        ({"inputs": {"artifacts": [{"name": "a", "from": "{{x}}", "path": "/src/a"}]}}, {}, True),
        ({"inputs": {"artifacts": [{"name": "a", "path": "/mnt/v/a"}]}}, {"mount": "/mnt/v"}, True),
        ({}, {"mount": "/tmp/v"}, False),
        (
            {"outputs": {"artifacts": [{"name": "a", "path": "/tmp/v/a"}]}},
            {"mount": "/tmp/v"},
            False,
        ),
        ({}, {"workingDir": "/src"}, True),
        ({}, {"workingDir": "/tmp/work"}, False),
    ],
)
def test_needs_private_root_when_a_path_lies_outside_tmp_and_volumes(
    template: dict[str, Any], container_fields: dict[str, str], needed: bool
) -> None:
    body: dict[str, Any] = {"image": "alpine"}
    if "mount" in container_fields:
        body["volumeMounts"] = [{"name": "v", "mountPath": container_fields["mount"]}]
    if "workingDir" in container_fields:
        body["workingDir"] = container_fields["workingDir"]
    assert needs_private_root(template, body, main=True) is needed


def test_only_the_main_container_needs_a_private_root_for_the_templates_outputs() -> None:
    template = {"outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/x"}}]}}
    assert not needs_private_root(template, {"image": "alpine"}, main=False)


def test_host_submounts_are_the_root_mounts_visible_children(tmp_path: Path) -> None:
    lines = [
        "20 1 8:1 / / rw - ext4 /dev/sda1 rw",
        "21 20 0:5 / /proc rw - proc proc rw",
        "22 20 0:6 / /dev rw - devtmpfs udev rw",
        "23 22 0:7 / /dev/pts rw - devpts devpts rw",
        r"24 20 0:8 / /mnt/with\040space rw - tmpfs tmpfs rw",
        "25 20 0:9 / /home rw shared:1 - ext4 /dev/sda2 rw",
        "26 20 0:10 / /home/hidden rw - tmpfs tmpfs rw",
        r"27 20 0:11 / /gone\040(deleted) rw - tmpfs tmpfs rw",
    ]
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text("\n".join(lines) + "\n")
    assert host_submounts(read_mounts(str(mountinfo))) == (
        "/proc",
        "/dev",
        "/mnt/with space",
        "/home",
    )


def test_unavailable_private_roots_are_reported_once() -> None:
    said: list[str] = []
    isolation = Isolation(warn=said.append)
    isolation._available = True

    def refuse(where: str) -> str:
        return "overlayfs over / refused: Invalid argument"

    isolation._probe_private_root = refuse  # type: ignore[method-assign]
    assert not isolation.private_roots_available("/nonexistent")
    assert not isolation.private_roots_available("/nonexistent")
    assert len(said) == 1
    assert "no private copy of /" in said[0]
    assert "Invalid argument" in said[0]


def _overlay_root_supported() -> bool:
    return (
        os.geteuid() == 0
        and shutil.which("unshare") is not None
        and shutil.which("mount") is not None
        and _private_roots_available()
    )


@pytest.mark.skipif(not _overlay_root_supported(), reason="needs root, unshare(1) and overlayfs")
def test_a_state_dir_on_overlayfs_keeps_todays_view_and_says_so_once(
    make_request: Requests, tmp_path: Path, host_dir: Path
) -> None:
    # As in a container whose root is an overlay: overlayfs refuses an upper layer there.
    for name in ("lower", "upper", "work", "state"):
        (tmp_path / name).mkdir()
    state, cwd = tmp_path / "state", host_dir
    lines = []
    for index in range(2):
        template = sh(f"echo {index} > result.txt")
        with_outputs(template, "result.txt")  # a path that asks for a private root
        request = make_request(template, node_id=f"n{index}")
        request.node_dir = str(state / f"n{index}")
        lines.append(request.to_json())
    script = (
        f"mount -t overlay overlay -o lowerdir={tmp_path}/lower,upperdir={tmp_path}/upper,"
        f'workdir={tmp_path}/work {state} && cd {cwd} && exec "$0" -m tiphys_executor.agent'
    )
    agent = subprocess.Popen(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script, sys.executable],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert agent.stdin is not None and agent.stdout is not None
    agent.stdin.write("\n".join(lines) + "\n")
    agent.stdin.flush()
    results = [NodeResult.from_json(agent.stdout.readline()) for _ in lines]
    _, stderr = agent.communicate(timeout=30)
    assert [result.phase for result in results] == [SUCCEEDED, SUCCEEDED], stderr
    assert stderr.count("no private copy of /") == 1, stderr
    assert "overlayfs" in stderr
    # Today's view: a container without workingDir starts in the agent's directory.
    assert (cwd / "result.txt").exists()
    assert {result.outputs["parameters"][0]["value"] for result in results} <= {"0", "1"}


@needs_private_roots
def test_nothing_a_node_writes_outside_its_mounts_reaches_the_host(
    agent: AgentProcess, make_request: Requests
) -> None:
    name = f"/tiphys-{uuid.uuid4().hex}"
    template = sh(f"mkdir -p {name}/sub && echo x > {name}/sub/file")
    with_outputs(template, f"{name}/sub/file")
    assert values(agent.run(make_request(template))) == ["x"]
    assert not os.path.lexists(name)


@needs_private_roots
def test_a_volume_mount_point_outside_tmp_is_not_made_in_the_hosts_root(
    agent: AgentProcess, make_request: Requests
) -> None:
    mount_path = f"/mnt/tiphys-{uuid.uuid4().hex}"
    template = sh(f"echo v > {mount_path}/f", volumeMounts=[{"name": "v", "mountPath": mount_path}])
    template["volumes"] = [{"name": "v", "emptyDir": {}}]
    result = agent.run(make_request(template))
    assert result.phase == SUCCEEDED, result.message
    assert not os.path.exists(mount_path)
