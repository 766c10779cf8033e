"""The API for integrators: /api/openapi.json and /api/docs, the reply models, what
`score` and `evidence` mean, and gradio_client's `/svar`, over a real hash-model bot."""

import json
import re

import pytest
from fastapi.testclient import TestClient
from support import Page, agreement_bot

import app
from bot.feedback import messages as feedback_messages
from bot.gate import View, _sound_join
from bot.replies import MESSAGES
from bot.retrieve import Passage
from bot.schema import AskResponse, SearchResponse
from bot.serialize import evidence_to_dict, relevance
from ingest.chunking import Chunk

LOCAL = "http://localhost"
OUR_ROUTES = {"/api/ask", "/api/feedback", "/api/search", "/healthz"}


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    root = tmp_path_factory.mktemp("openapi")
    return agreement_bot(root)


@pytest.fixture(scope="module")
def client(bot):
    with TestClient(app.create_server(bot, rate_limit=0), base_url=LOCAL) as c:
        yield c


@pytest.fixture(scope="module")
def spec(client):
    return client.get("/api/openapi.json").json()


# --- /api/openapi.json ---


def test_the_openapi_document_is_at_api_openapi_json_and_the_old_address_redirects(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert set(response.json()["paths"]) == OUR_ROUTES
    old = client.get("/openapi.json", follow_redirects=False)
    assert old.status_code == 308 and old.headers["location"] == "api/openapi.json"
    assert client.get("/openapi.json").json() == response.json()  # followed
    assert client.get("/embed/openapi.json").status_code == 404  # nor Gradio's


def test_every_route_has_a_real_reply_schema_not_object(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
            assert ok.get("$ref", "").startswith("#/components/schemas/"), (method, path)
            assert operation["summary"] and operation["description"], (method, path)
            assert "Successful Response" not in json.dumps(operation), (method, path)
    ask = spec["components"]["schemas"]["AskResponse"]
    assert {"question", "status", "answer", "language", "citations", "notice", "evidence",
            "id"} == set(ask["properties"])  # fmt: skip
    citation = spec["components"]["schemas"]["CitationOut"]
    assert {"n", "title", "section", "updated", "url", "quote", "score"} <= set(
        citation["properties"]
    )


def test_every_field_is_described_in_bokmal(spec):
    english = re.compile(r"\b(the|and|of|is|when|which)\b")
    for name, schema in spec["components"]["schemas"].items():
        assert schema.get("description"), name
        for field, prop in schema.get("properties", {}).items():
            text = prop.get("description", "")
            assert text, f"{name}.{field}"
            assert not english.search(text), f"{name}.{field}: {text}"
    assert spec["info"]["title"].startswith("TRD3.0-boten")
    assert "cosinuslikheten" in spec["info"]["description"]


def test_score_and_evidence_say_what_they_are(spec):
    schemas = spec["components"]["schemas"]
    score = schemas["CitationOut"]["properties"]["score"]
    assert (
        "cosinuslikheten" in score["description"]
        and "høyere er mer relevant" in (score["description"])
    )
    assert score["anyOf"] == [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "null"}]
    evidence = schemas["Evidence"]["properties"]
    assert "sannsynlighet" in evidence["score"]["description"]
    assert "threshold" in evidence["score"]["description"]


def test_the_error_replies_are_documented_with_their_real_bokmal_texts(spec):
    def details(path, code):
        response = spec["paths"][path]["post"]["responses"][str(code)]
        assert response["content"]["application/json"]["schema"]["$ref"].endswith("ErrorResponse")
        examples = response["content"]["application/json"]["examples"].values()
        return {e["value"]["detail"] for e in examples}

    for path in ("/api/ask", "/api/search"):
        for code in (400, 413, 422, 429, 503):
            assert MESSAGES[code] in details(path, code), (path, code)
        for code in (429, 503):
            assert "Retry-After" in spec["paths"][path]["post"]["responses"][str(code)]["headers"]
    assert feedback_messages()["unknown_answer"] in details("/api/feedback", 404)
    assert feedback_messages()["unavailable"] in details("/api/feedback", 503)


def test_the_documented_error_texts_are_what_the_server_says(bot, spec):
    from bot.webpage import API_BODY_LIMIT

    documented = {
        code: {e["value"]["detail"] for e in response["content"]["application/json"]["examples"]
               .values()}
        for code, response in spec["paths"]["/api/ask"]["post"]["responses"].items()
        if code != "200"
    }  # fmt: skip
    with TestClient(app.create_server(bot, rate_limit=3), base_url=LOCAL) as limited:
        said = {
            "413": limited.post("/api/ask", json={"question": "x" * (API_BODY_LIMIT + 1)}),
            "422": limited.post("/api/ask", json={"question": 5}),
        }
        for _ in range(5):  # past its burst of 1
            said["429"] = limited.post("/api/ask", json={"question": "Hva?"})
        said["400"] = TestClient(app.create_server(bot), base_url="http://evil.example").get(
            "/healthz"
        )
    for code, response in said.items():
        assert str(response.status_code) == code
        assert response.json()["detail"] in documented[code], code


# --- the replies ---


def test_ask_replies_are_the_documented_model(client):
    for question in ("Når ble samarbeidsavtalen signert?", "Når går bussen fra Lerkendal?",
                     "Hei", ""):  # fmt: skip
        body = client.post("/api/ask", json={"question": question}).json()
        AskResponse.model_validate(body)  # every field, with its type and range
        assert body["status"] != "answered" or body["citations"]
    search = client.post("/api/search", json={"query": "samarbeidsavtalen"}).json()
    SearchResponse.model_validate(search)


def test_the_evidence_says_why_it_answered_or_refused(client):
    answered = client.post("/api/ask", json={"question": "Når ble samarbeidsavtalen signert?"})
    refused = client.post("/api/ask", json={"question": "Når går bussen fra Lerkendal?"})
    small_talk = client.post("/api/ask", json={"question": "Hei"})
    evidence = answered.json()["evidence"]
    assert evidence["score"] >= evidence["threshold"]
    assert refused.json()["status"] == "no_answer"
    assert refused.json()["evidence"]["score"] < refused.json()["evidence"]["threshold"]
    assert small_talk.json()["status"] == "small_talk" and small_talk.json()["evidence"] is None


def chunk(text="KSF er en modell.") -> Chunk:
    return Chunk("c1", "a.md", "A", "", "", "", "nb", None, 0, text, ((0, len(text)),))


def test_score_is_the_passages_cosine_and_null_when_none_was_measured():
    ranked = Passage(chunk(), 0, score=0.2727, dense=0.87654, bm25=3.0, dense_rank=1,
                     bm25_rank=1)  # fmt: skip
    assert relevance(ranked) == 0.8765  # not the fused 0.2727
    lexical_only = Passage(chunk(), 0, 0.09, dense=0.61, bm25=2.0, dense_rank=None, bm25_rank=1)
    assert relevance(lexical_only) == 0.61  # outside the dense candidates, still measured
    neighbour = Passage(chunk(), 0, 0.0, 0.0, 0.0, None, None)  # answer.py's unranked chunk
    assert relevance(neighbour) is None
    assert relevance(Passage(chunk(), 0, 0.1, -0.05, 0.0, 3, None)) == 0.0  # in [0, 1]


def test_evidence_is_the_best_parts_probability_and_its_threshold():
    one = {"answerable": 0.81234, "threshold": 0.35, "answer_type": "definition"}
    assert evidence_to_dict(one) == {"score": 0.8123, "threshold": 0.35}
    two = {
        "parts": [{"answerable": 0.2, "threshold": 0.35}, {"answerable": 0.6, "threshold": 0.35}]
    }
    assert evidence_to_dict(two) == {"score": 0.6, "threshold": 0.35}
    assert evidence_to_dict({}) is None


# --- /api/docs ---


def test_the_docs_page_documents_every_route_and_schema_in_bokmal(client, spec):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.headers["content-language"] == "nb"
    assert "script-src" not in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = Page(response.text)
    assert ("html", {"lang": "nb"}) in page.tags
    assert [t for t, _ in page.tags].count("h1") == 1
    assert not [t for t, _ in page.tags if t == "script"]
    text = response.text
    for path in OUR_ROUTES:
        assert f"<code>{path}</code>" in text, path
    for name in spec["components"]["schemas"]:
        assert f'id="skjema-{name}"' in text, name
    for code in ("400", "413", "422", "429", "503"):
        assert f"<dt>{code}</dt>" in text
    assert "cosinuslikheten" in text and "api_name=&quot;/svar&quot;" in text


def test_the_docs_page_loads_nothing_from_elsewhere_and_its_anchors_exist(client):
    page = Page(client.get("/api/docs").text)
    assert len(page.ids) == len(set(page.ids))
    for link in page.links:
        assert not re.match(r"(https?:)?//", link), link  # offline: nothing from a CDN
        if link.startswith("#"):
            assert link[1:] in page.ids, link
    assert "openapi.json" in page.links and "../" in page.links


def test_the_docs_page_works_under_a_root_path(bot):
    with TestClient(app.create_server(bot, root_path="/trd30"), root_path="/trd30",
                    base_url=LOCAL) as client:  # fmt: skip
        assert client.get("/api/docs").status_code == 200
        assert client.get("/api/openapi.json").json()["servers"] == [{"url": "/trd30"}]


# --- gradio_client's /svar ---


def test_the_chat_lists_only_svar_for_gradio_client(bot):
    blocks = app.build_app(bot)
    endpoints = blocks.get_api_info()["named_endpoints"]
    assert list(endpoints) == ["/svar"]
    parameters = endpoints["/svar"]["parameters"]
    assert [p["parameter_name"] for p in parameters] == ["question", "history"]
    assert [p["parameter_has_default"] for p in parameters] == [False, True]
    (output,) = endpoints["/svar"]["returns"]
    assert output["label"] == "svar"
    assert set(output["type"]["properties"]) == set(AskResponse.model_fields)
    assert "/ask" in blocks.get_api_info(all_endpoints=True)["named_endpoints"]  # the chat's
    assert app.build_app(bot, compact=True).get_api_info()["named_endpoints"] == {}
    assert app.build_search_app(bot).get_api_info()["named_endpoints"] == {}


def svar_index(blocks) -> int:
    return next(i for i, fn in blocks.fns.items() if fn.api_name == "svar")


def join(data, fn_index):
    return json.dumps({"data": data, "fn_index": fn_index, "session_hash": "abc123"}).encode()


def test_the_gate_lets_through_exactly_svars_inputs(bot):
    blocks = app.build_app(bot)
    view, index = View.of("", blocks), svar_index(blocks)
    for good in (["Hva er KSF?", None], ["Og?", []], ["Og?", ["Hva er KSF?", "Hvem?"]]):
        assert _sound_join(join(good, index), view), good
    for bad in ([5, None], [None, None], ["Og?", "Hva er KSF?"], ["Og?", [1]],
                ["Og?", {"a": 1}], ["Og?"], ["Og?", None, None]):  # fmt: skip
        assert not _sound_join(join(bad, index), view), bad


def test_svar_returns_the_api_ask_json(bot, tmp_path):
    from bot.store import Store

    store = Store(tmp_path / "data", retention_days=30, purge_every=None)
    blocks = app.build_app(bot, records=app.Records(store))
    svar = blocks.fns[svar_index(blocks)].fn
    with TestClient(app.create_server(bot, store=store), base_url=LOCAL) as client:
        question, history = "Når ble den signert?", ["Hva er samarbeidsavtalen?"]
        over_http = client.post("/api/ask", json={"question": question, "history": history})
    over_gradio = svar(question, history)
    assert len(over_gradio["id"]) == 32 and over_gradio["id"] != over_http.json()["id"]
    assert {**over_gradio, "id": ""} == {**over_http.json(), "id": ""}
    assert over_gradio["status"] == "answered" and over_gradio["citations"]
    store.close()


def test_svar_refuses_what_api_ask_refuses_in_bokmal(bot):
    import gradio as gr

    blocks = app.build_app(bot)
    svar = blocks.fns[svar_index(blocks)].fn
    for question, history in (("x" * 100_001, None), ("Og?", ["a"] * 21)):
        with pytest.raises(gr.Error) as refused:
            svar(question, history)
        assert refused.value.message == MESSAGES[422]
