"""The JSON API for integrations: ask, search, feedback and a health check, over one `Bot`.

    POST /api/ask     {"question": "...", "history": ["earlier question", ...]?}
                      -> the same JSON as `python -m bot ask --json`, and its "id"
    POST /api/feedback {"id": "...", "rating": "up"|"down", "reason": "..."?} -> {"ok": true}
    POST /api/search  {"query": "...", "k": 10?, "doc_id": "..."?} -> {"query", "passages"}
    GET  /healthz     -> {"status", "generation", "documents", "chunks", "model"}

Every request and reply is a model in `bot.schema`, so /api/openapi.json describes them
(`bot.api_docs`). `ask_reply` is the whole of /api/ask, which gradio_client's `/svar`
shares (`bot.gradio_api`). Errors come back as JSON with a Norwegian `detail`, never a
traceback. Like the chat's queue, the API answers `concurrency` questions at once and
lets `waiting` more wait; past that it says 503 with Retry-After, rather than running
every call at once in the server's threads (which made each slower and none faster).
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from fastapi import APIRouter, HTTPException

from .feedback import FeedbackError
from .records import Records
from .replies import MESSAGES, RETRY_AFTER_S
from .schema import (
    ASK_ERRORS,
    HEALTH_ERRORS,
    SEARCH_ERRORS,
    SEARCH_FAILED,
    AskRequest,
    AskResponse,
    FeedbackRequest,
    FeedbackResponse,
    HealthResponse,
    SearchRequest,
    SearchResponse,
    feedback_errors,
)
from .serialize import answer_to_dict, passage_to_dict
from .service import Bot

logger = logging.getLogger("trd30.api")
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


class AnswerFailed(Exception):
    """The bot failed on a question (the traceback is in the log; the asker is told
    MESSAGES[500])."""


def ask_reply(bot: Bot, records: Records, request: AskRequest) -> dict:
    """The reply to POST /api/ask: the answer's JSON and the id it was kept under,
    exactly as AskResponse gives it (a notice only when there is one). Raises
    AnswerFailed."""
    try:
        answer = bot.ask(request.question, request.history)
    except Exception as err:
        logger.exception("API: klarte ikke å svare")
        records.failed(request.question)
        raise AnswerFailed from err
    answer, answer_id = records.answered(request.question, answer)
    reply = AskResponse.model_validate({**answer_to_dict(answer), "id": answer_id})
    return reply.model_dump(mode="json", exclude_unset=True)


def api_router(bot: Bot, concurrency: int = 1, waiting: int = 20,
               records: Records | None = None) -> APIRouter:  # fmt: skip
    router = APIRouter()
    capacity = Capacity(concurrency, waiting)
    records = records or Records()

    @router.post("/api/ask", response_model=AskResponse, response_model_exclude_unset=True,
                 responses=ASK_ERRORS, summary="Still et spørsmål", tags=["Spørsmål"],
                 response_description="Svaret, med kilder og svarmodellens sikkerhet.")  # fmt: skip
    def ask(request: AskRequest) -> dict:
        """Svar med sitater og nummererte kilder, eller et ærlig «finner ikke svar»
        (`status` = `no_answer`), med svarmodellens sikkerhet (`evidence`)."""
        with capacity.turn():
            try:
                return ask_reply(bot, records, request)
            except AnswerFailed as err:
                raise HTTPException(500, MESSAGES[500], NB) from err

    @router.post("/api/feedback", response_model=FeedbackResponse, responses=feedback_errors(),
                 summary="Gi tommel opp eller ned på et svar", tags=["Tilbakemelding"],
                 response_description="Tilbakemeldingen er lagret.")  # fmt: skip
    def feedback(request: FeedbackRequest) -> dict:
        """Lagres (maskert) sammen med svaret med denne `id`-en."""
        try:
            records.feedback(request.id, request.rating, request.reason)
        except FeedbackError as err:
            raise HTTPException(err.status, err.message, NB) from err
        return {"ok": True}

    @router.post("/api/search", response_model=SearchResponse, responses=SEARCH_ERRORS,
                 summary="Søk etter tekstbiter", tags=["Søk"],
                 response_description="Tekstbitene som passer best.")  # fmt: skip
    def search(request: SearchRequest) -> dict:
        """De beste tekstbitene for søket, med kilde og `score`, uten ferdig svar."""
        try:
            with capacity.turn():
                passages = bot.search(request.query, request.k, request.doc_id)
        except HTTPException:
            raise
        except Exception as err:
            logger.exception("API: søket feilet")
            raise HTTPException(500, SEARCH_FAILED, NB) from err
        return {"query": request.query, "passages": [passage_to_dict(p) for p in passages]}

    @router.get("/healthz", response_model=HealthResponse, responses=HEALTH_ERRORS,
                summary="Helsesjekk", tags=["Drift"],
                response_description="Tjenesten er oppe.")  # fmt: skip
    def healthz() -> dict:
        """Svarer når tjenesten er oppe, med indeksen den svarer fra."""
        manifest = bot.index.manifest
        return {
            "status": "ok",
            "generation": bot.index.generation,
            "documents": len(manifest.get("documents", {})),
            "chunks": len(bot.index.chunks),
            "model": bot.index.model,
        }

    return router
