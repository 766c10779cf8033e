"""The index on disk: a FAISS index, the chunk records and a manifest, in generations.

Layout of an index folder:

    CURRENT                 name of the generation in use (replaced atomically)
    gen-<time>-<rand>/      one complete generation
        index.faiss         inner product over L2-normalised vectors (= cosine)
        chunks.jsonl        one chunk record per line, in FAISS row order, with the
                            spans of its sentences
        sentences.npy       one vector per sentence, chunk by chunk in the same order
        manifest.json       format version, model, dimension, chunker, hashes, versions
    .staging-<...>/         a generation being written (removed or left by a crash)

A new generation is written to a staging folder, renamed into place, and only then does
CURRENT switch to it, by an atomic rename. A crash or kill at any moment leaves the
previous generation complete and CURRENT pointing at it.

It does not read documents or embed anything; `pipeline` does that.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from .chunking import Chunk
from .errors import IndexBusy, IndexFormatError, IndexMissing

# 2: sentence spans in chunks.jsonl and their vectors in sentences.npy.
FORMAT_VERSION = 2
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
FAISS_FILE = "index.faiss"
SENTENCES = "sentences.npy"
REBUILD_HINT = "Bygg indeksen på nytt: python -m ingest corpus --index {path}"


@dataclass
class Index:
    """A loaded generation: the chunks, their vectors in FAISS, and the manifest."""

    path: Path
    generation: str
    manifest: dict
    chunks: list[Chunk]
    faiss_index: faiss.Index
    sentence_vectors: np.ndarray  # (sentences, dimension), memory-mapped
    sentence_offsets: np.ndarray  # row of each chunk's first sentence; one extra at the end

    def chunk_sentence_vectors(self, position: int) -> np.ndarray:
        """The vectors of the sentences of the chunk at `position`, in its order."""
        a, b = self.sentence_offsets[position], self.sentence_offsets[position + 1]
        return self.sentence_vectors[a:b]

    @property
    def dimension(self) -> int:
        return self.faiss_index.d

    @property
    def model(self) -> str:
        return self.manifest["model"]

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """For each query row, the `k` best (chunk position, cosine) pairs, best first."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        k = min(k, len(self.chunks))
        if k == 0:
            return [[] for _ in range(len(queries))]
        scores, ids = self.faiss_index.search(queries, k)
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i >= 0]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]

    def vectors(self) -> np.ndarray:
        """All stored vectors, in chunk order."""
        if self.faiss_index.ntotal == 0:
            return np.zeros((0, self.dimension), np.float32)
        return self.faiss_index.reconstruct_n(0, self.faiss_index.ntotal)


def current_generation(index_dir: Path) -> str | None:
    try:
        name = (index_dir / CURRENT).read_text("utf-8").strip()
    except OSError:
        return None
    return name or None


def read_manifest(index_dir: Path) -> dict | None:
    """The manifest of the generation in use, or None when there is no usable index."""
    generation = current_generation(index_dir)
    if generation is None:
        return None
    try:
        return json.loads((index_dir / generation / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def load_index(
    index_dir: Path, expect_model: str | None = None, expect_dimension: int | None = None
) -> Index:
    """Load the generation in use and check it fits this program (and model, if given)."""
    hint = REBUILD_HINT.format(path=index_dir)
    generation = current_generation(index_dir)
    if generation is None:
        raise IndexMissing(f"Fant ingen indeks i {index_dir}. {hint}")
    folder = index_dir / generation
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as err:
        raise IndexFormatError(f"Indeksen i {folder} mangler en lesbar manifest. {hint}") from err
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexFormatError(
            f"Indeksen i {index_dir} har formatversjon {manifest.get('format_version')}, "
            f"men dette programmet bruker versjon {FORMAT_VERSION}. {hint}"
        )
    if expect_model is not None and manifest.get("model") != expect_model:
        raise IndexFormatError(
            f"Indeksen i {index_dir} er bygd med modellen «{manifest.get('model')}», "
            f"men boten bruker «{expect_model}». {hint} --model {expect_model}"
        )
    try:
        faiss_index = faiss.read_index(str(folder / FAISS_FILE))
        with (folder / CHUNKS).open(encoding="utf-8") as fh:
            chunks = [Chunk.from_record(json.loads(line)) for line in fh if line.strip()]
        sentence_vectors = np.load(folder / SENTENCES, mmap_mode="r")
    except (OSError, RuntimeError, ValueError, TypeError) as err:
        raise IndexFormatError(f"Indeksen i {folder} er skadet ({err}). {hint}") from err
    dimension = manifest.get("dimension")
    if faiss_index.d != dimension or (expect_dimension and dimension != expect_dimension):
        raise IndexFormatError(
            f"Indeksen i {index_dir} har dimensjon {faiss_index.d} (manifest: {dimension}), "
            f"men modellen gir {expect_dimension or dimension}. {hint}"
        )
    if faiss_index.ntotal != len(chunks):
        raise IndexFormatError(
            f"Indeksen i {folder} har {faiss_index.ntotal} vektorer men {len(chunks)} tekstbiter. "
            f"{hint}"
        )
    offsets = np.cumsum([0] + [len(c.sentences) for c in chunks])
    if sentence_vectors.shape != (int(offsets[-1]), faiss_index.d):
        raise IndexFormatError(
            f"Indeksen i {folder} har {sentence_vectors.shape[0]} setningsvektorer, men "
            f"tekstbitene har {int(offsets[-1])} setninger. {hint}"
        )
    return Index(index_dir, generation, manifest, chunks, faiss_index, sentence_vectors, offsets)


class GenerationWriter:
    """Writes one new generation; `commit` makes it current, anything else leaves no trace.

    Use as a context manager: the staging folder exists from `__enter__`, so everything
    slow (embedding) happens while the old generation keeps serving.
    """

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        self.generation = f"gen-{stamp}-{uuid.uuid4().hex[:6]}"
        self.staging = index_dir / f".staging-{self.generation}"

    def __enter__(self) -> GenerationWriter:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self._lock = (self.index_dir / ".lock").open("w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            self._lock.close()
            raise IndexBusy(
                f"En annen innlesing skriver allerede til {self.index_dir}. Vent til den er ferdig."
            ) from err
        _remove_stale_staging(self.index_dir)
        self.staging.mkdir()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self._lock.close()

    def commit(
        self,
        chunks: list[Chunk],
        vectors: np.ndarray,
        manifest: dict,
        sentence_vectors: np.ndarray | None = None,
    ) -> str:
        """Write files, fsync, rename into place, switch CURRENT, drop older generations.

        `sentence_vectors` holds one row per sentence of the chunks, in order."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(vectors) != len(chunks):
            raise ValueError("one vector per chunk")
        n_sentences = sum(len(c.sentences) for c in chunks)
        if sentence_vectors is None:
            sentence_vectors = np.zeros((0, manifest["dimension"]), np.float32)
        sentence_vectors = np.ascontiguousarray(sentence_vectors, dtype=np.float32)
        if sentence_vectors.shape != (n_sentences, manifest["dimension"]):
            raise ValueError("one vector per sentence")
        faiss_index = faiss.IndexFlatIP(manifest["dimension"])
        if len(vectors):
            faiss_index.add(vectors)
        faiss.write_index(faiss_index, str(self.staging / FAISS_FILE))
        np.save(self.staging / SENTENCES, sentence_vectors)
        with (self.staging / CHUNKS).open("w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(chunk.to_record(), ensure_ascii=False) + "\n")
        manifest = {**manifest, "format_version": FORMAT_VERSION, "generation": self.generation}
        (self.staging / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8"
        )
        for name in (FAISS_FILE, CHUNKS, SENTENCES, MANIFEST):
            _fsync(self.staging / name)
        final = self.index_dir / self.generation
        os.replace(self.staging, final)
        _fsync(self.index_dir)
        pointer = self.index_dir / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
        pointer.write_text(self.generation + "\n", "utf-8")
        _fsync(pointer)
        os.replace(pointer, self.index_dir / CURRENT)
        _fsync(self.index_dir)
        _remove_old_generations(self.index_dir, keep=self.generation)
        return self.generation


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_staging(index_dir: Path) -> None:
    for entry in index_dir.glob(".staging-*"):
        shutil.rmtree(entry, ignore_errors=True)
    for entry in index_dir.glob(f".{CURRENT}.*"):
        entry.unlink(missing_ok=True)


def _remove_old_generations(index_dir: Path, keep: str) -> None:
    for entry in index_dir.glob("gen-*"):
        if entry.name != keep and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
