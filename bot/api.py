"""The JSON API for integrations: ask, search and a health check, over one `Bot`.

    POST /api/ask     {"question": "...", "history": ["earlier question", ...]?}
                      -> the same JSON as `python -m bot ask --json`
    POST /api/search  {"query": "...", "k": 10?, "doc_id": "..."?} -> {"query", "passages"}
    GET  /healthz     -> {"status", "generation", "documents", "chunks", "model"}

Errors come back as JSON with a Norwegian `detail`, never a traceback.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from .serialize import answer_to_dict, passage_to_dict
from .service import Bot

logger = logging.getLogger("trd30.api")
MAX_HISTORY = 20
MAX_INPUT_CHARS = 100_000  # longer inputs are refused; the bot itself cuts at 1000
NB = {"content-language": "nb"}  # the reply is in bokmål already (bot.replies)


class AskRequest(BaseModel):
    question: str = Field(max_length=MAX_INPUT_CHARS)
    history: list[str] = Field(default_factory=list, max_length=MAX_HISTORY)


class SearchRequest(BaseModel):
    query: str = Field(max_length=MAX_INPUT_CHARS)
    k: int = Field(default=10, ge=1, le=50)
    doc_id: str | None = None


def api_router(bot: Bot) -> APIRouter:
    router = APIRouter()

    @router.post("/api/ask")
    def ask(request: AskRequest) -> dict:
        try:
            return answer_to_dict(bot.ask(request.question, request.history))
        except Exception as err:
            logger.exception("API: klarte ikke å svare")
            raise HTTPException(500, "Beklager, noe gikk galt. Prøv igjen om litt.", NB) from err

    @router.post("/api/search")
    def search(request: SearchRequest) -> dict:
        try:
            passages = bot.search(request.query, request.k, request.doc_id)
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
