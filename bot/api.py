"""The JSON API for integrations: ask, search and a health check, over one `Bot`.

    POST /api/ask     {"question": "...", "history": ["earlier question", ...]?}
                      -> the same JSON as `python -m bot ask --json`, and its "id"
    POST /api/feedback {"id": "...", "rating": "up"|"down", "reason": "..."?} -> {"ok": true}
    POST /api/search  {"query": "...", "k": 10?, "doc_id": "..."?} -> {"query", "passages"}
    GET  /healthz     -> {"status", "generation", "documents", "chunks", "model"}

Errors come back as JSON with a Norwegian `detail`, never a traceback. Like the chat's
queue, the API answers `concurrency` questions at once and lets `waiting` more wait;
past that it says 503 with Retry-After, rather than running every call at once in the
server's threads (which made each slower and none faster).
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from .feedback import FeedbackError
from .records import Records
from .replies import MESSAGES, RETRY_AFTER_S
from .serialize import answer_to_dict, passage_to_dict
from .service import Bot

logger = logging.getLogger("trd30.api")
MAX_HISTORY = 20
MAX_INPUT_CHARS = 100_000  # longer inputs are refused; the bot itself cuts at 1000
NB = {"content-language": "nb"}  # the reply is in bokmål already (bot.replies)
BUSY = {**NB, "retry-after": str(RETRY_AFTER_S)}
MAX_WAIT_S = 30.0  # a call that waited this long for its turn is told to try again


class Capacity:
    """At most `concurrency` calls at work and `waiting` more waiting for their turn."""

    def __init__(self, concurrency: int = 1, waiting: int = 20):
        self.concurrency, self.waiting = concurrency, waiting
        self._turns = threading.Semaphore(concurrency)
        self._lock = threading.Lock()
        self._inside = 0

    @contextmanager
    def turn(self):
        with self._lock:
            if self._inside >= self.concurrency + self.waiting:
                raise HTTPException(503, MESSAGES[503], BUSY)
            self._inside += 1
        try:
            if not self._turns.acquire(timeout=MAX_WAIT_S):
                raise HTTPException(503, MESSAGES[503], BUSY)
            try:
                yield
            finally:
                self._turns.release()
        finally:
            with self._lock:
                self._inside -= 1


class AskRequest(BaseModel):
    question: str = Field(max_length=MAX_INPUT_CHARS)
    history: list[str] = Field(default_factory=list, max_length=MAX_HISTORY)


class FeedbackRequest(BaseModel):
    id: str = Field(max_length=64)
    rating: str = Field(max_length=16)  # checked by bot.feedback, with a clear message
    reason: str | None = Field(default=None, max_length=2000)


class SearchRequest(BaseModel):
    query: str = Field(max_length=MAX_INPUT_CHARS)
    k: int = Field(default=10, ge=1, le=50)
    doc_id: str | None = None


def api_router(bot: Bot, concurrency: int = 1, waiting: int = 20,
               records: Records | None = None) -> APIRouter:  # fmt: skip
    router = APIRouter()
    capacity = Capacity(concurrency, waiting)
    records = records or Records()

    @router.post("/api/ask")
    def ask(request: AskRequest) -> dict:
        with capacity.turn():
            return _answer(request)

    def _answer(request: AskRequest) -> dict:
        try:
            answer = bot.ask(request.question, request.history)
        except Exception as err:
            logger.exception("API: klarte ikke å svare")
            records.failed(request.question)
            raise HTTPException(500, "Beklager, noe gikk galt. Prøv igjen om litt.", NB) from err
        answer, answer_id = records.answered(request.question, answer)
        return {**answer_to_dict(answer), "id": answer_id}

    @router.post("/api/feedback")
    def feedback(request: FeedbackRequest) -> dict:
        try:
            records.feedback(request.id, request.rating, request.reason)
        except FeedbackError as err:
            raise HTTPException(err.status, err.message, NB) from err
        return {"ok": True}

    @router.post("/api/search")
    def search(request: SearchRequest) -> dict:
        try:
            with capacity.turn():
                passages = bot.search(request.query, request.k, request.doc_id)
        except HTTPException:
            raise
        except Exception as err:
            logger.exception("API: søket feilet")
            raise HTTPException(500, "Beklager, søket feilet. Prøv igjen om litt.", NB) from err
        return {"query": request.query, "passages": [passage_to_dict(p) for p in passages]}

    @router.get("/healthz")
    def healthz() -> dict:
        manifest = bot.index.manifest
        return {
            "status": "ok",
            "generation": bot.index.generation,
            "documents": len(manifest.get("documents", {})),
            "chunks": len(bot.index.chunks),
            "model": bot.index.model,
        }

    return router
