"""Browser tests: headless Chromium (Debian's) against the real app, started once.

The app runs as a subprocess (`python app.py`, by tests/conftest.py's `app_process`) on an
index of a copy of corpus/ plus one test web page with a URL, a date and an HTML/JS
payload in its text. A second small HTTP server serves examples/ (the host page for
embedding) from another origin, which the app lists in its frame-ancestors. One Chromium
per run; each test gets a fresh page.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from .helpers import (
    ADMIN_TOKEN,
    ARTIFACTS,
    AXE_RESULTS,
    CHROMIUM_ARGS,
    CORPUS,
    EXAMPLES,
    TEST_DOC,
    TEST_DOC_NAME,
    TIMEOUT_MS,
)


def pytest_terminal_summary(terminalreporter):
    if not AXE_RESULTS:
        return
    terminalreporter.section("axe-core (WCAG 2.1 AA), brudd per visning")
    for view, result in AXE_RESULTS.items():
        found = ", ".join(f"{v['id']} ({v['impact']}, {v['nodes']})" for v in result["violations"])
        terminalreporter.write_line(f"{view}: {found or 'ingen brudd'}")
    terminalreporter.write_line(f"Detaljer: {ARTIFACTS / 'axe-results.json'}")


def chromium_executable() -> str:
    """Debian's Chromium (`make test` installs it); Playwright's own download is not used."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path and Path("/usr/bin/chromium").exists():
        path = "/usr/bin/chromium"
    if not path:
        pytest.fail(
            "Fant ikke Chromium, som nettlesertestene trenger. Installer den med "
            "`apt-get install chromium` (det gjør `make test` som root), eller kjør "
            '`pytest -m "not browser"`.',
            pytrace=False,
        )
    return path


@pytest.fixture(scope="package")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="package")
def browser_index(tmp_path_factory, default_embedder) -> Path:
    """An index of a copy of corpus/ plus the test web page, with the real model."""
    from ingest.embedding import DEFAULT_MODEL
    from ingest.pipeline import run_ingest

    folder = tmp_path_factory.mktemp("browser-corpus")
    shutil.copytree(CORPUS, folder, dirs_exist_ok=True)
    (folder / TEST_DOC_NAME).write_text(TEST_DOC, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("browser-index")
    run_ingest([folder], index_dir, DEFAULT_MODEL, lambda: default_embedder)
    return index_dir


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="package")
def examples_url():
    """examples/ served from its own origin, like the municipality's web site."""
    handler = functools.partial(_QuietHandler, directory=str(EXAMPLES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="package")
def app_data(tmp_path_factory) -> Path:
    """The app's database folder (TRD30_DATA): the tests read what it kept."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="package")
def app_url(browser_index, model_cache, examples_url, app_data, tmp_path_factory, app_process):
    """`python app.py` on the test index; the examples' origin may embed it."""
    log_path = tmp_path_factory.mktemp("app-log") / "app.log"
    # The database (TRD30_DATA) and Gradio's temporary files: not in the checkout.
    with app_process(browser_index, model_cache, log_path,
                     TRD30_FRAME_ANCESTORS=examples_url, TRD30_ADMIN_TOKEN=ADMIN_TOKEN,
                     GRADIO_TEMP_DIR=str(tmp_path_factory.mktemp("gradio-tmp")),
                     TRD30_DATA=str(app_data)) as url:  # fmt: skip
        yield url


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import expect, sync_playwright

    executable = chromium_executable()
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


class PageLog:
    """What a page did besides rendering: requests, dialogs, script errors."""

    def __init__(self):
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []


@pytest.fixture
def open_page(browser):
    """open_page(url, width, height, color_scheme) -> (page, log), in a fresh browser
    context (so a fresh chat) that records requests, dialogs and script errors."""
    contexts = []

    def open_(url: str, width: int = 1280, height: int = 900, color_scheme: str = "light"):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="en-US",  # the pages must be in bokmål whatever the browser's language
            color_scheme=color_scheme,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        log = PageLog()
        context.on("request", lambda request: log.requests.append(request.url))

        def on_dialog(dialog):
            log.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: log.errors.append(str(error)))
        page.goto(url)
        return page, log

    yield open_
    for context in contexts:
        context.close()
