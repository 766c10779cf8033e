"""The integrators' API for real: `python app.py` on the shipped corpus with the real
model, asked with the real gradio_client and over HTTP, its documentation served through
the gate; and what `score` and `evidence` tell apart, measured on the real index."""

from __future__ import annotations

import statistics

import httpx
import pytest

from bot.serialize import answer_to_dict, relevance
from bot.service import Bot

pytestmark = pytest.mark.slow

# Answered from the shipped corpus (corpus/hva-bidrar-trd30.md), and about something else.
ANSWERABLE = ("Hva er TRD3.0?", "Hva er Unikom?", "Hvordan definerer KS innovasjon?",
              "Hva er KSF Helse?", "Hvordan er prosjektlederne i Universitetskommunen ansatt?",
              "Hva handlet konferansen Framtidskraft om?")  # fmt: skip
UNRELATED = ("Når går bussen fra Lerkendal?", "Hva koster en parkeringstillatelse i Trondheim?",
             "Hvordan søker jeg om barnehageplass?")  # fmt: skip


@pytest.fixture(scope="module")
def app_url(real_corpus_index, model_cache, tmp_path_factory, app_process):
    folder = tmp_path_factory.mktemp("integrations")
    with app_process(real_corpus_index, model_cache, folder / "app.log",
                     TRD30_DATA=str(folder / "data"),
                     GRADIO_TEMP_DIR=str(folder / "gradio-tmp")) as url:  # fmt: skip
        yield url


def test_gradio_client_lists_svar_and_gets_the_api_ask_json(app_url):
    from gradio_client import Client

    client = Client(f"{app_url}/", verbose=False)
    api = client.view_api(return_format="dict", print_info=False)
    assert list(api["named_endpoints"]) == ["/svar"] and api["unnamed_endpoints"] == {}
    names = [p["parameter_name"] for p in api["named_endpoints"]["/svar"]["parameters"]]
    assert names == ["question", "history"]

    reply = client.predict("Hva er TRD3.0?", api_name="/svar")
    direct = httpx.post(f"{app_url}/api/ask", json={"question": "Hva er TRD3.0?"}).json()
    assert reply["status"] == "answered" and reply["citations"]
    assert reply["citations"][0]["quote"] in reply["answer"]
    assert len(reply["id"]) == 32 and reply["id"] != direct["id"]  # each kept on its own
    assert {**reply, "id": ""} == {**direct, "id": ""}

    history = ["Hva handlet konferansen Framtidskraft om?"]
    followed = client.predict("Hvem samarbeidet de med?", history, api_name="/svar")
    assert followed["status"] == "answered" and "Næringsforeningen" in followed["answer"]


def test_the_running_app_serves_its_api_documentation(app_url):
    with httpx.Client(base_url=app_url, timeout=30, follow_redirects=True) as http:
        spec = http.get("/api/openapi.json")
        docs = http.get("/api/docs")
        old = http.get("/openapi.json")
    assert spec.status_code == 200
    assert set(spec.json()["paths"]) == {"/api/ask", "/api/feedback", "/api/search", "/healthz"}
    assert docs.status_code == 200 and '<html lang="nb">' in docs.text
    assert docs.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in docs.headers["content-security-policy"]
    assert old.json() == spec.json() and old.history[0].status_code == 308


def cosines(bot: Bot, question: str) -> dict[int, float | None]:
    """Every passage's `score` for `question` (dense retrieval ranks all 14 of them)."""
    passages = bot.retriever.search(question, k=len(bot.index.chunks), mode="dense")
    assert len(passages) == len(bot.index.chunks)
    return {p.position: relevance(p) for p in passages}


def test_score_tells_the_cited_passages_from_the_same_passages_for_other_questions(
    real_corpus_index, model_cache
):
    bot = Bot.load(real_corpus_index, model_cache)
    elsewhere = [cosines(bot, question) for question in UNRELATED]
    measured = 0
    for question in ANSWERABLE:
        answer = bot.ask(question)
        reply = answer_to_dict(answer)
        assert reply["status"] == "answered", question
        every = cosines(bot, question)
        for citation, shown in zip(answer.citations, reply["citations"], strict=True):
            score, position = shown["score"], citation.passage.position
            if score is None:  # quoted for a neighbouring sentence: not measured
                continue
            measured += 1
            assert score == every[position]  # the passage's cosine to the question
            assert score > max(c[position] for c in elsewhere), question
            assert score > statistics.median(every.values()), question
    assert measured >= len(ANSWERABLE)


def test_the_evidence_score_is_above_the_threshold_exactly_when_it_answers(
    real_corpus_index, model_cache
):
    bot = Bot.load(real_corpus_index, model_cache)
    for question in ANSWERABLE + UNRELATED:
        reply = answer_to_dict(bot.ask(question))
        evidence = reply["evidence"]
        assert 0.0 <= evidence["score"] <= 1.0
        answered = evidence["score"] >= evidence["threshold"]
        assert answered == (reply["status"] == "answered"), question
        assert answered == (question in ANSWERABLE), question
