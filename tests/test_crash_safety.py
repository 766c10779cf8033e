"""A real ingest process killed while it writes leaves the previous index serving."""

import os
import signal
import subprocess
import sys
import time

import pytest

from ingest.index import load_index

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _corpus(folder, n, words, tag):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        body = " ".join(f"{tag}ord{j % 97} setning{i}" for j in range(words))
        (folder / f"doc{i:04d}.md").write_text(f"---\ntitle: {tag} {i}\n---\n\n{body}\n", "utf-8")
    return folder


def _ingest(src, index_dir, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRD30_MODEL_CACHE": str(tmp_path / "cache")}
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", str(src), "--index", str(index_dir), "--model", "hash",
         "--quiet"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


@pytest.mark.parametrize("delay", [0.0, 0.3, 1.0])
def test_kill_during_ingest_keeps_the_previous_index(tmp_path, delay):
    index_dir = tmp_path / "index"
    old = _ingest(_corpus(tmp_path / "old", 3, 20, "gammel"), index_dir, tmp_path)
    assert old.wait(timeout=120) == 0, old.stderr.read()
    before = load_index(index_dir)

    proc = _ingest(_corpus(tmp_path / "new", 400, 300, "ny"), index_dir, tmp_path)
    deadline = time.monotonic() + 120
    while not list(index_dir.glob(".staging-*")):
        assert proc.poll() is None, "ingest ended before it started writing"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(delay)
    assert proc.poll() is None, "ingest finished before the kill; make the corpus larger"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    after = load_index(index_dir)
    assert after.generation == before.generation
    assert [c.text for c in after.chunks] == [c.text for c in before.chunks]

    # the next ingest cleans up the abandoned staging folder and succeeds
    retry = _ingest(tmp_path / "new", index_dir, tmp_path)
    assert retry.wait(timeout=300) == 0, retry.stderr.read()
    assert not list(index_dir.glob(".staging-*"))
    assert len(load_index(index_dir).chunks) > len(before.chunks)


@pytest.mark.parametrize("failing", ["numpy.save", "faiss.write_index"])
def test_a_full_disk_during_ingest_gives_one_norwegian_line_and_keeps_the_old_index(
    tmp_path, monkeypatch, capsys, failing
):
    import errno

    import faiss
    import numpy as np

    from ingest.__main__ import main

    src = _corpus(tmp_path / "src", 3, 20, "a")
    index_dir = tmp_path / "index"
    monkeypatch.setenv("TRD30_MODEL_CACHE", str(tmp_path / "cache"))
    assert main([str(src), "--index", str(index_dir), "--model", "hash", "--quiet"]) == 0
    before = load_index(index_dir)
    (src / "ny.md").write_text("---\ntitle: Ny\n---\n\nEn ny setning.\n", "utf-8")

    def full(*args, **kwargs):
        if failing == "numpy.save":
            raise OSError(errno.ENOSPC, "Ingen plass igjen på enheten")
        raise RuntimeError("Error in faiss::FileIOWriter: write failed (No space left on device)")

    monkeypatch.setattr(np if failing == "numpy.save" else faiss, failing.split(".")[1], full)
    capsys.readouterr()
    assert main([str(src), "--index", str(index_dir), "--model", "hash", "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("Feil: Kunne ikke skrive den nye indeksen") and "\n" not in err
    assert "forrige indeksen er uendret" in err and "Traceback" not in err
    after = load_index(index_dir)
    assert after.generation == before.generation and len(after.chunks) == len(before.chunks)
    assert not list(index_dir.glob(".staging-*"))  # nothing left behind
