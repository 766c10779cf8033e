"""How fast a generation's files can be checksummed: sha256, blake2b and crc32 compared.

    .venv/bin/python benchmarks/checksums.py [--mb 300] [--repeats 3] [--json]

Every file of a generation is checksummed when it is written and again at every load and
no-op ingest (`ingest.integrity`), so the hash is chosen by throughput here. Each candidate
reads the same file of --mb MB of random bytes from the page cache (it is read once
before timing) in `ingest.integrity.CHECKSUM_BLOCK` blocks, as `file_checksum` does; the
figure is the best of --repeats runs, in MB/s (10^6 bytes). The in-memory rate (no
read) is printed beside it. A cold read from disk adds the disk's own rate on top.

Timings depend on the machine and its load; this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.integrity import CHECKSUM_BLOCK  # noqa: E402


class _Crc32:
    """zlib.crc32 behind hashlib's update/hexdigest interface."""

    def __init__(self):
        self.value = 0

    def update(self, data) -> None:
        self.value = zlib.crc32(data, self.value)

    def hexdigest(self) -> str:
        return f"{self.value:08x}"


CANDIDATES = {
    "sha256": hashlib.sha256,
    "blake2b": hashlib.blake2b,
    "crc32": _Crc32,
}


def _from_file(path: Path, make) -> str:
    digest = make()
    buffer = bytearray(CHECKSUM_BLOCK)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as fh:
        while n := fh.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


def _from_memory(data: bytes, make) -> str:
    digest = make()
    view = memoryview(data)
    for start in range(0, len(data), CHECKSUM_BLOCK):
        digest.update(view[start : start + CHECKSUM_BLOCK])
    return digest.hexdigest()


def _best(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    data = os.urandom(args.mb * 1_000_000)
    results = {}
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "data.bin"
        path.write_bytes(data)
        _from_file(path, hashlib.md5)  # into the page cache
        for name, make in CANDIDATES.items():
            file_s = _best(lambda make=make: _from_file(path, make), args.repeats)
            memory_s = _best(lambda make=make: _from_memory(data, make), args.repeats)
            results[name] = {"file_mb_s": round(args.mb / file_s),
                             "memory_mb_s": round(args.mb / memory_s)}  # fmt: skip
            print(f"{name:8} {args.mb / file_s:7.0f} MB/s from the page cache, "
                  f"{args.mb / memory_s:7.0f} MB/s in memory")  # fmt: skip
    if args.json:
        print(json.dumps({"mb": args.mb, "block": CHECKSUM_BLOCK, "results": results}))


if __name__ == "__main__":
    main()
