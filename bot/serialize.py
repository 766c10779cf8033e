"""The JSON shape of an answer, shared by `bot ask --json`, the HTTP API, gradio_client's
endpoint and the app (documented field by field in `bot.schema`).

Two numbers in it say how far to trust what it says:

- `score` of a citation or a passage is its relevance to the question: the cosine
  similarity of the question's and the passage's unit vectors, as the dense retriever
  measured it, in [0, 1] (higher is more relevant). Not the fused rank score retrieval
  sorts by, which is near-constant for the passages an answer cites (1/11 + 1/11 + 1/11
  for a passage first in all three rankings). `null` when no similarity was measured: a
  passage quoted only because its sentence continues one that was retrieved, or
  retrieval without the embedding (`--mode bm25`).
- `evidence` is the answer model's probability that the documents answer the question
  (`bot.evidence`: the refusal rule's P(answerable)) and the threshold it was compared
  to; for a two-part question the higher of its parts' (it answers when any part is).
  `null` when nothing was weighed (small talk, an empty question).

It computes nothing that the answer does not already carry.
"""

from __future__ import annotations

from .answer import Answer, Citation
from .retrieve import Passage

DECIMALS = 4  # of the scores: differences below 1e-4 mean nothing here


def citation_to_dict(citation: Citation) -> dict:
    passage = passage_to_dict(citation.passage)
    return {"n": citation.n, **passage, "quote": citation.quote, "score": passage["score"]}


def answer_to_dict(answer: Answer) -> dict:
    out = {
        "question": answer.question,
        "status": answer.status,
        "answer": answer.text,
        "language": answer.language,
        "citations": [citation_to_dict(c) for c in answer.citations],
    }
    if answer.notice:
        out["notice"] = answer.notice
    out["evidence"] = evidence_to_dict(answer.evidence)
    return out


def passage_to_dict(passage: Passage) -> dict:
    chunk = passage.chunk
    return {
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "section": chunk.section,
        "page": chunk.page,
        "url": chunk.url,
        "updated": chunk.updated,
        "text": chunk.text,
        "score": relevance(passage),
    }


def relevance(passage: Passage) -> float | None:
    """The passage's cosine similarity to the question in [0, 1], or None if unmeasured.

    A passage outside the dense candidates still has its exact cosine (`retrieve`); only
    one retrieval never saw (answer.py's neighbouring chunk) or a BM25-only search has
    neither a dense rank nor a cosine."""
    if passage.dense_rank is None and passage.dense == 0.0:
        return None
    return round(min(max(passage.dense, 0.0), 1.0), DECIMALS)


def best_part(evidence: dict) -> dict | None:
    """The weighed part (or the whole one-part evidence) with the highest P(answerable)."""
    parts = evidence.get("parts") or [evidence] if evidence else []
    weighed = [p for p in parts if isinstance(p.get("answerable"), int | float)]
    return max(weighed, key=lambda p: p["answerable"]) if weighed else None


def evidence_to_dict(evidence: dict) -> dict | None:
    """{"score": P(answerable), "threshold": ...} of an answer's evidence, or None."""
    best = best_part(evidence)
    if best is None:
        return None
    return {"score": round(float(best["answerable"]), DECIMALS),
            "threshold": float(best["threshold"])}  # fmt: skip
