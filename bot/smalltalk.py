"""Small talk: a greeting, a thank-you or "who are you" gets a short, friendly reply in
the asker's language instead of the refusal.

Only a whole message that is one of the phrases in data/small_talk.toml counts (after
lower-casing and dropping punctuation and emoji), so "Hei, hva er KSF?" is still a
question. The reply quotes no document and has no citations; its status is SMALL_TALK.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import cache
from pathlib import Path

from .answer import Answer

SMALL_TALK = "small_talk"
DATA = Path(__file__).resolve().parent / "data" / "small_talk.toml"
_NOT_WORD = re.compile(r"[^\w\s]+")


@cache
def _phrases() -> tuple[dict[str, tuple[str, str]], dict[str, dict[str, str]]]:
    """phrase -> (kind, language), and kind -> language -> reply."""
    data = tomllib.loads(DATA.read_text("utf-8"))
    phrases = {}
    for kind, by_language in data["phrases"].items():
        for language, listed in by_language.items():
            for phrase in listed:
                phrases.setdefault(_normal(phrase), (kind, language))
    return phrases, data["replies"]


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).replace("_", " ").split())


def small_talk(question: str) -> Answer | None:
    """The reply to `question` if it is small talk, else None."""
    phrases, replies = _phrases()
    found = phrases.get(_normal(question))
    if found is None:
        return None
    kind, language = found
    return Answer(question, SMALL_TALK, replies[kind][language], language)
