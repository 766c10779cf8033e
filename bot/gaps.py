"""Content gaps for the admin view: what the documents do not answer, and what staff hear.

Read from the store (`bot.store`), as plain frozen dataclasses:

- `unanswered_groups`: the most frequent questions the bot found no answer to (masked,
  as stored), grouped by similarity with `group_similar`, which takes the embedding of
  the app's own model (texts -> unit vectors; `CachedEmbed` keeps the vectors between
  reports) and needs no model of its own;
- `thumbs_down`: the answers rated down, with the reason and the masked free text;
- `answer_rate_by_day`: asked, answered, refused and failed per day (UTC), and the rate;
- `citations`: the current documents cited most, and those never cited;
- `to_csv`: any of these lists as CSV, for a spreadsheet.

It does not render HTML (the admin view does) and reads only what the store kept: within
the retention period, and without question texts when that period is 0.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields

import numpy as np

from .answer import NO_ANSWER
from .store import Store

Embed = Callable[[list[str]], np.ndarray]  # texts -> one unit vector per row
# Two wordings are one question from this cosine of the default model's query vectors on.
# benchmarks/gap_similarity.py (2026-12, multilingual-e5-small): 11 of 12 rewordings of a
# development question reach it (the lowest at 0.925), and 3 of the 561 pairs of different
# development questions, all three one question in two languages (nb/nn, nb/en); at 0.92
# all 12 rewordings, but also "Når ble Arena Unikom arrangert …?" with "Hva er visjonen …?".
SIMILARITY = 0.93
TOP_GROUPS = 20
TOP_DOCUMENTS = 20
MAX_VARIANTS = 5  # other wordings shown per group
# Wordings embedded per report, most asked first; the rest are grouped only when written
# alike. The default model embeds a question in about 21 ms, so 500 take some 10 s once,
# and nothing the next time with `CachedEmbed`.
MAX_EMBEDDED = 500
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell


@dataclass(frozen=True)
class GapGroup:
    """Unanswered questions that ask the same, most often asked wording first."""

    question: str
    count: int
    variants: tuple[str, ...]
    last_asked: str  # the hour, UTC: 2026-12-02T10


@dataclass(frozen=True)
class ThumbsDown:
    """An answer rated down, with what the asker said about it."""

    hour: str  # of the feedback
    question: str  # masked; "" when question texts are not kept
    status: str
    score: float | None
    reason: str
    free_text: str
    doc_ids: tuple[str, ...]


@dataclass(frozen=True)
class DayRate:
    day: str  # UTC
    asked: int
    answered: int
    refused: int
    errors: int
    rate: float  # answered / asked


@dataclass(frozen=True)
class DocumentCitations:
    doc_id: str
    citations: int


@dataclass(frozen=True)
class CitationReport:
    most: tuple[DocumentCitations, ...]  # most cited first
    never: tuple[str, ...]  # current documents no stored answer cited


class CachedEmbed:
    """`embed` remembering the vectors of the last `size` texts it was given, so that
    showing the report again embeds only the questions asked since."""

    def __init__(self, embed: Embed, size: int = 5000):
        self.embed, self.size = embed, size
        self._vectors: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if new:
            self._vectors.update(zip(new, np.asarray(self.embed(new), np.float32), strict=True))
        asked = set(texts)
        for old in list(self._vectors)[: max(0, len(self._vectors) - self.size)]:
            if old not in asked:  # the oldest first
                del self._vectors[old]
        return np.stack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 0))


def group_similar(texts: Sequence[str], embed: Embed | None = None,
                  threshold: float = SIMILARITY,
                  max_embedded: int = MAX_EMBEDDED) -> list[list[int]]:  # fmt: skip
    """Indexes into `texts`, grouped: the same text (ignoring case and spacing) always,
    and with `embed`, texts whose vectors' cosine with the group's first reaches
    `threshold` (for the `max_embedded` most frequent wordings). Largest group first; in
    a group, the most frequent wording first."""
    by_text: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        by_text.setdefault(_normal(text), []).append(i)
    wordings = sorted(by_text.values(), key=len, reverse=True)
    if embed is None or len(wordings) < 2:
        return wordings
    wordings, rest = wordings[:max_embedded], wordings[max_embedded:]
    vectors = np.asarray(embed([texts[w[0]] for w in wordings]), dtype=np.float32)
    leaders: list[int] = []  # rows of `vectors` that head a group
    groups: list[list[list[int]]] = []
    for row, wording in enumerate(wordings):
        if leaders:
            similarity = vectors[leaders] @ vectors[row]
            best = int(np.argmax(similarity))
            if similarity[best] >= threshold:
                groups[best].append(wording)
                continue
        leaders.append(row)
        groups.append([wording])
    merged = [[i for wording in group for i in wording] for group in groups]
    return sorted(merged + rest, key=len, reverse=True)


def unanswered_groups(store: Store, embed: Embed | None = None, limit: int = TOP_GROUPS,
                      threshold: float = SIMILARITY) -> list[GapGroup]:  # fmt: skip
    """The `limit` largest groups of questions answered with "not in the documents"."""
    rows = store.read("SELECT question, hour FROM questions WHERE status = ? "
                      "AND question IS NOT NULL ORDER BY hour", (NO_ANSWER,))  # fmt: skip
    texts = [question for question, _ in rows]
    out = []
    for group in group_similar(texts, embed, threshold)[:limit]:
        counted = Counter(texts[i] for i in group).most_common()
        wordings = [text for text, _ in counted]
        out.append(GapGroup(wordings[0], len(group), tuple(wordings[1 : 1 + MAX_VARIANTS]),
                            max(rows[i][1] for i in group)))  # fmt: skip
    return out


def thumbs_down(store: Store, limit: int = 100) -> list[ThumbsDown]:
    """The latest `limit` answers rated down, newest first."""
    rows = store.read(
        "SELECT f.hour, q.question, q.status, q.score, f.reason, f.free_text, "
        "(SELECT group_concat(doc_id, char(31)) FROM "
        " (SELECT doc_id FROM citations c WHERE c.question_id = q.id ORDER BY n)) "
        "FROM feedback f JOIN questions q ON q.id = f.question_id WHERE f.rating = 'down' "
        "ORDER BY f.hour DESC, q.hour DESC LIMIT ?",
        (limit,),
    )
    return [ThumbsDown(hour, question or "", status, score, reason or "", text or "",
                       tuple(docs.split("\x1f")) if docs else ())
            for hour, question, status, score, reason, text, docs in rows]  # fmt: skip


def answer_rate_by_day(store: Store) -> list[DayRate]:
    """Per day with questions, oldest first: how many were asked, answered, refused
    (no answer in the documents) and failed."""
    rows = store.read(
        "SELECT substr(hour, 1, 10), count(*), sum(status = 'answered'), "
        "sum(status = 'no_answer'), sum(status = 'error') FROM questions "
        "GROUP BY 1 ORDER BY 1"
    )
    return [DayRate(day, asked, answered, refused, errors, round(answered / asked, 4))
            for day, asked, answered, refused, errors in rows]  # fmt: skip


def citations(store: Store, current_doc_ids: Iterable[str],
              limit: int = TOP_DOCUMENTS) -> CitationReport:  # fmt: skip
    """Of the documents in the index now, the `limit` cited most and those never cited
    by a stored answer."""
    current = set(current_doc_ids)
    counts = dict(store.read("SELECT doc_id, count(*) FROM citations GROUP BY doc_id"))
    cited = sorted(((d, n) for d, n in counts.items() if d in current),
                   key=lambda dn: (-dn[1], dn[0]))  # fmt: skip
    never = tuple(sorted(current - counts.keys()))
    return CitationReport(tuple(DocumentCitations(d, n) for d, n in cited[:limit]), never)


def to_csv(rows: Sequence) -> str:
    """Rows of one of the dataclasses above as CSV, with a header of their field names;
    lists joined by "; ", and a cell a spreadsheet would take for a formula quoted."""
    if not rows:
        return ""
    names = [f.name for f in fields(rows[0])]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_cell(getattr(row, name)) for name in names])
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        value = "; ".join(map(str, value))
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()
