"""Constants and helpers shared by the browser tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
EXAMPLES = ROOT / "examples"
# Screenshots and axe results: outside the checkout, unless the run names a folder.
ARTIFACTS = Path(os.environ.get("TRD30_TEST_ARTIFACTS")
                 or Path(tempfile.gettempdir()) / "trd30-test-artifacts")  # fmt: skip
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--lang=en-US",  # with the contexts' locale: every page must be in bokmål all the same
]
ADMIN_TOKEN = "nettleser-nokkel-42"  # opens /admin/ in the app the browser tests start
TIMEOUT_MS = 45_000  # generous: waits end as soon as the page is ready
SERVER_START_S = 180

# The test document: a municipal web page with a canonical URL, a modification date, and
# a passage whose text holds markup that must show as text, never run.
TEST_DOC_NAME = "smart-snorydding.html"
TEST_DOC_TITLE = "Smart snørydding"
TEST_DOC_URL = "https://www.trondheim.kommune.no/tema/universitetskommunen/smart-snorydding/"
TEST_DOC_DATE = "5. mars 2024"
PAYLOADS = (
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=2</script>",
    "[klikk](javascript:window.__xss=3)",
)
TEST_DOC = f"""<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<title>{TEST_DOC_TITLE}</title>
<link rel="canonical" href="{TEST_DOC_URL}">
<meta property="article:modified_time" content="2024-03-05">
</head>
<body>
<main>
<h1>{TEST_DOC_TITLE}</h1>
<h2>Sensorer langs sykkelveiene</h2>
<p>Prosjektet Smart snørydding bruker 40 sensorer langs gang- og sykkelveiene i Trondheim
for å varsle brøytemannskapene. Testtekst som skal vises som ren tekst:
&lt;img src=x onerror="window.__xss=1"&gt; &lt;script&gt;window.__xss=2&lt;/script&gt;
[klikk](javascript:window.__xss=3)</p>
<h2>Kombinerte stillinger i prosjektet</h2>
<p>To forskere har kombinerte stillinger mellom NTNU og driftsavdelingen i kommunen, slik
at forskningen følger snøryddingen gjennom hele vinteren.</p>
</main>
</body>
</html>
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[str]:
    """`folder` served over HTTP from a port, so an origin, of its own (a web site that
    embeds the chat); yields its URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# axe-core results per view, for ARTIFACTS / "axe-results.json" and the run's summary.
AXE_RESULTS: dict[str, dict] = {}


def answers(scope):
    """The bot's replies in the chat of `scope` (a page, frame or locator)."""
    return scope.locator("#samtale .trd-svar")


def ask(scope, question: str, previous: int = 0):
    """Types `question` into the chat of `scope`, presses Enter and waits for the reply.
    Returns the reply's message (the bubble holding the answer and its sources)."""
    from playwright.sync_api import expect

    box = scope.locator("#sporsmal textarea")
    box.fill(question)
    box.press("Enter")
    expect(answers(scope)).to_have_count(previous + 1)
    return last_reply(scope)


def last_reply(scope):
    return scope.locator("#samtale [data-testid='bot']").last


def javascript_links(page) -> int:
    """Links with a javascript: (or other script) URL in the page and all its frames."""
    script = """() => [...document.querySelectorAll('[href], [src], [action], [formaction]')]
        .filter(el => ['href', 'src', 'action', 'formaction'].some(name => {
            const value = (el.getAttribute(name) || '').replace(/[\\s\\u0000-\\u001f]/g, '');
            return /^(javascript|vbscript|data:text\\/html)/i.test(value);
        })).length"""
    return sum(frame.evaluate(script) for frame in page.frames)


def no_sideways_scroll(scope) -> bool:
    return scope.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def save_axe(view: str, response: dict) -> dict:
    """Keeps the view's axe-core result (all impacts) for the JSON file and the summary."""
    summary = {
        "url": response.get("url"),
        "violations": [
            {
                "id": v["id"],
                "impact": v["impact"],
                "nodes": len(v["nodes"]),
                "help": v["help"],
                "targets": [n["target"] for n in v["nodes"]][:10],
            }
            for v in response["violations"]
        ],  # fmt: skip
        "incomplete": [
            {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
            for v in response["incomplete"]
        ],
        "passes": len(response["passes"]),
    }
    AXE_RESULTS[view] = summary
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-results.json").write_text(
        json.dumps(AXE_RESULTS, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return summary
