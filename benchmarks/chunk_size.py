"""Measure retrieval and answer quality against chunk size on the development questions.

    python benchmarks/chunk_size.py [--sizes 64 96 128 ...] [--questions PATH]

For each size it builds an index of corpus/ in a temporary folder with the default model,
then prints recall@1/@3 of dense and hybrid retrieval (a passage containing the expected
phrase) and the bot's dev metrics. This is how CHUNK_TOKENS in ingest/chunking.py was first
chosen; its check on all three development sets refits and cross-validates each size
(fit_answer_model.py, cross_validate.py, with CHUNK_TOKENS changed), as recorded there.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from bot.evaluate import evaluate, load_questions
from bot.serialize import answer_to_dict
from bot.service import Bot
from ingest.config import settings_from_env
from ingest.embedding import load_embedder
from ingest.pipeline import run_ingest

ROOT = Path(__file__).resolve().parent.parent


def recall(bot: Bot, items: list[dict], mode: str, k: int) -> float:
    hits = []
    for item in items:
        phrase = item["must_contain"]
        phrase = phrase if isinstance(phrase, str) else phrase[0]
        passages = bot.retriever.search(item["question"], k, mode)
        hits.append(any(phrase.lower() in p.chunk.text.lower() for p in passages))
    return sum(hits) / len(hits)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 96, 128, 160, 256, 384])
    parser.add_argument(
        "--questions", type=Path, default=ROOT.parent / "shared" / "eval" / "dev-questions.jsonl"
    )
    args = parser.parse_args()
    settings = settings_from_env()
    embedder = load_embedder(settings.model, settings.model_cache)
    items = load_questions(args.questions)
    in_scope = [i for i in items if i["doc"]]
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            report = run_ingest(
                [ROOT / "corpus"],
                Path(tmp),
                settings.model,
                lambda: embedder,
                chunk_tokens=size,
                overlap=min(24, size // 4),
            )
            bot = Bot.load(Path(tmp), settings.model_cache, settings.model)
            row = {"chunk_tokens": size, "chunks": report.chunks}
            for mode in ("dense", "hybrid"):
                row[f"{mode}@1"] = round(recall(bot, in_scope, mode, 1), 3)
                row[f"{mode}@3"] = round(recall(bot, in_scope, mode, 3), 3)
            results = [answer_to_dict(bot.ask(i["question"])) for i in items]
            row.update({k: round(v, 3) for k, v in evaluate(items, results).metrics.items()})
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
