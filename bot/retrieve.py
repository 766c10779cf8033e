"""Find the passages that best match a question: dense (FAISS), BM25, or both fused.

Hybrid retrieval fuses the two rankings by weighted reciprocal rank. Dense search finds
paraphrases, English and nynorsk questions; BM25 finds rare names and numbers the
embedding blurs. It does not decide whether the passages answer the question: `answer`
does that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest.chunking import Chunk
from ingest.embedding import Embedder
from ingest.index import Index

from .lexical import LexicalIndex

MODES = ("hybrid", "dense", "bm25")
TOP_K = 6
CANDIDATES = 30  # from each ranking, before fusion
# Weighted reciprocal rank fusion: score = w_dense / (RRF_K + rank_dense)
#                                        + w_bm25  / (RRF_K + rank_bm25).
# Measured with benchmarks/fusion.py on ../shared/eval/dev-questions.jsonl (default model,
# 128-token chunks): recall@1 / recall@3 of a passage holding the expected phrase over the
# 28 in-scope questions, and the bot's cite metric over them:
#   dense only                    0.893 / 0.964   cite 0.929
#   BM25 only                     0.893 / 0.964   cite 0.964
#   hybrid, RRF_K=10, w_bm25=0.25 0.929 / 0.964   cite 0.929
#                            0.5  0.929 / 0.964   cite 0.964
#                            0.75 0.929 / 1.000   cite 0.964
#                            1.0  0.929 / 1.000   cite 0.964
#                            1.5  0.893 / 0.964   cite 0.964
#   hybrid, RRF_K=60, w_bm25=1.0  0.929 / 1.000   (0.75: 0.964 at @3)
# Equal weights sit in the middle of the best plateau; RRF_K=10 keeps that plateau wider
# (the first ranks carry almost all the signal in a small corpus).
DENSE_WEIGHT = 1.0
BM25_WEIGHT = 1.0
RRF_K = 10
# A third ranking: chunks by their best sentence's cosine (sentence vectors are stored).
SENTENCE_WEIGHT = 1.0


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with the evidence for it."""

    chunk: Chunk
    position: int  # row in the index
    score: float  # the fused (or single-method) score used for ranking
    dense: float  # cosine similarity with the question
    bm25: float
    dense_rank: int | None  # 1-based, None when outside the candidates
    bm25_rank: int | None
    # How far the passage stands out from the whole index for this question, in standard
    # deviations: its cosine among all chunks', its best sentence's among all sentences'.
    dense_z: float = 0.0
    sentence_z: float = 0.0


class Retriever:
    """Retrieval over one loaded index with the embedder that built it."""

    def __init__(self, index: Index, embedder: Embedder):
        self.index = index
        self.embedder = embedder
        self.lexical = LexicalIndex([c.embedding_text() for c in index.chunks])
        self.dense_weight, self.bm25_weight, self.rrf_k = DENSE_WEIGHT, BM25_WEIGHT, RRF_K
        self.sentence_weight = SENTENCE_WEIGHT
        # Which chunk each sentence row belongs to, for ranking chunks by their best sentence.
        offsets = index.sentence_offsets
        self._sentence_chunk = np.repeat(np.arange(len(index.chunks)), np.diff(offsets))

    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.embed_queries([text])[0]

    def search(
        self,
        query: str,
        k: int = TOP_K,
        mode: str = "hybrid",
        doc_id: str | None = None,
        query_vector: np.ndarray | None = None,
        terms: list[str] | None = None,
    ) -> list[Passage]:
        """The `k` best passages for `query`, best first (optionally from one document).

        `terms`, when given, are the query's analysed (and typo-resolved) terms for BM25."""
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; choose one of {MODES}")
        n = len(self.index.chunks)
        if n == 0 or not query.strip():
            return []
        if query_vector is None and mode != "bm25":
            query_vector = self.embed_query(query)
        dense = self._dense_scores(query_vector) if query_vector is not None else np.zeros(n)
        bm25 = self.lexical.scores(terms if terms is not None else query)
        allowed = np.ones(n, bool)
        if doc_id is not None:
            allowed = np.array([c.doc_id == doc_id for c in self.index.chunks])
        dense_rank = _ranks(np.where(allowed, dense, -np.inf), CANDIDATES)
        bm25_rank = _ranks(np.where(allowed & (bm25 > 0), bm25, -np.inf), CANDIDATES)
        sentence_rank = np.zeros(n, np.int64)
        best = np.zeros(n)
        sentence_z = np.zeros(n)
        if query_vector is not None and self.sentence_weight and len(self._sentence_chunk):
            cosines = self.index.sentence_vectors @ query_vector
            best = np.full(n, -np.inf)
            np.maximum.at(best, self._sentence_chunk, cosines)
            sentence_rank = _ranks(np.where(allowed, best, -np.inf), CANDIDATES)
            sentence_z = _z_scores(best, cosines)
        dense_z = _z_scores(dense, dense) if query_vector is not None else np.zeros(n)
        if mode == "dense":
            fused = np.where(allowed, dense, -np.inf)
        elif mode == "bm25":
            fused = np.where(allowed & (bm25 > 0), bm25, -np.inf)
        else:
            fused = fuse(dense_rank, bm25_rank, self.dense_weight, self.bm25_weight, self.rrf_k)
            if sentence_rank.any():
                hit = sentence_rank > 0
                fused[hit] = np.where(np.isfinite(fused[hit]), fused[hit], 0.0) + (
                    self.sentence_weight / (self.rrf_k + sentence_rank[hit])
                )
            fused[~allowed] = -np.inf
        order = [i for i in np.argsort(-fused, kind="stable")[:k] if np.isfinite(fused[i])]
        return [
            Passage(
                chunk=self.index.chunks[i],
                position=int(i),
                score=float(fused[i]),
                dense=float(dense[i]),
                bm25=float(bm25[i]),
                dense_rank=_rank_or_none(dense_rank[i]),
                bm25_rank=_rank_or_none(bm25_rank[i]),
                dense_z=float(dense_z[i]),
                sentence_z=float(sentence_z[i]),
            )
            for i in order
        ]

    def _dense_scores(self, query_vector: np.ndarray) -> np.ndarray:
        """Cosine of the query with every chunk, via the FAISS index (exact search)."""
        n = len(self.index.chunks)
        scores = np.full(n, -1.0, np.float32)
        for position, score in self.index.search(query_vector[None, :], n)[0]:
            scores[position] = score
        return scores


def fuse(
    dense_rank: np.ndarray,
    bm25_rank: np.ndarray,
    dense_weight: float = DENSE_WEIGHT,
    bm25_weight: float = BM25_WEIGHT,
    rrf_k: int = RRF_K,
) -> np.ndarray:
    """Weighted reciprocal rank fusion; rank 0 means "not among the candidates"."""
    out = np.zeros(len(dense_rank), np.float64)
    for ranks, weight in ((dense_rank, dense_weight), (bm25_rank, bm25_weight)):
        hit = ranks > 0
        out[hit] += weight / (rrf_k + ranks[hit])
    out[out == 0] = -np.inf
    return out


def _ranks(scores: np.ndarray, limit: int) -> np.ndarray:
    """1-based rank of each of the `limit` best finite scores; 0 elsewhere."""
    ranks = np.zeros(len(scores), np.int64)
    order = [i for i in np.argsort(-scores, kind="stable")[:limit] if np.isfinite(scores[i])]
    for rank, i in enumerate(order, start=1):
        ranks[i] = rank
    return ranks


def _z_scores(values: np.ndarray, population: np.ndarray) -> np.ndarray:
    """`values` in standard deviations of `population` from its mean (0 when flat)."""
    spread = float(np.std(population))
    if not np.isfinite(spread) or spread < 1e-9:
        return np.zeros(len(values))
    return (values - float(np.mean(population))) / spread


def _rank_or_none(rank: int) -> int | None:
    return int(rank) if rank > 0 else None
