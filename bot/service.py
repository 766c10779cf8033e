"""The bot: one loaded index and model, answering questions and searching passages.

`Bot.ask` is the whole question path: build the `Query` once (cleaned text, language,
follow-up context, terms, answer type, parts), examine each part (retrieve, score the
sentences, weigh the evidence) and compose a cited answer or an honest no-answer. Only the
query is embedded per question; sentence vectors come from the index. `Bot.search`
returns passages for staff, no answer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from threadpoolctl import threadpool_limits

from ingest.embedding import Embedder, load_embedder
from ingest.errors import IngestError
from ingest.index import Index, current_generation, load_index, read_manifest

from .answer import Answer, compose_answer, empty_answer
from .evidence import Examined, examine
from .lexical import Vocabulary
from .model import AnswerModel, load_model
from .query import Query, build_query
from .retrieve import Passage, Retriever
from .smalltalk import small_talk
from .text import MAX_QUESTION_CHARS, clean_question

_N = MAX_QUESTION_CHARS
TRUNCATED_NOTICE = {
    "nb": f"Spørsmålet var veldig langt, så jeg brukte bare de første {_N} tegnene.",
    "nn": f"Spørsmålet var svært langt, så eg brukte berre dei første {_N} teikna.",
    "en": f"Your question was very long, so I used only its first {_N} characters.",
}
SEARCH_DENSE_MARGIN = 0.02  # staff search: passages without a query word must be this close
RELOAD_CHECK_SECONDS = 5.0  # how often a running bot looks for a new index generation
logger = logging.getLogger("trd30.bot")


@dataclass(frozen=True)
class Served:
    """One loaded generation and everything derived from it, swapped in as one object."""

    index: Index
    retriever: Retriever
    vocabulary: Vocabulary
    model: AnswerModel

    @property
    def idf(self):
        return self.index.lexical.idf


class Bot:
    """Answers from one index, with the embedder that built it.

    A new index generation is loaded beside the one serving, in a background thread, and
    swapped in by one assignment (`self.served`): a question reads `served` once and is
    answered by that generation from start to end, never waiting for a load."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        mode: str = "hybrid",
        model: AnswerModel | None = None,
    ):
        # The per-question matrix products are small; numpy's BLAS on 2 threads leaves them
        # spinning into the next query embedding (benchmarks/ask_latency.py: Bot.ask / bare
        # embedding p50 2.11x with BLAS as is, 1.21x with 1 thread, norquad-dev, load ~4).
        threadpool_limits(limits=1, user_api="blas")
        self.embedder = embedder
        self.mode = mode
        self._given_model = model
        self.reload_seconds = RELOAD_CHECK_SECONDS
        self.served = self._serve(index)
        self._checked = time.monotonic()
        self._lock = threading.Lock()  # one question at a time: the model is not re-entrant
        self._loader: threading.Thread | None = None
        self._reload_lock = threading.Lock()  # guards the check and the start of a load

    def _serve(self, index: Index) -> Served:
        return Served(index, Retriever(index, self.embedder),
                      Vocabulary(index.lexical.vocabulary),
                      self._given_model or load_model(index.model))  # fmt: skip

    # The generation serving now (each read gives the latest; a question reads `served`).
    index = property(lambda self: self.served.index)
    retriever = property(lambda self: self.served.retriever)
    vocabulary = property(lambda self: self.served.vocabulary)
    model = property(lambda self: self.served.model)
    idf = property(lambda self: self.served.idf)

    def reload_if_changed(self, wait: bool = False) -> bool:
        """Start loading a newer index generation if ingest has written one (checked at
        most every `reload_seconds`), in a background thread; the current one keeps
        serving until the new one is ready. A broken or mismatched new index is logged
        and never served. True when a load was started; `wait` waits for it to finish."""
        with self._reload_lock:
            now = time.monotonic()
            if now - self._checked < self.reload_seconds:
                return False
            self._checked = now
            generation = current_generation(self.index.path)
            if generation is None or generation == self.index.generation:
                return False
            started = self._loader is None or not self._loader.is_alive()
            if started:  # one load at a time; a later check sees any newer CURRENT
                self._loader = threading.Thread(target=self._load_newer, name="index-reload",
                                                daemon=True)  # fmt: skip
                self._loader.start()
        if wait:
            self.wait_for_reload()
        return started

    def wait_for_reload(self, timeout: float | None = None) -> None:
        """Block until a background load (if any) has finished."""
        loader = self._loader
        if loader is not None:
            loader.join(timeout)

    def _load_newer(self) -> None:
        current = self.served.index
        try:
            index = load_index(current.path, expect_model=current.model,
                               expect_dimension=current.dimension)  # fmt: skip
            served = self._serve(index)
        except IngestError as err:
            logger.warning("Beholder indeksen %s: %s", current.generation, err)
            return
        except Exception:  # a bug must not end the thread silently: log it, keep serving
            logger.exception("Kunne ikke laste ny indeks; beholder %s", current.generation)
            return
        self.served = served
        logger.info("Bytter til indeksen %s", index.generation)

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
        self.reload_if_changed()
        with self._lock:
            return self._ask(self.served, question, history)

    def _ask(self, served: Served, question: str, history: Sequence[str]) -> Answer:
        query = self.query(question, history, served)
        if query.is_empty:
            return empty_answer()
        talk = small_talk(query.text)  # "Hei", "Takk!": a friendly word, not the refusal
        if talk is not None:
            return talk
        notice = TRUNCATED_NOTICE[query.language] if query.truncated else ""
        parts = [self.examine(part, served) for part in query.parts or (query,)]
        return compose_answer(query, parts, served.index, served.model.extra_margin, notice)

    def query(self, question: str, history: Sequence[str] = (), served: Served | None = None
              ) -> Query:  # fmt: skip
        """The `Query` for `question`, its terms resolved against this index's words."""
        return build_query(question, history, (served or self.served).vocabulary)

    def examine(self, query: Query, served: Served | None = None) -> Examined:
        """Retrieval, candidate sentences and the evidence for one (part of a) query."""
        s = served or self.served
        return examine(query, s.retriever, s.index, s.model, s.idf, self.mode)

    def search(self, query: str, k: int = 10, doc_id: str | None = None) -> list[Passage]:
        """Top passages for `query` (no answer), optionally from one document."""
        clean = clean_question(query)
        if not clean.text:
            return []
        self.reload_if_changed()
        with self._lock:
            found = self.served.retriever.search(clean.text, k, self.mode, doc_id=doc_id or None)
        # Dense search ranks every passage; keep those sharing a word with the query, or
        # about as close in meaning as the best one, so unrelated passages are not shown.
        best = max((p.dense for p in found), default=0.0)
        return [p for p in found if p.bm25 > 0 or p.dense >= best - SEARCH_DENSE_MARGIN]

    def embed_queries(self, texts):
        """Unit vectors of `texts` as questions (the admin view groups questions by them),
        one caller at a time: the embedder is not re-entrant."""
        with self._lock:
            return self.embedder.embed_queries(list(texts))

    def documents(self) -> dict[str, str]:
        """doc_id -> title, for filters."""
        return {k: v.get("title") or k for k, v in self.index.manifest["documents"].items()}
