"""`python -m ingest` end to end: the real default model on the shipped corpus, and errors."""

import os
import subprocess
import sys

import pytest
from conftest import CORPUS, ROOT

from ingest.chunking import CHUNK_TOKENS
from ingest.embedding import DEFAULT_MODEL
from ingest.index import load_index


def _run(args, model_cache, timeout=600):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRD30_MODEL_CACHE": str(model_cache)}
    return subprocess.run([sys.executable, "-m", "ingest", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


@pytest.mark.slow
def test_corpus_ingest_with_the_real_model(tmp_path, model_cache, default_embedder):
    default_embedder.tokenizer  # noqa: B018 - the session fixture builds the model first
    index_dir = tmp_path / "index"
    first = _run([CORPUS, "--index", index_dir], model_cache)
    assert first.returncode == 0, first.stderr
    assert "bygd på nytt" in first.stdout and "Dokumenter: 1" in first.stdout
    index = load_index(index_dir, expect_model=DEFAULT_MODEL, expect_dimension=384)
    assert len(index.chunks) >= 5
    assert index.chunks[0].title == "Hva bidrar TRD 3.0 til?"
    assert index.chunks[0].updated == "2022-08-12"
    sections = {c.section for c in index.chunks}
    assert "Nye måter å samarbeide på › Kombinerte og delte stillinger" in sections
    for chunk in index.chunks:
        assert default_embedder.count_tokens(chunk.text) <= CHUNK_TOKENS
        assert default_embedder.count_tokens(chunk.embedding_text()) <= 512
    text = " ".join(c.text for c in index.chunks)
    assert "Blåbær" not in text and "æ" in text and "ø" in text and "å" in text
    for furniture in ("Fant du det du lette etter", "Gå til toppen", "arrow_upward"):
        assert furniture not in text

    again = _run([CORPUS, "--index", index_dir], model_cache)
    assert again.returncode == 0 and "uendret" in again.stdout
    assert load_index(index_dir).generation == index.generation


def test_no_readable_document_exits_non_zero_with_a_message(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = _run([tmp_path / "empty.txt", "--index", tmp_path / "index", "--model", "hash"],
                  tmp_path / "cache")  # fmt: skip
    assert result.returncode != 0
    assert "Ingen dokumenter kunne leses inn" in result.stderr
    assert "empty.txt: tom fil" in result.stdout + result.stderr


def test_summary_lists_skipped_files_with_reasons(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.md").write_text("# Tittel\n\nEn setning om Unikom.\n", "utf-8")
    (src / "bad.pdf").write_bytes(b"%PDF-1.4 broken")
    result = _run([src, "--index", tmp_path / "index", "--model", "hash", "--quiet"],
                  tmp_path / "cache")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Dokumenter: 1" in result.stdout
    assert "Hoppet over (1):" in result.stdout and "bad.pdf" in result.stdout


def test_unknown_model_is_a_clear_error_without_network(tmp_path):
    (tmp_path / "a.md").write_text("# T\n\nTekst her.\n", "utf-8")
    result = _run([tmp_path / "a.md", "--index", tmp_path / "index", "--model",
                   "no-such-org/no-such-model"], tmp_path / "cache")  # fmt: skip
    assert result.returncode == 1
    assert "Fant ikke modellen «no-such-org/no-such-model»" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_are_in_norwegian(tmp_path):
    # (without sources, `python -m ingest` reads sources.toml: tests/test_sources_config.py)
    result = _run(["--index"], tmp_path / "cache")
    assert result.returncode == 2
    assert "bruk: python -m ingest" in result.stderr
    assert "Feil: argument --index: mangler en verdi" in result.stderr
    assert "usage" not in result.stderr and "expected" not in result.stderr


def test_a_no_op_ingest_imports_no_model_or_parser_library(tmp_path):
    import subprocess
    import sys

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Tittel\n\nEn setning om æøå.\n", "utf-8")
    args = [str(docs), "--index", str(tmp_path / "index"), "--model", "hash", "--quiet"]
    heavy = ("torch", "transformers", "sentence_transformers", "langchain_text_splitters",
             "bs4", "pypdf", "docx", "bm25s")  # fmt: skip
    script = (
        "import sys\nfrom ingest.__main__ import main\n"
        f"code = main({args!r})\n"
        f"print(code, [m for m in {heavy!r} if m in sys.modules])\n"
    )
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert first.stdout.splitlines()[-1].startswith("0 "), first.stderr
    again = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert again.stdout.splitlines()[-1] == "0 []", again.stdout + again.stderr


def test_files_that_cannot_be_read_safely_are_skipped_with_a_line(tmp_path, monkeypatch):
    import os
    import socket

    from ingest import sources
    from ingest.cli import NorwegianArgumentParser  # noqa: F401 (the CLI's module loads)
    from ingest.embedding import HashEmbedder
    from ingest.pipeline import run_ingest

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "god.md").write_text("# Tittel\n\nEn god setning om æøå.\n", "utf-8")
    (docs / "borte.md").symlink_to(docs / "finnes-ikke.md")
    (docs / "løkke-a.md").symlink_to(docs / "løkke-b.md")
    (docs / "løkke-b.md").symlink_to(docs / "løkke-a.md")
    os.mkfifo(docs / "rør.md")  # reading it would hang the run
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(docs / "sokkel.md"))
        (docs / "stor.txt").write_bytes(b"ord " * 300)
        (docs / "lukket.md").write_text("# Hemmelig\n\nTekst.\n", "utf-8")
        (docs / "lukket.md").chmod(0)
        monkeypatch.setattr(sources, "MAX_FILE_BYTES", 1000)
        real_access = os.access  # root reads anything: make the missing permission visible
        monkeypatch.setattr(
            sources.os, "access", lambda p, mode: "lukket" not in str(p) and real_access(p, mode)
        )
        report = run_ingest([docs], tmp_path / "index", "hash", HashEmbedder)
    reasons = {os.path.basename(path): reason for path, reason in report.skipped}
    assert report.documents == 1
    assert reasons["borte.md"] == "symbolsk lenke til noe som ikke finnes"
    assert reasons["løkke-a.md"] == "symbolske lenker i ring"
    assert reasons["rør.md"].startswith("ikke en vanlig fil")
    assert reasons["sokkel.md"].startswith("ikke en vanlig fil")
    assert reasons["stor.txt"].startswith("for stor")
    assert reasons["lukket.md"] == "kan ikke leses (mangler lesetilgang)"


def test_a_file_that_extracts_to_too_much_text_is_skipped(tmp_path, monkeypatch):
    from ingest import readers
    from ingest.embedding import HashEmbedder
    from ingest.pipeline import run_ingest

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "kort.md").write_text("# Kort\n\nEn setning.\n", "utf-8")
    (docs / "lang.md").write_text("# Lang\n\n" + "Et ord til. " * 400, "utf-8")
    monkeypatch.setattr(readers, "MAX_TEXT_CHARS", 1000)
    report = run_ingest([docs], tmp_path / "index", "hash", HashEmbedder)
    assert report.documents == 1
    assert [r for p, r in report.skipped if p.endswith("lang.md")][0].startswith("for mye tekst")
