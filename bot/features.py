"""The measurable signals of a question against its retrieved passages.

Two feature sets, both plain numbers the answer model weighs (`model.py`):

- per candidate sentence (every sentence of the top passages): how close it is in
  meaning to the question, how many of the question's words it and its neighbours hold,
  whether it has the kind of answer asked for (a number, a date, a name), whether it
  refers back ("Han …"), how much it says beyond repeating the question;
- per question: the best sentence's score, the question words found nowhere in the
  corpus, the coverage of the top passages, dense and lexical agreement, and whether
  any top sentence has the asked-for kind of answer at all.

Sentence vectors come from the index (embedded at ingest); nothing is embedded here.
It does not choose sentences or decide to refuse: `answer` and `evidence` do.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ingest.documents import SECTION_SEPARATOR
from ingest.index import Index
from ingest.sentences import is_list_item
from ingest.sentences import word_count as _word_count

from .lexical import analyse
from .query import Query, question_words
from .rarity import rarity
from .retrieve import Passage

# Candidate sentences come from this many top passages. benchmarks/cross_validate.py
# (2026-12-03, its docstring): 3, 5, 7 and 10 give the same mean `right` within 0.003.
PASSAGES_CONSIDERED = 5
# The asked-for kind of answer is looked for in this many best sentences.
# benchmarks/cross_validate.py --type-window N --salts - a b c d e f g (2026-12-05): N = 2,
# 5 and 10 gave a mean `right` of 0.827, 0.830 and 0.829 (sd 0.011).
TYPE_WINDOW = 5
CHECKABLE_TYPES = ("count", "money", "date", "duration", "person", "place", "organisation")

SENTENCE_FEATURES = (
    "dense", "dense_gap", "lexical", "lexical_gap", "heading", "prev_lexical",
    "next_lexical", "prev_dense", "next_dense", "passage_rank", "passage_dense_gap",
    "type_match", "type_miss", "back_reference", "novelty", "length", "short",
    "list_item", "colon", "backref_prev_lexical", "prev_gain", "window_lexical",
    "top_document",
)  # fmt: skip
QUESTION_FEATURES = (
    "best_logit", "coverage", "absent_share", "absent_rarity_share", "dense_top",
    "sentence_dense_top", "agreement", "type_missing", "best_lexical", "terms",
    "absent_rarity", "absent_rare", "best_type_match", "margin", "dense_z_top",
    "sentence_z_top", "money_missing", "typed_gap",
)  # fmt: skip
TYPED_GAP_CAP = 10.0  # logits; the gap when no candidate has the asked-for kind at all
RARE_ZIPF_RARITY = 0.5  # rarity above this (Zipf below 3: a name, a term) counts as rare

_NUMBER = re.compile(r"(?<![\w.])\d")
_YEAR = re.compile(r"\b(1\d{3}|20\d\d)\b|\b\d{1,2}\.\d{1,2}\.(\d{2}|\d{4})\b")
_CAPITAL = re.compile(r"^[A-ZÆØÅÄÖÜÉ][\wæøåäöüé'’-]*$|^(?=.*[A-ZÆØÅ])[A-ZÆØÅ0-9+]{2,}$")
_TOKEN = re.compile(r"[+\w][\w'’.-]*")
# "i Trondheim", "på Brattøra", "ved NTNU": a preposition of place before a name.
_PLACE = re.compile(r"\b(i|på|ved|fra|frå|til|mot|nær|utenfor|in|at|near|from|to)\s+[«\"]?[A-ZÆØÅ]")


@lru_cache(maxsize=1)
def _markers() -> dict[str, re.Pattern]:
    data = question_words()
    out = {k: re.compile(v, re.I) for k, v in data["sentence_markers"].items()}
    out["back_reference"] = re.compile(data["back_reference"]["starts"], re.I)
    out["link_text"] = re.compile(data["link_text"]["pattern"], re.I)
    out["update_stamp"] = re.compile(data["update_stamp"]["line"], re.I)
    out["asks_update"] = re.compile(data["update_stamp"]["question"], re.I)
    markers = data["sentence_markers"]
    amount = "|".join(f"(?:{markers[k]})" for k in ("number_words", "duration_quantifiers"))
    out["duration"] = re.compile(
        rf"(?:\d|{amount})[\w,.]*\s+(?:\w+\s+)?(?:{markers['time_units']})", re.I
    )
    return out


@lru_cache(maxsize=65536)
def word_count(text: str) -> int:
    """Words in a sentence (cached: sentences recur across questions)."""
    return _word_count(text)


@lru_cache(maxsize=65536)
def terms_of(text: str) -> frozenset[str]:
    """The analysed content terms of a text (cached: sentences recur across questions)."""
    return frozenset(analyse(text))


@lru_cache(maxsize=65536)
def sentence_kinds(text: str) -> frozenset[str]:
    """The kinds of answer a sentence holds: "count", "date", "person", … (ANSWER_TYPES)."""
    m = _markers()
    kinds = set()
    tokens = _TOKEN.findall(text)
    if _NUMBER.search(text) or m["number_words"].search(text):
        kinds.add("count")
    if m["money"].search(text):
        kinds.add("money")
    if _YEAR.search(text) or m["date_words"].search(text):
        kinds.add("date")
        kinds.add("duration")
    elif m["duration"].search(text):
        kinds.add("duration")
    if m["relative_time"].search(text):
        kinds.add("date")
    names = [bool(_CAPITAL.match(t)) for t in tokens[1:]]
    if any(names):
        kinds.add("organisation")
    if any(a and b for a, b in zip(names, names[1:], strict=False)) or m["person"].search(text):
        kinds.add("person")
    if _PLACE.search(text) or m["place"].search(text):
        kinds.add("place")
    for kind in ("reason", "manner", "definition"):
        if m[kind].search(text):
            kinds.add(kind)
    if text.endswith(":") or text.count(",") >= 2:
        kinds.add("list")
    return frozenset(kinds)


def new_kinds(text: str, known: frozenset[str]) -> frozenset[str]:
    """The kinds of answer a sentence holds beyond the question's own words (`known`, its
    analysed terms): "… har ansatt en egen prosjektleder i Universitetskommunen TRD3.0."
    names no one new for "Hvem er prosjektleder i Universitetskommunen?"."""
    masked = _TOKEN.sub(lambda m: "_" if terms_of(m.group()) & known else m.group(), text)
    return sentence_kinds(masked)


def refers_back(text: str) -> bool:
    """Whether a sentence leans on the one before it ("Han …", "Dette …", "They …")."""
    return bool(_markers()["back_reference"].match(text))


@dataclass(frozen=True)
class Candidate:
    """One sentence of a retrieved passage, where it sits, and its features."""

    passage: int  # index into the passages list
    position: int  # chunk row in the index
    sentence: int  # index of the sentence in its chunk
    span: tuple[int, int]  # into the chunk's text
    text: str
    list_line: bool  # a bulleted line, or a short line of its own (a list after extraction)


@dataclass(frozen=True)
class Candidates:
    items: list[Candidate]
    matrix: np.ndarray  # (len(items), len(SENTENCE_FEATURES))
    index: Index

    def __len__(self) -> int:
        return len(self.items)


def neighbour(index: Index, position: int, sentence: int, step: int) -> tuple[int, int] | None:
    """The (chunk row, sentence) before (step=-1) or after (+1) one, in the same document."""
    chunk = index.chunks[position]
    target = sentence + step
    if 0 <= target < len(chunk.sentences):
        return position, target
    other = position + step
    if not 0 <= other < len(index.chunks) or index.chunks[other].doc_id != chunk.doc_id:
        return None
    n = len(index.chunks[other].sentences)
    if n == 0:
        return None
    return other, (n - 1 if step < 0 else 0)


def sentence_text(index: Index, position: int, sentence: int) -> str:
    chunk = index.chunks[position]
    a, b = chunk.sentences[sentence]
    return chunk.text[a:b]


def sentence_terms(index: Index, position: int, sentence: int) -> frozenset[str]:
    """The terms of a sentence as written and in the other written standard."""
    chunk = index.chunks[position]
    return terms_of(sentence_text(index, position, sentence)) | terms_of(chunk.variant(sentence))


def _sentence_vector(index: Index, position: int, sentence: int) -> np.ndarray:
    return index.sentence_vectors[index.sentence_offsets[position] + sentence]


def candidates(
    query: Query,
    passages: list[Passage],
    index: Index,
    query_vector: np.ndarray,
    idf: Callable[[str], float],
) -> Candidates:
    """Every sentence of the top passages, with its SENTENCE_FEATURES."""
    terms = set(query.focus or query.terms)
    weights = {t: idf(t) for t in terms}  # looked up once, not per sentence
    weight = sum(weights.values()) or 1.0

    def share(found: frozenset[str] | set[str]) -> float:
        return sum(weights[t] for t in terms & found) / weight

    stamps_asked = asks_about_update(query.retrieval_text)
    items, rows = [], []
    for p, passage in enumerate(passages[:PASSAGES_CONSIDERED]):
        chunk = passage.chunk
        vectors = np.asarray(index.chunk_sentence_vectors(passage.position))
        if not len(vectors):
            continue
        dense = vectors @ query_vector
        heading_terms = terms_of(f"{chunk.title} {chunk.section}")
        for s, (a, b) in enumerate(chunk.sentences):
            text = chunk.text[a:b]
            if is_heading(chunk, s) or is_link_text(text):
                continue  # a heading or a link text is not a statement
            if not stamps_asked and is_update_stamp(text):
                continue  # the page's date, not an answer to this question
            written = terms_of(text)
            own = sentence_terms(index, passage.position, s)  # in both written standards
            words = word_count(text)
            near, prev_terms = [], frozenset()
            for step in (-1, 1):
                if 0 <= s + step < len(chunk.sentences):  # in this chunk: already at hand
                    other = sentence_terms(index, passage.position, s + step)
                    cosine = float(dense[s + step])
                else:
                    where = neighbour(index, passage.position, s, step)
                    if where is None:
                        near.append((0.0, 0.0))
                        continue
                    other = sentence_terms(index, *where)
                    cosine = float(_sentence_vector(index, *where) @ query_vector)
                prev_terms = other if step < 0 else prev_terms
                near.append((share(other), cosine))
            list_line = is_list_line(chunk, s)
            kinds = sentence_kinds(text)
            asked = query.answer_type
            rows.append([
                float(dense[s]),
                0.0,  # dense_gap, below
                share(own),
                0.0,  # lexical_gap, below
                share(heading_terms - own),
                near[0][0],
                near[1][0],
                near[0][1],
                near[1][1],
                1.0 / (1 + p),
                passage.dense - passages[0].dense,
                float(asked is not None and asked in kinds),
                float(asked in CHECKABLE_TYPES and asked not in kinds),
                float(refers_back(text)),
                len(written - terms) / len(written) if written else 0.0,
                math.log1p(words),
                float(words < 4),
                float(list_line),
                float(text.endswith(":")),
                float(refers_back(text)) * near[0][0],
                max(0.0, near[0][0] - share(own)),
                share(own | heading_terms | prev_terms),
                float(chunk.doc_id == passages[0].chunk.doc_id),
            ])  # fmt: skip
            items.append(Candidate(p, passage.position, s, (a, b), text, list_line))
    matrix = np.asarray(rows, np.float64).reshape(-1, len(SENTENCE_FEATURES))
    if len(matrix):
        matrix[:, 1] = matrix[:, 0] - matrix[:, 0].max()
        matrix[:, 3] = matrix[:, 2] - matrix[:, 2].max()
    return Candidates(items, matrix, index)


def is_heading(chunk, sentence: int) -> bool:
    """Whether the sentence is the section heading that opens the chunk."""
    a, b = chunk.sentences[sentence]
    heading = chunk.section.rsplit(SECTION_SEPARATOR, 1)[-1] if chunk.section else ""
    return a == 0 and bool(heading) and chunk.text[a:b] == heading


def is_link_text(text: str) -> bool:
    """A line that only points elsewhere ("Les mer om …")."""
    return bool(_markers()["link_text"].match(text))


def is_update_stamp(text: str) -> bool:
    """A page's own date line ("Sist oppdatert 01.12.2026", "Last updated …")."""
    return bool(_markers()["update_stamp"].match(text))


def asks_about_update(question: str) -> bool:
    """Whether a question asks when something was updated or published."""
    return bool(_markers()["asks_update"].search(question))


LIST_LINE_WORDS = 12  # a line of its own this short, without a full stop, is a list item


def is_list_line(chunk, sentence: int) -> bool:
    """A bulleted line, or a short line standing alone without a full stop (a list item
    that lost its bullet in extraction). A chunk's first line (its heading) is not one."""
    text = chunk.text
    a, b = chunk.sentences[sentence]
    if is_link_text(text[a:b]):
        return False
    if is_list_item(text, a):
        return True
    alone = a > 0 and text[a - 1] == "\n" and (b == len(text) or text[b] == "\n")
    short = word_count(text[a:b]) <= LIST_LINE_WORDS
    return alone and short and not text[a:b].endswith((".", ":", "?", "!"))


def question_features(
    query: Query,
    passages: list[Passage],
    found: Candidates,
    logits: np.ndarray,
    idf: Callable[[str], float],
) -> np.ndarray:
    """The QUESTION_FEATURES for the refusal decision."""
    terms = set(query.terms)
    weight = sum(idf(t) for t in terms) or 1.0
    best = int(np.argmax(logits)) if len(logits) else -1
    # The top passages, and the one the best sentence is from (it may rank lower).
    covering = [p.chunk for p in passages[:3]]
    if best >= 0 and found.items[best].position not in {p.position for p in passages[:3]}:
        covering.append(found.index.chunks[found.items[best].position])
    in_top: set[str] = set()
    for chunk in covering:
        in_top |= terms_of(chunk.lexical_text())
    text_top = " ".join(chunk.lexical_text().lower() for chunk in covering)
    covered = sum(idf(t) for t in terms if t in in_top or (len(t) >= 5 and t in text_top))
    absent = sum(idf(t) for t in query.absent)
    asked = query.answer_type
    type_missing = 0.0
    if asked in CHECKABLE_TYPES and len(logits):
        top = np.argsort(-logits)[:TYPE_WINDOW]
        type_missing = float(not any(asked in sentence_kinds(found.items[i].text) for i in top))
    # An amount of money is the one kind whose marker is exact (a currency, "millioner
    # kroner"): a price or a cost asked for that no best sentence names is a near miss
    # ("Hvor mye kostet det å bygge …?" where the documents describe the building). Its
    # own feature, since in `type_missing` the fuzzier kinds (a date, a name) drown it:
    # benchmarks/fit_answer_model.py's out-of-fold balance rose from 0.852 to 0.878 with it.
    money_missing = type_missing if asked == "money" else 0.0
    agreement = any((p.dense_rank or 99) <= 3 and (p.bm25_rank or 99) <= 3 for p in passages[:3])
    rarities = [rarity(w, query.language) for w in query.absent_words]
    best_type = 0.0
    if best >= 0 and asked in CHECKABLE_TYPES:
        window = [found.items[best].text]
        for step in (-1, 1):
            c = found.items[best]
            where = neighbour(found.index, c.position, c.sentence, step)
            if where is not None:
                window.append(sentence_text(found.index, *where))
        best_type = float(any(asked in sentence_kinds(t) for t in window))
    elif best >= 0:
        best_type = 0.5  # nothing to check
    # How far below the best sentence the best one with the asked-for kind of answer
    # scores ("Hvor mange …": the sentence that matches best has no number, the one with a
    # number matches poorly): 0 when the best has it, or nothing is checkable.
    typed_gap = 0.0
    if best >= 0 and asked in CHECKABLE_TYPES:
        typed = logits[found.matrix[:, SENTENCE_FEATURES.index("type_match")] > 0]
        typed_gap = (
            min(TYPED_GAP_CAP, float(logits[best] - typed.max())) if len(typed) else TYPED_GAP_CAP
        )
    ordered = np.sort(logits)[::-1]
    margin = float(ordered[0] - ordered[1]) if len(ordered) > 1 else 0.0
    return np.array([
        float(logits[best]) if best >= 0 else -10.0,
        covered / weight,
        absent / weight,
        sum(rarities) / (sum(rarity(w, query.language) for w in query.words) or 1.0),
        passages[0].dense if passages else 0.0,
        float(found.matrix[best, 0]) if best >= 0 else 0.0,
        float(agreement),
        type_missing,
        float(found.matrix[best, 2] + found.matrix[best, 4]) if best >= 0 else 0.0,
        math.log1p(len(terms)),
        max(rarities, default=0.0),
        float(sum(r > RARE_ZIPF_RARITY for r in rarities)),
        best_type,
        margin,
        max((p.dense_z for p in passages), default=0.0),
        max((p.sentence_z for p in passages), default=0.0),
        money_missing,
        typed_gap,
    ])  # fmt: skip
