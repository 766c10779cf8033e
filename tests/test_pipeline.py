"""Incremental ingest with the fast hash embedder: reuse, change, delete, rebuild, skip."""

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


@pytest.fixture
def src(tmp_path):
    folder = tmp_path / "docs"
    _write(folder, "a.md", "Kombinerte stillinger med æøå.")
    _write(folder, "sub/b.md", "Arena Unikom ble arrangert høsten 2019.")
    return folder


def test_first_ingest_builds_everything(src, tmp_path):
    report, embedder = _ingest(src, tmp_path / "index")
    assert report.status == "rebuilt"
    assert report.documents == 2 and embedder.embedded == report.chunks
    index = load_index(tmp_path / "index")
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
    assert embedder.embedded == 2  # only the changed and the new document
    texts = " ".join(c.text for c in load_index(tmp_path / "index").chunks)
    assert "fysioterapi" in texts and "Arena Unikom" not in texts and "Kombinerte" not in texts


def test_changed_chunker_setting_rebuilds_everything(src, tmp_path):
    first, _ = _ingest(src, tmp_path / "index")
    report, embedder = _ingest(src, tmp_path / "index", chunk_tokens=64)
    assert report.status == "rebuilt" and embedder.embedded == report.chunks


def test_changed_model_rebuilds_everything(src, tmp_path):
    _ingest(src, tmp_path / "index")
    report, embedder = _ingest(src, tmp_path / "index", model="hash-other")
    assert report.status == "rebuilt" and embedder.embedded == report.chunks
    assert read_manifest(tmp_path / "index")["model"] == "hash-other"


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
    found = bot.search("fysioterapi")
    assert bot.index.generation != first
    assert found and "fysioterapi" in found[0].chunk.text

    # a new generation built with another model is refused; the current one keeps serving
    current = bot.index.generation
    _ingest(src, index_dir, model="hash-other")
    assert bot.search("fysioterapi") and bot.index.generation == current
