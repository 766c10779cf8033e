"""One `Query`, built once per question: everything the later stages read of it.

The cleaned text, the text to retrieve with (a short follow-up widened with the previous
question), the language, the content terms (misspelt ones resolved to the corpus word),
the kind of answer asked for, and the parts of a two-part question ("Når ble X signert,
og hvem signerte?"). Retrieval, evidence and answer read the `Query` instead of
analysing the question again.

It does not search or decide anything; the question words are data
(`data/question_words.toml`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingest.language import guess_language

from .lexical import Vocabulary, analyse, analyse_pairs
from .text import clean_question

ANSWER_TYPES = ("money", "duration", "count", "date", "person", "place", "organisation", "list",
                "reason", "manner", "definition", "yesno")  # fmt: skip
_LEADING = re.compile(r"^(og|men|and|but|so|så)\s+", re.I)
BORROW_WORDS = 1  # a part with at most this many content words borrows the first part's


@lru_cache(maxsize=1)
def question_words() -> dict:
    """The language data in data/question_words.toml."""
    return tomllib.loads((Path(__file__).with_name("data") / "question_words.toml").read_text())


@lru_cache(maxsize=1)
def _type_patterns() -> list[tuple[str, re.Pattern]]:
    types = question_words()["answer_types"]
    return [(name, re.compile("^(?:" + "|".join(types[name]) + ")", re.I)) for name in types]


@dataclass(frozen=True)
class Query:
    """A question as the bot reads it."""

    text: str  # cleaned, as asked
    retrieval_text: str  # what is searched: the text, or the follow-up with its context
    language: str  # "nb", "nn" or "en"
    terms: tuple[str, ...]  # content terms of retrieval_text, resolved to corpus terms
    # The terms of the question's own text: a follow-up's or a borrowing part's context
    # finds the passages, but the sentence that answers is the one with *these* words.
    focus: tuple[str, ...]
    absent: tuple[str, ...]  # content terms found nowhere in the corpus
    absent_words: tuple[str, ...]  # the same, as written (lower case)
    words: tuple[str, ...]  # every content word of retrieval_text, as written (lower case)
    answer_type: str | None  # one of ANSWER_TYPES, or None
    parts: tuple[Query, ...] = ()  # the parts of a two-part question (else empty)
    truncated: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.text


def answer_type(text: str) -> str | None:
    """What kind of answer `text` asks for (see ANSWER_TYPES), or None."""
    text = _LEADING.sub("", text.strip().lower())
    for name, pattern in _type_patterns():
        if pattern.search(text):
            return name
    return None


def split_parts(text: str) -> list[str]:
    """The parts of a two-part question, or [text] when it asks one thing."""
    separator = re.compile(question_words()["two_part"]["separators"], re.I)
    pieces = [p.strip(" ,;") for p in separator.split(text) if p and p.strip(" ,;?")]
    if len(pieces) < 2 or any(not analyse(p) for p in pieces):
        return [text]  # "Hvem og hva er TRD3.0?": a part with no word of its own
    return pieces


def is_follow_up(text: str) -> bool:
    words = question_words()["follow_up"]
    pattern = re.compile(words["pattern"], re.I)
    return len(analyse(text)) <= words["max_words"] and bool(pattern.search(text))


def build_query(raw: str, history: Sequence[str] = (), vocabulary: Vocabulary | None = None):
    """The `Query` for `raw`; `history` holds the asker's earlier questions, oldest first."""
    clean = clean_question(raw)
    if not clean.text:
        return Query("", "", "nb", (), (), (), (), (), None)
    language = guess_language(clean.text)
    context = _context(clean.text, history)
    retrieval = f"{context} {clean.text}".strip()
    query = _make(clean.text, retrieval, language, vocabulary, clean.truncated)
    pieces = split_parts(clean.text)
    if len(pieces) < 2:
        return query
    parts = []
    for i, piece in enumerate(pieces):
        # A part that leans on the first ("… og hvem signerte?") borrows its words; a
        # two-part follow-up keeps the previous question for every part.
        borrowed = pieces[0] if i and len(analyse(piece)) <= BORROW_WORDS else ""
        text = f"{context} {borrowed} {piece}"
        parts.append(_make(piece, " ".join(text.split()), language, vocabulary))
    return Query(**{**query.__dict__, "parts": tuple(parts)})


def _make(text, retrieval, language, vocabulary, truncated=False) -> Query:
    own = set(analyse(text))
    terms, focus, absent, absent_words, written = [], [], [], [], []
    for word, term in analyse_pairs(retrieval):
        if word in written:
            continue
        written.append(word)
        how, found = vocabulary.resolve(term) if vocabulary else (Vocabulary.EXACT, term)
        parts = vocabulary.split(term) if how == Vocabulary.ABSENT else None  # a compound
        if how == Vocabulary.ABSENT and parts is None:
            absent.append(term)
            absent_words.append(word)
        for piece in parts or (found,):
            if piece not in terms:
                terms.append(piece)
            if term in own and piece not in focus:
                focus.append(piece)
    return Query(text, retrieval, language, tuple(terms), tuple(focus), tuple(absent),
                 tuple(absent_words), tuple(written), answer_type(text), (), truncated)  # fmt: skip


def _context(question: str, history: Sequence[str]) -> str:
    """The previous question (cleaned) when `question` is a short follow-up, else ""."""
    if not is_follow_up(question):
        return ""
    earlier = [c for c in (clean_question(h or "").text for h in reversed(history)) if c]
    # A chain of follow-ups ("Og når startet det?" after "Hva er TRD3.0?") reaches back
    # to the question that named the topic.
    context = earlier[:1]
    for question_before in earlier[1:]:
        if not is_follow_up(context[0]):
            break
        context.insert(0, question_before)
    return " ".join(context)
