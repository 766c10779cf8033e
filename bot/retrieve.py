"""Find the passages that best match a question: dense (FAISS), BM25, or both fused.

Hybrid retrieval fuses the two rankings by weighted reciprocal rank. Dense search finds
paraphrases, English and nynorsk questions; BM25 finds rare names and numbers the
embedding blurs. It does not decide whether the passages answer the question: `answer`
does that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ingest.chunking import Chunk
from ingest.embedding import Embedder
from ingest.index import Index

MODES = ("hybrid", "dense", "bm25")
TOP_K = 6
CANDIDATES = 30  # from each ranking, before fusion
# Asked of FAISS: the dense ranking's CANDIDATES, and the pool in which the best-sentence
# ranking looks (chunks whose sentence matches but whose whole text does not). Measured
# with `python -m bot eval` on the three development sets: ranking every chunk and
# ranking only these candidates (with BM25's) give the same metrics to three decimals
# (norquad-dev, 1,242 chunks: cite@1 0.789, cite 0.858, answer 0.816 both ways).
DENSE_CANDIDATES = 200
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
# (the first ranks carry almost all the signal in a small corpus). Checked on all three
# sets with benchmarks/cross_validate.py (--bm25-weight, --sentence-weight, --rrf-k;
# 2026-12-03; the whole answer model refitted per fold; mean out-of-fold `right`, and the
# share of questions whose first passage holds the phrase):
#   now (1, 1, 10)                 right 0.825   first passage 0.836
#   w_bm25 0.5 / 1.5 / 2.0         0.815 / 0.815 / 0.832   0.811 / 0.831 / 0.825
#   w_sentence 0 / 0.5 / 2.0       0.818 / 0.824 / 0.802   0.788 / 0.818 / 0.820
#   RRF_K 5 / 30 / 60              0.818 / 0.822 / 0.821   0.829 / 0.834 / 0.834
# No neighbour is better on both, and w_bm25 2.0 is one point of an uneven line.
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
    """Retrieval over one loaded index with the embedder that built it.

    Nothing here is proportional to the whole index but BM25's sparse sum: dense search
    asks FAISS for DENSE_CANDIDATES chunks, BM25 keeps its CANDIDATES best, and fusion,
    the best-sentence ranking and the scores shown work on the union of those."""

    def __init__(self, index: Index, embedder: Embedder):
        self.index = index
        self.embedder = embedder
        self.lexical = index.lexical
        self.dense_weight, self.bm25_weight, self.rrf_k = DENSE_WEIGHT, BM25_WEIGHT, RRF_K
        self.sentence_weight = SENTENCE_WEIGHT
        self._chunk_cosines = CosineSpread.of(index.chunk_sample)
        self._sentence_cosines = CosineSpread.of(index.sentence_sample)

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
        index = self.index
        if len(index.chunks) == 0 or not query.strip():
            return []
        if query_vector is None and mode != "bm25":
            query_vector = self.embed_query(query)
        rows = index.rows_of(doc_id) if doc_id is not None else None
        if rows is not None and not len(rows):
            return []
        bm25_all = self.lexical.scores(terms if terms is not None else query)
        if rows is not None:
            only = np.zeros(len(bm25_all), bool)
            only[rows] = True
            bm25_all = np.where(only, bm25_all, 0.0)
        bm25_rows = _top_positive(bm25_all, CANDIDATES)

        dense_rows, dense_scores = np.zeros(0, np.int64), np.zeros(0)
        if query_vector is not None:
            if rows is None:
                dense_rows, dense_scores = index.nearest(query_vector, DENSE_CANDIDATES)
            else:  # one document: its chunks, exactly
                dense_rows, dense_scores = rows, index.chunk_vectors(rows) @ query_vector
        cand = np.union1d(dense_rows, bm25_rows).astype(np.int64)
        if not len(cand):
            return []
        in_dense = np.isin(cand, dense_rows)
        dense = np.zeros(len(cand))
        if query_vector is not None:
            dense[np.searchsorted(cand, dense_rows)] = dense_scores
            missing = np.flatnonzero(~in_dense)
            if len(missing):  # BM25's finds outside the dense candidates: their exact cosine
                dense[missing] = index.chunk_vectors(cand[missing]) @ query_vector
        bm25 = bm25_all[cand].astype(np.float64)
        dense_rank = _ranks(np.where(in_dense, dense, -np.inf), CANDIDATES)
        bm25_rank = _ranks(np.where(bm25 > 0, bm25, -np.inf), CANDIDATES)
        sentence_rank = np.zeros(len(cand), np.int64)
        sentence_z = dense_z = np.zeros(len(cand))
        if query_vector is not None:
            best = self._best_sentences(cand, query_vector)
            if self.sentence_weight and np.isfinite(best).any():
                sentence_rank = _ranks(best, CANDIDATES)
            sentence_z = self._sentence_cosines.z_scores(best, query_vector)
            dense_z = self._chunk_cosines.z_scores(dense, query_vector)
        if mode == "dense":
            fused = np.where(in_dense, dense, -np.inf)
        elif mode == "bm25":
            fused = np.where(bm25 > 0, bm25, -np.inf)
        else:
            fused = fuse(dense_rank, bm25_rank, self.dense_weight, self.bm25_weight, self.rrf_k)
            if sentence_rank.any():
                hit = sentence_rank > 0
                fused[hit] = np.where(np.isfinite(fused[hit]), fused[hit], 0.0) + (
                    self.sentence_weight / (self.rrf_k + sentence_rank[hit])
                )
        order = [i for i in np.argsort(-fused, kind="stable")[:k] if np.isfinite(fused[i])]
        return [
            Passage(
                chunk=index.chunks[int(cand[i])],
                position=int(cand[i]),
                score=float(fused[i]),
                dense=float(dense[i]),
                bm25=float(bm25[i]),
                dense_rank=_rank_or_none(dense_rank[i]),
                bm25_rank=_rank_or_none(bm25_rank[i]),
                dense_z=float(dense_z[i]),
                sentence_z=float(sentence_z[i]) if np.isfinite(sentence_z[i]) else 0.0,
            )
            for i in order
        ]

    def _best_sentences(self, positions: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
        """The best sentence cosine of each chunk at `positions` (-inf for none)."""
        offsets = self.index.sentence_offsets
        starts, ends = offsets[positions], offsets[positions + 1]
        lengths = ends - starts
        # every row of every chunk, without a Python loop: start of its chunk + its place in it
        first = np.cumsum(lengths) - lengths
        rows = np.arange(int(lengths.sum())) - np.repeat(first - starts, lengths)
        best = np.full(len(positions), -np.inf)
        if len(rows):
            cosines = self.index.sentence_vectors[rows] @ query_vector
            has = lengths > 0  # each chunk's rows are contiguous, from `first` on
            best[has] = np.maximum.reduceat(cosines, first[has])
        return best


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


def _top_positive(scores: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the `limit` highest positive scores, best first (ties: lower position
    first), without sorting the whole array."""
    positive = np.flatnonzero(scores > 0)
    values = scores[positive]
    if len(positive) > limit:
        cut = np.partition(values, len(values) - limit)[len(values) - limit]
        keep = values >= cut  # every tie at the cut, so the order below decides
        positive, values = positive[keep], values[keep]
    return positive[np.argsort(-values, kind="stable")][:limit]


def _ranks(scores: np.ndarray, limit: int) -> np.ndarray:
    """1-based rank of each of the `limit` best finite scores; 0 elsewhere."""
    ranks = np.zeros(len(scores), np.int64)
    order = np.argsort(-scores, kind="stable")[:limit]
    order = order[np.isfinite(scores[order])]  # -inf sorts last: the finite ones lead
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks


@dataclass(frozen=True)
class CosineSpread:
    """The mean and spread of a sample of vectors' cosines with any query, from the
    sample's mean vector and covariance (computed once, not per query): for a query q the
    cosines' mean is mean @ q and their variance q @ covariance @ q, the same numbers as
    from the cosines themselves (ingest.index.CHUNK_SAMPLE of them) without computing them
    at every question."""

    mean: np.ndarray
    covariance: np.ndarray
    size: int

    @classmethod
    def of(cls, sample: np.ndarray) -> CosineSpread:
        if len(sample) < 2:
            return cls(np.zeros(0), np.zeros((0, 0)), len(sample))
        vectors = np.asarray(sample, np.float64)
        mean = vectors.mean(axis=0)
        centred = vectors - mean
        return cls(mean, centred.T @ centred / len(vectors), len(vectors))

    def z_scores(self, values: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
        """`values` in standard deviations of the sample's cosines from their mean (0
        when the sample is too small or its cosines flat)."""
        if self.size < 2:
            return np.zeros(len(values))
        q = np.asarray(query_vector, np.float64)
        spread = math.sqrt(max(float(q @ self.covariance @ q), 0.0))
        if not np.isfinite(spread) or spread < 1e-9:
            return np.zeros(len(values))
        return (values - float(self.mean @ q)) / spread


def _rank_or_none(rank: int) -> int | None:
    return int(rank) if rank > 0 else None
