"""A 1 GiB object goes up and down in parts, never whole in memory.

The driver runs in a subprocess so its peak resident memory can be read from the
kernel; the growth over its baseline (boto3 loaded, a client made) must stay small.
Deselect with ``-m 'not large'``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tiphys_core.artifacts import Secrets
from tiphys_s3.testing import s3_server

GiB = 1024 * 1024 * 1024
BLOCK = 1024 * 1024
MAX_GROWTH = 100 * 1024 * 1024

DRIVER_SCRIPT = """
import json, sys
from tiphys_core.artifacts import Artifact, Secrets
from tiphys_s3.driver import S3Driver

spec, secrets, source, target, small = json.loads(sys.argv[1])
driver = S3Driver()
artifact = Artifact(spec, Secrets(secrets))
warm = artifact.with_key(artifact.key + ".warm")
# Load boto3's models, make the client and the transfer threads once before measuring.
driver.save(small, warm)
driver.load(warm, small + ".back")

def status(field):
    with open("/proc/self/status") as lines:
        for line in lines:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

# VmHWM is this process's own peak (getrusage's ru_maxrss would also count the parent's
# memory from before exec); writing 5 to clear_refs starts it again from here.
try:
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
except OSError:
    pass
baseline = status("VmRSS")
driver.save(source, artifact)
driver.load(artifact, target)
print(json.dumps({"baseline": baseline, "peak": status("VmHWM")}))
"""


def write_large_file(path: Path, size: int) -> str:
    """A file of ``size`` bytes, written a block at a time; its sha256."""
    block = bytearray(os.urandom(BLOCK))
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for index in range(size // BLOCK):
            # Each block differs, so a part stored at the wrong offset is noticed.
            block[:8] = index.to_bytes(8, "big")
            handle.write(block)
            digest.update(block)
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(BLOCK * 8):
            digest.update(chunk)
    return digest.hexdigest()


@pytest.mark.large
def test_a_1_gib_object_round_trips_with_bounded_memory(tmp_path: Path) -> None:
    try:
        with s3_server(tmp_path / "server") as server:
            source = tmp_path / "large.bin"
            expected = write_large_file(source, GiB)
            small = tmp_path / "small.txt"
            small.write_text("warm up\n")
            secrets = Secrets(tmp_path / "secrets")
            secrets.put("my-s3-cred", server.secret_values())
            spec = {"name": "large", "s3": server.location("large/large.bin", secret="my-s3-cred")}
            target = tmp_path / "loaded" / "large.bin"
            arguments = [spec, str(secrets.root), str(source), str(target), str(small)]
            result = subprocess.run(
                [sys.executable, "-c", DRIVER_SCRIPT, json.dumps(arguments)],
                capture_output=True,
                text=True,
                timeout=900,
            )
            assert result.returncode == 0, result.stderr[-3000:]
            memory = json.loads(result.stdout.strip().splitlines()[-1])
            source.unlink()
            assert target.stat().st_size == GiB
            assert file_digest(target) == expected
            growth = memory["peak"] - memory["baseline"]
            assert growth < MAX_GROWTH, f"peak RSS grew by {growth / 2**20:.0f} MiB"
    finally:
        # Two copies of 1 GiB and the server's volume: do not leave them to pytest's retention.
        shutil.rmtree(tmp_path, ignore_errors=True)
