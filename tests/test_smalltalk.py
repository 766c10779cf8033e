"""Small talk gets a short friendly reply in the asker's language, not the refusal."""

import json
from pathlib import Path

import pytest
from support import need_eval

from bot.answer import NO_ANSWER, no_answer
from bot.chat import answer_html
from bot.service import Bot
from bot.smalltalk import SMALL_TALK, small_talk
from ingest.embedding import HashEmbedder
from ingest.pipeline import run_ingest

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


@pytest.mark.parametrize("message, language, start", [
    ("Hei", "nb", "Hei!"), ("Hei!", "nb", "Hei!"), ("  HALLO  ", "nb", "Hei!"),
    ("Takk!", "nb", "Bare hyggelig"), ("Tusen takk 🙏", "nb", "Bare hyggelig"),
    ("Takk for hjelpa", "nn", "Berre hyggeleg"), ("Thank you!", "en", "You're welcome"),
    ("Hvem er du?", "nb", "Jeg er TRD3.0-boten"), ("Kven er du?", "nn", "Eg er TRD3.0-boten"),
    ("Who are you?", "en", "I am TRD3.0-boten"), ("Ｈｅｉ", "nb", "Hei!"),
])  # fmt: skip
def test_greetings_thanks_and_who_are_you_get_a_reply_in_their_language(message, language, start):
    answer = small_talk(message)
    assert answer is not None and answer.status == SMALL_TALK
    assert answer.language == language and answer.text.startswith(start)
    assert answer.citations == ()


@pytest.mark.parametrize("question", ["Hei, hva er KSF?", "Takk for svaret, men hvem ledet det?",
                                      "Hvem er du ansatt hos i Universitetskommunen?",
                                      "Hva er TRD3.0?", "hei hei hei hei"])  # fmt: skip
def test_a_question_with_more_in_it_is_a_question(question):
    assert small_talk(question) is None


def test_no_development_question_is_taken_for_small_talk():
    files = [EVAL / "dev-questions.jsonl", EVAL / "dev2" / "questions.jsonl",
             EVAL / "norquad-dev" / "questions.jsonl"]  # fmt: skip
    for path in files:
        need_eval(path)
    questions = [json.loads(line)["question"] for f in files for line in f.open(encoding="utf-8")]
    assert len(questions) > 500
    assert [q for q in questions if small_talk(q)] == []


def test_the_bot_answers_small_talk_before_searching(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Plan\n\nKSF er en modell for kunnskapsløft.\n", "utf-8")
    run_ingest([docs], tmp_path / "index", "hash", HashEmbedder)
    bot = Bot.load(tmp_path / "index", tmp_path / "cache")
    assert bot.ask("Hei!").status == SMALL_TALK
    assert bot.ask("Takk!", ["Hva er KSF?"]).status == SMALL_TALK
    assert bot.ask("Hva er KSF?").status == "answered"


def test_the_refusal_and_small_talk_link_to_the_sites_they_name():
    refusal = answer_html(no_answer("Hva koster en parkeringsplass?", "nb"))
    assert refusal.count('<a href="https://') == 2
    assert '<a href="https://trondheim.kommune.no">trondheim.kommune.no</a>' in refusal
    assert '<a href="https://ntnu.no">ntnu.no</a>' in refusal
    assert no_answer("x", "en").status == NO_ANSWER
