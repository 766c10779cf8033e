"""Decide whether the retrieved passages answer the question at all.

e5's cosine scores sit in a narrow band (0.75-0.90 for almost anything Norwegian), so the
dense score alone cannot tell "about the documents" from "about Trondheim in general".
The decision combines it with lexical evidence: how much of the question's own content
(weighted by rarity) the top passages contain, typos forgiven.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass

from .lexical import analyse
from .retrieve import Passage

EVIDENCE_PASSAGES = 3
FUZZY_CUTOFF = 0.8  # difflib ratio for a misspelt word to count as found

# Calibrated on ../shared/eval/dev-questions.jsonl (XXX-MEASURE).
DENSE_ALONE = 0.86  # this close in meaning answers even with no shared words
DENSE_FLOOR = 0.80  # below this nothing is answered
COVERAGE_MIN = 0.45  # share of the question's (idf-weighted) content words found
COMBINED_MIN = 1.0  # dense_margin / (DENSE_ALONE - DENSE_FLOOR) + coverage / COVERAGE_MIN


@dataclass(frozen=True)
class Evidence:
    dense: float  # best cosine of the question with any passage
    coverage: float  # idf-weighted share of the question's content words in the top passages
    agreement: bool  # dense and BM25 put the same passage among their top 3
    content_words: int

    def answerable(self) -> bool:
        if self.content_words == 0 or self.dense < DENSE_FLOOR:
            return False
        if self.dense >= DENSE_ALONE or self.coverage >= COVERAGE_MIN:
            return True
        dense_part = (self.dense - DENSE_FLOOR) / (DENSE_ALONE - DENSE_FLOOR)
        return dense_part + self.coverage / COVERAGE_MIN >= COMBINED_MIN

    def to_dict(self) -> dict:
        return {**asdict(self), "answerable": self.answerable()}


def gather(question: str, passages: list[Passage], vocabulary: set[str], idf) -> Evidence:
    """The signals for `question` given the ranked `passages`."""
    terms = set(analyse(question))
    if not passages or not terms:
        return Evidence(max((p.dense for p in passages), default=0.0), 0.0, False, len(terms))
    top = passages[:EVIDENCE_PASSAGES]
    found_in = set()
    for passage in top:
        found_in.update(analyse(passage.chunk.embedding_text()))
    total = sum(idf(t) for t in terms)
    hit = 0.0
    for term in terms:
        if term in found_in:
            hit += idf(term)
        elif len(term) >= 5 and difflib.get_close_matches(term, found_in, 1, FUZZY_CUTOFF):
            hit += idf(term) * 0.8
    dense = max(p.dense for p in passages)
    agreement = any(
        (p.dense_rank or 99) <= 3 and (p.bm25_rank or 99) <= 3 for p in passages[:3]
    )
    return Evidence(dense, hit / total if total else 0.0, agreement, len(terms))
