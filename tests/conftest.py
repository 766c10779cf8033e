"""Shared fixtures: a fake-embedder index for fast tests, the real model for slow ones."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev-questions.jsonl"


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """Where the real default model is built for this test session (once)."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def default_embedder(model_cache):
    from ingest.embedding import DEFAULT_MODEL, load_embedder

    return load_embedder(DEFAULT_MODEL, model_cache)


@pytest.fixture(scope="session")
def real_corpus_index(tmp_path_factory, default_embedder) -> Path:
    """The shipped corpus ingested with the real default model."""
    from ingest.embedding import DEFAULT_MODEL
    from ingest.pipeline import run_ingest

    index_dir = tmp_path_factory.mktemp("real-index")
    run_ingest([CORPUS], index_dir, DEFAULT_MODEL, lambda: default_embedder)
    return index_dir


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target
