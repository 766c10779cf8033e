"""How the bot scales: generations of 1k, 10k and 100k chunks, loaded and asked.

    .venv/bin/python benchmarks/scale.py [--sizes 1000 10000 100000] [--work DIR]
        [--questions 60] [--json]

The chunks are real Norwegian text with real vectors, repeated and varied: the three
development sets of ../shared/eval are ingested with the default model (into var/eval,
incrementally, as `bot eval` does), and every synthetic chunk takes the sentences of one
real chunk plus one sentence of another, with their real sentence vectors, and as its
chunk vector the normalised sum of theirs (ingest's embedding step replaced by re-using
vectors, to keep it quick). Eight chunks make a document. Each size is written as a real
generation (`GenerationWriter.commit`: FAISS flat or HNSW by `HNSW_MIN_CHUNKS`, BM25
saved, rows, sentence vectors) and then measured in a fresh process:

- `Bot.load` without the model (`load_index` and `Bot(...)` with an embedder whose weights
  are never loaded) and the process's RSS after it;
- the model loaded, then for --questions questions of dev2 and norquad-dev: `Bot.ask` and
  `Bot.search` p50 / p95, and the bare query embedding (the floor) in the same process;
- flat against HNSW over the same vectors: search time for the dense candidates and
  recall@10 of HNSW against flat, for the questions' real query vectors.

The recall is also measured on real embeddings alone: every sentence vector of the
development sets (real e5 vectors of real text, no repetition) as the database.

With --json the last line is one JSON object: {"sizes": {"1000": {"load_s", "rss_mib",
"ask_p50_ms", "ask_p95_ms", "search_p50_ms", "search_p95_ms", ...}, ...}, ...}.
Timings depend on the machine and its load; this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

EVAL = ROOT.parent / "shared" / "eval"
SETS = {"seed": (EVAL / "dev-questions.jsonl", ROOT / "corpus"),
        "dev2": (EVAL / "dev2" / "questions.jsonl", EVAL / "dev2" / "docs"),
        "norquad-dev": (EVAL / "norquad-dev" / "questions.jsonl",
                        EVAL / "norquad-dev" / "docs")}  # fmt: skip
CHUNKS_PER_DOCUMENT = 8


def _settings():
    from ingest.config import settings_from_env

    return settings_from_env()


def real_material(work: Path):
    """The development sets' chunks with their real vectors, and real query vectors."""
    from bot.evaluate import load_questions
    from ingest.embedding import DEFAULT_MODEL, load_embedder
    from ingest.index import load_index
    from ingest.pipeline import run_ingest

    embedder = load_embedder(DEFAULT_MODEL, _settings().model_cache)
    chunks, vectors, sentence_vectors = [], [], []
    for name, (_, docs) in SETS.items():
        run_ingest([docs], work / name, DEFAULT_MODEL, lambda: embedder)
        index = load_index(work / name)
        all_vectors = index.vectors()
        for position, chunk in enumerate(index.chunks):
            chunks.append(chunk)
            vectors.append(all_vectors[position])
            sentence_vectors.append(np.asarray(index.chunk_sentence_vectors(position)))
    questions = [q["question"] for name in ("dev2", "norquad-dev")
                 for q in load_questions(SETS[name][0])]  # fmt: skip
    query_vectors = embedder.embed_queries(questions)
    return chunks, np.stack(vectors), sentence_vectors, questions, query_vectors


def synthetic(n: int, chunks, vectors, sentence_vectors, seed: int = 0):
    """`n` chunks of real sentences (one real chunk's, plus one of another's)."""
    from ingest.chunking import Chunk

    rng = np.random.default_rng(seed)
    out, out_vectors, out_sentences = [], np.zeros((n, vectors.shape[1]), np.float32), []
    for i in range(n):
        j, other = i % len(chunks), int(rng.integers(len(chunks)))
        base, extra = chunks[j], chunks[other]
        texts = base.sentence_texts()
        rows = list(sentence_vectors[j])
        if extra.sentences:
            s = int(rng.integers(len(extra.sentences)))
            texts.append(extra.sentence_texts()[s])
            rows.append(sentence_vectors[other][s])
        spans, text = [], ""
        for t in texts:
            start = len(text) + (1 if text else 0)
            text = f"{text} {t}" if text else t
            spans.append((start, start + len(t)))
        doc = i // CHUNKS_PER_DOCUMENT
        out.append(Chunk(f"syn-{doc}.md#{i}", f"syn-{doc}.md", f"{base.title} ({doc})",
                         base.section, "", base.updated, base.lang, None,
                         i % CHUNKS_PER_DOCUMENT, text, tuple(spans)))  # fmt: skip
        vector = vectors[j] + 0.3 * vectors[other]
        out_vectors[i] = vector / np.linalg.norm(vector)
        out_sentences.append(np.asarray(rows, np.float32).reshape(-1, vectors.shape[1]))
    return out, out_vectors, np.concatenate(out_sentences)


def build(n: int, folder: Path, material) -> dict:
    from ingest.embedding import DEFAULT_MODEL
    from ingest.index import GenerationWriter

    chunks, vectors, sentences = synthetic(n, *material[:3])
    documents = {c.doc_id: {"hash": c.doc_id, "title": c.title, "url": "", "updated": c.updated,
                            "lang": c.lang, "chunks": CHUNKS_PER_DOCUMENT, "source": c.doc_id}
                 for c in chunks}  # fmt: skip
    manifest = {"model": DEFAULT_MODEL, "chunker": {}, "dimension": int(vectors.shape[1]),
                "documents": documents, "skipped": {}, "chunks": n,
                "sentences": len(sentences)}  # fmt: skip
    started = time.perf_counter()
    with GenerationWriter(folder) as writer:
        writer.commit(chunks, vectors, manifest, sentences)
    return {"write_s": round(time.perf_counter() - started, 2), "sentences": len(sentences)}


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def measure(folder: Path, n_questions: int) -> dict:
    """In this (fresh) process: load, RSS, ask and search latency, flat vs HNSW."""
    import faiss

    from bot.evaluate import load_questions
    from bot.service import Bot
    from ingest.embedding import DEFAULT_MODEL, load_embedder, quiet_libraries
    from ingest.index import load_index

    quiet_libraries()
    embedder = load_embedder(DEFAULT_MODEL, _settings().model_cache)  # weights not loaded yet
    started = time.perf_counter()
    bot = Bot(load_index(folder, expect_model=DEFAULT_MODEL), embedder)
    load_s = time.perf_counter() - started
    rss = _rss_mib()
    loaded = "torch" in sys.modules

    started = time.perf_counter()
    embedder.embed_queries(["oppvarming"])
    model_s = time.perf_counter() - started
    questions = [q for name in ("dev2", "norquad-dev") for q in load_questions(SETS[name][0])]
    step = max(1, len(questions) // n_questions)
    questions = questions[::step][:n_questions]
    for q in questions[:5]:  # warm-up
        bot.ask(q["question"])
    floor, ask, search = [], [], []
    for q in questions:
        text = q["question"]
        t = time.perf_counter()
        embedder.embed_queries([text])
        floor.append(time.perf_counter() - t)
        t = time.perf_counter()
        bot.ask(text, q.get("history") or ())
        ask.append(time.perf_counter() - t)
        t = time.perf_counter()
        bot.search(text)
        search.append(time.perf_counter() - t)

    index = bot.index
    vectors = index.vectors()
    every = [
        q["question"] for name in ("dev2", "norquad-dev") for q in load_questions(SETS[name][0])
    ]
    queries = embedder.embed_queries(every)
    flat = faiss.IndexFlatIP(index.dimension)
    flat.add(vectors)
    from bot.retrieve import DENSE_CANDIDATES

    k = min(DENSE_CANDIDATES, len(vectors))
    times = {"flat": [], "served": []}
    for name, searcher in (("flat", flat), ("served", index.faiss_index)):
        for row in queries:
            t = time.perf_counter()
            searcher.search(row[None, :], k)
            times[name].append(time.perf_counter() - t)
    _, exact = flat.search(queries, 10)
    _, served = index.faiss_index.search(queries, 10)
    recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, served, strict=True)]))

    ms = lambda s: round(1000 * s, 2)  # noqa: E731
    ask50, ask95 = _percentiles(ask)
    search50, search95 = _percentiles(search)
    floor50, _ = _percentiles(floor)
    return {
        "load_s": round(load_s, 3), "rss_mib": round(rss, 1), "torch_imported_at_load": loaded,
        "model_load_s": round(model_s, 2),
        "ask_p50_ms": ms(ask50), "ask_p95_ms": ms(ask95),
        "search_p50_ms": ms(search50), "search_p95_ms": ms(search95),
        "query_embedding_p50_ms": ms(floor50), "ask_p50_over_embedding": round(ask50 / floor50, 2),
        "dense_index": index.manifest.get("faiss", {}).get("kind"),
        f"flat_top{k}_p50_ms": ms(_percentiles(times["flat"])[0]),
        f"served_top{k}_p50_ms": ms(_percentiles(times["served"])[0]),
        "recall_at_10_vs_flat": round(recall, 4),
        "questions": len(questions), "recall_questions": len(every),
    }  # fmt: skip


def real_recall(material) -> dict:
    """HNSW (as built at ingest) against flat, on real sentence vectors only."""
    import faiss

    from ingest.index import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M

    database = np.concatenate(material[2]).astype(np.float32)
    queries = material[4].astype(np.float32)
    flat = faiss.IndexFlatIP(database.shape[1])
    flat.add(database)
    hnsw = faiss.IndexHNSWFlat(database.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    hnsw.add(database)
    hnsw.hnsw.efSearch = HNSW_EF_SEARCH
    _, exact = flat.search(queries, 10)
    _, found = hnsw.search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, found, strict=True)])
    return {
        "vectors": len(database),
        "queries": len(queries),
        "recall_at_10": round(float(recall), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--work", type=Path, default=ROOT / "var")
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.questions)))
        return 0

    material = real_material(args.work / "eval")
    print(f"Ekte materiale: {len(material[0])} tekstbiter, "
          f"{sum(len(s) for s in material[2])} setninger, {len(material[3])} spørsmål",
          flush=True)  # fmt: skip
    result = {"sizes": {}, "real_sentence_recall": real_recall(material)}
    print(f"HNSW mot flat på ekte setningsvektorer: {result['real_sentence_recall']}", flush=True)
    for n in args.sizes:
        folder = args.work / "scale" / str(n)
        built = build(n, folder, material)
        command = [sys.executable, __file__, "--measure", str(folder),
                   "--questions", str(args.questions)]  # fmt: skip
        child = subprocess.run(command, capture_output=True, text=True, check=True)
        row = {**built, **json.loads(child.stdout.strip().splitlines()[-1])}
        result["sizes"][str(n)] = row
        print(f"{n:>7} tekstbiter: " + ", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
