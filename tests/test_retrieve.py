"""Retrieval maths on hand-made vectors, checked against brute force with numpy."""

import numpy as np
import pytest

from bot.retrieve import CANDIDATES, CosineSpread, Retriever, fuse
from ingest.chunking import Chunk
from ingest.index import GenerationWriter, load_index

DIM = 16
N = 12
WORDS = ["samarbeid", "forskning", "kommune", "skole", "helse", "innovasjon", "avtale"]


class FixedQueryEmbedder:
    """Same interface as the real embedders; every query embeds to one given vector."""

    name = "fixed"
    max_tokens = 512

    def __init__(self, query_vector):
        self.query_vector = np.asarray(query_vector, np.float32)
        self.dimension = len(self.query_vector)
        self.calls = 0

    def count_tokens(self, text):
        return len(text.split())

    def embed_queries(self, texts):
        self.calls += 1
        return np.tile(self.query_vector, (len(texts), 1))

    def embed_passages(self, texts, progress=False):
        raise AssertionError("retrieval must not embed passages")


def _unit(rows):
    rows = np.asarray(rows, np.float32)
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def _chunks(n):
    return [
        Chunk(f"doc{i % 3}.md#{i}", f"doc{i % 3}.md", f"Dokument {i % 3}", "", "", "", "nb",
              None, i, f"Tekst {i} om {WORDS[i % len(WORDS)]} og {WORDS[(i * 3) % len(WORDS)]}.")
        for i in range(n)
    ]  # fmt: skip


@pytest.fixture
def vectors():
    return _unit(np.random.default_rng(42).normal(size=(N, DIM)))


@pytest.fixture
def query():
    return _unit(np.random.default_rng(7).normal(size=DIM))


@pytest.fixture
def retriever(tmp_path, vectors, query):
    with GenerationWriter(tmp_path / "index") as writer:
        writer.commit(_chunks(N), vectors, {"model": "fixed", "dimension": DIM})
    return Retriever(load_index(tmp_path / "index"), FixedQueryEmbedder(query))


def test_dense_order_and_scores_match_brute_force(retriever, vectors, query):
    cosines = vectors @ query
    expected = np.argsort(-cosines)
    passages = retriever.search("samarbeid", k=5, mode="dense")
    assert [p.position for p in passages] == list(expected[:5])
    assert [p.chunk for p in passages] == [retriever.index.chunks[i] for i in expected[:5]]
    assert np.allclose([p.score for p in passages], cosines[expected[:5]], atol=1e-5)
    assert np.allclose([p.dense for p in passages], cosines[expected[:5]], atol=1e-5)
    assert [p.dense_rank for p in passages] == [1, 2, 3, 4, 5]
    assert retriever.embedder.calls == 1


def test_a_given_query_vector_is_used_instead_of_embedding_the_query(retriever, vectors):
    other = _unit(np.random.default_rng(99).normal(size=DIM))
    passages = retriever.search("samarbeid", k=N, mode="dense", query_vector=other)
    assert [p.position for p in passages] == list(np.argsort(-(vectors @ other)))
    assert retriever.embedder.calls == 0


def test_doc_id_filter_keeps_only_that_document_in_brute_force_order(retriever, vectors, query):
    cosines = vectors @ query
    in_doc = [i for i in range(N) if i % 3 == 1]
    expected = sorted(in_doc, key=lambda i: -cosines[i])
    for mode in ("dense", "hybrid"):
        passages = retriever.search("samarbeid", k=N, mode=mode, doc_id="doc1.md")
        assert {p.chunk.doc_id for p in passages} == {"doc1.md"}
        if mode == "dense":
            assert [p.position for p in passages] == expected
        else:
            assert sorted(p.position for p in passages) == sorted(in_doc)
    assert retriever.search("samarbeid", k=N, mode="dense", doc_id="nothing.md") == []


def test_k_larger_than_the_index_returns_every_passage_once(retriever, vectors, query):
    passages = retriever.search("samarbeid", k=10 * N, mode="dense")
    assert [p.position for p in passages] == list(np.argsort(-(vectors @ query)))
    hybrid = retriever.search("samarbeid", k=10 * N, mode="hybrid")
    assert sorted(p.position for p in hybrid) == list(range(N))


def test_hybrid_order_is_the_fusion_of_brute_force_ranks(retriever, vectors, query):
    assert N < CANDIDATES  # every passage is a candidate in both rankings
    text = "samarbeid forskning"
    dense_rank = np.zeros(N, np.int64)
    dense_rank[np.argsort(-(vectors @ query), kind="stable")] = np.arange(1, N + 1)
    bm25 = retriever.lexical.scores(text)
    assert (bm25 > 0).sum() >= 2
    bm25_rank = np.zeros(N, np.int64)
    hits = [i for i in np.argsort(-bm25, kind="stable") if bm25[i] > 0]
    bm25_rank[hits] = np.arange(1, len(hits) + 1)
    fused = fuse(dense_rank, bm25_rank, retriever.dense_weight, retriever.bm25_weight,
                 retriever.rrf_k)  # fmt: skip
    passages = retriever.search(text, k=N, mode="hybrid")
    assert [p.position for p in passages] == list(np.argsort(-fused, kind="stable"))
    assert np.allclose([p.score for p in passages], np.sort(fused)[::-1])
    for p in passages:
        assert p.dense_rank == dense_rank[p.position]
        assert p.bm25_rank == (bm25_rank[p.position] or None)


def test_bm25_mode_returns_only_passages_sharing_a_word(retriever):
    passages = retriever.search("helse", k=N, mode="bm25")
    expected = {i for i, c in enumerate(retriever.index.chunks) if "helse" in c.text}
    assert expected
    assert {p.position for p in passages} == expected
    assert all(p.bm25 > 0 and p.score == pytest.approx(p.bm25) for p in passages)
    assert retriever.embedder.calls == 0  # BM25 alone needs no query vector


def test_empty_query_and_unknown_mode(retriever):
    assert retriever.search("   ", k=5) == []
    with pytest.raises(ValueError, match="unknown retrieval mode"):
        retriever.search("samarbeid", mode="semantic")


def test_a_passage_first_in_both_rankings_beats_one_first_in_only_one():
    # Two separate passages: one first in both, one first by embedding and absent in BM25.
    scores = fuse(np.array([1, 1]), np.array([1, 0]))
    assert scores[0] > scores[1]


def test_agreement_of_both_rankings_beats_a_single_top_rank():
    # A: first in dense, absent from BM25.  B: second in dense, first in BM25.
    scores = fuse(np.array([1, 2]), np.array([0, 1]), 1.0, 1.0, 10)
    assert scores[1] > scores[0]


def test_fusion_is_weighted_reciprocal_rank():
    scores = fuse(np.array([1, 3, 0]), np.array([2, 0, 4]), 2.0, 0.5, 10)
    assert scores == pytest.approx([2 / 11 + 0.5 / 12, 2 / 13, 0.5 / 14])


def test_weights_shift_the_order():
    dense_rank, bm25_rank = np.array([1, 3]), np.array([3, 1])
    even = fuse(dense_rank, bm25_rank, 1.0, 1.0, 10)
    assert even[0] == pytest.approx(even[1])
    dense_heavy = fuse(dense_rank, bm25_rank, 2.0, 1.0, 10)
    assert dense_heavy[0] > dense_heavy[1]
    bm25_heavy = fuse(dense_rank, bm25_rank, 1.0, 2.0, 10)
    assert bm25_heavy[1] > bm25_heavy[0]


def test_absent_from_both_rankings_is_minus_infinity():
    scores = fuse(np.array([0, 2, 0]), np.array([0, 0, 5]))
    assert scores[0] == -np.inf
    assert np.isfinite(scores[1]) and np.isfinite(scores[2])


def _big_retriever(tmp_path, n, query, monkeypatch, hnsw_from=None):
    from ingest import index as index_module

    if hnsw_from is not None:
        monkeypatch.setattr(index_module, "HNSW_MIN_CHUNKS", hnsw_from)
    vectors = _unit(np.random.default_rng(3).normal(size=(n, DIM)))
    with GenerationWriter(tmp_path / "big") as writer:
        writer.commit(_chunks(n), vectors, {"model": "fixed", "dimension": DIM})
    return Retriever(load_index(tmp_path / "big"), FixedQueryEmbedder(query)), vectors


def test_top_k_candidates_give_the_fusion_of_brute_force_ranks_over_every_chunk(
    tmp_path, query, monkeypatch
):
    from bot import retrieve

    n = 400
    monkeypatch.setattr(retrieve, "DENSE_CANDIDATES", CANDIDATES + 10)  # far fewer than n
    retriever, vectors = _big_retriever(tmp_path, n, query, monkeypatch)
    text = "samarbeid forskning helse"
    dense_rank = np.zeros(n, np.int64)
    dense_rank[np.argsort(-(vectors @ query), kind="stable")[:CANDIDATES]] = np.arange(
        1, CANDIDATES + 1
    )
    bm25 = retriever.lexical.scores(text)
    hits = [i for i in np.argsort(-bm25, kind="stable") if bm25[i] > 0][:CANDIDATES]
    bm25_rank = np.zeros(n, np.int64)
    bm25_rank[hits] = np.arange(1, len(hits) + 1)
    fused = fuse(dense_rank, bm25_rank, retriever.dense_weight, retriever.bm25_weight,
                 retriever.rrf_k)  # fmt: skip
    expected = [i for i in np.argsort(-fused, kind="stable")[:10] if np.isfinite(fused[i])]
    passages = retriever.search(text, k=10, mode="hybrid")
    assert [p.position for p in passages] == expected
    for p in passages:  # the shown cosine is exact, also for BM25's finds outside dense's
        assert p.dense == pytest.approx(float(vectors[p.position] @ query), abs=1e-5)


def test_an_index_above_the_size_limit_is_hnsw_and_finds_what_flat_finds(
    tmp_path, query, monkeypatch
):
    retriever, vectors = _big_retriever(tmp_path, 300, query, monkeypatch, hnsw_from=100)
    assert retriever.index.manifest["faiss"]["kind"] == "hnsw"
    assert hasattr(retriever.index.faiss_index, "hnsw")
    passages = retriever.search("samarbeid", k=10, mode="dense")
    assert [p.position for p in passages] == list(np.argsort(-(vectors @ query))[:10])
    small, _ = _big_retriever(tmp_path / "small", 99, query, monkeypatch, hnsw_from=100)
    assert small.index.manifest["faiss"]["kind"] == "flat"


# ------------------------------------------------------------ how far a passage stands out


def test_the_cosine_spread_gives_the_z_scores_of_the_sample_cosines():
    rng = np.random.default_rng(7)
    sample = rng.normal(size=(500, 16)).astype(np.float32)
    sample /= np.linalg.norm(sample, axis=1, keepdims=True)
    spread = CosineSpread.of(sample)
    for _ in range(5):
        query = rng.normal(size=16).astype(np.float32)
        query /= np.linalg.norm(query)
        values = rng.uniform(-1, 1, size=7)
        cosines = sample.astype(np.float64) @ query
        expected = (values - cosines.mean()) / cosines.std()
        np.testing.assert_allclose(spread.z_scores(values, query), expected, rtol=1e-6)


@pytest.mark.parametrize("rows", [0, 1])
def test_a_sample_too_small_for_a_spread_gives_zero_z_scores(rows):
    spread = CosineSpread.of(np.ones((rows, 4), np.float32))
    assert spread.z_scores(np.array([0.5, 0.9]), np.ones(4) / 2).tolist() == [0.0, 0.0]


def test_flat_cosines_give_zero_z_scores():
    spread = CosineSpread.of(np.tile(np.array([[1.0, 0.0]], np.float32), (10, 1)))
    assert spread.z_scores(np.array([0.3]), np.array([1.0, 0.0])).tolist() == [0.0]
