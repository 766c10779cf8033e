"""The bot: one loaded index and model, answering questions and searching passages.

`Bot.ask` is the whole question path: clean the question, guess its language, widen a
short follow-up with the previous question, retrieve, weigh the evidence, and compose a
cited answer or an honest no-answer. `Bot.search` returns passages for staff, no answer.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ingest.embedding import Embedder, load_embedder
from ingest.errors import IngestError
from ingest.index import Index, current_generation, load_index, read_manifest
from ingest.language import guess_language

from . import evidence as evidence_mod
from .answer import Answer, compose_answer, empty_answer, idf_from_tokens, no_answer
from .lexical import analyse
from .retrieve import TOP_K, Passage, Retriever
from .text import MAX_QUESTION_CHARS, clean_question

_N = MAX_QUESTION_CHARS
TRUNCATED_NOTICE = {
    "nb": f"Spørsmålet var veldig langt, så jeg brukte bare de første {_N} tegnene.",
    "nn": f"Spørsmålet var svært langt, så eg brukte berre dei første {_N} teikna.",
    "en": f"Your question was very long, so I used only its first {_N} characters.",
}
# A follow-up leans on the previous turn: few content words, and a pronoun or "and ...".
_FOLLOW_UP = re.compile(
    r"\b(den|det|dette|denne|de|dei|dem|han|hun|ho|hen|der|dit|da|då|it|its|they|them|"
    r"their|there|that|this|he|she)\b|^(og|men|and|but|what about|hva med|kva med)\b",
    re.IGNORECASE,
)
FOLLOW_UP_MAX_WORDS = 3
SEARCH_DENSE_MARGIN = 0.02  # staff search: passages without a query word must be this close
RELOAD_CHECK_SECONDS = 5.0  # how often a running bot looks for a new index generation
logger = logging.getLogger("trd30.bot")


class Bot:
    """Answers from one index, with the embedder that built it."""

    def __init__(self, index: Index, embedder: Embedder, mode: str = "hybrid"):
        self.embedder = embedder
        self.mode = mode
        self.reload_seconds = RELOAD_CHECK_SECONDS
        self._use(index)
        self._checked = time.monotonic()
        self._lock = threading.Lock()  # one question at a time: the model is not re-entrant

    def _use(self, index: Index) -> None:
        self.index = index
        self.retriever = Retriever(index, self.embedder)
        self.idf = idf_from_tokens(self.retriever.lexical.tokens)
        self.calibration = evidence_mod.calibration_for(index.model)

    def reload_if_changed(self) -> bool:
        """Switch to a newer index generation if ingest has written one (checked at most
        every `reload_seconds`). A broken or mismatched new index is logged and the
        current one keeps serving. True when it switched."""
        now = time.monotonic()
        if now - self._checked < self.reload_seconds:
            return False
        self._checked = now
        generation = current_generation(self.index.path)
        if generation is None or generation == self.index.generation:
            return False
        try:
            index = load_index(self.index.path, expect_model=self.index.model,
                               expect_dimension=self.index.dimension)  # fmt: skip
        except IngestError as err:
            logger.warning("Beholder indeksen %s: %s", self.index.generation, err)
            return False
        self._use(index)
        logger.info("Bytter til indeksen %s", index.generation)
        return True

    @classmethod
    def load(
        cls, index_dir: Path, cache_dir: Path, model: str | None = None, mode: str = "hybrid"
    ) -> Bot:
        """Load the index in `index_dir` and the model that built it (or `model`)."""
        # No usable index: load_index raises the error that says how to build one, before
        # any model is built or loaded.
        manifest = read_manifest(index_dir) or load_index(index_dir).manifest
        embedder = load_embedder(model or manifest.get("model"), cache_dir)
        index = load_index(index_dir, expect_model=embedder.name,
                           expect_dimension=embedder.dimension or None)  # fmt: skip
        return cls(index, embedder, mode)

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        """Answer `question`; `history` holds the asker's earlier questions, oldest first."""
        with self._lock:
            self.reload_if_changed()
            return self._ask(question, history)

    def _ask(self, question: str, history: Sequence[str]) -> Answer:
        clean = clean_question(question)
        if not clean.text:
            return empty_answer()
        language = guess_language(clean.text)
        notice = TRUNCATED_NOTICE[language] if clean.truncated else ""
        query = self.retrieval_query(clean.text, history)
        query_vector = self.retriever.embed_query(query)
        passages = self.retriever.search(query, TOP_K, self.mode, query_vector=query_vector)
        evidence = evidence_mod.gather(query, passages, self.idf, self.calibration)
        if not evidence.answerable():
            return no_answer(clean.text, language, notice, evidence.to_dict())
        return compose_answer(
            clean.text,
            language,
            passages,
            query_vector,
            self._embed_sentences,
            self.idf,
            notice,
            evidence.to_dict(),
        )

    def search(self, query: str, k: int = 10, doc_id: str | None = None) -> list[Passage]:
        """Top passages for `query` (no answer), optionally from one document."""
        clean = clean_question(query)
        if not clean.text:
            return []
        with self._lock:
            self.reload_if_changed()
            found = self.retriever.search(clean.text, k, self.mode, doc_id=doc_id or None)
        # Dense search ranks every passage; keep those sharing a word with the query, or
        # about as close in meaning as the best one, so unrelated passages are not shown.
        best = max((p.dense for p in found), default=0.0)
        return [p for p in found if p.bm25 > 0 or p.dense >= best - SEARCH_DENSE_MARGIN]

    def documents(self) -> dict[str, str]:
        """doc_id -> title, for filters."""
        return {k: v.get("title") or k for k, v in self.index.manifest["documents"].items()}

    @staticmethod
    def retrieval_query(question: str, history: Sequence[str]) -> str:
        """The question, widened with the previous one when it is a short follow-up."""
        previous = next((h for h in reversed(history) if h and h.strip()), None)
        if previous is None:
            return question
        if len(analyse(question)) <= FOLLOW_UP_MAX_WORDS and _FOLLOW_UP.search(question):
            return f"{clean_question(previous).text} {question}"
        return question

    def _embed_sentences(self, texts: list[str]) -> np.ndarray:
        return self.embedder.embed_passages(texts)
