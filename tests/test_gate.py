"""The gate and the bokmål error replies, over a small ASGI app that says what reached it.

Fast: no Gradio, no model. The real app behind the gate is probed in tests/reliability/.
"""

from __future__ import annotations

import io
import json

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.testclient import TestClient

from bot.gate import Gate, RateLimit, View
from bot.privacy import MaskingStream
from bot.replies import MESSAGES, NorwegianErrors

EMBEDDER = "https://www.trondheim.kommune.no"


class Blocks:
    """What View.of reads from Gradio Blocks: fns with their input components."""

    class Fn:
        def __init__(self, *kinds):
            self.inputs = [type(kind, (), {})() for kind in kinds]

    def __init__(self, fns):
        self.fns = fns


def inner_app() -> FastAPI:
    app = FastAPI()

    @app.post("/api/ask")
    def ask():
        return {"ok": True}

    @app.post("/gradio_api/queue/join")
    async def join(request: dict):
        return JSONResponse({"joined": request["fn_index"]},
                            headers={"access-control-allow-origin": "null"})  # fmt: skip

    @app.get("/config")
    def config():  # what Gradio does: answer any origin
        return JSONResponse({}, headers={"access-control-allow-origin": "null",
                                         "access-control-allow-credentials": "true"})  # fmt: skip

    @app.get("/gradio_api/upload")
    def upload():  # must never be reached
        return {"uploaded": True}

    @app.get("/boom")
    def boom():
        return PlainTextResponse("Internal Server Error: KeyError('010599 18539')", 500)

    return app


def client(rate_limit=None, hosts=("localhost",)) -> TestClient:
    views = [View.of("", Blocks({0: Blocks.Fn("Textbox", "State"), 6: Blocks.Fn()}))]
    app = Gate(inner_app(), views, origins=[EMBEDDER], allowed_hosts=hosts,
               rate_limit=rate_limit)  # fmt: skip
    return TestClient(NorwegianErrors(app), base_url="http://localhost")


def norwegian(response) -> bool:
    return (response.headers.get("content-language") == "nb"
            and response.json()["detail"] in MESSAGES.values()
            or response.json()["detail"].startswith(("Ukjent", "Dette nettstedet")))  # fmt: skip


def test_an_unknown_host_is_refused_in_bokmal():
    response = client().get("/config", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Ukjent vertsnavn")
    assert client().get("/config", headers={"host": "localhost:7860"}).status_code == 200


def test_a_foreign_forwarded_host_never_reaches_the_app():
    seen = []
    app = FastAPI()

    @app.get("/config")
    def config():
        return {}

    async def spy(scope, receive, send):
        seen.append(dict(scope["headers"]).get(b"x-forwarded-host"))
        await app(scope, receive, send)

    gate = TestClient(Gate(spy, [View("", {})], allowed_hosts=["localhost", "www.trd.no"]),
                      base_url="http://localhost")  # fmt: skip
    gate.get("/config", headers={"x-forwarded-host": "evil.example"})
    gate.get("/config", headers={"x-forwarded-host": "www.trd.no"})
    assert seen == [None, b"www.trd.no"]


def test_x_gradio_server_never_reaches_the_app():
    # Gradio takes its page's address from it before the Host (route_utils.get_request_origin)
    seen = []

    async def spy(scope, receive, send):
        seen.append(dict(scope["headers"]).get(b"x-gradio-server"))
        await inner_app()(scope, receive, send)

    gate = TestClient(Gate(spy, [View("", {})], allowed_hosts=["localhost"]),
                      base_url="http://localhost")  # fmt: skip
    reply = gate.get("/config", headers={"x-gradio-server": "http://evil.example"})
    assert reply.status_code == 200
    assert seen == [None]


@pytest.mark.parametrize("path", ["/gradio_api/upload", "/gradio_api/run/ask",
                                  "/gradio_api/call/ask", "/gradio_api/file=/etc/passwd",
                                  "/monitoring", "/nope", "/assets/../../etc/passwd"])  # fmt: skip
def test_routes_the_views_do_not_use_are_closed(path):
    response = client().get(path)
    assert response.status_code == 404
    assert norwegian(response)
    assert "uploaded" not in response.text


def test_a_known_route_with_another_method_is_405_with_allow():
    response = client().get("/api/ask")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert norwegian(response)


def test_only_the_embedding_origin_gets_cors_and_gradios_own_is_removed():
    c = client()
    allowed = c.get("/config", headers={"origin": EMBEDDER})
    assert allowed.headers["access-control-allow-origin"] == EMBEDDER
    for origin in ("null", "https://evil.example"):
        response = c.get("/config", headers={"origin": origin})
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-credentials" not in response.headers


def test_a_preflight_is_answered_for_the_embedding_origin_only():
    c = client()
    asked = {"access-control-request-method": "POST",
             "access-control-request-headers": "content-type, x-gradio-user"}  # fmt: skip
    ok = c.options("/gradio_api/queue/join", headers={"origin": EMBEDDER, **asked})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == EMBEDDER
    assert ok.headers["access-control-allow-headers"] == "content-type, x-gradio-user"
    refused = c.options("/api/ask", headers={"origin": "null", **asked})
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize("body", [
    {"data": ["hei", None], "fn_index": 9999, "session_hash": "abc"},
    {"data": ["hei", None], "fn_index": "0", "session_hash": "abc"},
    {"data": ["hei", None], "fn_index": True, "session_hash": "abc"},
    {"data": "hei", "fn_index": 0, "session_hash": "abc"},
    {"data": ["hei"], "fn_index": 0, "session_hash": "abc"},
    {"data": [{"x": 1}, None], "fn_index": 0, "session_hash": "abc"},
    {"data": [12345678901, None], "fn_index": 0, "session_hash": "abc"},
    {"data": ["hei", None], "fn_index": 0},
    {"data": ["hei", None], "fn_index": 0, "session_hash": "<script>"},
    {"data": ["hei", None], "fn_index": 0, "session_hash": "abc", "trigger_id": "x"},
    {"data": ["hei", None], "fn_index": 0, "session_hash": "abc", "oauth_token": "t"},
    ["hei"],
])  # fmt: skip
def test_an_unsound_queue_call_is_400_before_gradio_sees_it(body):
    response = client().post("/gradio_api/queue/join", json=body)
    assert response.status_code == 400
    assert norwegian(response)
    assert "joined" not in response.text


def test_a_sound_queue_call_reaches_gradio():
    body = {"data": ["hei", None], "fn_index": 0, "session_hash": "abc12", "trigger_id": 3}
    assert client().post("/gradio_api/queue/join", json=body).json() == {"joined": 0}
    clear = {"data": [], "fn_index": 6, "session_hash": "abc12"}
    assert client().post("/gradio_api/queue/join", json=clear).json() == {"joined": 6}


def test_the_api_rate_is_limited_per_client_with_retry_after():
    now = [0.0]
    c = client(rate_limit=RateLimit(per_minute=60, burst=3, clock=lambda: now[0]))
    statuses = [c.post("/api/ask").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    refused = c.post("/api/ask")
    assert refused.headers["retry-after"] == "1"
    assert norwegian(refused)
    now[0] += 1.0  # one call per second comes back
    assert c.post("/api/ask").status_code == 200
    assert c.get("/config").status_code == 200  # only /api/* is limited


def test_the_rate_limit_knows_clients_only_by_a_keyed_hash():
    limit = RateLimit(per_minute=60, burst=1, clock=lambda: 0.0)
    assert limit.take("203.0.113.9") == 0.0
    assert limit.take("203.0.113.9") > 0  # the same client, now waiting
    assert limit.take("198.51.100.23") == 0.0  # another one is not
    assert all(b"203.0.113.9" not in key and len(key) == 8 for key in limit._buckets)
    assert RateLimit(60, 1).client("203.0.113.9") != limit.client("203.0.113.9")


def test_an_english_500_with_the_input_in_it_becomes_bokmal_without_it():
    response = TestClient(NorwegianErrors(inner_app())).get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": MESSAGES[500]}
    assert "18539" not in response.text and "KeyError" not in response.text


def test_a_browser_gets_an_html_page_in_bokmal():
    response = client().get("/nope", headers={"accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="nb">' in response.text and "Fant ikke siden" in response.text


def test_a_503_says_when_to_try_again():
    async def full(scope, receive, send):
        body = json.dumps({"detail": "Queue is full. Max size is 20 and size is 20."}).encode()
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})

    response = TestClient(NorwegianErrors(full)).post("/gradio_api/queue/join")
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert response.json() == {"detail": MESSAGES[503]}


def test_the_views_without_their_slash_are_redirected():
    gate = TestClient(Gate(inner_app(), [View("", {}), View("/embed", {})],
                           allowed_hosts=["localhost"], root_path="/trd30"),
                      base_url="http://localhost", follow_redirects=False)  # fmt: skip
    response = gate.get("/embed")
    assert response.status_code == 308
    assert response.headers["location"] == "/trd30/embed/"


def test_printed_output_is_masked_line_by_line():
    out = io.StringIO()
    stream = MaskingStream(out)
    stream.write("ValueError: Value 0105")  # a traceback printed in pieces
    stream.write("99 18539 is not in choices\nola@example.no\x1b[2J\n")
    stream.flush()
    text = out.getvalue()
    assert "18539" not in text and "ola@example.no" not in text and "\x1b" not in text
    assert text.count("\n") == 2 and "[fødselsnummer]" in text and "[e-post]" in text


def test_a_root_path_works_asked_directly_and_behind_a_stripping_proxy():
    from bot.gate import _unprefixed

    # uvicorn with --root-path /trd30 puts it before whatever path it is sent
    direct = {"root_path": "/trd30", "path": "/trd30/trd30/embed/"}  # asked for /trd30/embed/
    proxied = {"root_path": "/trd30", "path": "/trd30/embed/"}  # the proxy sent /embed/
    assert _unprefixed(direct)["path"] == "/trd30/embed/"
    assert _unprefixed(proxied)["path"] == "/trd30/embed/"
    assert _unprefixed({"root_path": "", "path": "/x"})["path"] == "/x"
    assert _unprefixed({"root_path": "/trd30", "path": "/trd30/trd30x"})["path"] == "/trd30/trd30x"
