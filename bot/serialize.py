"""The JSON shape of an answer, shared by `bot ask --json`, the HTTP API and the app."""

from __future__ import annotations

from .answer import Answer, Citation
from .retrieve import Passage


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
        "score": round(passage.score, 6),
    }
