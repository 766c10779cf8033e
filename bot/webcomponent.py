"""GET /gradio.js: the loader for Gradio's web component, for embedding the chat elsewhere.

It is our own small script (web/embed.js) in front of Gradio's: it keeps the host page's
`<html lang>`, loads Gradio's stylesheet from the right address under a sub-path, and
shows a fallback with a link to the bot while the chat cannot be shown. It then imports
Gradio's entry script, which the main view serves under /assets/. The names of Gradio's
entry script and stylesheet are read from Gradio's own page template once, at start.

It serves no other file, and it does not decide who may load it: CORS for the embedding
sites is bot.gate's.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from fastapi import APIRouter, Response

WORDS = Path(__file__).resolve().parent / "data" / "embed_words.toml"
# In Gradio's index.html: <script type="module" crossorigin src="./assets/index-….js">
# and <link rel="stylesheet" crossorigin href="./assets/index-….css">.
_ENTRY = re.compile(r'<script\b[^>]*\bsrc="(\./assets/[^"]+\.js)"')
_STYLESHEET = re.compile(r'<link\b[^>]*\brel="stylesheet"[^>]*\bhref="(\./assets/[^"]+\.css)"')


def gradio_files(frontend: Path) -> dict[str, str]:
    """Gradio's entry script and stylesheet, relative to the page (e.g. ./assets/x.js)."""
    page = (frontend / "index.html").read_text("utf-8")
    script, css = _ENTRY.search(page), _STYLESHEET.search(page)
    if not script or not css:
        raise RuntimeError(
            f"Fant ikke Gradios startskript og stilark i {frontend / 'index.html'}: "
            "Gradio-versjonen er en annen enn appen er laget for (se pyproject.toml)."
        )
    return {"script": script.group(1), "css": css.group(1)}


def loader_script(frontend: Path, loader: Path) -> str:
    """web/embed.js with its two constants before it: Gradio's files and the words."""
    words = tomllib.loads(WORDS.read_text("utf-8"))
    constants = (
        f"const GRADIO = {json.dumps(gradio_files(frontend))};\n"
        f"const WORDS = {json.dumps(words, ensure_ascii=False)};\n"
    )
    return constants + loader.read_text("utf-8")


def web_component_router(frontend: Path, loader: Path) -> APIRouter:
    """The route of GET /gradio.js. `frontend` is Gradio's templates/frontend folder,
    `loader` our web/embed.js."""
    body = loader_script(frontend, loader).encode("utf-8")
    router = APIRouter()

    @router.get("/gradio.js", include_in_schema=False)
    def gradio_js() -> Response:
        # no-cache: a page never runs a stored copy without asking the bot, so when the
        # bot is down the script fails and the page's own fallback stays.
        return Response(body, media_type="text/javascript; charset=utf-8",
                        headers={"cache-control": "no-cache"})  # fmt: skip

    return router
