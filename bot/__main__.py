"""`python -m bot ask|eval ...`: the bot from the command line.

python -m bot ask --index DIR [--json] [QUESTION]   (no QUESTION: one per line on stdin)
python -m bot eval QUESTIONS.jsonl --index DIR [--mode hybrid|dense|bm25]
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from ingest.cli import NorwegianArgumentParser
from ingest.config import settings_from_env
from ingest.documents import SECTION_SEPARATOR
from ingest.embedding import quiet_libraries
from ingest.errors import IngestError

from .answer import Answer
from .evaluate import evaluate, format_result, load_questions
from .retrieve import MODES
from .serialize import answer_to_dict
from .service import Bot


def main(argv: list[str] | None = None) -> int:
    settings = settings_from_env()
    parser = NorwegianArgumentParser(prog="python -m bot", description="TRD3.0-boten.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="still spørsmål")
    ask.add_argument("question", nargs="?", help="spørsmålet (uten: ett per linje på stdin)")
    ask.add_argument("--json", action="store_true", help="ett JSON-objekt per spørsmål")
    ev = sub.add_parser("eval", help="mål kvaliteten på utviklingsspørsmål")
    ev.add_argument("questions", type=Path)
    for p in (ask, ev):
        p.add_argument("--index", type=Path, default=settings.index_dir, help="indeksmappe")
        p.add_argument("--model", default=None, help="modell (standard: den som bygde indeksen)")
        p.add_argument("--mode", choices=MODES, default="hybrid", help="søkemåte")
    args = parser.parse_args(argv)
    quiet_libraries()

    try:
        bot = Bot.load(args.index, settings.model_cache, args.model, args.mode)
        if args.command == "ask":
            return _ask(bot, args)
        return _eval(bot, args)
    except IngestError as err:
        print(f"Feil: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (e.g. `head`) went away: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _ask(bot: Bot, args) -> int:
    questions = [args.question] if args.question is not None else _stdin_lines()
    for question in questions:
        answer = bot.ask(question)
        if args.json:
            print(json.dumps(answer_to_dict(answer), ensure_ascii=False), flush=True)
        else:
            print(format_answer(answer), flush=True)
    return 0


def _stdin_lines():
    for line in sys.stdin:
        if line.strip():
            yield line.rstrip("\n")


def format_answer(answer: Answer) -> str:
    lines = [answer.text]
    if answer.notice:
        lines.append(f"({answer.notice})")
    if answer.citations:
        lines.append("")
        lines.append("Kilder:")
    for c in answer.citations:
        chunk = c.passage.chunk
        where = SECTION_SEPARATOR.join(x for x in (chunk.title, chunk.section) if x)
        extra = [f"side {chunk.page}" if chunk.page else "",
                 f"sist oppdatert {chunk.updated}" if chunk.updated else "", chunk.url]  # fmt: skip
        lines.append(f"[{c.n}] {where}" + "".join(f", {x}" for x in extra if x))
        lines.append(f"    «{c.quote}»")
    return "\n".join(lines) + "\n"


def _eval(bot: Bot, args) -> int:
    try:
        items = load_questions(args.questions)
    except (OSError, ValueError) as err:
        print(f"Feil: kan ikke lese spørsmålene i {args.questions} ({err})", file=sys.stderr)
        return 2
    results, seconds = [], []
    for item in items:
        started = time.perf_counter()
        results.append(answer_to_dict(bot.ask(item["question"])))
        seconds.append(time.perf_counter() - started)
    result = evaluate(items, results)
    print(format_result(result, len(items)))
    seconds.sort()
    print(f"Median sekunder per spørsmål: {seconds[len(seconds) // 2]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
