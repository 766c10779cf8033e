"""The web app: answers as safe chat HTML, the handler that never fails, the served page."""

import json
import re
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from support import Page

import app
from bot.answer import ANSWERED, EMPTY_TEXT, Answer, Citation, no_answer
from bot.chat import ERROR_TEXT, answer_html, link_html
from bot.retrieve import Passage
from bot.service import TRUNCATED_NOTICE, Bot
from bot.webpage import PIN_LANGUAGE
from ingest.chunking import Chunk
from ingest.config import Settings
from ingest.embedding import HASH_MODEL, load_embedder
from ingest.pipeline import run_ingest

pytestmark = pytest.mark.usefixtures("gradio_temp_dir")  # tests/conftest.py

LOCAL = "http://localhost"  # a Host the app answers to (bot.gate)

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[klikk](javascript:alert(1))",
    "Se https://evil.example og <a href='javascript:alert(1)'>her</a> **fet** $$x$$",
]
SAFE_TAGS = {"p", "div", "br", "ol", "li", "details", "summary", "strong", "blockquote",
             "mark", "a"}  # fmt: skip


@pytest.fixture(scope="module")
def hash_bot(tmp_path_factory) -> Bot:
    """The real bot code on the corpus, with the fast hash embedder."""
    index_dir = tmp_path_factory.mktemp("hash-index")
    cache = tmp_path_factory.mktemp("hash-cache")
    run_ingest([ROOT / "corpus"], index_dir, HASH_MODEL, lambda: load_embedder(HASH_MODEL, cache))
    return Bot.load(index_dir, cache)


class FakeBot:
    """Answers every question with `answer`, or raises `error`; records the history."""

    def __init__(self, answer: Answer | None = None, error: Exception | None = None):
        self.answer, self.error, self.histories = answer, error, []

    def ask(self, question, history=()):
        self.histories.append(list(history))
        if self.error:
            raise self.error
        return self.answer or no_answer(question, "nb")

    def search(self, query, k=10, doc_id=None):
        return []

    def documents(self):
        return {"a.md": "Et dokument"}


def assert_safe(html: str) -> Page:
    """No tag of its own from the text, no event handler, only http(s) links."""
    page = Page(html)
    assert "<script" not in html.lower()
    for tag, attrs in page.tags:
        assert tag in SAFE_TAGS, tag
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        if tag == "a":
            assert urlsplit(attrs["href"]).scheme in ("http", "https"), attrs
    return page


def chunk(text="Første setning her. Andre setning der.", **fields) -> Chunk:
    values = dict(chunk_id="d.md#0", doc_id="d.md", title="Hva bidrar TRD 3.0 til?",
                  section="Innovasjon i kommunen", url="https://www.ntnu.no/trd30",
                  updated="2022-08-12", lang="nb", page=None, position=0, text=text)  # fmt: skip
    values.update(fields)
    return Chunk(**values)


def answered(*chunks_and_spans, notice="") -> Answer:
    citations = tuple(Citation(n, Passage(c, n, 1.0, 0.9, 3.0, 1, 1), spans)
                      for n, (c, spans) in enumerate(chunks_and_spans, 1))  # fmt: skip
    text = " ".join(f"{c.passage.chunk.text[a:b]} [{c.n}]" for c in citations
                    for a, b in c.quotes)  # fmt: skip
    return Answer("spørsmål", ANSWERED, f"Ifølge «Tittel»: {text}", "nb", citations, notice)


def last_reply(turns) -> str:
    return app.chat_messages(turns)[-1]["content"]


def all_content(turns) -> str:
    return "".join(m["content"] for m in app.chat_messages(turns))


# --- rendering an answer ---


def test_answer_shows_numbered_sources_with_title_section_date_link_and_marked_quote():
    c1, c2 = chunk(), chunk("Unikom er et nettverk.", chunk_id="d.md#1", section="Unikom",
                            url="", page=3, updated="12.08.2022")  # fmt: skip
    html = answer_html(answered((c1, ((20, 38),)), (c2, ((0, 22),))))
    page = assert_safe(html)
    assert "Ifølge «Tittel»: Andre setning der. [1] Unikom er et nettverk. [2]" in page.text
    assert "Kilder" in page.text
    title = "«Hva bidrar TRD 3.0 til?»"
    assert f"[1] {title} · Innovasjon i kommunen · sist oppdatert 12. august 2022" in page.text
    assert f"[2] {title} · Unikom · side 3 · sist oppdatert 12.08.2022" in page.text
    assert "<details><summary>[1] " in html and html.count("<details>") == 2
    assert "Første setning her. <mark>Andre setning der.</mark>" in html
    assert "<mark>Unikom er et nettverk.</mark>" in html
    assert [a["href"] for t, a in page.tags if t == "a"] == ["https://www.ntnu.no/trd30"]
    assert 'rel="noopener"' in html


def test_no_answer_shows_its_text_and_no_sources():
    html = answer_html(no_answer("Hva koster en pizza?", "nb"))
    page = assert_safe(html)
    assert "Jeg finner ikke svar på dette" in page.text
    assert "Kilder" not in page.text and "<details" not in html
    links = [attrs["href"] for tag, attrs in page.tags if tag == "a"]
    assert links == ["https://trondheim.kommune.no", "https://ntnu.no"]  # where to turn


def test_answer_in_english_is_marked_as_english():
    html = answer_html(no_answer("What is Unikom?", "en"))
    assert '<div class="trd-svar" lang="en">' in html


def test_notice_of_a_cut_question_is_shown():
    for answer in (answered((chunk(), ((0, 19),)), notice="Spørsmålet var veldig langt."),
                   no_answer("x", "nb", notice="Spørsmålet var veldig langt.")):  # fmt: skip
        assert "Spørsmålet var veldig langt." in Page(answer_html(answer)).text


def test_html_in_a_document_passage_is_escaped():
    text = ("Se <script>alert(1)</script> og <img src=x onerror=alert(1)>. "
            "Les [mer](javascript:alert(1)) på https://evil.example nå.")  # fmt: skip
    c = chunk(text, title="<b>Tittel</b>", section="<i>Del</i>", updated="<u>i dag</u>",
              lang='nb" onclick="alert(1)')  # fmt: skip
    spans = ((0, text.index(" og")), (text.index("Les"), len(text)))
    html = answer_html(answered((c, spans)))
    page = assert_safe(html)
    assert "Se <script>alert(1)</script> og <img src=x onerror=alert(1)>." in page.text
    assert "«<b>Tittel</b>» · <i>Del</i> · sist oppdatert <u>i dag</u>" in page.text
    assert "<mark>Se &lt;script&gt;alert(1)&lt;/script&gt;</mark> og &lt;img" in html
    assert "<mark>Les [mer](javascript:alert(1)) på https://evil.example nå.</mark>" in html
    assert [a["href"] for t, a in page.tags if t == "a"] == ["https://www.ntnu.no/trd30"]


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://www.trondheim.kommune.no/trd3/", "https://www.trondheim.kommune.no/trd3/"),
        ('http://ntnu.no/a?b=1&c="2"<x>', 'http://ntnu.no/a?b=1&c="2"<x>'),
        ("  HTTPS://ntnu.no/x  ", "HTTPS://ntnu.no/x"),
        ("javascript:alert(1)", None),
        ("JavaScript://ntnu.no/%0aalert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("ftp://ntnu.no/fil", None),
        ("//evil.example/x", None),
        ("https:evil", None),
        ("https://ntnu.no/\x00x", None),
        ("http://[::1", None),
        ("", None),
        (None, None),
    ],
)
def test_only_http_urls_from_metadata_become_links(url, href):
    html = link_html(url)
    if href is None:
        assert html == ""
    else:
        page = assert_safe(html)
        assert page.tags == [("a", {"class": "trd-lenke", "href": href, "rel": "noopener"})]
        assert page.text == href


# --- the handler ---


def test_normal_question_gets_the_answer_with_its_sources():
    turns = app.respond(FakeBot(answered((chunk(), ((20, 38),)))), "Hva skjer?", [])
    messages = app.chat_messages(turns)
    assert [m["role"] for m in messages] == ["assistant", "user", "assistant"]
    assert messages[1]["content"] == '<div class="trd-sporsmal" lang="nb">Hva skjer?</div>'
    reply = messages[2]["content"]
    assert "[1]" in reply and "«Hva bidrar TRD 3.0 til?»" in reply
    assert "<mark>Andre setning der.</mark>" in reply


def test_the_first_message_says_it_is_an_ai_and_asks_for_no_personal_data():
    welcome = Page(app.chat_messages([])[0]["content"])
    assert "KI-assistent" in welcome.text and "TRD3.0" in welcome.text
    assert "personopplysninger" in welcome.text
    assert ("div", {"class": "trd-velkomst", "lang": "nb"}) in welcome.tags
    english = Page(app.chat_messages([], "en")[0]["content"])
    assert "AI assistant" in english.text
    assert ("div", {"class": "trd-velkomst", "lang": "en"}) in english.tags


@pytest.mark.parametrize("question", HOSTILE)
def test_html_and_markdown_in_a_question_are_shown_as_text(hash_bot, question):
    turns = app.respond(hash_bot, question, [])
    html = all_content(turns)
    page = assert_safe(html)
    language = turns[0][3]
    echo = f'<div class="trd-sporsmal" lang="{language}">{escape(question)}</div>'
    assert app.chat_messages(turns)[1] == {"role": "user", "content": echo}
    assert question in page.text
    assert "javascript:" not in "".join(a.get("href", "") for _, a in page.tags)


def test_empty_question_gets_the_polite_reply_and_no_empty_bubble(hash_bot):
    for question in ("", "   ", "\x00\x01"):
        messages = app.chat_messages(app.respond(hash_bot, question, []))
        assert [m["role"] for m in messages] == ["assistant", "assistant"]
        assert EMPTY_TEXT["nb"] in Page(messages[-1]["content"]).text


def test_huge_question_gets_a_polite_reply_saying_it_was_cut(hash_bot):
    question = ("Hva er Unikom og hvem deltar i nettverket? " * 2400)[:100_000]
    turns = app.respond(hash_bot, question, [])
    messages = app.chat_messages(turns)
    assert_safe(all_content(turns))
    assert TRUNCATED_NOTICE["nb"] in Page(messages[-1]["content"]).text
    assert len(messages[1]["content"]) < 1100  # the echo is cut too
    assert len(turns[0][0]) <= app.KEEP_CHARS


def test_control_characters_and_broken_unicode_get_a_polite_reply(hash_bot):
    question = "Hva\x00 er\x1b[31m Unikom\x7f?\u2028\ud800"
    turns = app.respond(hash_bot, question, [])
    messages = app.chat_messages(turns)
    json.dumps(messages, ensure_ascii=False).encode("utf-8")  # can be sent
    assert Page(messages[1]["content"]).text == "Hva  er [31m Unikom ?"
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", all_content(turns))
    assert ERROR_TEXT not in messages[-1]["content"]


def test_a_failing_bot_gives_a_polite_norwegian_message_and_logs_the_error(caplog):
    bot = FakeBot(error=RuntimeError("hemmelig detalj fra innsiden"))
    turns = app.respond(bot, "Hva er Unikom?", [])
    reply = last_reply(turns)
    assert Page(reply).text == "Beklager, noe gikk galt. Prøv igjen om litt."
    assert "hemmelig" not in reply and "Traceback" not in reply and "Error" not in reply
    assert any(r.exc_info and "hemmelig detalj" in str(r.exc_info[1]) for r in caplog.records)


def test_follow_up_questions_get_the_earlier_questions_as_history():
    bot = FakeBot()
    turns = app.respond(bot, "Hva er Unikom?", [])
    turns = app.respond(bot, "Hvem deltar der?", turns)
    app.respond(bot, "Og når?", turns)
    assert bot.histories == [[], ["Hva er Unikom?"], ["Hva er Unikom?", "Hvem deltar der?"]]


def test_a_long_conversation_keeps_only_the_latest_turns():
    turns = []
    for i in range(app.MAX_TURNS + 5):
        turns = app.respond(FakeBot(), f"Spørsmål {i}", turns)
    assert len(turns) == app.MAX_TURNS
    assert turns[-1][0] == f"Spørsmål {app.MAX_TURNS + 4}"


# --- the page and the server ---


def test_the_chat_shows_messages_as_html_without_markdown_and_offers_examples():
    import gradio as gr

    blocks = app.build_app(FakeBot())
    assert isinstance(blocks, gr.Blocks)
    chatbot = next(b for b in blocks.blocks.values() if isinstance(b, gr.Chatbot))
    assert chatbot.render_markdown is False
    assert chatbot.sanitize_html is True
    assert chatbot.latex_delimiters == []
    assert chatbot.value[0]["content"] == [{"type": "text", "text": app.WELCOME}]
    labels = {b.value for b in blocks.blocks.values() if isinstance(b, gr.Button)}
    assert 4 <= len(app.EXAMPLES) <= 6 and set(app.EXAMPLES) <= labels
    assert blocks.title == "TRD3.0-boten" and blocks.analytics_enabled is False


def test_the_page_is_norwegian_and_loads_nothing_from_other_hosts():
    from fastapi.testclient import TestClient

    with TestClient(app.create_server(FakeBot()), base_url=LOCAL) as client:
        response = client.get("/")
        theme = client.get("/theme.css").text
    page = response.text
    assert response.status_code == 200
    assert re.search(r"<html\s+lang=\"nb\"", page)
    assert PIN_LANGUAGE in page
    assert int(response.headers["content-length"]) == len(response.content)
    for url in re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"([^\"]*)\"", page):
        assert not urlsplit(url).netloc, url
    assert "googleapis" not in page + theme and "gstatic" not in page + theme
    assert not re.search(r"@import|url\(['\"]?(https?:)?//", theme)


def test_import_app_loads_neither_gradio_nor_torch():
    code = "import sys, app; print(sorted({'gradio', 'torch', 'fastapi'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert out.stdout.strip() == "[]"


def test_load_bot_builds_a_missing_index_from_the_corpus_once(tmp_path):
    from ingest.index import read_manifest

    settings = Settings(index_dir=tmp_path / "index", model=HASH_MODEL, model_cache=tmp_path)
    bot = app.load_bot(settings.index_dir, settings)
    generation = read_manifest(settings.index_dir)["generation"]
    assert "hva-bidrar-trd30.md" in bot.documents()
    app.load_bot(settings.index_dir, settings)
    assert read_manifest(settings.index_dir)["generation"] == generation


def test_main_turns_a_broken_index_into_one_line(tmp_path, monkeypatch, capsys):
    settings = Settings(index_dir=tmp_path / "index", model=HASH_MODEL, model_cache=tmp_path)
    app.load_bot(settings.index_dir, settings)
    for manifest in settings.index_dir.glob("*/manifest.json"):
        manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "format_version": 0}))
    monkeypatch.setenv("TRD30_MODEL_CACHE", str(tmp_path))
    assert app.main(["--index", str(settings.index_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Feil: ") and "formatversjon 0" in err and "\n" not in err


@contextmanager
def serving(server):
    """`server` on a free port of 127.0.0.1, in a thread; yields its URL."""
    import uvicorn

    runner = uvicorn.Server(uvicorn.Config(server, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not runner.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = runner.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        runner.should_exit = True
        thread.join(timeout=10)


@pytest.mark.slow
def test_the_real_app_answers_over_http_with_a_cited_source(real_corpus_index, model_cache):
    import httpx
    from gradio_client import Client

    bot = Bot.load(real_corpus_index, model_cache)
    with serving(app.create_server(bot)) as url:
        page = httpx.get(url)
        client = Client(url, verbose=False)
        cleared, chat, status = client.predict("Hva bidrar TRD 3.0 til?", api_name="/ask")
        _, chat, _ = client.predict("Og hva er Unikom?", api_name="/ask")
    assert page.status_code == 200 and re.search(r"<html\s+lang=\"nb\"", page.text)
    assert cleared == ""
    spoken = Page(status).text  # the live region gets the answer as plain text, once
    assert "[1]" in spoken and "<" not in spoken
    texts = ["".join(part["text"] for part in m["content"]) for m in chat]
    assert [m["role"] for m in chat] == ["assistant", "user", "assistant", "user", "assistant"]
    first = Page(texts[2]).text
    assert "[1]" in first and "«Hva bidrar TRD 3.0 til?»" in first and "Kilder" in first
    assert "<mark>" in texts[2]
    assert "Unikom" in Page(texts[4]).text


@pytest.mark.parametrize("damage", ["manifest", "current_to_nowhere", "generation_gone"])
def test_a_restart_never_replaces_an_index_it_cannot_read(tmp_path, monkeypatch, capsys, damage):
    import shutil

    settings = Settings(index_dir=tmp_path / "index", model=HASH_MODEL, model_cache=tmp_path)
    app.load_bot(settings.index_dir, settings)
    (generation,) = [p for p in settings.index_dir.glob("gen-*")]
    if damage == "manifest":
        (generation / "manifest.json").write_text("{not json", "utf-8")
    elif damage == "current_to_nowhere":
        (settings.index_dir / "CURRENT").write_text("gen-missing\n", "utf-8")
    else:
        shutil.rmtree(generation)
    before = sorted(p.name for p in settings.index_dir.iterdir())
    monkeypatch.setenv("TRD30_MODEL_CACHE", str(tmp_path))
    assert app.main(["--index", str(settings.index_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Feil: ") and "på nytt" in err
    assert sorted(p.name for p in settings.index_dir.iterdir()) == before  # nothing rebuilt


def test_the_sources_block_speaks_the_answers_language():
    from bot.chat import format_date, sources_html

    assert format_date("2022-08-12", "en") == "12 August 2022"
    assert format_date("2022-08-12", "nn") == "12. august 2022"
    assert format_date("ikke en dato", "en") == "ikke en dato"
    passage = Passage(chunk("KSF er en modell.", page=3), 0, 1.0, 1.0, 1.0, 1, 1)
    citation = Citation(1, passage, ((0, 5),))
    english = Page(sources_html((citation,), "en"))
    assert "Sources" in english.text and "page 3" in english.text
    assert "last updated 12 August 2022" in english.text
    assert ("div", {"class": "trd-kilder", "lang": "en"}) in english.tags
    nynorsk = Page(sources_html((citation,), "nn")).text
    assert "Kjelder" in nynorsk and "sist oppdatert 12. august 2022" in nynorsk


def test_the_first_start_builds_from_the_sources_in_sources_toml(tmp_path, monkeypatch):
    sources = tmp_path / "sources.toml"
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.md").write_text("# Egen\n\nEt eget dokument om KSF.\n", "utf-8")
    sources.write_text('sources = ["mine"]\n', "utf-8")
    monkeypatch.setattr(app, "SOURCES", sources)
    settings = Settings(index_dir=tmp_path / "index", model=HASH_MODEL, model_cache=tmp_path)
    bot = app.load_bot(settings.index_dir, settings)
    assert bot.documents() == {"a.md": "Egen"}


def test_the_live_region_reads_the_answer_and_counts_its_sources_not_their_passages():
    turns = app.respond(FakeBot(answered((chunk(), ((0, 19),)))), "Hva skjer?", [])
    spoken = Page(app.status_text(turns)).text
    assert spoken.startswith("Svar 1: ") and spoken.endswith("1 kilde under svaret.")
    assert "Andre setning der" not in spoken  # the passage under the source is not read
