"""Every file of a generation damaged in place: loading refuses it with one Norwegian line,
`python -m ingest` rebuilds it, and `python app.py` refuses to start and never rebuilds
over it. A generation published in the wrong shape (checksums made to match) is refused
the same way."""

import json
import os
import random
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import ROOT

from ingest.__main__ import main as ingest_main
from ingest.errors import IndexFormatError
from ingest.index import ROWS, load_index
from ingest.integrity import describe_files, seal

HINT = "Bygg indeksen på nytt: python -m ingest"
LEAKS = ("Traceback", "Error", "Exception", "errno", "object has no attribute")


def _corpus(folder):
    folder.mkdir(parents=True)
    for i, topic in enumerate(("samarbeid", "innovasjon", "helse")):
        body = " ".join(f"Setning {j} om {topic} i Trondheim kommune og NTNU." for j in range(40))
        (folder / f"dok{i}.md").write_text(f"---\ntitle: Om {topic}\n---\n\n## Del\n\n{body}\n")
    return folder


def _env(tmp):
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRD30_MODEL_CACHE": str(tmp / "cache"),
            "TRD30_MODEL": "hash"}  # fmt: skip


def _run(args, tmp):
    return subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, env=_env(tmp),
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def _texts(index_dir):
    return [c.text for c in load_index(index_dir).chunks]


def _snapshot(index_dir):
    return {p.relative_to(index_dir).as_posix(): p.read_bytes()
            for p in sorted(index_dir.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A generation of three documents written by a real `python -m ingest`, to copy."""
    tmp = tmp_path_factory.mktemp("built")
    src, index_dir = _corpus(tmp / "src"), tmp / "index"
    result = _run(["-m", "ingest", src, "--index", index_dir, "--model", "hash", "--quiet"], tmp)
    assert result.returncode == 0, result.stderr
    generation = (index_dir / "CURRENT").read_text().strip()
    manifest = json.loads((index_dir / generation / "manifest.json").read_text())
    return {"src": src, "index": index_dir, "generation": generation, "manifest": manifest,
            "texts": _texts(index_dir)}  # fmt: skip


def _targets(built):
    """Every file of the generation (as its manifest lists them), the manifest, CURRENT."""
    names = [f"{built['generation']}/{name}" for name in built["manifest"]["files"]]
    return [*names, f"{built['generation']}/manifest.json", "CURRENT"]


# ------------------------------------------------------------------ ways to damage a file


def _cut(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _garbage(path):
    """The same number of bytes: `{}` lines for JSON lines, `{}` for JSON, a name of a
    generation that does not exist for CURRENT, random bytes for the rest."""
    data = path.read_bytes()
    if path.suffix == ".jsonl":
        lines = data.splitlines(keepends=True)
        new = b"".join(b"{}" + b" " * (len(line) - 3) + b"\n" for line in lines)
    elif path.suffix == ".json":
        new = b"{}" + b" " * (len(data) - 2)
    elif path.name == "CURRENT":
        new = b"gen-" + b"0" * (len(data) - 5) + b"\n"
    else:
        new = random.Random(len(data)).randbytes(len(data))
    assert len(new) == len(data)
    path.write_bytes(new)


def _zero(path):
    """The second half zeroed: in .npy and FAISS files, vectors become zero."""
    data = path.read_bytes()
    half = len(data) // 2
    path.write_bytes(data[:half] + bytes(len(data) - half))


DAMAGES = {"cut": _cut, "flip": _flip, "garbage": _garbage, "zero": _zero}


def _damaged_copies(built, tmp_path, damage):
    """One damaged copy of the index per target: {target: index folder}."""
    copies = {}
    for number, target in enumerate(_targets(built)):
        index_dir = tmp_path / f"{damage}-{number}"
        shutil.copytree(built["index"], index_dir)
        DAMAGES[damage](index_dir / target)
        copies[target] = index_dir
    return copies


def _assert_refusal(message):
    assert "\n" not in message.strip(), message
    assert message.startswith("Indeksen i ") and HINT in message, message
    assert not any(leak in message for leak in LEAKS), message


@pytest.mark.parametrize("damage", DAMAGES)
def test_each_damaged_file_is_refused_and_ingest_rebuilds_it(built, tmp_path, damage, capsys):
    copies = _damaged_copies(built, tmp_path, damage)
    assert len(copies) >= 13  # 6 files, lexical/ (6 more), manifest.json and CURRENT
    for target, index_dir in copies.items():
        with pytest.raises(IndexFormatError) as refused:
            load_index(index_dir)
        _assert_refusal(str(refused.value))

        capsys.readouterr()
        args = [str(built["src"]), "--index", str(index_dir), "--model", "hash", "--quiet"]
        assert ingest_main(args) == 0, (target, capsys.readouterr().err)
        out = capsys.readouterr().out
        assert "bygd på nytt" in out and "uendret" not in out, (target, out)
        assert _texts(index_dir) == built["texts"], target


def _in_pairs(commands, tmp):
    """Run the commands two at a time (this machine has two cores), results in order."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda args: _run(args, tmp), commands))


def test_a_same_size_damage_stops_the_app_and_the_cli_ingest_repairs_it(built, tmp_path):
    copies = _damaged_copies(built, tmp_path, "flip")
    copies.update({f"{t} (garbage)": d for t, d in _damaged_copies(built, tmp_path, "garbage")
                   .items() if t.endswith(("CURRENT", "manifest.json"))})  # fmt: skip
    before = {target: _snapshot(index_dir) for target, index_dir in copies.items()}

    apps = _in_pairs([["app.py", "--index", d, "--port", "0"] for d in copies.values()], tmp_path)
    for (target, index_dir), app in zip(copies.items(), apps, strict=True):
        assert app.returncode == 2, (target, app.stdout, app.stderr)
        line = app.stderr.strip()
        assert line.startswith("Feil: ") and "\n" not in line, (target, app.stderr)
        _assert_refusal(line.removeprefix("Feil: "))
        assert _snapshot(index_dir) == before[target], target  # nothing rebuilt or removed

    ingests = _in_pairs([["-m", "ingest", built["src"], "--index", d, "--model", "hash", "--quiet"]
                         for d in copies.values()], tmp_path)  # fmt: skip
    for (target, index_dir), ingest in zip(copies.items(), ingests, strict=True):
        assert ingest.returncode == 0, (target, ingest.stderr)
        assert "bygd på nytt" in ingest.stdout and "uendret" not in ingest.stdout, target
        assert _texts(index_dir) == built["texts"], target


# ------------------------------------------------------- published in the wrong shape


def _reseal(index_dir, change_manifest=None):
    """Record the generation's files as they are now and seal its manifest again, changed
    by `change_manifest`: every checksum matches, as a faulty writer would publish it."""
    folder = index_dir / (index_dir / "CURRENT").read_text().strip()
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.pop("manifest_crc32")
    manifest["files"] = describe_files(folder, [folder / name for name in manifest["files"]])
    manifest = change_manifest(manifest) if change_manifest else manifest
    (folder / "manifest.json").write_text(json.dumps(seal(manifest) if isinstance(manifest, dict)
                                                     else manifest))  # fmt: skip


def _rows(**arrays):
    def change(folder):
        with np.load(folder / "rows.npz") as rows:
            np.savez(folder / "rows.npz", **{**dict(rows), **arrays})

    return change


def _sentence_vectors(convert):
    def change(folder):
        np.save(folder / "sentences.npy", convert(np.load(folder / "sentences.npy")))

    return change


def _empty_records(folder):
    lines = (folder / "chunks.jsonl").read_bytes().splitlines(keepends=True)
    (folder / "chunks.jsonl").write_bytes(b"".join(b"{}" + b" " * (len(line) - 3) + b"\n"
                                                   for line in lines))  # fmt: skip


def _with(**fields):
    return lambda manifest: {**manifest, **fields}


# name: (change to the generation's files, change to its manifest), then resealed
WRONG_SHAPES = {
    "manifest a list": (None, lambda m: [m]),
    "no format version": (None, lambda m: {k: v for k, v in m.items() if k != "format_version"}),
    "files a list": (None, lambda m: _with(files=list(m["files"]))(m)),
    "files as sizes only": (None, lambda m: _with(files={k: v["size"] for k, v in
                                                         m["files"].items()})(m)),
    "a file outside the folder": (None, lambda m: _with(files={**m["files"],
                                                               "../CURRENT": m["files"][ROWS]})(m)),
    "no files listed": (None, _with(files={})),
    "documents a list": (None, _with(documents=[])),
    "a skipped entry without reason": (None, _with(skipped={"x.md": {"hash": "0"}})),
    "dimension a string": (None, _with(dimension="256")),
    "doc_order of numbers": (None, _with(doc_order=[1, 2, 3])),
    "another generation's manifest": (None, _with(generation="gen-20000101T000000-000000")),
    "records that are {}": (_empty_records, None),
    "rows of two dimensions": (_rows(docs=np.zeros((3, 1), np.int32)), None),
    "offsets falling": (_rows(sentences=np.arange(100, -1, -1)), None),
    "rows as a pickle": (_rows(chunks=np.array([{}], dtype=object)), None),
    "rows without documents": (lambda f: np.savez(f / ROWS, chunks=np.zeros(1, np.int64)), None),
    "sentence vectors as float64": (_sentence_vectors(lambda v: v.astype(np.float64)), None),
    "sentence vectors of 8 dimensions": (_sentence_vectors(lambda v: v[:, :8].copy()), None),
    "sentence vectors flat": (_sentence_vectors(lambda v: v.reshape(-1)), None),
}  # fmt: skip


@pytest.mark.parametrize("shape", WRONG_SHAPES)
def test_a_generation_published_in_the_wrong_shape_is_refused_and_rebuilt(built, tmp_path,
                                                                          shape):  # fmt: skip
    from ingest.embedding import HashEmbedder
    from ingest.pipeline import run_ingest

    index_dir = tmp_path / "index"
    shutil.copytree(built["index"], index_dir)
    change_files, change_manifest = WRONG_SHAPES[shape]
    if change_files:
        change_files(index_dir / built["generation"])
    _reseal(index_dir, change_manifest)
    with pytest.raises(IndexFormatError) as refused:
        load_index(index_dir)
    _assert_refusal(str(refused.value))
    report = run_ingest([built["src"]], index_dir, "hash", HashEmbedder)
    assert report.status == "rebuilt"
    assert _texts(index_dir) == built["texts"]


def test_an_index_of_format_3_is_refused_and_rebuilt(built, tmp_path, capsys):
    """Format 3 recorded sizes only ({name: size}) and no checksum of the manifest."""
    index_dir = tmp_path / "index"
    shutil.copytree(built["index"], index_dir)
    folder = index_dir / built["generation"]
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.pop("manifest_crc32")
    manifest["format_version"] = 3
    manifest["files"] = {name: entry["size"] for name, entry in manifest["files"].items()}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexFormatError, match=f"formatversjon 3, .*versjon 4. {HINT}"):
        load_index(index_dir)
    args = [str(built["src"]), "--index", str(index_dir), "--model", "hash", "--quiet"]
    assert ingest_main(args) == 0
    assert "bygd på nytt" in capsys.readouterr().out
    assert _texts(index_dir) == built["texts"]
    assert ingest_main(args) == 0 and "uendret" in capsys.readouterr().out
