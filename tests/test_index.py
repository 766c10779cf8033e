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
    assert list(index.chunks) == _chunks(20)
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


def _sentence_chunks(counts):
    """Chunks holding 1, 2, 3 … sentences, with their spans."""
    chunks = []
    for i, n in enumerate(counts):
        sentences = [f"Setning {j} i bit {i} med æøå." for j in range(n)]
        text = " ".join(sentences)
        spans, cursor = [], 0
        for sentence in sentences:
            spans.append((cursor, cursor + len(sentence)))
            cursor += len(sentence) + 1
        chunks.append(Chunk(f"d.md#{i}", "d.md", "Tittel", "Del", "", "2022-08-12", "nb", None,
                            i, text, tuple(spans)))  # fmt: skip
    return chunks


def _write_with_sentences(index_dir, counts=(1, 3, 2, 1), d=8):
    chunks = _sentence_chunks(counts)
    sentence_vectors = _vectors(sum(counts), d, seed=3)
    with GenerationWriter(index_dir) as w:
        generation = w.commit(
            chunks, _vectors(len(chunks), d), {"model": "hash", "dimension": d}, sentence_vectors
        )
    return generation, chunks, sentence_vectors


def test_sentence_vectors_round_trip_memory_mapped_with_offsets(tmp_path):
    generation, chunks, sentence_vectors = _write_with_sentences(tmp_path)
    index = load_index(tmp_path)
    assert index.generation == generation and list(index.chunks) == chunks
    assert index.chunks[1].sentence_texts()[2] == "Setning 2 i bit 1 med æøå."
    assert isinstance(index.sentence_vectors.base, np.memmap)  # mapped, not read into memory
    assert index.sentence_vectors.dtype == np.float32
    assert np.array_equal(index.sentence_vectors, sentence_vectors)
    assert list(index.sentence_offsets) == [0, 1, 4, 6, 7]
    assert np.array_equal(index.chunk_sentence_vectors(1), sentence_vectors[1:4])
    assert np.array_equal(index.chunk_sentence_vectors(3), sentence_vectors[6:7])
    rows = np.concatenate([index.chunk_sentence_vectors(i) for i in range(len(chunks))])
    assert np.array_equal(rows, sentence_vectors)


def test_commit_refuses_a_wrong_number_of_sentence_vectors(tmp_path):
    chunks = _sentence_chunks((2, 2))
    with (
        pytest.raises(ValueError, match="one vector per sentence"),
        GenerationWriter(tmp_path) as w,
    ):
        w.commit(chunks, _vectors(2), {"model": "hash", "dimension": 8}, _vectors(3))
    assert not (tmp_path / CURRENT).exists()


def test_an_index_of_format_version_1_must_be_rebuilt(tmp_path):
    generation, _, _ = _write_with_sentences(tmp_path)
    folder = tmp_path / generation
    data = json.loads((folder / "manifest.json").read_text())
    data["format_version"] = 1  # as written before sentences were stored
    (folder / "manifest.json").write_text(json.dumps(data))
    (folder / "sentences.npy").unlink()
    with pytest.raises(
        IndexFormatError, match=r"formatversjon 1\b.*Bygg indeksen på nytt: python -m ingest"
    ):
        load_index(tmp_path)


@pytest.mark.parametrize("rows", [6, 8, 0])
def test_sentences_npy_with_the_wrong_number_of_rows_is_a_format_error(tmp_path, rows):
    generation, _, _ = _write_with_sentences(tmp_path)  # 7 sentences
    np.save(tmp_path / generation / "sentences.npy", _vectors(rows, seed=5))
    with pytest.raises(
        IndexFormatError, match="sentences.npy mangler eller har feil størrelse.*på nytt"
    ):
        load_index(tmp_path)


def test_a_missing_sentences_npy_is_a_format_error(tmp_path):
    generation, _, _ = _write_with_sentences(tmp_path)
    (tmp_path / generation / "sentences.npy").unlink()
    with pytest.raises(IndexFormatError, match="skadet.*Bygg indeksen på nytt"):
        load_index(tmp_path)


def test_the_manifest_checksum_covers_its_content_not_its_layout(tmp_path):
    gen = _write(tmp_path)
    path = tmp_path / gen / "manifest.json"
    data = json.loads(path.read_text())
    assert set(data["files"]["index.faiss"]) == {"size", "crc32"} and data["manifest_crc32"]
    path.write_text(json.dumps(dict(reversed(data.items())), indent=4))  # same content
    assert load_index(tmp_path).generation == gen
    data["dimension"] = 9  # a changed value, however it is written
    path.write_text(json.dumps(data))
    with pytest.raises(IndexFormatError, match="manifest.json er endret.*Bygg indeksen på nytt"):
        load_index(tmp_path)
