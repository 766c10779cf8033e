"""The JSON API, health check, security headers and root path, over a real hash-model bot."""

import logging

import pytest
from fastapi.testclient import TestClient
from support import agreement_bot

import app
from bot.answer import NO_ANSWER_TEXT, PART_MISSING
from bot.service import Bot
from bot.webpage import parse_origins

LOCAL = "http://localhost"  # a Host the app answers to (bot.gate)

# the JSON of `python -m bot ask --json`, and the id feedback is given on
ANSWER_KEYS = {"question", "status", "answer", "language", "citations", "evidence", "id"}
CITATION_KEYS = {"n", "doc_id", "title", "section", "page", "url", "updated", "text", "quote",
                 "score"}  # fmt: skip


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    root = tmp_path_factory.mktemp("api")
    return agreement_bot(root)


@pytest.fixture(scope="module")
def client(bot):
    with TestClient(
        app.create_server(bot, frame_ancestors=["https://www.trondheim.kommune.no"]),
        base_url=LOCAL,
    ) as c:
        yield c


def test_ask_returns_the_cli_json_contract(client):
    response = client.post("/api/ask", json={"question": "Når ble samarbeidsavtalen signert?"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ANSWER_KEYS
    assert body["status"] == "answered" and "[1]" in body["answer"]
    assert set(body["citations"][0]) == CITATION_KEYS
    assert body["citations"][0]["url"] == "https://example.org/avtale"
    assert body["citations"][0]["quote"] in body["citations"][0]["text"]


class RecordingBot:
    """The real bot, recording what `ask` is given."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def ask(self, question, history=()):
        self.calls.append((question, list(history)))
        return self.inner.ask(question, history)


def test_ask_passes_the_history_to_the_bot(bot):
    recording = RecordingBot(bot)
    question, history = "Når ble den signert?", ["Hva er samarbeidsavtalen?"]
    with TestClient(app.create_server(recording), base_url=LOCAL) as client:
        body = client.post("/api/ask", json={"question": question, "history": history}).json()
    assert recording.calls == [(question, history)]
    assert body["question"] == question and body["status"] == "answered"
    assert "Samarbeidsavtalen ble signert i mars 2024 av rådmannen og rektor. [1]" in body["answer"]


def test_a_two_part_question_with_an_unanswered_part_has_a_notice(client):
    question = "Når ble samarbeidsavtalen signert, og hva koster parkeringen ved Lerkendal?"
    body = client.post("/api/ask", json={"question": question}).json()
    assert set(body) == ANSWER_KEYS | {"notice"}  # the evidence's signals stay inside the bot
    assert set(body["evidence"]) == {"score", "threshold"}
    assert body["status"] == "answered"
    assert body["notice"] == PART_MISSING["nb"].format(part="hva koster parkeringen ved Lerkendal")
    [citation] = body["citations"]
    assert citation["quote"] == "Samarbeidsavtalen ble signert i mars 2024 av rådmannen og rektor."


def test_a_refusal_has_no_citations(client):
    body = client.post("/api/ask", json={"question": "Når går bussen fra Lerkendal?"}).json()
    assert set(body) == ANSWER_KEYS
    assert body["status"] == "no_answer" and body["citations"] == []
    assert body["answer"] == NO_ANSWER_TEXT["nb"]


@pytest.mark.slow
def test_ask_uses_history_for_follow_ups_with_the_real_model(real_corpus_index, model_cache):
    real = Bot.load(real_corpus_index, model_cache)
    first, follow_up = "Hva handlet konferansen Framtidskraft om?", "Hvem samarbeidet de med?"
    with TestClient(app.create_server(real), base_url=LOCAL) as client:
        alone = client.post("/api/ask", json={"question": follow_up}).json()
        followed = client.post("/api/ask", json={"question": follow_up, "history": [first]}).json()
    assert followed["status"] == "answered"
    assert "Næringsforeningen i Trondheim" in followed["answer"]
    assert "Næringsforeningen" not in alone["answer"]  # the history is what found it


def test_ask_rejects_malformed_requests_in_norwegian(client):
    for payload in ({}, {"question": 5}, {"question": "x", "history": "nei"}):
        response = client.post("/api/ask", json=payload)
        assert response.status_code == 422
        assert response.json() == {"detail": "Ugyldig forespørsel. Se README for formatet."}


def test_search_returns_passages_and_filters_by_document(client):
    body = client.post("/api/search", json={"query": "samarbeidsavtalen signert", "k": 3}).json()
    assert body["passages"] and body["passages"][0]["doc_id"] == "avtale.md"
    only = client.post("/api/search", json={"query": "fysioterapi samarbeidsavtalen",
                                             "doc_id": "annet.md"}).json()  # fmt: skip
    assert only["passages"] and {p["doc_id"] for p in only["passages"]} == {"annet.md"}


def test_healthz_reports_generation_counts_and_model(client, bot):
    body = client.get("/healthz").json()
    assert body == {"status": "ok", "generation": bot.index.generation, "documents": 2,
                    "chunks": len(bot.index.chunks), "model": "hash"}  # fmt: skip


def test_every_response_has_the_embedding_policy_and_nosniff(client):
    for path in ("/", "/embed/", "/sok/", "/healthz", "/gradio.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == (
            "frame-ancestors 'self' https://www.trondheim.kommune.no"
        )
        assert response.headers["x-content-type-options"] == "nosniff"


def test_the_web_component_loader_allows_only_the_embedding_sites(client):
    allowed = client.get("/gradio.js", headers={"origin": "https://www.trondheim.kommune.no"})
    assert allowed.headers["access-control-allow-origin"] == "https://www.trondheim.kommune.no"
    assert allowed.headers["content-type"].startswith("text/javascript")
    other = client.get("/gradio.js", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_embed_and_search_views_are_norwegian_pages(client):
    for path in ("/embed/", "/sok/"):
        assert '<html\n\tlang="nb"' in client.get(path).text or 'lang="nb"' in client.get(path).text


def test_origins_are_validated():
    assert parse_origins("https://a.no, http://127.0.0.1:8000") == [
        "https://a.no", "http://127.0.0.1:8000"]  # fmt: skip
    for bad in ("https://a.no; script-src *", "javascript:alert(1)", "https://a.no/path"):
        with pytest.raises(ValueError, match="Ugyldig opprinnelse"):
            parse_origins(bad)


def test_root_path_behind_a_proxy(bot):
    with TestClient(
        app.create_server(bot, root_path="/trd30"), root_path="/trd30", base_url=LOCAL
    ) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        page = client.get("/")
        assert page.status_code == 200
        assert "/trd30" in page.text  # Gradio builds its URLs under the prefix
    assert app.normalise_root_path("trd30/") == "/trd30"
    assert app.normalise_root_path("/") == ""
    with pytest.raises(ValueError):
        app.normalise_root_path("/a b<")


def test_access_log_masks_the_client_address(bot, caplog):
    # A real client address (TestClient's default, "testclient", would pass unmasked too).
    server = app.create_server(bot)
    with TestClient(server, client=("203.0.113.9", 41234), base_url=LOCAL) as visitor:
        with caplog.at_level(logging.INFO, logger="trd30.access"):
            visitor.get("/healthz", headers={"x-forwarded-for": "198.51.100.23"})
            visitor.get("/healthz?epost=ola@example.no")
    lines = [r.getMessage() for r in caplog.records if r.name == "trd30.access"]
    assert len(lines) == 2 and all("[ip]" in line for line in lines)
    assert not any(ip in line for line in lines for ip in ("203.0.113", "198.51.100", "ola@"))


def test_search_leaves_out_passages_that_share_nothing_with_the_query(client):
    body = client.post("/api/search", json={"query": "fysioterapi", "k": 10}).json()
    assert [p["doc_id"] for p in body["passages"]] == ["annet.md"]


def test_a_body_over_the_limit_is_refused_before_it_is_read(client):
    from bot.webpage import API_BODY_LIMIT

    big = {"question": "Hva er Unikom? " + "x" * API_BODY_LIMIT}
    reply = client.post("/api/ask", json=big)
    assert reply.status_code == 413 and "for stor" in reply.json()["detail"]
    assert reply.headers["x-content-type-options"] == "nosniff"

    def chunks():  # no Content-Length: counted as it streams in
        for _ in range(API_BODY_LIMIT // 1024 + 2):
            yield b"x" * 1024

    streamed = client.post(
        "/api/ask", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert client.post("/api/ask", json={"question": "Hva er Unikom?"}).status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"


def test_the_api_answers_a_few_at_once_and_says_503_with_retry_after_past_its_queue():
    import threading

    from fastapi import HTTPException

    from bot.api import Capacity

    capacity = Capacity(concurrency=1, waiting=1)
    release, inside = threading.Event(), threading.Event()
    outcomes = []

    def call():
        try:
            with capacity.turn():
                inside.set()
                release.wait(10)
            outcomes.append("answered")
        except HTTPException as err:
            outcomes.append((err.status_code, err.headers["retry-after"]))

    working = threading.Thread(target=call)
    working.start()
    inside.wait(10)
    waiting = threading.Thread(target=call)  # waits for its turn
    waiting.start()
    for _ in range(100):  # until the second call is counted as waiting
        if capacity._inside == 2:
            break
        threading.Event().wait(0.01)
    call()  # the third finds no room, at once
    assert outcomes == [(503, "5")]
    release.set()
    working.join(10)
    waiting.join(10)
    assert outcomes == [(503, "5"), "answered", "answered"]


def test_staff_search_says_when_no_passage_holds_a_query_word(bot):
    from bot.chat import search_results_html

    passages = bot.search("qzxv fnord")
    assert passages and all(p.bm25 == 0 for p in passages)
    assert "Ingen treff på ordene; dette er de nærmeste tekstene" in search_results_html(
        "qzxv fnord", passages
    )
    matched = bot.search("fysioterapi")
    assert "Ingen treff på ordene" not in search_results_html("fysioterapi", matched)


def test_the_search_filter_follows_the_generation_serving_now():
    class Changing:
        titles = {"a.md": "Første"}

        def documents(self):
            return dict(self.titles)

    changing = Changing()
    blocks = app.build_search_app(changing)
    (refresh,) = [f.fn for f in blocks.fns.values() if f.fn.__name__ == "current_filter"]
    changing.titles = {"a.md": "Første", "b.md": "Andre"}  # a hot reload brought b.md
    update = refresh("b.md")
    assert [value for _, value in update.choices] == ["", "b.md", "a.md"]
    assert update.value == "b.md"
    changing.titles = {"a.md": "Første"}  # and took it away again
    assert refresh("b.md").value == ""


def test_openapi_describes_our_api_and_not_gradios_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {"/api/ask", "/api/feedback", "/api/search", "/healthz"}
    assert client.get("/embed/openapi.json").status_code == 404


def test_feedback_round_trip_through_the_api_into_the_real_database(bot, tmp_path):
    import sqlite3

    from bot.store import Store

    store = Store(tmp_path / "data", retention_days=30, purge_every=None)
    server = app.create_server(bot, store=store)
    with TestClient(server, base_url=LOCAL) as c:
        asked = c.post("/api/ask", json={"question": "Når ble avtalen signert? Ring 91234567"})
        body = asked.json()
        assert len(body["id"]) == 32
        assert "personopplysninger" in body["notice"]  # it needs none and kept none
        ok = c.post("/api/feedback", json={"id": body["id"], "rating": "down",
                                           "reason": "Svaret var feil"})  # fmt: skip
        assert ok.status_code == 200 and ok.json() == {"ok": True}
        unknown = c.post("/api/feedback", json={"id": "0" * 32, "rating": "up"})
        bad = c.post("/api/feedback", json={"id": body["id"], "rating": "kanskje"})
        metrics = c.get("/metrics").text
    assert unknown.status_code == 404 and unknown.headers["content-language"] == "nb"
    assert bad.status_code == 422 and "up" in bad.json()["detail"]
    store.close()
    db = sqlite3.connect(tmp_path / "data" / store.path.name)
    (question, rating, reason), = db.execute(
        "SELECT q.question, f.rating, f.reason FROM questions q JOIN feedback f "
        "ON f.question_id = q.id").fetchall()  # fmt: skip
    assert rating == "down" and reason == "Svaret var feil"
    assert "91234567" not in question and "signert" in question
    assert 'trd30_feedback_total{rating="down"} 1.0' in metrics
    assert "trd30_questions_total" in metrics
