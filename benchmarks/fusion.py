"""Measure hybrid fusion weights against dense-only and BM25-only on the dev questions.

    python benchmarks/fusion.py --index DIR [--questions PATH]

Prints recall@1/@3 of a passage holding the expected phrase and the bot's dev metrics for
each setting. This is how the weights in bot/retrieve.py were chosen.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.evaluate import evaluate, load_questions
from bot.serialize import answer_to_dict
from bot.service import Bot
from ingest.config import settings_from_env

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = [("dense", 1, 0, 10), ("bm25", 0, 1, 10)] + [
    ("hybrid", 1.0, w, k) for k in (10, 60) for w in (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument(
        "--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "dev-questions.jsonl"
    )
    args = parser.parse_args()
    settings = settings_from_env()
    items = load_questions(args.questions)
    in_scope = [i for i in items if i["doc"]]
    for mode, wd, wb, k in SETTINGS:
        bot = Bot.load(args.index, settings.model_cache, mode=mode)
        r = bot.retriever
        r.dense_weight, r.bm25_weight, r.rrf_k = wd, wb, k
        row = {"mode": mode, "w_dense": wd, "w_bm25": wb, "rrf_k": k}
        for top in (1, 3):
            hits = [
                any(
                    i["must_contain"].lower() in p.chunk.text.lower()
                    for p in r.search(i["question"], top, mode)
                )
                for i in in_scope
            ]
            row[f"recall@{top}"] = round(sum(hits) / len(hits), 3)
        results = [answer_to_dict(bot.ask(i["question"])) for i in items]
        row.update({m: round(v, 3) for m, v in evaluate(items, results).metrics.items()})
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
