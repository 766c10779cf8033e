"""Compose an extractive answer with numbered citations, or an honest "not in the documents".

The answer is made only of sentences copied verbatim from retrieved passages, each run of
them followed by the marker of the passage it came from. Only the short framing
("Ifølge …", "According to …") is ours, in the asker's language. When the evidence is
weak the result is `no_answer`: a short reply saying where to turn instead, no citations.

Which sentences: the one the answer model scores best; the sentence before it when it
refers back ("Han …"); the sentence next to it that holds the one fact asked for (a
count, a date, a name) when it does not; the whole list when the question asks for
several things or the best sentence introduces or belongs to a list (unless one fact is
asked for, a count, a date or a name: then the item that holds it); close runners-up
while the answer stays short. A two-part question gets a quote and a citation for each
part. No sentence is quoted twice.

It does not search or score: it is given the examined parts of the question.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ingest.documents import SECTION_SEPARATOR
from ingest.index import Index
from ingest.sentences import is_list_item, word_count

from .evidence import Examined
from .features import (
    CHECKABLE_TYPES,
    is_heading,
    is_list_line,
    is_update_stamp,
    neighbour,
    new_kinds,
    refers_back,
    sentence_text,
)
from .query import Query
from .retrieve import Passage

ANSWERED, NO_ANSWER = "answered", "no_answer"
MAX_WORDS = 60  # an answer's quotes, at most (one longer sentence is kept whole)
LIST_MAX_WORDS = 120  # a quoted list, at most
MAX_SENTENCES = 3  # per part, lists aside
LIST_WINDOW = 5  # a list question takes the best list among this many best sentences
LIST_BULLET = "\n• "
ONE_FACT = CHECKABLE_TYPES  # asked for one count, date or name: a list item is quoted alone
CLOSED = (".", "!", "?", ":", ";")  # a sentence ending so is not a list's unfinished lead-in

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


def no_answer(question: str, language: str, notice: str = "", evidence: dict | None = None):
    return Answer(question, NO_ANSWER, NO_ANSWER_TEXT[language], language, (), notice,
                  evidence or {})  # fmt: skip


def empty_answer(language: str = "nb") -> Answer:
    return Answer("", NO_ANSWER, EMPTY_TEXT[language], language)


AND = {"nb": "og", "nn": "og", "en": "and"}
PART_MISSING = {
    "nb": "Om «{part}» finner jeg ikke svar i dokumentene.",
    "nn": "Om «{part}» finn eg ikkje svar i dokumenta.",
    "en": "I can't find an answer to «{part}» in the documents.",
}


@dataclass(frozen=True)
class _Quote:
    position: int  # chunk row
    sentence: int
    list_line: bool = False


def compose_answer(
    query: Query, parts: list[Examined], index: Index, extra_margin: float, notice: str = ""
) -> Answer:
    """The cited answer to `query` from its examined `parts`, or no_answer."""
    evidence = {"parts": [_evidence(p) for p in parts]}
    if len(parts) == 1:
        evidence = evidence["parts"][0]
    answered = [p for p in parts if p.answered]
    if not answered:
        return no_answer(query.text, query.language, notice, evidence)
    passages = {pa.position: pa for p in parts for pa in p.passages}
    quotes: list[_Quote] = []
    # The passage of the sentence that answers is cited first ([1]), also where the
    # sentence it refers back to comes before it from the passage before.
    first = answered[0]
    main = first.found.items[int(np.argmax(first.logits))].position
    for part in answered:
        for quote in _choose(part, index, extra_margin):
            if (quote.position, quote.sentence) not in {(q.position, q.sentence) for q in quotes}:
                quotes.append(quote)
    missing = [PART_MISSING[query.language].format(part=p.query.text.rstrip("?"))
               for p in parts if not p.answered]  # fmt: skip
    notice = " ".join(x for x in [notice, *missing] if x)
    return _render(query, quotes, passages, index, notice, evidence, main)


def _evidence(part: Examined) -> dict:
    return {"answerable": round(part.answerable, 4), "threshold": part.threshold,
            "answer_type": part.query.answer_type, **part.signals}  # fmt: skip


def _choose(part: Examined, index: Index, extra_margin: float) -> list[_Quote]:
    found, logits = part.found, part.logits
    order = [int(i) for i in np.argsort(-logits, kind="stable")]
    best = found.items[order[0]]
    listed = None
    if part.query.answer_type == "list":
        top = [found.items[i] for i in order[:LIST_WINDOW]]
        listed = next((c for c in top if c.list_line or opens_list(index, c)), None)
    elif part.query.answer_type not in ONE_FACT and (best.list_line or opens_list(index, best)):
        listed = best  # a question for one fact (a count, a date, a name) gets its item
    if listed is not None:
        quotes = _whole_list(index, listed.position, listed.sentence)
        if len(quotes) > 1:
            return quotes
    quotes = [_Quote(best.position, best.sentence)]
    lead = {best.position}  # the passages the answer opens with
    before, after = _beside(index, best, -1), _beside(index, best, 1)
    if refers_back(best.text) and before is not None:
        quotes.insert(0, _Quote(*before))
        lead.add(before[0])
    asked = part.query.answer_type
    known = frozenset(part.query.focus or part.query.terms)

    def holds(text: str) -> bool:
        return asked in new_kinds(text, known)

    holds_fact = asked in ONE_FACT and holds(best.text)
    if not holds_fact and after is not None and refers_back(sentence_text(index, *after)):
        # The next sentence goes on about what the best one names ("… er Kunnskapsaksen."
        # "Det er en strategi for byutvikling langs en akse …"): quoted with it.
        quotes.append(_Quote(*after))
        lead.add(after[0])
    if asked in ONE_FACT and not any(holds(_text(index, q)) for q in quotes):
        # The sentences so far name the topic, not the fact asked for ("… har ansatt en egen
        # prosjektleder."); the sentence after (or before) that holds it is quoted too
        # ("Hans Kristian Ryttersveen (30) begynte nylig i stillingen.").
        for near, at_end in ((after, True), (before, False)):
            if (near is not None and _Quote(*near) not in quotes
                    and holds(sentence_text(index, *near))):  # fmt: skip
                quotes.insert(len(quotes) if at_end else 0, _Quote(*near))
                lead.add(near[0])
                break
    words = sum(word_count(_text(index, q)) for q in quotes)
    top = logits[order[0]]
    for i in order[1:]:
        if len(quotes) >= MAX_SENTENCES or logits[i] < top - extra_margin or extra_margin <= 0:
            break
        c = found.items[i]
        n = word_count(c.text)
        if words + n > MAX_WORDS or any(q.position == c.position and q.sentence == c.sentence
                                        for q in quotes):  # fmt: skip
            continue
        quotes.append(_Quote(c.position, c.sentence))
        words += n
    # The best sentence's passage (and the one it refers back to) first, in reading order.
    return sorted(quotes, key=lambda q: (q.position not in lead, q.position, q.sentence))


def _beside(index: Index, candidate, step: int) -> tuple[int, int] | None:
    """The sentence before (step=-1) or after (+1) a candidate in its document, unless
    there is none, it is a section heading, or the page's own date line (which holds a
    date, but not the one asked for: "Når bør jeg gjøre det?")."""
    where = neighbour(index, candidate.position, candidate.sentence, step)
    if (where is None or is_heading(index.chunks[where[0]], where[1])
            or is_update_stamp(sentence_text(index, *where))):  # fmt: skip
        return None
    return where


def opens_list(index: Index, candidate) -> bool:
    """Whether a sentence introduces the list that follows it: it ends with a colon, or
    bulleted items complete it ("The partners have promised to", then the items), or
    they complete the unfinished lead-in after it in the same paragraph ("… bidrar med.
    Det kan for eksempel være", then the items). A finished sentence before bulleted
    lines is not an introduction (a news article's "- Jeg …" lines are quotes)."""
    if candidate.text.endswith(":"):
        return True
    after = neighbour(index, candidate.position, candidate.sentence, 1)
    if after is not None and _bulleted(index, after):
        return not candidate.text.endswith(CLOSED)
    return _lead_in(index, (candidate.position, candidate.sentence)) is not None


def _bulleted(index: Index, where: tuple[int, int]) -> bool:
    chunk = index.chunks[where[0]]
    return is_list_item(chunk.text, chunk.sentences[where[1]][0])


def _lead_in(index: Index, where: tuple[int, int]) -> tuple[int, int] | None:
    """The sentence after `where` when it is an unfinished lead-in to a bulleted list: in
    the same paragraph, not an item itself, not closed by CLOSED, and items follow it."""
    chunk = index.chunks[where[0]]
    if where[1] + 1 >= len(chunk.sentences):
        return None
    end, (a, b) = chunk.sentences[where[1]][1], chunk.sentences[where[1] + 1]
    if "\n" in chunk.text[end:a] or is_list_item(chunk.text, a) or chunk.text[a:b].endswith(CLOSED):
        return None
    lead_in = (where[0], where[1] + 1)
    following = neighbour(index, *lead_in, 1)
    return lead_in if following is not None and _bulleted(index, following) else None


def _whole_list(index: Index, position: int, sentence: int) -> list[_Quote]:
    """The list that the sentence at (position, sentence) introduces or belongs to, with
    its introducing sentence, within LIST_MAX_WORDS; may run into the next chunk."""

    def is_item(where: tuple[int, int]) -> bool:
        return is_list_line(index.chunks[where[0]], where[1])

    start = (position, sentence)
    if is_item(start):  # walk back to the first item, then take a colon intro before it
        while (before := neighbour(index, *start, -1)) is not None and is_item(before):
            start = before
        before = neighbour(index, *start, -1)
        if before is not None and sentence_text(index, *before).endswith(":"):
            start = before
    quotes = [_Quote(*start, list_line=is_item(start))]
    words = word_count(sentence_text(index, *start))
    where = start
    lead_in = None if is_item(start) else _lead_in(index, start)
    if lead_in is not None:
        quotes.append(_Quote(*lead_in))  # "Det kan for eksempel være", then the items
        words += word_count(sentence_text(index, *lead_in))
        where = lead_in
    while (after := neighbour(index, *where, 1)) is not None and is_item(after):
        words += word_count(sentence_text(index, *after))
        if words > LIST_MAX_WORDS:
            break
        quotes.append(_Quote(*after, list_line=True))
        where = after
    return quotes


def _text(index: Index, quote: _Quote) -> str:
    chunk = index.chunks[quote.position]
    a, b = chunk.sentences[quote.sentence]
    return chunk.text[a:b]


def _render(query, quotes, passages, index, notice, evidence, main=None) -> Answer:
    numbers: dict[int, int] = {main: 1} if any(q.position == main for q in quotes) else {}
    spans: dict[int, list[tuple[int, int]]] = {}
    pieces: list[str] = []
    for i, quote in enumerate(quotes):
        n = numbers.setdefault(quote.position, len(numbers) + 1)
        spans.setdefault(quote.position, []).append(
            index.chunks[quote.position].sentences[quote.sentence]
        )
        text = _text(index, quote)
        following = quotes[i + 1] if i + 1 < len(quotes) else None
        run_ends = following is None or following.position != quote.position
        if quote.list_line and pieces:
            pieces.append(LIST_BULLET)
        elif pieces:
            pieces.append(" ")
        pieces.append(text + (f" [{n}]" if run_ends else ""))
    titles = list(dict.fromkeys(index.chunks[q.position].title or index.chunks[q.position].doc_id
                                for q in quotes))  # fmt: skip
    first = index.chunks[quotes[0].position]
    joined = f"» {AND[query.language]} «".join(titles[:2])
    framing = FRAMING[query.language].format(title=joined)
    if len(titles) == 1 and first.section:
        framing += f" ({first.section.rsplit(SECTION_SEPARATOR, 1)[-1]})"
    citations = tuple(
        Citation(n, passages.get(position) or _passage(index, position), tuple(spans[position]))
        for position, n in sorted(numbers.items(), key=lambda kv: kv[1])
    )
    text = f"{framing}: {''.join(pieces)}"
    return Answer(query.text, ANSWERED, text, query.language, citations, notice, evidence)


def _passage(index: Index, position: int) -> Passage:
    """A chunk quoted for a neighbouring sentence that retrieval did not rank."""
    return Passage(index.chunks[position], position, 0.0, 0.0, 0.0, None, None)
