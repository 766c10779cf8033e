"""Compose an extractive answer with numbered citations, or an honest "not in the documents".

The answer is made only of sentences copied verbatim from retrieved passages, each
followed by the marker of the passage it came from. Only the short framing ("Ifølge …",
"According to …") is ours, in the asker's language. When the evidence is weak the result
is `no_answer`: a short reply saying where to turn instead, and no citations.

It does not search: it is given the passages and the question's vectors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ingest.documents import SECTION_SEPARATOR

from .lexical import analyse
from .retrieve import Passage
from .text import sentence_spans, word_count

ANSWERED, NO_ANSWER = "answered", "no_answer"
MAX_WORDS = 60
MAX_SENTENCES = 3
PASSAGES_CONSIDERED = 4

# Sentence score = SENTENCE_DENSE * cosine(question, sentence)
#                + SENTENCE_LEXICAL * idf-weighted share of the question's words in it
#                + SENTENCE_RANK / (rank of its passage).
SENTENCE_DENSE = 1.0
SENTENCE_LEXICAL = 0.35
SENTENCE_RANK = 0.04
EXTRA_SENTENCE_MARGIN = 0.05  # a further sentence must score at most this much below the best
HEADING_CREDIT = 0.7  # a question word found only in the sentence's heading counts this much
KIND_BONUS = 0.06  # for a sentence of the shape the question asks for (a number, a date, ...)

_LIST_QUESTION = re.compile(
    r"^(hva|kva|what) (er|are) (de |dei |the )?(\w+ ){0,3}\w+(ene|ane|ne|s)\b"
    r"|^kva er (dei )?\w+a\b|^(hvilke|kva for|which)\b",
    re.I,
)
_BULLET = re.compile(r"[ \t]*(?:[-•*–]|\d{1,2}[.)])[ \t]+")
_LINK_TEXT = re.compile(r"(les mer|read more|lær meir|les meir|gå til)\b", re.I)
_KINDS = (
    ("count", re.compile(r"\b(hvor|kor) (mange|mye|mykje|stor)|\bhow (many|much)|\bantall\b",
                         re.I)),
    ("time", re.compile(r"^(når|kva tid|when)\b|\b(hvilket|kva|what) år|\b(hvor|kor|how) lenge"
                        r"|\bnår\b|\bwhen\b|\bdato|\bdate\b", re.I)),
    ("definition", re.compile(r"^(hva|kva|what) (er|is|are|betyr|means?) (?P<term>.+?)\??$", re.I)),
)  # fmt: skip
_NUMBER = re.compile(r"(?<![\w.])\d|\b(to|tre|fire|fem|seks|sju|syv|åtte|ni|ti|tolv|hundre|tusen|"
                     r"two|three|four|five|six|ten|hundred|thousand)\b", re.I)  # fmt: skip
_DATE = re.compile(r"\b(1[89]|20)\d\d\b|\d{1,2}\.\d{1,2}\.\d{2,4}|\b(januar|februar|mars|april|"
                   r"mai|juni|juli|august|september|oktober|november|desember|høsten|våren|"
                   r"sommeren|vinteren|hausten|january|february|march|june|july|october|"
                   r"december|autumn|spring)\b", re.I)  # fmt: skip

FRAMING = {
    "nb": "Ifølge «{title}»",
    "nn": "Ifølgje «{title}»",
    "en": "According to «{title}»",
}
NO_ANSWER_TEXT = {
    "nb": "Jeg finner ikke svar på dette i dokumentene fra Universitetskommunen TRD3.0, og "
    "jeg vil ikke gjette. Spørsmål om kommunale tjenester kan du stille til Trondheim "
    "kommune (trondheim.kommune.no), og spørsmål om studier og forskning til NTNU (ntnu.no).",
    "nn": "Eg finn ikkje svar på dette i dokumenta frå Universitetskommunen TRD3.0, og eg vil "
    "ikkje gjette. Spørsmål om kommunale tenester kan du stille til Trondheim kommune "
    "(trondheim.kommune.no), og spørsmål om studium og forsking til NTNU (ntnu.no).",
    "en": "I can't find an answer to this in the documents of Universitetskommunen TRD3.0, "
    "and I won't guess. For municipal services, please contact Trondheim kommune "
    "(trondheim.kommune.no); for studies and research, NTNU (ntnu.no).",
}
EMPTY_TEXT = {
    "nb": "Skriv et spørsmål, så leter jeg etter svaret i dokumentene fra TRD3.0.",
    "nn": "Skriv eit spørsmål, så leitar eg etter svaret i dokumenta frå TRD3.0.",
    "en": "Please type a question, and I will look for the answer in the TRD3.0 documents.",
}


@dataclass(frozen=True)
class Citation:
    """A cited passage and the sentence(s) the answer quotes from it."""

    n: int
    passage: Passage
    quotes: tuple[tuple[int, int], ...]  # spans into passage.chunk.text

    @property
    def quote(self) -> str:
        text = self.passage.chunk.text
        return " ".join(text[a:b] for a, b in self.quotes)


@dataclass(frozen=True)
class Answer:
    question: str
    status: str
    text: str
    language: str
    citations: tuple[Citation, ...] = ()
    notice: str = ""
    evidence: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class _Candidate:
    passage_index: int
    span: tuple[int, int]
    score: float


def no_answer(question: str, language: str, notice: str = "", evidence: dict | None = None):
    return Answer(question, NO_ANSWER, NO_ANSWER_TEXT[language], language, (), notice,
                  evidence or {})  # fmt: skip


def empty_answer(language: str = "nb") -> Answer:
    return Answer("", NO_ANSWER, EMPTY_TEXT[language], language)


def compose_answer(
    question: str,
    language: str,
    passages: list[Passage],
    query_vector: np.ndarray,
    embed: Callable[[list[str]], np.ndarray],
    idf: Callable[[str], float],
    notice: str = "",
    evidence: dict | None = None,
) -> Answer:
    """The best one to three sentences from `passages`, framed and cited.

    `embed(texts)` returns normalised passage-side vectors for sentences; `idf(term)` the
    inverse document frequency of a stemmed term in the index.
    """
    candidates = _score_sentences(question, passages[:PASSAGES_CONSIDERED], query_vector,
                                  embed, idf)  # fmt: skip
    if not candidates:
        return no_answer(question, language, notice, evidence)
    chosen = _asked_list(question, candidates, passages) or _choose(candidates, passages)
    return _render(question, language, passages, chosen, notice, evidence or {})


def _asked_list(question: str, candidates: list[_Candidate], passages: list[Passage]):
    """For "Hva er satsingsområdene?" / "Which areas …?": the bulleted list of the best
    passage whose heading (or the line before the list) names what is asked for."""
    if not _LIST_QUESTION.search(question.strip()):
        return None
    asked = set(analyse(question))
    best_score = {}
    for c in candidates:
        best_score[c.passage_index] = max(best_score.get(c.passage_index, 0.0), c.score)
    for index in sorted(best_score, key=lambda i: -best_score[i])[:2]:
        chunk = passages[index].chunk
        items = [(a, b) for a, b in sentence_spans(chunk.text) if _is_list_item(chunk.text, a)]
        if len(items) < 2:
            continue
        first_line = chunk.text.rfind("\n", 0, items[0][0]) + 1
        context = chunk.section + " " + chunk.text[:first_line][-200:]
        if not asked & set(analyse(context)):
            continue
        intro = [(a, b) for a, b in sentence_spans(chunk.text)
                 if b <= first_line and chunk.text[a:b].endswith(":")][-1:]  # fmt: skip
        if intro and chunk.text[intro[0][1] : first_line].strip():
            intro = []  # the colon sentence is not the one right before the list
        chosen, words = [], 0
        for span in intro + items:
            words += word_count(chunk.text[span[0] : span[1]])
            if words > MAX_WORDS:
                break
            chosen.append(_Candidate(index, span, best_score[index]))
        return chosen
    return None


def _is_list_item(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    return start > line_start and bool(_BULLET.match(text, line_start))


def _score_sentences(question, passages, query_vector, embed, idf) -> list[_Candidate]:
    spans, contexts = [], []
    for i, passage in enumerate(passages):
        chunk = passage.chunk
        heading = chunk.section.rsplit(SECTION_SEPARATOR, 1)[-1] if chunk.section else ""
        for a, b in sentence_spans(chunk.text):
            sentence = chunk.text[a:b]
            if sentence == heading or word_count(sentence) < 3 or _LINK_TEXT.match(sentence):
                continue  # a heading, a fragment or a link text is not a statement
            spans.append((i, (a, b)))
            contexts.append(heading)
    if not spans:
        return []
    texts = [passages[i].chunk.text[a:b] for i, (a, b) in spans]
    # A sentence is read with its heading: "Konferansen ..." under "Arena Unikom".
    vectors = embed([f"{h}: {t}" if h else t for h, t in zip(contexts, texts, strict=True)])
    dense = vectors @ query_vector
    q_terms = set(analyse(question))
    q_weight = sum(idf(t) for t in q_terms) or 1.0
    kind = question_kind(question)
    out = []
    for (i, span), text, heading, cosine in zip(spans, texts, contexts, dense, strict=True):
        own = set(analyse(text))
        from_heading = set(analyse(heading)) - own
        lexical = (
            sum(idf(t) for t in q_terms & own)
            + HEADING_CREDIT * sum(idf(t) for t in q_terms & from_heading)
        ) / q_weight
        score = (SENTENCE_DENSE * float(cosine) + SENTENCE_LEXICAL * lexical
                 + SENTENCE_RANK / (i + 1) + kind_bonus(kind, question, text))  # fmt: skip
        out.append(_Candidate(i, span, score))
    return out


def question_kind(question: str) -> tuple[str, str] | None:
    """What shape of answer the question asks for: ("count"|"time"|"definition", term)."""
    for kind, pattern in _KINDS:
        match = pattern.search(question.strip())
        if match:
            return kind, (match.groupdict().get("term") or "")
    return None


def kind_bonus(kind: tuple[str, str] | None, question: str, sentence: str) -> float:
    """A nudge for sentences that have the shape of the asked-for answer."""
    if kind is None:
        return 0.0
    name, term = kind
    if name == "count":
        return KIND_BONUS if _NUMBER.search(sentence) else 0.0
    if name == "time":
        return KIND_BONUS if _DATE.search(sentence) else 0.0
    # definition: the sentence names the term near its start and says what it "er"/"is"
    head = analyse(term)[:1]
    opening = analyse(" ".join(sentence.split()[:4]))
    says = re.search(r"\b(er|is|are|betyr|means)\b", " ".join(sentence.split()[:6]), re.I)
    return KIND_BONUS if head and head[0] in opening and says else 0.0


def _choose(candidates: list[_Candidate], passages: list[Passage]) -> list[_Candidate]:
    """The best sentence, plus close runners-up while the answer stays short."""
    ranked = sorted(candidates, key=lambda c: -c.score)
    best = ranked[0]
    if _text(passages, best).endswith(":"):
        return [best, *_list_after(best, passages)]
    chosen = [best]
    words = word_count(_text(passages, best))
    for candidate in ranked[1:]:
        if len(chosen) == MAX_SENTENCES or candidate.score < best.score - EXTRA_SENTENCE_MARGIN:
            break
        n = word_count(_text(passages, candidate))
        if words + n > MAX_WORDS:
            continue
        chosen.append(candidate)
        words += n
    if words > MAX_WORDS:  # a single very long sentence is kept whole: it is the evidence
        chosen = [best]
    # The best sentence's passage comes first; within a passage, document order.
    passage_order = list(dict.fromkeys(c.passage_index for c in chosen))
    return sorted(chosen, key=lambda c: (passage_order.index(c.passage_index), c.span[0]))


def _list_after(intro: _Candidate, passages: list[Passage]) -> list[_Candidate]:
    """The lines after a sentence that ends with a colon (its list), within MAX_WORDS."""
    text = passages[intro.passage_index].chunk.text
    words = word_count(_text(passages, intro))
    items, end = [], intro.span[1]
    for a, b in sentence_spans(text):
        if a < intro.span[1]:
            continue
        if "\n\n" in text[end:a]:  # the list ends at a paragraph break
            break
        end = b
        words += word_count(text[a:b])
        if words > MAX_WORDS:
            break
        items.append(_Candidate(intro.passage_index, (a, b), intro.score))
    return items


def _text(passages: list[Passage], c: _Candidate) -> str:
    a, b = c.span
    return passages[c.passage_index].chunk.text[a:b]


def _render(question, language, passages, chosen, notice, evidence) -> Answer:
    numbers: dict[int, int] = {}
    quotes: dict[int, list[tuple[int, int]]] = {}
    for c in chosen:
        numbers.setdefault(c.passage_index, len(numbers) + 1)
        quotes.setdefault(c.passage_index, []).append(c.span)
    first = passages[chosen[0].passage_index].chunk
    framing = FRAMING[language].format(title=first.title or first.doc_id)
    if first.section:
        framing += f" ({first.section.rsplit(SECTION_SEPARATOR, 1)[-1]})"
    body = " ".join(f"{_text(passages, c)} [{numbers[c.passage_index]}]" for c in chosen)
    citations = tuple(
        Citation(n, passages[i], tuple(quotes[i]))
        for i, n in sorted(numbers.items(), key=lambda kv: kv[1])
    )
    return Answer(question, ANSWERED, f"{framing}: {body}", language, citations, notice, evidence)


def idf_from_tokens(documents: list[list[str]]):
    """BM25's (Lucene's) idf(term) over analysed documents: a word in nearly every passage
    ("Trondheim", "NTNU") weighs almost nothing; an unseen word weighs the most."""
    n = len(documents)
    df: dict[str, int] = {}
    for doc in documents:
        for term in set(doc):
            df[term] = df.get(term, 0) + 1

    def idf(term: str) -> float:
        k = df.get(term, 0)
        return math.log(1 + (n - k + 0.5) / (k + 0.5))

    return idf
