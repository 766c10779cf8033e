"""`kill -9` of a real `python -m ingest` at seeded random moments of its whole run (start,
reading, embedding, writing, fsync, the rename, the switch of CURRENT, removing the old
generation): the index always loads, as the old or the new generation and never a mix,
and the next ingest succeeds and leaves no staging folder behind."""

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

from conftest import ROOT

from ingest.__main__ import main as ingest_main
from ingest.index import load_index

KILLS = 24
SEED = 20261202
DOCUMENTS, WORDS = 120, 150  # the hash model ingests them in about a second


def _corpus(folder, tag):
    folder.mkdir(parents=True)
    for i in range(DOCUMENTS):
        words = [f"{tag}ord{j % 97}" + ("." if j % 12 == 11 else "") for j in range(WORDS)]
        (folder / f"doc{i:04d}.md").write_text(f"---\ntitle: {tag} {i}\n---\n\n{' '.join(words)}\n")
    return folder


def _start(src, index_dir, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRD30_MODEL_CACHE": str(tmp_path / "cache")}
    with (tmp_path / "stderr.txt").open("wb") as stderr:  # a pipe nobody reads could fill
        return subprocess.Popen(
            [sys.executable, "-m", "ingest", str(src), "--index", str(index_dir), "--model",
             "hash", "--quiet"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip


def _texts(index_dir):
    return [chunk.text for chunk in load_index(index_dir).chunks]


def _generations(index_dir):
    return {p.name for p in index_dir.glob("gen-*")}


def _committing(index_dir):
    """The commit has begun: the staging folder holds its first file."""
    return any(index_dir.glob(".staging-*/*"))


def _timeline(src, index_dir, tmp_path):
    """One whole ingest over the other corpus, timed by what it wrote: seconds from its
    start to its commit (its generation's oldest file) and from there to CURRENT's switch."""
    started = time.time()
    assert _start(src, index_dir, tmp_path).wait(timeout=120) == 0
    written = [p.stat().st_mtime for p in (index_dir / _current(index_dir)).rglob("*")]
    commit = min(written)
    return commit - started, (index_dir / "CURRENT").stat().st_mtime - commit


def _current(index_dir):
    return (index_dir / "CURRENT").read_text().strip()


def _wait_for(proc, ready, timeout=60):
    deadline = time.monotonic() + timeout
    while proc.poll() is None and not ready():
        assert time.monotonic() < deadline
        time.sleep(0.0005)


def _outcome(proc, index_dir, serving, before):
    """Where the kill landed, from what it left on disk (`serving`: the generation that
    was current when the run started; `before`: the generation folders there were)."""
    if proc.returncode != -signal.SIGKILL:
        return "after the end"
    if _current(index_dir) == serving:
        if list(index_dir.glob(".staging-*")):
            return "while writing"
        if _generations(index_dir) - before:
            return "between rename and switch"
        return "before writing"
    if (index_dir / serving).exists():
        return "between switch and cleanup"
    return "after the cleanup"


def test_kill_9_at_random_moments_leaves_the_old_or_the_new_generation(tmp_path):
    corpora = {"a": _corpus(tmp_path / "a", "alfa"), "b": _corpus(tmp_path / "b", "beta")}
    index_dir = tmp_path / "index"
    assert _start(corpora["b"], index_dir, tmp_path).wait(timeout=120) == 0
    texts = {"b": _texts(index_dir)}
    commit, committing = _timeline(corpora["a"], index_dir, tmp_path)
    texts["a"] = _texts(index_dir)
    assert texts["a"] != texts["b"] and len(texts["a"]) == len(texts["b"]) > DOCUMENTS
    assert 0 < commit and 0 < committing < 5, (commit, committing)

    rng = random.Random(SEED)
    current, outcomes = "a", Counter()
    for kill in range(KILLS):
        new = "b" if current == "a" else "a"
        serving, before = _current(index_dir), _generations(index_dir)
        proc = _start(corpora[new], index_dir, tmp_path)
        started = time.monotonic()
        # a third each: before the commit (start-up, reading, embedding); within it
        # (writing, fsync); at the rename, the switch of CURRENT and the old one's removal
        phase = kill % 3
        if phase == 0:
            delay = rng.uniform(0, commit)
        elif phase == 1:
            _wait_for(proc, lambda: _committing(index_dir))
            delay, started = rng.uniform(0, committing), time.monotonic()
        else:
            _wait_for(proc, lambda before=before: bool(_generations(index_dir) - before))
            delay, started = rng.uniform(0, 0.004), time.monotonic()
        time.sleep(max(0.0, delay - (time.monotonic() - started)))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        outcome = _outcome(proc, index_dir, serving, before)
        outcomes[outcome] += 1

        expected = texts[current] if _current(index_dir) == serving else texts[new]
        assert _texts(index_dir) == expected, f"kill {kill} {outcome} ({delay:.3f} s): mixed"
        args = [str(corpora[new]), "--index", str(index_dir), "--model", "hash", "--quiet"]
        assert ingest_main(args) == 0, f"kill {kill}: the next ingest failed"
        assert not list(index_dir.glob(".staging-*")), f"kill {kill}: a staging folder is left"
        assert _texts(index_dir) == texts[new]
        current = new

    print(f"\n{KILLS} kills; commit {commit:.2f} s after the start, {committing:.3f} s long:",
          dict(outcomes))  # fmt: skip
    assert outcomes["while writing"] >= 1, outcomes
    assert KILLS - outcomes["after the end"] >= KILLS // 2, outcomes  # most kill a live run
