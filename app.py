"""The web app: a chat page in bokmål over the bot, served by FastAPI and uvicorn.

`respond` asks the bot and never fails: an error becomes a polite Norwegian message in
the chat, and the traceback goes to the server log. `chat_messages` turns the
conversation into chat messages (HTML from `bot.chat`, with everything from the asker
or the documents escaped). `build_app` returns the Gradio Blocks; `create_server` mounts
them on a FastAPI app that serves the page as lang="nb"; `main` reads the settings,
builds the index from corpus/ on first start and runs the server.

It does not answer, search or ingest anything itself. Gradio, FastAPI and the model are
imported only when an app is built, so `import app` stays fast.

python app.py [--index DIR] [--host 127.0.0.1] [--port 7860] [--root-path /sti]
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bot.chat import answer_html, error_html, question_html
from bot.text import MAX_QUESTION_CHARS

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI

    from bot.service import Bot
    from ingest.config import Settings

logger = logging.getLogger("trd30.app")

CORPUS = Path(__file__).resolve().parent / "corpus"
TITLE = "TRD3.0-boten"
INTRO = (
    "# TRD3.0-boten\n"
    "Spør om Universitetskommunen TRD3.0, samarbeidet mellom Trondheim kommune og NTNU. "
    "Svarene hentes fra TRD3.0s egne dokumenter, med kildene under hvert svar."
)
WELCOME = (
    "<p>Hei! Jeg er en KI-assistent (kunstig intelligens) som svarer på spørsmål ut fra "
    "dokumentene til Universitetskommunen TRD3.0. Svarene lages automatisk og kan være feil, "
    "så sjekk gjerne kildene under hvert svar.</p>"
    "<p>Ikke skriv personopplysninger i spørsmålene.</p>"
)
EXAMPLES = (
    "Hva er Unikom?",
    "Hvordan definerer KS innovasjon?",
    "Hva er KSF Helse?",
    "Hvordan er prosjektlederne i Universitetskommunen ansatt?",
    "Hva handlet konferansen Framtidskraft om?",
)
# The visitor's own system fonts: nothing is fetched. (Plain strings reach the CSS as
# they are; gr.themes.Font("system-ui") would be quoted and name no font at all.)
SYSTEM_FONTS = ["system-ui", "sans-serif"]
SYSTEM_MONO_FONTS = ["ui-monospace", "monospace"]
MAX_TURNS = 50  # kept per conversation; older turns drop out of the chat
KEEP_CHARS = 2 * MAX_QUESTION_CHARS  # of each question, for follow-ups and the echo
CSS = """
.trd-kilder { margin-top: 0.75em; }
.trd-kilder-tittel { font-weight: 600; margin: 0 0 0.25em; }
.trd-kilder ol { list-style: none; padding-left: 0; margin: 0; }
.trd-kilder li { margin: 0.4em 0; }
.trd-kilder summary { cursor: pointer; }
.trd-kilder blockquote { margin: 0.4em 0 0.4em 0.5em; padding-left: 0.75em;
                         border-left: 3px solid var(--border-color-primary); }
.trd-kilder mark { background: #fde68a; color: #1f2937; padding: 0 0.1em; }
.trd-lenke { overflow-wrap: anywhere; }
.trd-merknad { font-style: italic; }
"""
# Gradio's page template says <html lang="en">, and its front end then sets lang to the
# browser's locale. This script runs before Gradio's own and gives it bokmål, so the page
# stays lang="nb" and Gradio's own labels (buttons, "laster …") are in bokmål too.
PIN_LANGUAGE = (
    "<script>/* TRD3.0-boten: siden er på bokmål */"
    'Object.defineProperty(navigator,"language",{get:()=>"nb",configurable:true});'
    'Object.defineProperty(navigator,"languages",{get:()=>["nb","nn","en"],configurable:true});'
    "</script>"
)

_HTML_LANG = re.compile(rb'(<html\b[^>]*?\s)lang="[^"]*"', re.IGNORECASE)

Turn = tuple[str, str]  # (the question, the reply as HTML)


def respond(bot: Bot, question: str, turns: list[Turn]) -> list[Turn]:
    """The conversation with `question` and its reply added. Never raises."""
    question = question if isinstance(question, str) else ""
    try:
        answer = bot.ask(question, [q for q, _ in turns])
        reply = answer_html(answer)
    except Exception:
        logger.exception("Klarte ikke å svare på et spørsmål")
        reply = error_html()
    return [*turns, (question[:KEEP_CHARS], reply)][-MAX_TURNS:]


def chat_messages(turns: list[Turn]) -> list[dict]:
    """The chat: the welcome, then each question (as plain text) and its reply."""
    messages = [{"role": "assistant", "content": WELCOME}]
    for question, reply in turns:
        echo = question_html(question)
        if echo:  # an empty question gets a reply, but no empty bubble
            messages.append({"role": "user", "content": echo})
        messages.append({"role": "assistant", "content": reply})
    return messages


def build_app(bot: Bot) -> gr.Blocks:
    """The chat page for `bot`: title, chat, question box and example questions."""
    gr = _gradio()

    def ask(question: str, turns: list[Turn]):
        turns = respond(bot, question, turns)
        return "", chat_messages(turns), turns

    def clear():
        return chat_messages([]), []

    with gr.Blocks(title=TITLE, analytics_enabled=False) as blocks:
        gr.Markdown(INTRO)
        chatbot = gr.Chatbot(
            value=chat_messages([]),
            label="Samtale",
            show_label=False,
            height=540,
            render_markdown=False,  # messages are escaped HTML from bot.chat
            sanitize_html=True,
            latex_delimiters=[],
            allow_tags=False,
            buttons=[],
            feedback_options=None,
            group_consecutive_messages=False,
        )
        turns = gr.State([])
        with gr.Row(equal_height=True):
            question = gr.Textbox(
                label="Spørsmålet ditt",
                placeholder="Skriv et spørsmål og trykk Enter",
                lines=1,
                max_lines=6,
                scale=6,
            )
            send = gr.Button("Spør", variant="primary", scale=1, min_width=80)
        gr.Markdown("Eksempler på spørsmål:")
        with gr.Row():
            examples = [gr.Button(text, variant="secondary", size="sm") for text in EXAMPLES]

        outputs = [question, chatbot, turns]
        gr.on([question.submit, send.click], ask, [question, turns], outputs, api_name="ask",
              concurrency_id="ask", concurrency_limit=1)  # fmt: skip
        for button in examples:
            button.click(ask, [button, turns], outputs, api_visibility="private",
                         concurrency_id="ask", concurrency_limit=1)  # fmt: skip
        chatbot.clear(clear, None, [chatbot, turns], api_visibility="private")
    return blocks


def create_server(bot: Bot, root_path: str = "") -> FastAPI:
    """The web server: the chat page at "/", in bokmål, with no fonts or scripts from
    elsewhere. `root_path` is the public path prefix behind a proxy (e.g. "/trd30").

    Routes of its own (an HTTP API, health checks) go before the Gradio mount at the
    end: a mount at "/" takes every path that nothing before it matched.
    """
    gr = _gradio()
    from fastapi import FastAPI

    server = FastAPI(title=TITLE, docs_url=None, redoc_url=None)  # both load CDN scripts
    server.add_middleware(NorwegianPages)
    return gr.mount_gradio_app(
        server,
        build_app(bot),
        path="/",
        root_path=root_path or None,
        theme=gr.themes.Default(font=SYSTEM_FONTS, font_mono=SYSTEM_MONO_FONTS),
        css=CSS,
        footer_links=[],
        run_history=False,  # it would keep the questions in the browser
        show_error=False,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        enable_monitoring=False,
    )


class NorwegianPages:
    """ASGI middleware: HTML pages get lang="nb" and the script that keeps it so."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] == "HEAD":
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        body: list[bytes] = []

        async def send_localised(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                if (headers.get(b"content-type", b"").startswith(b"text/html")
                        and b"content-encoding" not in headers):  # fmt: skip
                    start = message  # held back until the body is rewritten
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                page = localise_page(b"".join(body))
                headers = [(k, v) for k, v in start.get("headers", [])
                           if k.lower() != b"content-length"]  # fmt: skip
                headers.append((b"content-length", str(len(page)).encode()))
                await send({**start, "headers": headers})
                message = {"type": "http.response.body", "body": page}
            await send(message)

        await self.app(scope, receive, send_localised)


def localise_page(page: bytes) -> bytes:
    """Gradio's HTML page with lang="nb" instead of "en", and the language pinned."""
    page = _HTML_LANG.sub(rb'\1lang="nb"', page, count=1)
    return page.replace(b"</head>", PIN_LANGUAGE.encode() + b"</head>", 1)


def load_bot(index_dir: Path, settings: Settings) -> Bot:
    """The bot on `index_dir`, which is built from corpus/ first if it holds no index."""
    from bot.service import Bot
    from ingest.embedding import load_embedder
    from ingest.index import read_manifest
    from ingest.pipeline import run_ingest

    if read_manifest(index_dir) is None:
        logger.info("Fant ingen indeks i %s, så den bygges fra %s …", index_dir, CORPUS)
        embedder = partial(load_embedder, settings.model, settings.model_cache)
        report = run_ingest([CORPUS], index_dir, settings.model, embedder)
        logger.info("Indeksen er bygd: %d dokumenter, %d tekstbiter (%.1f s)",
                    report.documents, report.chunks, report.seconds)  # fmt: skip
    bot = Bot.load(index_dir, settings.model_cache)
    bot.search("TRD3.0", k=1)  # load the model now rather than on the first question
    return bot


def main(argv: list[str] | None = None) -> int:
    from ingest.config import settings_from_env
    from ingest.embedding import quiet_libraries
    from ingest.errors import IngestError

    settings = settings_from_env()
    parser = argparse.ArgumentParser(prog="python app.py", description="Start TRD3.0-boten.")
    parser.add_argument("--index", type=Path, default=settings.index_dir,
                        help="indeksmappe (bygges fra corpus/ hvis den er tom)")  # fmt: skip
    parser.add_argument("--host", default="127.0.0.1", help="adressen serveren lytter på")
    parser.add_argument("--port", type=int, default=7860, help="porten serveren lytter på")
    parser.add_argument("--root-path", default="", help="stien appen har bak en proxy")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG
    quiet_libraries()

    try:
        bot = load_bot(args.index, settings)
    except IngestError as err:
        print(f"Feil: {err}", file=sys.stderr)
        return 2
    import uvicorn

    server = create_server(bot, args.root_path)
    logger.info("TRD3.0-boten: http://%s:%d%s/", args.host, args.port, args.root_path)
    uvicorn.run(server, host=args.host, port=args.port)
    return 0


def _gradio():
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # and there is no network
    import gradio

    return gradio


if __name__ == "__main__":
    sys.exit(main())
