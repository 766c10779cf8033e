"""Shared fixtures: a fake-embedder index for fast tests, the real model for slow ones,
and `app_process`, which runs `python app.py` for the tests that probe the real server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev-questions.jsonl"
APP_START_S = 180  # the model is built on a first start; a loaded machine is slow


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(index_dir: Path, model_cache: Path, log_path: Path, **env: str):
    """`python app.py` on `index_dir` and a free port of 127.0.0.1, with the settings in
    `env` (TRD30_* from the environment are dropped); yields its URL once /healthz
    answers, and stops it after. A start that fails shows the end of its log."""
    port = free_port()
    settings = {k: v for k, v in os.environ.items() if not k.startswith("TRD30_")}
    settings.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                    GRADIO_ANALYTICS_ENABLED="False", TRD30_MODEL_CACHE=str(model_cache),
                    **env)  # fmt: skip
    command = [sys.executable, str(ROOT / "app.py"), "--index", str(index_dir),
               "--port", str(port)]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=settings, stdout=log,
                                   stderr=subprocess.STDOUT)  # fmt: skip
    try:
        from support import wait_for_health  # after the offline settings above

        wait_for_health(
            url,
            process,
            APP_START_S,
            0.3,
            lambda: f"Appen stoppet ved oppstart:\n{log_path.read_text()[-3000:]}",
            lambda: f"Appen svarte ikke på /healthz:\n{log_path.read_text()[-3000:]}",
        )
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def app_process():
    """app_process(index_dir, model_cache, log_path, **env): `running_app`, for fixtures of
    any scope (the browser tests', the reliability probes', the integration tests')."""
    return running_app


@pytest.fixture(scope="module")
def gradio_temp_dir(tmp_path_factory):
    """Gradio makes a temp folder when an app is built: keep it under tmp_path."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio")))
        yield
