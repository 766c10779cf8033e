"""`python -m bot ask|eval ...`: the bot from the command line.

python -m bot ask --index DIR [--json] [QUESTION]   (no QUESTION: one per line on stdin)
python -m bot eval QUESTIONS.jsonl[:DOCS] ... [--work DIR] [--kinds] [--misses]

`eval` runs any number of question files, each against its own documents (DOCS, or a
`docs/` folder beside the file; without either, the index given with --index), and prints
one table: each set's metrics, its held-out part's, their means and seconds per question.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ingest.cli import NorwegianArgumentParser
from ingest.config import settings_from_env
from ingest.documents import SECTION_SEPARATOR
from ingest.embedding import DEFAULT_MODEL, load_embedder, quiet_libraries
from ingest.errors import IngestError
from ingest.index import load_index
from ingest.pipeline import run_ingest

from .answer import Answer
from .evaluate import (
    evaluate,
    format_result,
    format_table,
    is_heldout,
    load_questions,
    parse_set,
    run_questions,
)
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
    ev.add_argument("sets", nargs="+", metavar="SPØRSMÅL.jsonl[:DOKUMENTER]",
                    help="spørsmålsfil, med dokumentmappen etter kolon")  # fmt: skip
    ev.add_argument("--work", type=Path, default=Path("var/eval"),
                    help="hvor indeksene bygges (standard: var/eval)")  # fmt: skip
    ev.add_argument("--kinds", action="store_true", help="vis også tallene per spørsmålstype")
    ev.add_argument("--misses", action="store_true", help="vis spørsmålene som bommet")
    for p in (ask, ev):
        p.add_argument("--index", type=Path, default=settings.index_dir, help="indeksmappe")
        p.add_argument("--model", default=None, help="modell (standard: den som bygde indeksen)")
        p.add_argument("--mode", choices=MODES, default="hybrid", help="søkemåte")
    args = parser.parse_args(argv)
    quiet_libraries()

    try:
        if args.command == "eval":
            return _eval(args, settings)
        bot = Bot.load(args.index, settings.model_cache, args.model, args.mode)
        return _ask(bot, args)
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


def _eval(args, settings) -> int:
    sets = [parse_set(spec) for spec in args.sets]
    for eval_set in sets:
        if not eval_set.questions.is_file():
            print(f"Feil: finner ikke spørsmålsfilen {eval_set.questions}", file=sys.stderr)
            return 2
    embedder = None
    rows, details = [], []
    for eval_set in sets:
        try:
            items = load_questions(eval_set.questions)
        except (OSError, ValueError) as err:
            print(
                f"Feil: kan ikke lese spørsmålene i {eval_set.questions} ({err})", file=sys.stderr
            )
            return 2
        if eval_set.docs is None:
            bot = Bot.load(args.index, settings.model_cache, args.model, args.mode)
        else:
            if embedder is None:
                embedder = load_embedder(args.model or DEFAULT_MODEL, settings.model_cache)
            index_dir = args.work / eval_set.name
            run_ingest([eval_set.docs], index_dir, embedder.name, lambda e=embedder: e)
            bot = Bot(load_index(index_dir, expect_model=embedder.name), embedder, args.mode)
        results, seconds = run_questions(lambda q, h, b=bot: answer_to_dict(b.ask(q, h)), items)
        result = evaluate(items, results)
        rows.append((eval_set.name, len(items), result.metrics, seconds))
        held = [i for i, item in enumerate(items) if is_heldout(item["id"])]
        if held:
            part = evaluate([items[i] for i in held], [results[i] for i in held])
            rows.append((f"{eval_set.name} (holdt utenfor)", len(held), part.metrics, []))
        details.append((eval_set.name, len(items), result))
    print(format_table(rows))
    if args.kinds or args.misses:
        for name, n, result in details:
            print(f"\n== {name}")
            text = format_result(result, n)
            print(text if args.misses else text.split("\nBom (")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
