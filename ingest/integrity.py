"""Whether a generation on disk is what ingest wrote: file checksums and the manifest's shape.

The manifest records every other file of its generation with its size and checksum, and
the checksum of its own content. `damaged_files` checks the files, `manifest_problem` the
manifest; `index.load_index` and a no-op ingest (`index.check_generation`) call both
before they trust a generation.

It does not open FAISS, numpy or chunk files: the shapes of what they hold are checked
where they are loaded (`index`).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

# CRC-32 (zlib.crc32) of every file, read in blocks of CHECKSUM_BLOCK: a file cut while it
# is read gives a short read, where a memory map would give SIGBUS. It is there to find
# damage (a cut, flipped bytes, zeroed pages, another file of the same size): CRC-32 finds
# every burst of up to 32 bits and lets other damage pass once in 4 billion. A cryptographic
# hash would add no security, since whoever can write the folder can write a matching
# manifest too, and costs more. benchmarks/checksums.py (300 MB read
# from the page cache in 1 MiB blocks, this 2-core machine, 2026-12-01): crc32 1,700-2,200
# MB/s, sha256 1,000 MB/s (SHA-NI), blake2b 470 MB/s. Every file of the 1.1 GB generation
# of 100,000 chunks (var/scale, benchmarks/scale.py) checksummed with `file_checksum`: 0.77 s
# from the page cache (1.4 GB/s), 2.45 s when much of it came from disk, on top of its 0.5 s
# load (sha256 would double that); the shipped corpus's generation (about 100 KB) well under
# a millisecond. A no-op ingest pays the same, once per run.
CHECKSUM = "crc32"
CHECKSUM_BLOCK = 1 << 20
MANIFEST_CHECKSUM = "manifest_crc32"

# What loading and ingest read from a manifest, and the type each must have.
REQUIRED_FIELDS = {"format_version": int, "generation": str, "model": str, "dimension": int,
                   "files": dict, "doc_order": list, "faiss": dict}  # fmt: skip
OPTIONAL_FIELDS = {"documents": dict, "skipped": dict, "chunks": int, "sentences": int,
                   "skipped_files": list}  # fmt: skip
SKIP_FIELDS = ("hash", "source", "reason")


def file_checksum(path: Path) -> str:
    """The CRC-32 of a file's bytes, as 8 hex digits."""
    crc = 0
    buffer = bytearray(CHECKSUM_BLOCK)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as fh:
        while n := fh.readinto(buffer):
            crc = zlib.crc32(view[:n], crc)
    return f"{crc:08x}"


def describe_files(folder: Path, paths: Iterable[Path]) -> dict[str, dict]:
    """What the manifest records of each file: {name under `folder`: {"size", "crc32"}}."""
    return {path.relative_to(folder).as_posix(): {"size": path.stat().st_size,
                                                  CHECKSUM: file_checksum(path)}
            for path in paths}  # fmt: skip


def manifest_checksum(manifest: dict) -> str:
    """The CRC-32 of the manifest's content without its own checksum, as compact ASCII JSON
    with sorted keys: the same however the file is laid out or its keys ordered."""
    content = {key: value for key, value in manifest.items() if key != MANIFEST_CHECKSUM}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return f"{zlib.crc32(text.encode('ascii')):08x}"


def seal(manifest: dict) -> dict:
    """The manifest with the checksum of its own content."""
    return {**manifest, MANIFEST_CHECKSUM: manifest_checksum(manifest)}


def manifest_problem(manifest: dict, generation: str, required_files: Iterable[str]) -> str:
    """What is wrong with a manifest of this format read from `generation` ("" when
    nothing is): a changed content, a field missing or of the wrong type, a file listed
    without size and checksum (or outside the folder), a required file not listed."""
    if manifest.get(MANIFEST_CHECKSUM) != manifest_checksum(manifest):
        return "manifest.json er endret etter at den ble skrevet (sjekksummen stemmer ikke)"
    for key, kind in REQUIRED_FIELDS.items():
        if not _is(manifest.get(key), kind):
            return f"manifest.json mangler feltet «{key}» eller har feil type i det"
    for key, kind in OPTIONAL_FIELDS.items():
        if key in manifest and not _is(manifest[key], kind):
            return f"manifest.json har feil type i feltet «{key}»"
    if manifest["generation"] != generation:
        return f"manifest.json hører til generasjonen {manifest['generation']}"
    for name, entry in manifest["files"].items():
        if not (_is(entry, dict) and _is(entry.get("size"), int)
                and _is(entry.get(CHECKSUM), str) and _inside(name)):  # fmt: skip
            return f"manifest.json fører opp «{name}» uten størrelse og sjekksum"
    missing = sorted(set(required_files) - set(manifest["files"]))
    if missing:
        return f"manifest.json fører ikke opp {', '.join(missing)}"
    if not all(_is(doc_id, str) for doc_id in manifest["doc_order"]):
        return "manifest.json har en dokumentliste som ikke bare er navn"
    for doc_id, entry in manifest.get("documents", {}).items():
        if not (_is(entry, dict) and _is(entry.get("hash"), str)):
            return f"manifest.json beskriver dokumentet «{doc_id}» uten hash"
    for doc_id, entry in manifest.get("skipped", {}).items():
        if not (_is(entry, dict) and all(_is(entry.get(k), str) for k in SKIP_FIELDS)):
            return f"manifest.json beskriver det overhoppede dokumentet «{doc_id}» ufullstendig"
    return ""


def damaged_files(folder: Path, manifest: dict) -> list[str]:
    """The generation's files that are missing, not the size ingest wrote, or changed since
    (their checksum), each with what is wrong, for a manifest `manifest_problem` passed.
    Sizes are checked first, by a stat of each: a cut file is found without reading any."""
    files = manifest["files"]
    damaged = []
    for name, entry in files.items():
        try:
            if (folder / name).stat().st_size != entry["size"]:
                damaged.append(f"{name} mangler eller har feil størrelse")
        except OSError:
            damaged.append(f"{name} mangler eller har feil størrelse")
    if damaged:
        return damaged
    for name, entry in files.items():
        try:
            if file_checksum(folder / name) != entry[CHECKSUM]:
                damaged.append(f"{name} er endret etter at den ble skrevet (feil sjekksum)")
        except OSError:
            damaged.append(f"{name} kan ikke leses")
    return damaged


def _is(value: object, kind: type) -> bool:
    """isinstance, where a bool is not an int (JSON's true is not a size)."""
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _inside(name: object) -> bool:
    """A relative path that stays inside the generation's folder."""
    if not _is(name, str) or not name:
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and not {"\\", "\0"} & set(name)
