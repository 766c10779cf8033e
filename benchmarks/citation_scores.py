"""What the numbers in an answer's JSON look like (bot.serialize): a citation's `score`,
the cited passage's cosine to the question, beside the cosine of the index's other
passages to the same question; and `evidence.score` of the questions answered and
refused. The ranges the API documents (bot/schema.py, README) come from here.

    .venv/bin/python benchmarks/citation_scores.py ../shared/eval/dev-questions.jsonl:corpus \\
        ../shared/eval/dev2/questions.jsonl ../shared/eval/norquad-dev/questions.jsonl

Each set's documents are ingested into `--work`/<set>, as `python -m bot eval` does (an
unchanged set is not read again). "Other passages" are the index's sample of chunks
(`ingest.index.CHUNK_SAMPLE`), against each answered question's vector.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bot.evaluate import load_questions, parse_set
from bot.serialize import answer_to_dict
from bot.service import Bot
from ingest.config import settings_from_env
from ingest.embedding import DEFAULT_MODEL, load_embedder
from ingest.index import load_index
from ingest.pipeline import run_ingest


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    v = np.array(values)
    p10, p50, p90 = np.percentile(v, [10, 50, 90])
    return f"n={len(v):5d}  p10 {p10:.3f}  median {p50:.3f}  p90 {p90:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", help="QUESTIONS.jsonl[:DOCS]")
    parser.add_argument("--work", type=Path, default=Path("var/eval"))
    args = parser.parse_args()
    embedder = load_embedder(DEFAULT_MODEL, settings_from_env().model_cache)
    for eval_set in map(parse_set, args.sets):
        index_dir = args.work / eval_set.name
        run_ingest([eval_set.docs], index_dir, embedder.name, lambda: embedder)
        bot = Bot(load_index(index_dir, expect_model=embedder.name), embedder)
        cited, other, unmeasured = [], [], 0
        evidence = {"answered": [], "no_answer": []}
        for item in load_questions(eval_set.questions):
            reply = answer_to_dict(bot.ask(item["question"], item.get("history") or ()))
            if reply["evidence"] is not None and reply["status"] in evidence:
                evidence[reply["status"]].append(reply["evidence"]["score"])
            if reply["status"] != "answered":
                continue
            scores = [c["score"] for c in reply["citations"]]
            cited += [s for s in scores if s is not None]
            unmeasured += scores.count(None)
            query = bot.query(item["question"], item.get("history") or ())
            vector = bot.retriever.embed_query(query.retrieval_text)
            other += (bot.index.chunk_sample @ vector).clip(0, 1).tolist()
        print(f"== {eval_set.name} (threshold {bot.model.threshold})")
        print(f"  score, cited passages      {spread(cited)}   null: {unmeasured}")
        print(f"  score, the index's sample  {spread(other)}")
        for status, values in evidence.items():
            print(f"  evidence.score, {status:9s}  {spread(values)}")


if __name__ == "__main__":
    main()
