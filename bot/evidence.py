"""Weigh the evidence for one question (or one part of it): is it answered, and by what?

For a `Query`: retrieve passages (embedding the query, nothing else), list their
sentences as candidates with their features, score them with the learned sentence scorer,
and decide with the learned refusal rule whether the documents answer it at all. The
decision combines what separates answerable questions from unanswerable ones on all the
development sets together: question words found nowhere in the corpus, the support and
score of the best sentence, whether any top sentence has the asked-for kind of answer,
dense and lexical agreement (`features.QUESTION_FEATURES`, weights in `model.py`).

It does not compose the answer: `answer` does that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ingest.index import Index

from .features import QUESTION_FEATURES, Candidates, candidates, question_features
from .model import AnswerModel
from .query import Query
from .retrieve import TOP_K, Passage, Retriever


@dataclass(frozen=True)
class Examined:
    """One part of a question (or the whole of a one-part question), weighed."""

    query: Query
    passages: list[Passage]
    found: Candidates
    logits: np.ndarray  # the sentence scorer's, one per candidate
    answerable: float  # P(the documents answer it), from the refusal rule
    threshold: float
    signals: dict = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        return bool(self.query.terms) and len(self.found) > 0 and self.answerable >= self.threshold


def examine(
    query: Query,
    retriever: Retriever,
    index: Index,
    model: AnswerModel,
    idf: Callable[[str], float],
    mode: str = "hybrid",
) -> Examined:
    """Retrieve, score the candidate sentences and weigh whether `query` is answered."""
    vector = retriever.embed_query(query.retrieval_text)
    passages = retriever.search(query.retrieval_text, TOP_K, mode, query_vector=vector,
                                terms=list(query.terms))  # fmt: skip
    found = candidates(query, passages, index, vector, idf)
    if not len(found):
        return Examined(query, passages, found, np.zeros(0), 0.0, model.threshold)
    logits = model.sentence.logits(found.matrix)
    signals = question_features(query, passages, found, logits, idf)
    answerable = model.answerable(signals) if query.terms else 0.0
    named = {k: round(float(v), 4) for k, v in zip(QUESTION_FEATURES, signals, strict=True)}
    return Examined(query, passages, found, logits, answerable, model.threshold, named)
