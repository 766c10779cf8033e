"""The index on disk: a FAISS index, the chunk records and a manifest, in generations.

Layout of an index folder:

    CURRENT                 name of the generation in use (replaced atomically)
    gen-<time>-<rand>/      one complete generation
        index.faiss         inner product over L2-normalised vectors (= cosine)
        index.faiss         flat (exact) up to HNSW_MIN_CHUNKS chunks, HNSW above;
                            the kind is recorded in the manifest ("faiss")
        chunks.jsonl        one chunk record per line, in FAISS row order, with the
                            spans of its sentences; read lazily, by byte offset
        rows.npz            per chunk: byte offset of its record, its document's number,
                            the row of its first sentence (each with one extra at the end)
        sentences.npy       one vector per sentence, chunk by chunk in the same order
        sample.npz          the vectors a cosine is compared with (CHUNK_SAMPLE, ...)
        lexical/            the BM25 matrices and vocabulary (`ingest.lexical`)
        manifest.json       format version, model, dimension, chunker, hashes, versions,
                            the size and checksum of every other file, its own checksum
    .staging-<...>/         a generation being written (removed or left by a crash)

A new generation is written to a staging folder, renamed into place, and only then does
CURRENT switch to it, by an atomic rename. A crash or kill at any moment leaves the
previous generation complete and CURRENT pointing at it.

Everything derived is stored with its generation, so loading maps files (numpy memmap,
bm25s's mmap) instead of recomputing: a generation of 100,000 chunks loads in about a
second (benchmarks/scale.py). Loading first checks every file against the size and
checksum the manifest recorded, and the shapes of what it reads, so a damaged generation
or one of the wrong shape is refused with a message, never served or silently replaced.

It does not read documents or embed anything; `pipeline` does that.
"""

from __future__ import annotations

import fcntl
import json
import mmap
import os
import re
import shutil
import time
import uuid
import zipfile
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import integrity
from .chunking import Chunk
from .errors import IndexBusy, IndexFormatError, IndexMissing, IndexWriteError
from .lexical import LexicalIndex

# 2: sentence spans in chunks.jsonl and their vectors in sentences.npy.
# 3: BM25 saved (lexical/), chunk rows (rows.npz), HNSW above a size.
# 4: a checksum of every file ("files": {name: {"size", "crc32"}}) and of the manifest.
FORMAT_VERSION = 4
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
ROWS = "rows.npz"
FAISS_FILE = "index.faiss"
SENTENCES = "sentences.npy"
SAMPLE = "sample.npz"
LEXICAL = "lexical"
# Above this many chunks the dense index is FAISS HNSW instead of exact (flat) search.
# Measured with benchmarks/scale.py (real e5 vectors of the development sets' text,
# repeated and varied; 480 real questions): flat search for the DENSE_CANDIDATES costs
# about 0.1 ms per 1,000 chunks (0.75 ms at 10k, 11 ms at 100k); HNSW as set here about
# 0.8 ms at any size. Below 20,000 chunks flat costs at most ~2 ms and is exact.
HNSW_MIN_CHUNKS = 20_000
HNSW_M = 32  # links per node (FAISS's usual choice for 384-d text embeddings)
HNSW_EF_CONSTRUCTION = 64
# recall@10 against flat on the 100k generation: 0.94 at 256, 0.97 at 512, 0.988 at 1024
# (0.8 ms), 0.989 at 1600 (1.4 ms); on the real sentence vectors alone 0.99+ at 256.
HNSW_EF_SEARCH = 1024
# The population a cosine is compared with (Passage.dense_z, sentence_z): every vector up
# to this many, an evenly spaced sample above. Stored at ingest: sampling a memory-mapped
# file at load would fault in most of it (the kernel maps neighbouring pages too).
CHUNK_SAMPLE = 4096
SENTENCE_SAMPLE = 8192
# How many chunk records, evenly spaced, are parsed and checked at load (all up to this).
CHECKED_RECORDS = 64
REBUILD_HINT = "Bygg indeksen på nytt: python -m ingest corpus --index {path}"


class ChunkStore(Sequence):
    """The chunk records of a generation, parsed on first use (recent ones are kept). A
    record that is not a chunk is an `IndexFormatError` when it is read."""

    CACHE = 4096

    def __init__(self, path: Path, offsets: np.ndarray):
        self._path = path
        self._offsets = offsets
        size = path.stat().st_size
        if int(offsets[-1]) != size:
            raise ValueError(f"{path.name} har {size} byte, radene sier {int(offsets[-1])}")
        with path.open("rb") as fh:
            self._data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        self._cache: OrderedDict[int, Chunk] = OrderedDict()

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, position: int) -> Chunk:
        chunk = self._cache.get(position)  # the common case, first: a recent chunk
        if chunk is not None:
            self._cache.move_to_end(position)
            return chunk
        if not isinstance(position, (int, np.integer)):
            raise TypeError("chunks are looked up one position at a time")
        position = int(position)
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError(position)
        chunk = self._cache.get(position)
        if chunk is None:
            a, b = int(self._offsets[position]), int(self._offsets[position + 1])
            try:
                chunk = _parse_chunk(self._data[a:b])
            except ValueError as err:
                hint = REBUILD_HINT.format(path=self._path.parent.parent)
                raise IndexFormatError(
                    f"Indeksen i {self._path.parent} er skadet (tekstbit {position} i "
                    f"{self._path.name}: {err}). {hint}"
                ) from err
            self._cache[position] = chunk
            if len(self._cache) > self.CACHE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(position)
        return chunk

    def __iter__(self) -> Iterator[Chunk]:
        return (self[i] for i in range(len(self)))


@dataclass
class Index:
    """A loaded generation: the chunks, their vectors in FAISS, BM25, and the manifest."""

    path: Path
    generation: str
    manifest: dict
    chunks: Sequence[Chunk]
    faiss_index: object  # faiss.Index
    sentence_vectors: np.ndarray  # (sentences, dimension), memory-mapped
    sentence_offsets: np.ndarray  # row of each chunk's first sentence; one extra at the end
    chunk_docs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    doc_ids: list[str] = field(default_factory=list)  # by the numbers in chunk_docs
    lexical: LexicalIndex | None = None
    chunk_sample: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    sentence_sample: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))

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

    def nearest(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The `k` chunks closest to one vector: (positions, cosines), best first."""
        k = min(k, len(self.chunks))
        if k == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, self.dimension)
        scores, ids = self.faiss_index.search(query, k)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """For each query row, the `k` best (chunk position, cosine) pairs, best first."""
        queries = np.asarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        return [list(zip(*(a.tolist() for a in self.nearest(q, k)), strict=True))
                for q in queries]  # fmt: skip

    def vectors(self) -> np.ndarray:
        """All stored vectors, in chunk order."""
        if self.faiss_index.ntotal == 0:
            return np.zeros((0, self.dimension), np.float32)
        return self.faiss_index.reconstruct_n(0, self.faiss_index.ntotal)

    def chunk_vectors(self, positions) -> np.ndarray:
        """The stored vectors of the chunks at `positions`, in that order."""
        positions = np.asarray(positions, np.int64).reshape(-1)
        if not len(positions):
            return np.zeros((0, self.dimension), np.float32)
        return self.faiss_index.reconstruct_batch(positions)

    def rows_of(self, doc_id: str) -> np.ndarray:
        """The chunk positions of one document (empty when it is not in the index)."""
        try:
            number = self.doc_ids.index(doc_id)
        except ValueError:
            return np.zeros(0, np.int64)
        return np.flatnonzero(self.chunk_docs == number)


def current_generation(index_dir: Path) -> str | None:
    """The generation CURRENT names, or None when there is no CURRENT or it names no
    generation (a damaged CURRENT is never followed outside the folder)."""
    try:
        name = (index_dir / CURRENT).read_text("utf-8").strip()
    except (OSError, ValueError):  # ValueError: not UTF-8
        return None
    return name if _GENERATION_NAME.fullmatch(name) else None


def never_built(index_dir: Path) -> bool:
    """No index has ever been written here: no CURRENT and no generation folder. Only then
    may an index be built without asking; a folder that holds one it cannot read is an
    error to report, never something to replace."""
    if not index_dir.exists():
        return True
    return not (index_dir / CURRENT).exists() and not any(index_dir.glob("gen-*"))


def read_manifest(index_dir: Path) -> dict | None:
    """The manifest of the generation in use, or None when there is no usable one (none,
    damaged, of another format or shape): the checks of `load_index`, without the files."""
    generation = current_generation(index_dir)
    if generation is None:
        return None
    try:
        return _checked_manifest(index_dir, generation)
    except IndexFormatError:
        return None


def check_generation(index_dir: Path) -> None:
    """Raise the `IndexFormatError` (or `IndexMissing`) that `load_index` would, checking
    all it checks but the contents of index.faiss and of lexical/'s matrices: their
    libraries are not imported, so a no-op ingest stays quick. Those files are still
    checked by size and checksum; only a writer that got their shape wrong passes here."""
    _open_arrays(index_dir)


def load_index(
    index_dir: Path, expect_model: str | None = None, expect_dimension: int | None = None
) -> Index:
    """Load the generation in use and check it fits this program (and model, if given):
    the manifest's format, shape and checksum, every file's size and checksum, and the
    shapes of what the files hold. Anything wrong is an `IndexFormatError` that says to
    run ingest again."""
    opened = _open_arrays(index_dir, expect_model)
    folder, manifest = opened.folder, opened.manifest
    hint = REBUILD_HINT.format(path=index_dir)
    try:
        import faiss

        faiss_index = faiss.read_index(str(folder / FAISS_FILE))
        lexical = LexicalIndex.load(folder / LEXICAL)
    except _BROKEN as err:
        raise IndexFormatError(f"Indeksen i {folder} er skadet ({err}). {hint}") from err
    dimension = manifest["dimension"]
    if faiss_index.d != dimension or (expect_dimension and dimension != expect_dimension):
        raise IndexFormatError(
            f"Indeksen i {index_dir} har dimensjon {faiss_index.d} (manifest: {dimension}), "
            f"men modellen gir {expect_dimension or dimension}. {hint}"
        )
    if faiss_index.ntotal != len(opened.chunks) or lexical.n_documents != len(opened.chunks):
        raise IndexFormatError(f"Indeksen i {folder} har {faiss_index.ntotal} vektorer men "
                               f"{len(opened.chunks)} tekstbiter. {hint}")  # fmt: skip
    if hasattr(faiss_index, "hnsw"):
        faiss_index.hnsw.efSearch = int(manifest["faiss"].get("ef_search", HNSW_EF_SEARCH))
    return Index(index_dir, opened.generation, manifest, opened.chunks, faiss_index,
                 opened.sentence_vectors, opened.sentence_offsets, opened.chunk_docs,
                 manifest["doc_order"], lexical, opened.chunk_sample,
                 opened.sentence_sample)  # fmt: skip


@dataclass(frozen=True)
class _Opened:
    """A generation's manifest and numpy files, checked against each other."""

    generation: str
    folder: Path
    manifest: dict
    chunks: ChunkStore
    chunk_docs: np.ndarray
    sentence_offsets: np.ndarray
    sentence_vectors: np.ndarray
    chunk_sample: np.ndarray
    sentence_sample: np.ndarray


def _open_arrays(index_dir: Path, expect_model: str | None = None) -> _Opened:
    """CURRENT, the manifest, every file's size and checksum, then the rows, the chunk
    records (a sample), the sentence vectors and the samples with their shapes."""
    hint = REBUILD_HINT.format(path=index_dir)
    generation = current_generation(index_dir)
    if generation is None:
        if os.path.lexists(index_dir / CURRENT):
            raise IndexFormatError(
                f"Indeksen i {index_dir} er skadet: {CURRENT} peker ikke på en generasjon. {hint}"
            )
        raise IndexMissing(f"Fant ingen indeks i {index_dir}. {hint}")
    folder = index_dir / generation
    manifest = _checked_manifest(index_dir, generation)
    if expect_model is not None and manifest["model"] != expect_model:
        raise IndexFormatError(
            f"Indeksen i {index_dir} er bygd med modellen «{manifest['model']}», "
            f"men boten bruker «{expect_model}». {hint} --model {expect_model}"
        )
    damaged = integrity.damaged_files(folder, manifest)
    if damaged:
        raise IndexFormatError(f"Indeksen i {folder} er skadet: {'; '.join(damaged)}. {hint}")
    try:
        chunk_offsets, chunk_docs, sentence_offsets = _npz(folder / ROWS, "chunks", "docs",
                                                           "sentences")  # fmt: skip
        _check_rows(chunk_offsets, chunk_docs, sentence_offsets)
        chunks = ChunkStore(folder / CHUNKS, chunk_offsets)
        # a plain ndarray view of the mapping: numpy.memmap's own indexing costs more
        sentence_vectors = np.asarray(np.load(folder / SENTENCES, mmap_mode="r"))
        lexical_documents = LexicalIndex.saved_documents(folder / LEXICAL)
        chunk_sample, sentence_sample = _npz(folder / SAMPLE, "chunks", "sentences")
    except _BROKEN as err:
        raise IndexFormatError(f"Indeksen i {folder} er skadet ({err}). {hint}") from err
    n, dimension, doc_ids = len(chunks), manifest["dimension"], manifest["doc_order"]
    shapes_fit = (
        len(chunk_docs) == n
        and len(sentence_offsets) == n + 1
        and lexical_documents == n
        and manifest.get("chunks", n) == n
        and (n == 0 or int(chunk_docs.max()) < len(doc_ids))
    )
    if not shapes_fit:
        raise IndexFormatError(
            f"Indeksen i {folder} har rader, tekstbiter og BM25 som ikke passer sammen. {hint}"
        )
    if not all(a.ndim == 2 and a.shape[1] == dimension and a.dtype == np.float32
               for a in (sentence_vectors, chunk_sample, sentence_sample)):  # fmt: skip
        raise IndexFormatError(f"Indeksen i {folder} har vektorer av feil form. {hint}")
    if len(sentence_vectors) != int(sentence_offsets[-1]):
        raise IndexFormatError(
            f"Indeksen i {folder} har {len(sentence_vectors)} setningsvektorer, men "
            f"tekstbitene har {int(sentence_offsets[-1])} setninger. {hint}"
        )
    try:
        for position in _sample(n, CHECKED_RECORDS):  # a rewritten file shows in any record
            _check_chunk(chunks[position], position, sentence_offsets, chunk_docs, doc_ids)
    except _BROKEN as err:
        raise IndexFormatError(f"Indeksen i {folder} er skadet ({err}). {hint}") from err
    return _Opened(generation, folder, manifest, chunks, chunk_docs, sentence_offsets,
                   sentence_vectors, chunk_sample, sentence_sample)  # fmt: skip


# What reading a damaged or foreign file can raise: numpy, FAISS, bm25s and json each have
# their own (a bad zip in an .npz, an object array, a short FAISS file, a wrong JSON shape).
_BROKEN = (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, RuntimeError,
           EOFError, zipfile.BadZipFile)  # fmt: skip
_GENERATION_NAME = re.compile(r"gen-[0-9A-Za-z-]+")
# The files every generation holds; lexical/ holds more when it has any text.
_REQUIRED_FILES = (FAISS_FILE, CHUNKS, ROWS, SENTENCES, SAMPLE, f"{LEXICAL}/lexical.json")


def _checked_manifest(index_dir: Path, generation: str) -> dict:
    """The manifest of `generation`: readable JSON, this format, and (`integrity`) the
    right shape and unchanged since it was written. Raises IndexFormatError."""
    hint = REBUILD_HINT.format(path=index_dir)
    folder = index_dir / generation
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as err:
        raise IndexFormatError(f"Indeksen i {folder} mangler en lesbar manifest. {hint}") from err
    if not isinstance(manifest, dict):
        raise IndexFormatError(
            f"Indeksen i {folder} er skadet: manifest.json er ikke et JSON-objekt. {hint}"
        )
    if "format_version" not in manifest:
        raise IndexFormatError(
            f"Indeksen i {folder} er skadet: manifest.json har ingen formatversjon. {hint}"
        )
    if manifest["format_version"] != FORMAT_VERSION:
        raise IndexFormatError(
            f"Indeksen i {index_dir} har formatversjon {manifest.get('format_version')}, "
            f"men dette programmet bruker versjon {FORMAT_VERSION}. {hint}"
        )
    problem = integrity.manifest_problem(manifest, generation, _REQUIRED_FILES)
    if problem:
        raise IndexFormatError(f"Indeksen i {folder} er skadet: {problem}. {hint}")
    return manifest


def _sample(total: int, most: int) -> np.ndarray:
    """Every row up to `most`, else `most` evenly spaced ones (the same at every load)."""
    if total <= most:
        return np.arange(total, dtype=np.int64)
    return np.unique(np.linspace(0, total - 1, most).astype(np.int64))


def _npz(path: Path, *names: str) -> list[np.ndarray]:
    """The named arrays of an .npz file (never Python objects: allow_pickle stays off)."""
    with np.load(path) as archive:
        missing = [name for name in names if name not in archive.files]
        if missing:
            raise ValueError(f"{path.name} mangler {', '.join(missing)}")
        try:
            return [archive[name] for name in names]
        except ValueError as err:  # an object array
            raise ValueError(f"{path.name} holder noe annet enn tall") from err


def _check_rows(chunk_offsets: np.ndarray, chunk_docs: np.ndarray, sentence_offsets) -> None:
    """rows.npz holds three flat integer arrays: offsets rising from 0, documents from 0."""
    arrays = (chunk_offsets, chunk_docs, sentence_offsets)
    if not all(a.ndim == 1 and np.issubdtype(a.dtype, np.integer) for a in arrays):
        raise ValueError(f"{ROWS} har rader av feil form")
    for offsets in (chunk_offsets, sentence_offsets):
        if not len(offsets) or offsets[0] != 0 or np.any(np.diff(offsets) < 0):
            raise ValueError(f"{ROWS} har forskyvninger som ikke stiger fra 0")
    if len(chunk_docs) and int(chunk_docs.min()) < 0:
        raise ValueError(f"{ROWS} har negative dokumentnumre")


def _parse_chunk(data: bytes) -> Chunk:
    """One line of chunks.jsonl as a Chunk; ValueError when it is not one."""
    record = json.loads(data)
    if not isinstance(record, dict):
        raise ValueError("ikke et JSON-objekt")
    try:
        chunk = Chunk.from_record(record)
    except TypeError as err:  # sentences that are not pairs
        raise ValueError("setningene er ikke par av tall") from err
    fields = (chunk.chunk_id, chunk.doc_id, chunk.title, chunk.text)
    if not all(isinstance(value, str) for value in fields):
        raise ValueError("mangler tekst, dokument eller tittel")
    if not all(len(span) == 2 and all(type(x) is int for x in span) and
               0 <= span[0] <= span[1] <= len(chunk.text) for span in chunk.sentences):  # fmt: skip
        raise ValueError("setninger utenfor teksten")
    if chunk.variants and (len(chunk.variants) != len(chunk.sentences)
                           or not all(isinstance(v, str) for v in chunk.variants)):  # fmt: skip
        raise ValueError("oversettelsene passer ikke til setningene")
    return chunk


def _check_chunk(chunk: Chunk, position: int, sentence_offsets, chunk_docs, doc_ids) -> None:
    """A record has the document and the number of sentences its rows say it has."""
    spans = chunk.sentences
    if len(spans) != sentence_offsets[position + 1] - sentence_offsets[position]:
        raise ValueError(f"tekstbiten {chunk.chunk_id} har et annet antall setninger enn radene")
    if doc_ids[chunk_docs[position]] != chunk.doc_id:
        raise ValueError(f"tekstbiten {chunk.chunk_id} står under et annet dokument i radene")


def build_dense_index(vectors: np.ndarray, dimension: int):
    """The FAISS index for `vectors` (exact below HNSW_MIN_CHUNKS) and how it was built."""
    import faiss

    if len(vectors) >= HNSW_MIN_CHUNKS:
        index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        info = {"kind": "hnsw", "m": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION,
                "ef_search": HNSW_EF_SEARCH}  # fmt: skip
    else:
        index = faiss.IndexFlatIP(dimension)
        info = {"kind": "flat"}
    if len(vectors):
        index.add(vectors)
    return index, info


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
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            self._lock = (self.index_dir / ".lock").open("w")
        except OSError as err:
            raise _write_error(self.index_dir, err) from err
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            self._lock.close()
            raise IndexBusy(
                f"En annen innlesing skriver allerede til {self.index_dir}. Vent til den er ferdig."
            ) from err
        _remove_stale_staging(self.index_dir)
        try:
            self.staging.mkdir()
        except OSError as err:
            self._lock.close()
            raise _write_error(self.index_dir, err) from err
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self._lock.close()

    def commit(self, *args, **kwargs) -> str:
        """Write files, fsync, rename into place, switch CURRENT, drop older generations.
        A failure to write (disk full, read-only) leaves the previous generation current
        and is raised as `IndexWriteError` with a message in Norwegian."""
        try:
            return self._commit(*args, **kwargs)
        except (OSError, RuntimeError) as err:  # FAISS reports a failed write as RuntimeError
            raise _write_error(self.index_dir, err) from err

    def _commit(
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
        import faiss

        faiss_index, dense_info = build_dense_index(vectors, manifest["dimension"])
        faiss.write_index(faiss_index, str(self.staging / FAISS_FILE))
        np.save(self.staging / SENTENCES, sentence_vectors)
        dimension = manifest["dimension"]
        np.savez(
            self.staging / SAMPLE,
            chunks=vectors.reshape(-1, dimension)[_sample(len(vectors), CHUNK_SAMPLE)],
            sentences=sentence_vectors[_sample(len(sentence_vectors), SENTENCE_SAMPLE)],
        )
        doc_order = list(dict.fromkeys(c.doc_id for c in chunks))
        numbers = {doc_id: i for i, doc_id in enumerate(doc_order)}
        offsets = [0]
        with (self.staging / CHUNKS).open("wb") as fh:
            for chunk in chunks:
                line = json.dumps(chunk.to_record(), ensure_ascii=False) + "\n"
                offsets.append(offsets[-1] + fh.write(line.encode("utf-8")))
        np.savez(
            self.staging / ROWS,
            chunks=np.array(offsets, np.int64),
            docs=np.array([numbers[c.doc_id] for c in chunks], np.int32),
            sentences=np.cumsum([0] + [len(c.sentences) for c in chunks]).astype(np.int64),
        )
        written = LexicalIndex.build([c.lexical_text() for c in chunks]).save(
            self.staging / LEXICAL
        )
        paths = [self.staging / name for name in (FAISS_FILE, CHUNKS, ROWS, SENTENCES, SAMPLE)]
        paths += written
        files = integrity.describe_files(self.staging, paths)
        manifest = {**manifest, "format_version": FORMAT_VERSION, "generation": self.generation,
                    "faiss": dense_info, "doc_order": doc_order, "files": files}  # fmt: skip
        (self.staging / MANIFEST).write_text(
            json.dumps(integrity.seal(manifest), ensure_ascii=False, indent=2), "utf-8"
        )
        for path in [*paths, self.staging / MANIFEST]:
            _fsync(path)
        _fsync(self.staging / LEXICAL)
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


def _write_error(index_dir: Path, err: Exception) -> IndexWriteError:
    detail = getattr(err, "strerror", None) or " ".join(str(err).split())[:160]
    return IndexWriteError(
        f"Kunne ikke skrive den nye indeksen i {index_dir} ({detail}). Den forrige indeksen "
        "er uendret og brukes fortsatt. Sjekk ledig plass og skrivetilgang, og prøv igjen."
    )


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
