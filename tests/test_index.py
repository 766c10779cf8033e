import json

import numpy as np
import pytest

from ingest.chunking import Chunk
from ingest.errors import IndexFormatError, IndexMissing
from ingest.index import CURRENT, GenerationWriter, load_index


def _chunks(n):
    return [Chunk(f"d.md#{i}", "d.md", "Tittel", "Del", "", "2022-08-12", "nb", None, i,
                  f"Tekst nummer {i} med æøå") for i in range(n)]  # fmt: skip


def _vectors(n, d=8, seed=0):
    v = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _write(index_dir, n=5, d=8, model="hash", seed=0):
    with GenerationWriter(index_dir) as w:
        return w.commit(_chunks(n), _vectors(n, d, seed), {"model": model, "dimension": d})


def test_round_trip_keeps_chunks_vectors_and_search_matches_brute_force(tmp_path):
    _write(tmp_path, n=20)
    index = load_index(tmp_path)
    assert index.chunks == _chunks(20)
    assert np.allclose(index.vectors(), _vectors(20))
    query = _vectors(1, seed=7)[0]
    expected = np.argsort(-(_vectors(20) @ query))[:5]
    assert [i for i, _ in index.search(query[None], 5)[0]] == list(expected)


def test_missing_index_says_how_to_build_it(tmp_path):
    with pytest.raises(IndexMissing, match="python -m ingest"):
        load_index(tmp_path / "nowhere")


def test_wrong_format_version_is_a_clear_error(tmp_path):
    gen = _write(tmp_path)
    manifest = tmp_path / gen / "manifest.json"
    data = json.loads(manifest.read_text())
    data["format_version"] = 999
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexFormatError, match="formatversjon 999.*Bygg indeksen på nytt"):
        load_index(tmp_path)


def test_wrong_model_is_a_clear_error(tmp_path):
    _write(tmp_path, model="hash")
    with pytest.raises(IndexFormatError, match="modellen «hash».*Bygg indeksen på nytt"):
        load_index(tmp_path, expect_model="intfloat/multilingual-e5-base")


def test_wrong_dimension_is_a_clear_error(tmp_path):
    _write(tmp_path, d=8)
    with pytest.raises(IndexFormatError, match="dimensjon 8.*Bygg indeksen på nytt"):
        load_index(tmp_path, expect_dimension=384)


def test_a_failed_write_leaves_the_previous_generation(tmp_path):
    first = _write(tmp_path, n=3)
    with pytest.raises(RuntimeError), GenerationWriter(tmp_path):
        raise RuntimeError("crash while embedding")
    assert (tmp_path / CURRENT).read_text().strip() == first
    assert len(load_index(tmp_path).chunks) == 3
    assert not list(tmp_path.glob(".staging-*"))


def test_a_new_generation_replaces_the_old_one(tmp_path):
    first = _write(tmp_path, n=3)
    second = _write(tmp_path, n=4)
    assert first != second
    assert load_index(tmp_path).generation == second
    assert not (tmp_path / first).exists()
