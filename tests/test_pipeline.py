"""Incremental ingest with the fast hash embedder: reuse, change, delete, rebuild, skip."""

import json

import numpy as np
import pytest

from ingest.embedding import HashEmbedder
from ingest.errors import NothingIndexed
from ingest.index import load_index, read_manifest
from ingest.pipeline import run_ingest


class CountingEmbedder(HashEmbedder):
    """The hash embedder, counting what it is asked to embed."""

    def __init__(self):
        super().__init__()
        self.embedded = 0

    def embed_passages(self, texts, progress=False):
        self.embedded += len(texts)
        return super().embed_passages(texts, progress)


def _write(folder, name, body, title="Tittel"):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {title}\nupdated: 2024-01-02\n---\n\n## Del\n\n{body}\n", "utf-8")
    return path


def _ingest(src, index_dir, model="hash", **kw):
    made = []

    def factory():
        made.append(CountingEmbedder())
        return made[-1]

    report = run_ingest([src], index_dir, model, factory, **kw)
    return report, (made[0] if made else None)


def _sentences(index):
    return sum(len(c.sentences) for c in index.chunks)


@pytest.fixture
def src(tmp_path):
    folder = tmp_path / "docs"
    _write(folder, "a.md", "Kombinerte stillinger med æøå.")
    _write(folder, "sub/b.md", "Arena Unikom ble arrangert høsten 2019.")
    return folder


def test_first_ingest_builds_everything(src, tmp_path):
    report, embedder = _ingest(src, tmp_path / "index")
    assert report.status == "rebuilt"
    assert report.documents == 2 and report.embedded == report.chunks
    index = load_index(tmp_path / "index")
    # one embed call holds the chunks and all their sentences ("Del" and the body)
    assert report.embedded_sentences == _sentences(index) == 4
    assert embedder.embedded == report.chunks + report.embedded_sentences
    assert {c.doc_id for c in index.chunks} == {"a.md", "sub/b.md"}
    assert any("æøå" in c.text for c in index.chunks)
    manifest = read_manifest(tmp_path / "index")
    assert manifest["model"] == "hash" and manifest["dimension"] == HashEmbedder().dimension
    assert set(manifest["documents"]) == {"a.md", "sub/b.md"}
    assert len(manifest["documents"]["a.md"]["hash"]) == 64
    assert {"chunk_tokens", "chunk_overlap"} <= set(manifest["chunker"])
    assert "faiss-cpu" in manifest["versions"] and manifest["created"]


def test_unchanged_documents_do_not_load_the_model(src, tmp_path):
    first, _ = _ingest(src, tmp_path / "index")
    again, embedder = _ingest(src, tmp_path / "index")
    assert again.status == "unchanged"
    assert embedder is None  # the factory was never called
    assert again.generation == first.generation


def test_changed_and_deleted_documents(src, tmp_path):
    _ingest(src, tmp_path / "index")
    _write(src, "a.md", "Helt ny tekst om fysioterapi.")
    (src / "sub" / "b.md").unlink()
    _write(src, "c.md", "Et nytt dokument om EUniverCities.")
    report, embedder = _ingest(src, tmp_path / "index")
    assert report.status == "updated"
    assert report.changed == ["a.md"] and report.added == ["c.md"]
    assert report.removed == ["sub/b.md"]
    # only the changed and the new document: one chunk and two sentences each
    assert report.embedded == 2 and report.embedded_sentences == 4
    assert embedder.embedded == report.embedded + report.embedded_sentences
    texts = " ".join(c.text for c in load_index(tmp_path / "index").chunks)
    assert "fysioterapi" in texts and "Arena Unikom" not in texts and "Kombinerte" not in texts


def test_changed_chunker_setting_rebuilds_everything(src, tmp_path):
    first, _ = _ingest(src, tmp_path / "index")
    report, embedder = _ingest(src, tmp_path / "index", chunk_tokens=64)
    assert report.status == "rebuilt" and report.embedded == report.chunks
    assert embedder.embedded == report.chunks + _sentences(load_index(tmp_path / "index"))


def test_changed_cleaning_rebuilds_everything(src, tmp_path, monkeypatch):
    """Documents read under another cleaning (here: a photo credit agency more) are read
    and embedded again, though their bytes did not change."""
    import ingest.cleaning as cleaning

    body = "Brua er ferdig.\n\nFoto: Kari Nordmann / Byavisa Den åpner i mai. Det blir fest."
    _write(src, "a.md", body)
    _ingest(src, tmp_path / "index")
    before = read_manifest(tmp_path / "index")["cleaning"]
    assert "Byavisa" in " ".join(c.text for c in load_index(tmp_path / "index").chunks)
    credits = tmp_path / "photo_credits.toml"
    credits.write_text('labels = ["foto"]\nagencies = ["Byavisa"]\n', "utf-8")
    monkeypatch.setattr(cleaning, "PHOTO_CREDITS_FILE", credits)
    cleaning._credit_patterns.cache_clear()
    try:
        report, embedder = _ingest(src, tmp_path / "index")
    finally:
        cleaning._credit_patterns.cache_clear()
    assert read_manifest(tmp_path / "index")["cleaning"] != before
    assert report.status == "rebuilt" and report.embedded == report.chunks
    assert embedder.embedded == report.chunks + _sentences(load_index(tmp_path / "index"))
    texts = " ".join(c.text for c in load_index(tmp_path / "index").chunks)
    assert "Byavisa" not in texts and "Brua er ferdig." in texts
    assert "Den åpner i mai. Det blir fest." in texts


def test_changed_model_rebuilds_everything(src, tmp_path):
    _ingest(src, tmp_path / "index")
    report, embedder = _ingest(src, tmp_path / "index", model="hash-other")
    assert report.status == "rebuilt" and report.embedded == report.chunks
    assert embedder.embedded == report.chunks + _sentences(load_index(tmp_path / "index"))
    assert read_manifest(tmp_path / "index")["model"] == "hash-other"


@pytest.fixture
def own_lexicon(tmp_path, monkeypatch):
    """A copy of the lexicon file that the analyser reads instead (its caches cleared)."""
    import ingest.lexical as lexical

    copy = tmp_path / "lexicon.toml"
    copy.write_text(lexical.LEXICON_FILE.read_text("utf-8"), "utf-8")
    monkeypatch.setattr(lexical, "LEXICON_FILE", copy)
    caches = (lexical.lexicon, lexical.stopwords)
    for cache in caches:
        cache.cache_clear()
    yield copy
    monkeypatch.undo()
    for cache in caches:
        cache.cache_clear()


def test_a_changed_analysis_rebuilds_bm25_and_keeps_the_vectors(src, tmp_path, own_lexicon):
    import ingest.lexical as lexical

    first, _ = _ingest(src, tmp_path / "index")
    (arranged,) = lexical.analyse("arrangert")
    assert arranged in load_index(tmp_path / "index").lexical.vocabulary
    text = own_lexicon.read_text("utf-8")
    own_lexicon.write_text(text.replace("extra = [", 'extra = [\n    "arrangert",', 1), "utf-8")
    lexical.lexicon.cache_clear()
    lexical.stopwords.cache_clear()
    assert "arrangert" in lexical.stopwords()
    report, embedder = _ingest(src, tmp_path / "index")
    assert report.status != "unchanged" and report.generation != first.generation
    assert report.embedded == 0 and (embedder is None or embedder.embedded == 0)
    assert arranged not in load_index(tmp_path / "index").lexical.vocabulary
    again, _ = _ingest(src, tmp_path / "index")
    assert again.status == "unchanged"


def test_broken_files_are_skipped_and_the_rest_is_ingested(src, tmp_path):
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (src / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<")
    (src / "image.png").write_bytes(b"\x89PNG")
    report, _ = _ingest(src, tmp_path / "index")
    assert report.documents == 2
    skipped = {path.rsplit("/", 1)[-1] for path, _ in report.skipped}
    assert skipped == {"empty.txt", "binary.txt", "broken.pdf", "image.png"}
    assert all(reason for _, reason in report.skipped)
    # unchanged broken files do not force a rebuild either
    again, embedder = _ingest(src, tmp_path / "index")
    assert again.status == "unchanged" and embedder is None


def test_nothing_readable_leaves_the_old_index(src, tmp_path):
    first, _ = _ingest(src, tmp_path / "index")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "x.txt").write_bytes(b"")
    with pytest.raises(NothingIndexed):
        _ingest(empty, tmp_path / "index")
    assert load_index(tmp_path / "index").generation == first.generation


def test_a_running_bot_switches_to_a_new_generation_and_keeps_the_old_on_failure(src, tmp_path):
    from bot.service import Bot

    index_dir = tmp_path / "index"
    _ingest(src, index_dir)
    bot = Bot.load(index_dir, tmp_path / "cache")
    bot.reload_seconds = 0
    first = bot.index.generation
    assert not any("fysioterapi" in p.chunk.text for p in bot.search("fysioterapi"))

    _write(src, "c.md", "Et nytt dokument om fysioterapi og æøå.")
    _ingest(src, index_dir)
    assert bot.reload_if_changed(wait=True)
    found = bot.search("fysioterapi")
    assert bot.index.generation != first
    assert found and "fysioterapi" in found[0].chunk.text

    # a new generation built with another model is refused; the current one keeps serving
    current = bot.index.generation
    _ingest(src, index_dir, model="hash-other")
    assert bot.reload_if_changed(wait=True)  # it tried
    assert bot.search("fysioterapi") and bot.index.generation == current


def _by_doc(index):
    """Per document: its chunk texts, chunk vectors and sentence vectors, in order."""
    vectors, out = index.vectors(), {}
    for position, chunk in enumerate(index.chunks):
        texts, chunk_vectors, sentence_vectors = out.setdefault(chunk.doc_id, ([], [], []))
        texts.append(chunk.text)
        chunk_vectors.append(vectors[position])
        sentence_vectors.append(np.array(index.chunk_sentence_vectors(position)))
    return out


def test_incremental_ingest_reembeds_only_the_changed_documents_sentences(tmp_path):
    src = tmp_path / "docs"
    long_body = " ".join(
        f"Fristen for søknad nummer {i} er {i % 28 + 1}. februar 2025 kl. 12.00." for i in range(40)
    )
    _write(src, "stabil.md", long_body, title="Frister")
    _write(src, "endres.md", "Arena Unikom ble arrangert 19. oktober 2019. Det kom ca. 300 folk.")
    index_dir = tmp_path / "index"
    _ingest(src, index_dir, chunk_tokens=64)
    before = _by_doc(load_index(index_dir))
    assert len(before["stabil.md"][0]) > 1  # the stable document spans several chunks

    _write(src, "endres.md", "Konferansen flyttes til 3. mars 2020. Påmelding skjer på nett!")
    report, embedder = _ingest(src, index_dir, chunk_tokens=64)
    index = load_index(index_dir)
    changed = [c for c in index.chunks if c.doc_id == "endres.md"]
    assert report.status == "updated" and report.changed == ["endres.md"]
    assert report.embedded == len(changed) == 1
    assert [c.sentence_texts() for c in changed] == [
        ["Del", "Konferansen flyttes til 3. mars 2020.", "Påmelding skjer på nett!"]
    ]
    assert report.embedded_sentences == 3
    assert embedder.embedded == report.embedded + report.embedded_sentences

    after = _by_doc(index)
    texts, chunk_vectors, sentence_vectors = after["stabil.md"]
    assert texts == before["stabil.md"][0]
    assert all(
        np.array_equal(a, b) for a, b in zip(chunk_vectors, before["stabil.md"][1], strict=True)
    )
    assert all(
        np.array_equal(a, b) for a, b in zip(sentence_vectors, before["stabil.md"][2], strict=True)
    )
    # every chunk's rows are the vectors of its own sentences, old and new alike
    for position, chunk in enumerate(index.chunks):
        expected = HashEmbedder().embed_passages(chunk.sentence_embedding_texts())
        assert np.allclose(index.chunk_sentence_vectors(position), expected)
    assert read_manifest(index_dir)["sentences"] == len(index.sentence_vectors)


def test_an_index_of_the_old_format_is_rebuilt_with_sentence_vectors(src, tmp_path):
    index_dir = tmp_path / "index"
    first, _ = _ingest(src, index_dir)
    manifest_path = index_dir / first.generation / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["format_version"] = 1
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    (index_dir / first.generation / "sentences.npy").unlink()
    report, embedder = _ingest(src, index_dir)  # same documents, but nothing is reusable
    assert report.status == "rebuilt" and report.embedded == report.chunks == 2
    index = load_index(index_dir)
    assert report.embedded_sentences == len(index.sentence_vectors) == _sentences(index)
    assert embedder.embedded == report.chunks + report.embedded_sentences


def test_a_question_during_a_hot_reload_is_answered_by_the_old_generation(src, tmp_path,
                                                                          monkeypatch):  # fmt: skip
    import threading

    from bot import service

    index_dir = tmp_path / "index"
    _ingest(src, index_dir)
    bot = service.Bot.load(index_dir, tmp_path / "cache")
    bot.reload_seconds = 0
    old = bot.index.generation
    _write(src, "c.md", "Et nytt dokument om fysioterapi og æøå.")
    _ingest(src, index_dir)

    loading, release = threading.Event(), threading.Event()
    real_load = service.load_index

    def slow_load(*args, **kwargs):  # the new generation takes as long as the test wants
        loading.set()
        release.wait(120)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(service, "load_index", slow_load)
    answer = bot.ask("Når ble Arena Unikom arrangert?")  # starts the load, must not wait
    found = bot.search("fysioterapi")
    assert loading.is_set() and not release.is_set() and bot._loader.is_alive()
    assert bot.index.generation == old
    assert answer.status in ("answered", "no_answer")
    assert all(c.passage.chunk.doc_id in ("a.md", "sub/b.md") for c in answer.citations)
    assert not any("fysioterapi" in p.chunk.text for p in found)

    release.set()
    bot.wait_for_reload(60)
    assert bot.index.generation != old
    assert "fysioterapi" in bot.search("fysioterapi")[0].chunk.text


@pytest.mark.parametrize(
    "name", ["index.faiss", "chunks.jsonl", "sentences.npy", "lexical/vocab.index.json"]
)
def test_ingest_again_repairs_a_generation_with_a_cut_file(src, tmp_path, name):
    from ingest.errors import IndexFormatError

    index_dir = tmp_path / "index"
    first, _ = _ingest(src, index_dir)
    path = index_dir / first.generation / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(IndexFormatError, match="skadet"):
        load_index(index_dir)
    again, embedder = _ingest(src, index_dir)
    assert again.status == "rebuilt" and embedder is not None
    repaired = load_index(index_dir)
    assert {c.doc_id for c in repaired.chunks} == {"a.md", "sub/b.md"}
    assert _ingest(src, index_dir)[0].status == "unchanged"
