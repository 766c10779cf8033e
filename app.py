"""The web app: a chat page in bokmål over the bot, served by FastAPI and uvicorn.

`respond` asks the bot and never fails: an error becomes a polite Norwegian message in
the chat, and the traceback goes to the server log. `chat_messages` turns the
conversation into chat messages (HTML from `bot.chat`, with everything from the asker
or the documents escaped). `build_app` returns the Gradio Blocks; `create_server` mounts
them on a FastAPI app that serves the page as lang="nb"; `main` reads the settings,
builds the index from the sources in sources.toml on first start and runs the server.

It does not answer, search or ingest anything itself. Gradio, FastAPI and the model are
imported only when an app is built, so `import app` stays fast.

python app.py [--index DIR] [--host 127.0.0.1] [--port 7860] [--root-path /sti]
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from html import escape as html_escape
from pathlib import Path
from typing import TYPE_CHECKING

from bot.chat import answer_html, error_html, html_to_text, question_html, search_results_html
from bot.feedback import FeedbackError, reason_choices
from bot.page import (
    Owner,
    feedback_reasons,
    footer_html,
    header_html,
    language_choices,
    language_of,
    notice_html,
    script_words,
    welcome_html,
    words,
)
from bot.records import Records
from bot.text import MAX_QUESTION_CHARS

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI

    from bot.service import Bot
    from ingest.config import Settings

logger = logging.getLogger("trd30.app")

SOURCES = Path(__file__).resolve().parent / "sources.toml"  # corpus/ and any web sources
TITLE = "TRD3.0-boten"
# The page's words are in bot/data/ui_words.toml (bot.page); the page opens in bokmål.
WELCOME = welcome_html("nb")
EXAMPLES = tuple(words("nb")["examples"])
COMPACT_EXAMPLES = 3  # of them in the embedded view, which must fit 380 x 600
# The visitor's own system fonts: nothing is fetched. (Plain strings reach the CSS as
# they are; gr.themes.Font("system-ui") would be quoted and name no font at all.)
SYSTEM_FONTS = ["system-ui", "sans-serif"]
SYSTEM_MONO_FONTS = ["ui-monospace", "monospace"]
# How many questions are answered at once, and how many more may wait (per view, and for
# the API); past that, 503 "prøv igjen" with Retry-After. Measured with benchmarks/load.py
# (2026-12-02, 2 CPUs, 249 documents, /api/ask): one at a time gave 16.0 answers/s at 10
# and 50 users, two at a time 14.9 and 15.1 (the two share the same cores and each
# already uses both). At 16 answers/s a queue of 20 is served in about 1.3 s, so the last
# to get in still has its answer within the 1.5 s aimed for; waiting longer than that,
# being told to try again is the better answer.
QUEUE_SIZE = 20
CONCURRENCY = 1
SEARCH_RESULTS = 10
MAX_TURNS = 50  # kept per conversation; older turns drop out of the chat
KEEP_CHARS = 2 * MAX_QUESTION_CHARS  # of each question, for follow-ups and the echo
WEB = Path(__file__).resolve().parent / "web"  # app.css, app.js inline; embed.js
PAGE_CSS = ("tokens.css", "pages.css")  # inlined in the pages about the service (bot.pages)
# (the question, the reply as HTML, the id it was kept under, the question's language)
Turn = tuple[str, str, str, str]


def respond(bot: Bot, question: str, turns: list[Turn], records: Records | None = None,
            language: str = "nb") -> list[Turn]:  # fmt: skip
    """The conversation with `question` and its reply added (and kept in `records`).
    Never raises: a failure is told in the question's language (`language`, the page's,
    when the question says too little to tell)."""
    question = question if isinstance(question, str) else ""
    records = records or Records()
    try:
        answer = bot.ask(question, [turn[0] for turn in turns])
        answer, answer_id = records.answered(question, answer)
        reply, asked_in = answer_html(answer), answer.language
    except Exception:
        logger.exception("Klarte ikke å svare på et spørsmål")
        answer_id = records.failed(question)
        asked_in = _language_of_text(question, language)
        reply = error_html(words(asked_in)["error"], asked_in)
    return [*turns, (question[:KEEP_CHARS], reply, answer_id, asked_in)][-MAX_TURNS:]


def _language_of_text(text: str, otherwise: str) -> str:
    from ingest.language import guess_language

    return language_of(guess_language(text)) if text.strip() else language_of(otherwise)


def chat_messages(turns: list[Turn], language: str = "nb") -> list[dict]:
    """The chat: the welcome in the page's `language`, then each question (as plain
    text, marked with its language) and its reply."""
    messages = [{"role": "assistant", "content": welcome_html(language)}]
    for question, reply, _, asked_in in turns:
        echo = question_html(question, asked_in)
        if echo:  # an empty question gets a reply, but no empty bubble
            messages.append({"role": "user", "content": echo})
        messages.append({"role": "assistant", "content": reply})
    return messages


def spoken(text: str, language: str = "nb") -> str:
    """A short message for the screen-reader live region (shown to nobody else)."""
    return f'<p class="trd-skjult" lang="{language_of(language)}">{html_escape(text)}</p>'


def reply_turn(turns: list[Turn], message: int) -> int | None:
    """Which turn's reply is message number `message` of `chat_messages(turns)`."""
    position = 0  # the welcome
    for n, (question, _, *_) in enumerate(turns):
        position += 2 if question_html(question) else 1
        if position == message:
            return n
    return None


def status_text(turns: list[Turn]) -> str:
    """The latest answer for the screen-reader live region, as plain text: numbered (so
    two identical answers are both read), without the passages ("" at start), and in the
    answer's language."""
    if not turns:
        return ""
    language = language_of(turns[-1][3])
    w = words(language)
    answer, _, sources = turns[-1][1].partition('<div class="trd-kilder"')
    count = sources.count("<li>")
    tail = {0: "", 1: f" {w['one_source']}"}.get(count, " " + w["sources"].format(n=count))
    number = w["answer_number"].format(n=len(turns))
    return (f'<p class="trd-skjult" lang="{language}">{number} {html_to_text(answer)}'
            f"{tail}</p>")  # fmt: skip


def build_app(bot: Bot, compact: bool = False, queue_size: int = QUEUE_SIZE,
              concurrency: int = CONCURRENCY, records: Records | None = None,
              owner: Owner | None = None) -> gr.Blocks:  # fmt: skip
    """The chat page for `bot`: a header (the service, its `owner`, the language choice),
    the chat, the question box with the AI notice under it, example questions and a
    footer with the links to the service's pages.

    `compact` is the embeddable view: a small header, a lower chat and fewer examples,
    so that it fits a 380 x 600 box and still works 320 px wide; its links open in a new
    tab. The page opens in bokmål, or in the language its address asks for (?lang=nn);
    the choice in the header changes the page's words and keeps the conversation, whose
    answers keep their own language. `queue_size` questions may wait, `concurrency` are
    answered at once.
    """
    gr = _gradio()
    owner = owner or Owner()
    base = "../" if compact else ""  # from the view's page to the app's root, for links
    shown = COMPACT_EXAMPLES if compact else len(EXAMPLES)
    kept_reasons = reason_choices()

    def ask(question: str, turns: list[Turn], language: str):
        turns = respond(bot, question, turns, records, language_of(language))
        return "", chat_messages(turns, language_of(language)), turns, status_text(turns)

    def clear(language: str):
        return chat_messages([], language_of(language)), [], ""

    def page_words(language: str, turns: list[Turn]) -> tuple:
        """Every word of the page in `language` (the outputs of `worded`, below)."""
        w = words(language)
        return (language, gr.update(value=language, label=w["language"]),
                chat_messages(turns, language),
                gr.update(label=w["question"], placeholder=w["placeholder"]),
                gr.update(value=w["send"]), w["examples_heading"],
                *(gr.update(value=text) for text in w["examples"][:shown]),
                notice_html(language, base, compact), footer_html(owner, language, base, compact),
                gr.update(label=w["reason"], choices=_reasons(language), value=None),
                gr.update(label=w["more"]), gr.update(value=w["send_feedback"]))  # fmt: skip

    def _reasons(language: str) -> list[tuple[str, str]]:
        return feedback_reasons(language, kept_reasons)

    def choose(language: str, turns: list[Turn]):
        return page_words(language_of(language), turns)

    def rate(turns: list[Turn], data: gr.LikeData):
        """Thumbs up or down on a reply; after a thumbs down, ask why (optional). What is
        said in the live region is in the rated answer's language."""
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        turn = reply_turn(turns, int(index))
        if turn is None or not turns[turn][2] or data.liked not in (True, False):
            return gr.update(visible=False), "", ""  # the welcome, or a thumb taken back
        down, language = data.liked is False, language_of(turns[turn][3])
        try:
            (records or Records()).feedback(turns[turn][2], "down" if down else "up")
        except FeedbackError as err:
            return gr.update(visible=False), "", spoken(err.message)
        if down:
            return (gr.update(visible=True), turns[turn][2],
                    spoken(words(language)["feedback_why"], language))  # fmt: skip
        return gr.update(visible=False), "", spoken(words(language)["feedback_thanks"], language)

    # Gradio hands the event's LikeData to a parameter annotated with the class itself
    # (this module's annotations are strings, and gradio is imported lazily).
    rate.__annotations__["data"] = gr.LikeData

    def explain(answer_id: str, choice: str | None, text: str | None, language: str):
        """The reason for a thumbs down, kept with it (masked, like everything)."""
        language = language_of(language)
        try:
            (records or Records()).feedback(answer_id, "down", choice or kept_reasons[-1],
                                            (text or "").strip()[:500] or None)  # fmt: skip
        except FeedbackError as err:
            return gr.update(visible=False), "", spoken(err.message), None, ""
        thanks = spoken(words(language)["feedback_thanks"], language)
        return gr.update(visible=False), "", thanks, None, ""

    w = words("nb")
    with gr.Blocks(title=TITLE, analytics_enabled=False) as blocks:
        with gr.Row(elem_id="topp", equal_height=True):
            gr.HTML(header_html(owner, compact), padding=False, elem_id="topp-navn")
            language = gr.Radio(language_choices(short=compact), value="nb", label=w["language"],
                                elem_id="sprak")  # fmt: skip
        chatbot = gr.Chatbot(
            value=chat_messages([]),
            label=w["conversation"],
            show_label=False,
            height=330 if compact else 540,  # app.css fits them to the window
            render_markdown=False,  # messages are escaped HTML from bot.chat
            sanitize_html=True,
            latex_delimiters=[],
            allow_tags=False,
            buttons=[],
            feedback_options=("Like", "Dislike"),  # labelled in the answer's language: app.js
            group_consecutive_messages=False,
            autoscroll=False,  # app.js shows the start of each new answer instead
            elem_id="samtale",
        )
        turns = gr.State([])
        ui = gr.State("nb")  # the page's language, as chosen in the header
        # Each finished answer, once, as plain text for screen readers (aria-live in app.js).
        status = gr.HTML("", elem_id="svar-status", padding=False)
        # After a thumbs down: why, if the asker wants to say (fixed choices, short text).
        with gr.Group(visible=False) as why:
            reason = gr.Radio(_reasons("nb"), label=w["reason"], elem_id="grunn")
            more = gr.Textbox(label=w["more"], max_lines=3, max_length=500,
                              elem_id="grunn-tekst")  # fmt: skip
            give = gr.Button(w["send_feedback"], elem_id="send-grunn")
        pending = gr.State("")  # the id of the reply rated down
        with gr.Row(equal_height=True):
            question = gr.Textbox(
                label=w["question"],
                placeholder=w["placeholder"],
                lines=1,
                max_lines=6,
                scale=6,
                elem_id="sporsmal",
                autofocus=not compact,
            )
            send = gr.Button(w["send"], variant="primary", scale=1, min_width=70, elem_id="send")
        # Always in sight under the question box, whatever the chat has scrolled to.
        notice = gr.HTML(notice_html("nb", base, compact), padding=False, elem_id="ki-merknad")
        examples_title = gr.Markdown(w["examples_heading"], elem_id="eksempler-tittel")
        with gr.Row(elem_id="eksempler"):
            examples = [gr.Button(t, variant="secondary", size="sm") for t in EXAMPLES[:shown]]
        footer = gr.HTML(footer_html(owner, "nb", base, compact), padding=False, elem_id="bunn")

        outputs = [question, chatbot, turns, status]
        gr.on([question.submit, send.click], ask, [question, turns, ui], outputs, api_name="ask",
              concurrency_id="ask", concurrency_limit=concurrency,
              api_visibility="undocumented")  # fmt: skip  # gradio_client's is /svar
        for button in examples:
            button.click(ask, [button, turns, ui], outputs, api_visibility="private",
                         concurrency_id="ask", concurrency_limit=concurrency)  # fmt: skip
        chatbot.clear(clear, [ui], [chatbot, turns, status], api_visibility="private")
        chatbot.like(rate, [turns], [why, pending, status], api_visibility="private")
        give.click(explain, [pending, reason, more, ui], [why, pending, status, reason, more],
                   api_visibility="private")  # fmt: skip
        worded = [ui, language, chatbot, question, send, examples_title, *examples, notice,
                  footer, reason, more, give]  # fmt: skip
        # Also chosen by app.js when the page's address asks for a language (?lang=nn).
        language.input(choose, [language, turns], worded, api_visibility="private")
        if not compact:  # gradio_client's one documented endpoint: POST /api/ask's JSON
            from bot.gradio_api import add_answer_endpoint

            add_answer_endpoint(gr, bot, records, concurrency)
    blocks.queue(max_size=queue_size)
    return blocks


def build_search_app(bot: Bot, queue_size: int = QUEUE_SIZE) -> gr.Blocks:
    """ "Søk i dokumentene" for staff: the best passages for a query, not an answer."""
    gr = _gradio()

    def choices() -> list[tuple[str, str]]:  # of the generation serving now
        documents = sorted(bot.documents().items(), key=lambda kv: kv[1].lower())
        return [("Alle dokumenter", "")] + [(title, doc_id) for doc_id, title in documents]

    def current_filter(doc_id: str):  # each visit: the documents a reload brought
        known = dict((v, k) for k, v in choices())
        return gr.Dropdown(choices=choices(), value=doc_id if doc_id in known else "")

    def search(query: str, doc_id: str):
        try:
            if doc_id and doc_id not in bot.documents():  # a stale or forged choice
                return error_html("Fant ikke dokumentet. Velg et dokument i listen.")
            passages = bot.search(query or "", k=SEARCH_RESULTS, doc_id=doc_id or None)
            return search_results_html(query, passages)
        except Exception:
            logger.exception("Søket feilet")
            return error_html()

    with gr.Blocks(title=f"Søk i dokumentene – {TITLE}", analytics_enabled=False) as blocks:
        gr.Markdown("# Søk i dokumentene\nFinn hva TRD3.0-dokumentene sier. Søket viser de "
                    "beste tekstbitene med kilde, ikke et ferdig svar.")  # fmt: skip
        with gr.Row(equal_height=True):
            query = gr.Textbox(label="Søkeord", placeholder="For eksempel: kombinerte stillinger",
                               scale=4, elem_id="sok-felt", autofocus=True)  # fmt: skip
            # Any value is let through to search(), which checks it: Gradio's own check
            # logs the refused value, which could be anything a visitor typed.
            doc = gr.Dropdown(choices=choices(), value="", label="Dokument", scale=2,
                              elem_id="sok-dokument", allow_custom_value=True)  # fmt: skip
            button = gr.Button("Søk", variant="primary", scale=1, min_width=70,
                               elem_id="sok-knapp")  # fmt: skip
        results = gr.HTML("", elem_id="sok-resultater")
        gr.on([query.submit, button.click, doc.change], search, [query, doc], results,
              api_name="search", concurrency_id="search", concurrency_limit=2,
              api_visibility="undocumented")  # fmt: skip
        blocks.load(current_filter, doc, doc, api_visibility="private")
    blocks.queue(max_size=queue_size)
    return blocks


def create_server(bot: Bot, root_path: str = "", frame_ancestors: Sequence[str] = (),
                  allowed_hosts: Sequence[str] = (), rate_limit: int = 60,
                  queue_size: int = QUEUE_SIZE, concurrency: int = CONCURRENCY,
                  admin_token: str | None = None, stale_months: int = 12,
                  store=None, metrics=None, pages=None,
                  owner: Owner | None = None) -> FastAPI:  # fmt: skip
    """The web server: the chat at "/", the embeddable chat at "/embed/", staff search at
    "/sok/", the JSON API and /healthz, all in bokmål and with no fonts or scripts from
    elsewhere.

    `root_path` is the public path prefix behind a reverse proxy (e.g. "/trd30");
    `frame_ancestors` the origins allowed to embed the chat in a frame (and the only
    ones CORS lets read a reply); `allowed_hosts` the Host names it answers to (default
    the loopback names); `rate_limit` the /api/* calls per minute per client (0: none);
    `admin_token` opens /admin/ (bot.admin), closed without one, and guards /metrics;
    `store` (bot.store) keeps each question and its feedback, `metrics` (bot.metrics)
    counts them; `pages` (bot.pages.Installation) is what the pages about the service say
    of the owner and the contacts (their retention days are the store's); `owner`
    (bot.page.Owner) is the name and logo in the chat's header and footer.
    """
    gr = _gradio()
    from fastapi import FastAPI, Response
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    from bot.admin import admin_router, authorised
    from bot.api import api_router
    from bot.api_docs import OPENAPI_URL, api_docs_router, openapi_info
    from bot.gaps import CachedEmbed
    from bot.gate import DEFAULT_HOSTS, Gate, RateLimit, View
    from bot.metrics import MetricsMiddleware, create_metrics, render_metrics
    from bot.pages import Installation, pages_router
    from bot.replies import NorwegianErrors
    from bot.webcomponent import web_component_router
    from bot.webpage import (
        BodyLimit,
        NorwegianPages,
        PrivateAccessLog,
        SecurityHeaders,
    )

    metrics = metrics or create_metrics()
    records = Records(store, metrics)
    chat = build_app(bot, queue_size=queue_size, concurrency=concurrency, records=records,
                     owner=owner)  # fmt: skip
    embed = build_app(bot, compact=True, queue_size=queue_size, concurrency=concurrency,
                      records=records, owner=owner)  # fmt: skip
    staff = build_search_app(bot, queue_size=queue_size)
    # /api/openapi.json describes our API (ask, search, feedback, health), not Gradio's
    # internal routes; /api/docs shows it (bot.api_docs).
    server = FastAPI(**openapi_info(), docs_url=None, redoc_url=None, openapi_url=OPENAPI_URL)
    # The last added runs first: the access log; the headers (on every reply); every
    # error reply into bokmål; the body limit, which refuses an oversized body before
    # anything reads it; the gate (hosts, routes, CORS, sound queue calls, the rate);
    # the page language.
    server.add_middleware(NorwegianPages)
    limit = RateLimit(rate_limit, burst=max(1, rate_limit // 3)) if rate_limit else None
    server.add_middleware(Gate, views=[View.of("", chat), View.of("/embed", embed),
                                       View.of("/sok", staff)],
                          origins=list(frame_ancestors),
                          allowed_hosts=list(allowed_hosts or DEFAULT_HOSTS),
                          rate_limit=limit, root_path=root_path)  # fmt: skip
    server.add_middleware(BodyLimit)
    server.add_middleware(NorwegianErrors, root_path=root_path)
    server.add_middleware(SecurityHeaders, frame_ancestors=list(frame_ancestors))
    server.add_middleware(PrivateAccessLog)
    server.add_middleware(MetricsMiddleware, metrics=metrics)  # counts every reply
    server.include_router(api_router(bot, concurrency=concurrency, waiting=queue_size,
                                     records=records))  # fmt: skip
    group_by = CachedEmbed(lambda texts: bot.embed_queries(texts))  # content gaps
    server.include_router(admin_router(bot, admin_token, stale_months, store=store,
                                       embed=group_by))  # fmt: skip

    def prometheus(request):  # a plain Starlette endpoint: it is given the request
        if admin_token and not authorised(request, admin_token):
            return JSONResponse({"detail": "Oppgi tilgangsnøkkelen (TRD30_ADMIN_TOKEN)."}, 401,
                                headers={"content-language": "nb"})  # fmt: skip
        body, content_type = render_metrics(metrics)
        return Response(body, media_type=content_type)

    server.add_route("/metrics", prometheus, methods=["GET"], include_in_schema=False)
    retention = store.retention_days if store is not None else None  # None: nothing kept
    about = replace(pages or Installation(), service=TITLE, retention_days=retention)
    page_css = "".join((WEB / name).read_text("utf-8") for name in PAGE_CSS)
    server.include_router(pages_router(bot, about, page_css, frame_ancestors))
    docs_css = page_css + (WEB / "api_docs.css").read_text("utf-8")
    server.include_router(api_docs_router(docs_css, frame_ancestors))

    @server.exception_handler(RequestValidationError)
    async def invalid_request(request, exc):  # pydantic's English details stay in the log
        return JSONResponse({"detail": "Ugyldig forespørsel. Se README for formatet."}, 422,
                            headers={"content-language": "nb"})  # fmt: skip

    server.include_router(web_component_router(_gradio_frontend(), WEB / "embed.js"))

    options = dict(
        root_path=root_path or None,
        theme=gr.themes.Default(font=SYSTEM_FONTS, font_mono=SYSTEM_MONO_FONTS),
        css=chat_css(),
        js=chat_script(),
        footer_links=[],
        run_history=False,  # it would keep the questions in the browser
        show_error=False,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        enable_monitoring=False,
    )

    def sub_root(path: str) -> str | None:
        return f"{root_path.rstrip('/')}{path}" if root_path else None

    # A mount at "/" takes every path nothing before it matched: it comes last.
    gr.mount_gradio_app(server, embed, path="/embed",
                        **{**options, "root_path": sub_root("/embed")})  # fmt: skip
    gr.mount_gradio_app(server, staff, path="/sok",
                        **{**options, "root_path": sub_root("/sok")})  # fmt: skip
    return gr.mount_gradio_app(server, chat, path="/", **options)


def chat_css() -> str:
    """Designsystemet's tokens (web/tokens.css) and the chat's own styles (web/app.css).
    The tokens are put on the chat's container instead of :root, so a site that shows the
    chat as a web component keeps its own (Gradio adds the page's CSS to the host page)."""
    tokens = (WEB / "tokens.css").read_text("utf-8").replace(":root", ".gradio-container")
    return tokens + (WEB / "app.css").read_text("utf-8")


def chat_script() -> str:
    """web/app.js with the words it labels Gradio's own elements with (bot.page)."""
    return (WEB / "app.js").read_text("utf-8").replace("__TRD_WORDS__", script_words())


def _gradio_frontend() -> Path:
    import gradio

    return Path(gradio.__file__).parent / "templates" / "frontend"


def load_bot(index_dir: Path, settings: Settings) -> Bot:
    """The bot on `index_dir`, which is built from the sources in sources.toml first if
    no index was ever written there."""
    from bot.service import Bot
    from ingest.embedding import load_embedder
    from ingest.index import never_built
    from ingest.sourceconfig import load_sources_config
    from ingest.sourceplan import configured_ingest

    # Only an index folder that never held an index is built; one that holds an index it
    # cannot read is reported (Bot.load raises), never replaced.
    if never_built(index_dir):
        config = load_sources_config(SOURCES)
        logger.info("Fant ingen indeks i %s, så den bygges fra kildene i %s …",
                    index_dir, SOURCES)  # fmt: skip
        embedder = partial(load_embedder, settings.model, settings.model_cache)
        report = configured_ingest(config, index_dir, settings.model, embedder)
        logger.info("Indeksen er bygd: %d dokumenter, %d tekstbiter (%.1f s)",
                    report.documents, report.chunks, report.seconds)  # fmt: skip
    bot = Bot.load(index_dir, settings.model_cache)
    bot.search("TRD3.0", k=1)  # load the model now rather than on the first question
    return bot


def main(argv: list[str] | None = None) -> int:
    from ingest.cli import NorwegianArgumentParser
    from ingest.config import settings_from_env
    from ingest.embedding import quiet_libraries
    from ingest.errors import IngestError

    try:
        settings = settings_from_env()
    except ValueError as err:
        print(f"Feil: {err}", file=sys.stderr)
        return 2
    parser = NorwegianArgumentParser(prog="python app.py", description="Start TRD3.0-boten.")
    parser.add_argument("--index", type=Path, default=settings.index_dir,
                        help="indeksmappe (bygges fra sources.toml hvis den er tom)")  # fmt: skip
    parser.add_argument("--host", default="127.0.0.1", help="adressen serveren lytter på")
    parser.add_argument("--port", type=int, default=7860, help="porten serveren lytter på")
    parser.add_argument("--root-path", default=settings.root_path,
                        help="stien appen har bak en omvendt proxy, f.eks. /trd30")  # fmt: skip
    parser.add_argument("--frame-ancestors", default=" ".join(settings.frame_ancestors),
                        help="nettsteder som kan bygge inn chatten, mellomromsdelt")  # fmt: skip
    args = parser.parse_args(argv)
    from bot.metrics import log_handler
    from bot.privacy import install_log_masking

    # text or JSON lines (TRD30_LOG_FORMAT); masked either way
    logging.basicConfig(level=logging.INFO, handlers=[log_handler(settings.log_format)])

    install_log_masking()  # every record, whoever logs it, is masked on its way out
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG
    quiet_libraries()

    from bot.gate import DEFAULT_HOSTS
    from bot.page import load_owner
    from bot.webpage import parse_origins

    try:
        origins = parse_origins(args.frame_ancestors)
        root_path = normalise_root_path(args.root_path)
        owner = load_owner(settings.owner_name, settings.owner_logo)
        started = time.perf_counter()
        bot = load_bot(args.index, settings)
        loaded_s = time.perf_counter() - started
    except (IngestError, ValueError) as err:
        print(f"Feil: {err}", file=sys.stderr)
        return 2
    import uvicorn

    from bot.replies import norwegian_h11_protocol

    hosts = list(settings.allowed_hosts or DEFAULT_HOSTS)
    if args.host not in ("0.0.0.0", "::", "") and args.host not in hosts:
        hosts.append(args.host)
    from bot.metrics import IndexState, create_metrics
    from bot.store import Store

    # Questions (masked) and feedback; a folder it cannot write is logged, never fatal.
    store = Store(settings.data_dir, settings.retention_days)
    metrics = create_metrics()
    metrics.model_load_seconds.set(loaded_s)
    metrics.watch(index=lambda: IndexState(bot.index.generation,
                                           len(bot.index.manifest.get("documents", {})),
                                           len(bot.index.chunks)),
                  store_available=lambda: store.available)  # fmt: skip
    from bot.pages import Installation

    if not settings.privacy_contact:
        logger.warning("TRD30_PRIVACY_CONTACT er ikke satt: personvernsiden ber eieren sette "
                       "en kontaktadresse")  # fmt: skip
    pages = Installation(owner=owner.name, privacy_contact=settings.privacy_contact,
                         accessibility_contact=settings.accessibility_contact)  # fmt: skip
    server = create_server(bot, root_path, origins, hosts, settings.rate_limit,
                           settings.queue_size or QUEUE_SIZE,
                           settings.concurrency or CONCURRENCY, settings.admin_token,
                           settings.stale_months, store, metrics, pages,
                           owner=owner)  # fmt: skip
    logger.info("TRD3.0-boten: http://%s:%d%s/", args.host, args.port, root_path)
    # uvicorn's access log would store visitors' IP addresses; ours masks them.
    # log_config=None: uvicorn's loggers go through the root's masking handler.
    # http: uvicorn's h11 protocol, with its reply to an unparsable request in bokmål.
    uvicorn.run(server, host=args.host, port=args.port, root_path=root_path,
                access_log=False, forwarded_allow_ips="127.0.0.1", log_config=None,
                http=norwegian_h11_protocol())  # fmt: skip
    return 0


def normalise_root_path(value: str) -> str:
    """ "/trd30" from "trd30/", "" for the site root; only plain path characters."""
    value = "/" + (value or "").strip().strip("/")
    if value == "/":
        return ""
    if not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", value):
        raise ValueError(f"Ugyldig rotsti: {value!r}. Bruk for eksempel /trd30")
    return value


def _gradio():
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # and there is no network
    import gradio

    return gradio


if __name__ == "__main__":
    sys.exit(main())
