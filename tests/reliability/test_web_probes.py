"""Black-box probes of the running app: `python app.py` on the real corpus and model.

A catalogue of bad input over our API, Gradio's routes and raw HTTP (no 5xx, no
traceback, bokmål in every refusal, healthy after); personal data sent through every
channel a request has (none of it in the server log); a foreign Origin on every route;
uploads; a burst that fills the queue; the body limit; the rate limit.

The app runs once for the module, with a queue of QUEUE_SIZE so that a burst fills it,
and behind "a proxy" (127.0.0.1 is trusted for X-Forwarded-For, as in production), so
each probe can come from its own client address and the rate limit is tested on one.
"""

from __future__ import annotations

import concurrent.futures
import json
import socket
import time
import uuid

import httpx
import pytest

from bot.replies import MESSAGES

pytestmark = pytest.mark.slow

EMBEDDER = "https://www.trondheim.kommune.no"
QUEUE_SIZE = 2
RATE_PER_MINUTE = 60  # the default; its burst is a third of it


@pytest.fixture(scope="module")
def app(real_corpus_index, model_cache, tmp_path_factory, app_process):
    """(base url, log path, Gradio's temp folder) of a running app.py."""
    folder = tmp_path_factory.mktemp("probes")
    log_path, uploads = folder / "app.log", folder / "gradio-tmp"
    settings = dict(TRD30_FRAME_ANCESTORS=EMBEDDER, TRD30_QUEUE_SIZE=str(QUEUE_SIZE),
                    TRD30_RATE_LIMIT=str(RATE_PER_MINUTE), GRADIO_TEMP_DIR=str(uploads),
                    TRD30_DATA=str(folder / "data"))  # fmt: skip
    with app_process(real_corpus_index, model_cache, log_path, **settings) as url:
        yield url, log_path, uploads


_clients = iter(range(1, 1_000_000))


def client_address() -> str:
    """A fresh client address per probe (the app trusts X-Forwarded-For from 127.0.0.1)."""
    n = next(_clients)
    return f"198.18.{n // 250}.{n % 250 + 1}"


def probe(base: str, method: str, path: str, **kwargs) -> httpx.Response:
    headers = {"x-forwarded-for": client_address(), **kwargs.pop("headers", {})}
    with httpx.Client(base_url=base, timeout=30) as http:
        return http.request(method, path, headers=headers, **kwargs)


def raw(base: str, request: bytes, wait: float = 5.0) -> bytes:
    """What the server sends back for bytes that may not be HTTP at all."""
    host, port = base.removeprefix("http://").split(":")
    out = b""
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(request)
        try:
            while chunk := sock.recv(65536):
                out += chunk
        except TimeoutError:
            pass
    return out


def join_body(data, fn_index=0, **extra) -> dict:
    return {"data": data, "fn_index": fn_index, "session_hash": uuid.uuid4().hex[:12],
            "trigger_id": None, "event_data": None, **extra}  # fmt: skip


def catalogue() -> list[tuple[str, str, str, dict]]:
    """(kind, method, path, httpx keyword arguments): at least 100 kinds of bad input."""
    j = {"content-type": "application/json"}
    ask, search = "/api/ask", "/api/search"
    kinds = [
        ("empty question", "POST", ask, {"json": {"question": ""}}),
        ("blank question", "POST", ask, {"json": {"question": " \t\n "}}),
        ("huge question", "POST", ask, {"json": {"question": "Hva " * 25_000}}),
        ("question over the limit", "POST", ask, {"json": {"question": "x" * 100_001}}),
        ("html question", "POST", ask, {"json": {"question": "<script>alert(1)</script>"}}),
        ("control characters", "POST", ask, {"json": {"question": "KSF\x00\x1b[2J\x07\r\nhei"}}),
        ("lone surrogate", "POST", ask, {"content": b'{"question": "hei \\ud800"}', "headers": j}),
        ("full-width", "POST", ask, {"json": {"question": "Ｈｖａ ｅｒ ＫＳＦ?"}}),
        ("bidi override", "POST", ask, {"json": {"question": "\u202eHva er KSF\u202c"}}),
        ("emoji only", "POST", ask, {"json": {"question": "🤖🤖🤖"}}),
        ("punctuation only", "POST", ask, {"json": {"question": "?!.,;:"}}),
        ("sql", "POST", ask, {"json": {"question": "'; DROP TABLE chunks; --"}}),
        ("template", "POST", ask, {"json": {"question": "{{7*7}} ${7*7} %s %n"}}),
        ("question a number", "POST", ask, {"json": {"question": 42}}),
        ("question null", "POST", ask, {"json": {"question": None}}),
        ("question a list", "POST", ask, {"json": {"question": ["a"]}}),
        ("question an object", "POST", ask, {"json": {"question": {"a": 1}}}),
        ("no question", "POST", ask, {"json": {}}),
        ("extra fields", "POST", ask, {"json": {"question": "Hva er KSF?", "x": 1}}),
        ("history not a list", "POST", ask, {"json": {"question": "Og?", "history": "a"}}),
        ("history of numbers", "POST", ask, {"json": {"question": "Og?", "history": [1, 2]}}),
        ("history too long", "POST", ask, {"json": {"question": "Og?", "history": ["a"] * 21}}),
        (
            "history of huge",
            "POST",
            ask,
            {"json": {"question": "Og?", "history": ["x" * 9000] * 5}},
        ),
        ("top-level list", "POST", ask, {"json": ["Hva er KSF?"]}),
        ("top-level string", "POST", ask, {"json": "Hva er KSF?"}),
        ("invalid json", "POST", ask, {"content": b"{question: hei}", "headers": j}),
        ("truncated json", "POST", ask, {"content": b'{"question": "hei', "headers": j}),
        ("invalid utf-8", "POST", ask, {"content": b'{"question": "\xff\xfe"}', "headers": j}),
        (
            "utf-16 body",
            "POST",
            ask,
            {"content": '{"question": "hei"}'.encode("utf-16"), "headers": j},
        ),  # fmt: skip
        ("bom prefix", "POST", ask, {"content": b'\xef\xbb\xbf{"question": "hei"}', "headers": j}),
        (
            "text/plain",
            "POST",
            ask,
            {"content": b"Hva er KSF?", "headers": {"content-type": "text/plain"}},
        ),
        ("form", "POST", ask, {"data": {"question": "Hva er KSF?"}}),
        ("no body", "POST", ask, {}),
        (
            "deep nesting",
            "POST",
            ask,
            {"content": b'{"question": ' + b"[" * 5000 + b"]" * 5000 + b"}", "headers": j},
        ),  # fmt: skip
        (
            "huge number",
            "POST",
            ask,
            {"content": b'{"question": "a", "history": [' + b"9" * 5000 + b"]}", "headers": j},
        ),  # fmt: skip
        (
            "duplicate keys",
            "POST",
            ask,
            {"content": b'{"question": 1, "question": "hei"}', "headers": j},
        ),
        (
            "gzip garbage",
            "POST",
            ask,
            {"content": b"\x1f\x8b\x08garbage", "headers": {**j, "content-encoding": "gzip"}},
        ),  # fmt: skip
        ("get ask", "GET", ask, {}),
        ("put ask", "PUT", ask, {"json": {"question": "hei"}}),
        ("delete ask", "DELETE", ask, {}),
        ("patch ask", "PATCH", ask, {}),
        ("trailing slash", "POST", ask + "/", {"json": {"question": "hei"}}),
        ("upper case", "POST", "/API/ASK", {"json": {"question": "hei"}}),
        ("dot segments", "POST", "/api/../api/ask", {"json": {"question": "hei"}}),
        ("query junk", "POST", ask + "?a=%00%ff&b=<x>", {"json": {"question": "hei"}}),
        ("search k 0", "POST", search, {"json": {"query": "KSF", "k": 0}}),
        ("search k negative", "POST", search, {"json": {"query": "KSF", "k": -1}}),
        ("search k too big", "POST", search, {"json": {"query": "KSF", "k": 51}}),
        ("search k text", "POST", search, {"json": {"query": "KSF", "k": "ti"}}),
        ("search k float", "POST", search, {"json": {"query": "KSF", "k": 1.5}}),
        ("search unknown doc", "POST", search, {"json": {"query": "KSF", "doc_id": "finnes-ikke"}}),
        ("search doc a number", "POST", search, {"json": {"query": "KSF", "doc_id": 3}}),
        ("search no query", "POST", search, {"json": {"k": 3}}),
        ("search empty", "POST", search, {"json": {"query": ""}}),
        ("search html", "POST", search, {"json": {"query": "<img src=x onerror=alert(1)>"}}),
        ("healthz post", "POST", "/healthz", {}),
        ("healthz query", "GET", "/healthz?x=" + "a" * 4000, {}),
    ]
    gradio = "/gradio_api"
    for view, n_inputs in (("", 3), ("/embed", 3), ("/sok", 2)):
        join = f"{view}{gradio}/queue/join"
        kinds += [
            (f"{view} join unknown fn", "POST", join, {"json": join_body(["hei", None], 9999)}),
            (f"{view} join fn text", "POST", join, {"json": join_body(["hei", None], "x")}),
            (f"{view} join fn negative", "POST", join, {"json": join_body(["hei", None], -1)}),
            (f"{view} join data text", "POST", join, {"json": join_body("hei")}),
            (f"{view} join data short", "POST", join, {"json": join_body(["hei"])}),
            (f"{view} join data long", "POST", join, {"json": join_body(["hei"] * (n_inputs + 3))}),
            (f"{view} join data object", "POST", join, {"json": join_body([{"a": 1}, None])}),
            (
                f"{view} join no session",
                "POST",
                join,
                {"json": {"data": ["hei", None], "fn_index": 0}},
            ),
            (
                f"{view} join session html",
                "POST",
                join,
                {"json": join_body(["hei", None], session_hash="<b>x</b>")},
            ),  # fmt: skip
            (
                f"{view} join oauth",
                "POST",
                join,
                {"json": join_body(["hei", None], oauth_token="x")},
            ),
            (f"{view} join not json", "POST", join, {"content": b"fn_index=0", "headers": j}),
            (f"{view} join get", "GET", join, {}),
            (f"{view} data no session", "GET", f"{view}{gradio}/queue/data", {}),
            (
                f"{view} data unknown session",
                "GET",
                f"{view}{gradio}/queue/data?session_hash=nope",
                {},
            ),
            (f"{view} run", "POST", f"{view}{gradio}/run/ask", {"json": {"data": ["hei"]}}),
            (f"{view} call", "POST", f"{view}{gradio}/call/ask", {"json": {"data": "x"}}),
            (f"{view} api", "POST", f"{view}{gradio}/api/ask", {"json": {"data": ["hei"]}}),
            (
                f"{view} upload",
                "POST",
                f"{view}{gradio}/upload",
                {"files": {"files": ("x.txt", b"hei")}},
            ),  # fmt: skip
            (
                f"{view} component_server",
                "POST",
                f"{view}{gradio}/component_server",
                {"json": {"session_hash": "a", "component_id": 1, "fn_name": "x", "data": 1}},
            ),  # fmt: skip
            (f"{view} file route", "GET", f"{view}{gradio}/file=/etc/passwd", {}),
            (
                f"{view} login",
                "POST",
                f"{view}/login",
                {"data": {"username": "a", "password": "b"}},
            ),
            (f"{view} monitoring", "GET", f"{view}/monitoring", {}),
            (f"{view} openapi", "GET", f"{view}/openapi.json", {}),
            (f"{view} unknown api", "GET", f"{view}{gradio}/finnes-ikke", {}),
            (f"{view} asset traversal", "GET", f"{view}/assets/..%2f..%2fapp.py", {}),
        ]
    kinds += [
        (
            "sok dropdown number",
            "POST",
            f"/sok{gradio}/queue/join",
            {"json": join_body(["KSF", 7])},
        ),
        ("unknown path", "GET", "/finnes-ikke", {}),
        ("unknown html page", "GET", "/finnes-ikke", {"headers": {"accept": "text/html"}}),
        ("evil host", "GET", "/", {"headers": {"host": "evil.example"}}),
        (
            "evil forwarded host",
            "GET",
            "/config",
            {"headers": {"x-forwarded-host": "evil.example"}},
        ),
        ("long header", "GET", "/healthz", {"headers": {"x-long": "a" * 20_000}}),
        ("options no origin", "OPTIONS", ask, {}),
        (
            "preflight null origin",
            "OPTIONS",
            ask,
            {"headers": {"origin": "null", "access-control-request-method": "POST"}},
        ),  # fmt: skip
        ("docs", "GET", "/docs", {}),
        ("manifest", "GET", "/manifest.json", {}),
    ]
    return kinds


def is_norwegian_refusal(response: httpx.Response) -> bool:
    if response.headers.get("content-language") != "nb":
        return False
    if response.request.method == "HEAD":
        return True
    if response.headers.get("content-type", "").startswith("text/html"):
        return '<html lang="nb">' in response.text
    detail = response.json().get("detail", "")
    return isinstance(detail, str) and (detail in MESSAGES.values()
                                        or detail.startswith(("Ukjent", "Dette")))  # fmt: skip


def test_the_bad_input_catalogue_gets_no_5xx_no_traceback_and_bokmal(app):
    base, log_path, _ = app
    kinds = catalogue()
    assert len(kinds) >= 100
    log_before = log_path.read_text("utf-8", "replace")
    problems = []
    for kind, method, path, kwargs in kinds:
        try:
            response = probe(base, method, path, **kwargs)
        except httpx.HTTPError as err:
            problems.append(f"{kind}: no complete reply ({err})")
            continue
        text = response.text
        if response.status_code >= 500:
            problems.append(f"{kind}: {response.status_code}")
        if "Traceback" in text or 'File "' in text:
            problems.append(f"{kind}: traceback in the reply")
        if response.status_code >= 400 and not is_norwegian_refusal(response):
            problems.append(f"{kind}: {response.status_code} not in bokmål: {text[:120]!r}")
        if response.status_code < 400 and any(e in text for e in ("Traceback", "Internal Server")):
            problems.append(f"{kind}: an error passed as {response.status_code}")
    raw_requests = {
        "bad content-length": b"POST /api/ask HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Length: abc\r\n\r\n{}",
        "garbage request line": b"GARBAGE\r\n\r\n",
        "bad header": b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX: \x00\r\n\r\n",
        "http/0.9": b"GET /\r\n\r\n",
    }  # fmt: skip
    for kind, request in raw_requests.items():
        reply = raw(base, request)
        if not reply.startswith(b"HTTP/1.1 4") or b"content-language: nb" not in reply.lower():
            problems.append(f"{kind}: {reply[:120]!r}")
    assert not problems, "\n".join(problems)
    assert probe(base, "GET", "/healthz").json()["status"] == "ok"
    answer = probe(base, "POST", "/api/ask", json={"question": "Hva er KSF Helse?"}).json()
    assert answer["status"] == "answered"
    new_log = log_path.read_text("utf-8", "replace")[len(log_before) :]
    assert "Traceback" not in new_log, new_log[new_log.find("Traceback") - 500 :][:3000]


def test_svar_takes_only_its_documented_inputs_and_the_rest_never_reach_gradio(app):
    base, log_path, _ = app
    config = probe(base, "GET", "/config").json()
    (svar,) = [d["id"] for d in config["dependencies"] if d.get("api_name") == "svar"]
    log_before = log_path.read_text("utf-8", "replace")
    wrong = ([5, None], [None, None], ["Og?", "Hva er KSF?"], ["Og?", [1, 2]],
             ["Og?", {"q": "x"}], ["Og?"], ["Og?", None, "x"])  # fmt: skip
    for data in wrong:
        refused = probe(base, "POST", "/gradio_api/queue/join", json=join_body(data, svar))
        assert refused.status_code == 400 and refused.json() == {"detail": MESSAGES[400]}, data
    for data in (["Hva er KSF Helse?", None], ["Og hvem leder det?", ["Hva er KSF Helse?"]]):
        accepted = probe(base, "POST", "/gradio_api/queue/join", json=join_body(data, svar))
        assert accepted.status_code == 200, data
    new_log = log_path.read_text("utf-8", "replace")[len(log_before) :]
    assert "Traceback" not in new_log and "Hva er KSF?" not in new_log


# (what is sent, what must never reach the log): each form is one way of writing it.
PERSONAL = {
    "fødselsnummer": ["01059918539", "010599 18539", "010599-18539", "010599.18539"],
    "d-nummer": ["41059912345", "410599 12345"],
    "telefon": ["+47 912 34 567", "91234567", "912 34 567", "0047 91234567"],
    "e-post": ["ola.nordmann@example.no"],
    "ip": ["203.0.113.77", "2001:db8::77"],
}
FORMS = [form for forms in PERSONAL.values() for form in forms]


def test_personal_data_through_every_channel_never_reaches_the_log(app):
    base, log_path, _ = app
    text = " og ".join(FORMS)
    before = len(log_path.read_bytes())
    channels = [
        ("POST", "/api/ask", {"json": {"question": f"Hva er KSF? {text}"}}),
        ("POST", "/api/ask", {"json": {"question": "Og?", "history": [text]}}),
        ("POST", "/api/ask", {"json": {"question": 1, "history": [text]}}),  # 422 path
        ("POST", "/api/ask", {"json": {"question": text * 3000}}),  # over the limit
        (
            "POST",
            "/api/ask",
            {
                "content": f'{{"question": "{text}'.encode(),
                "headers": {"content-type": "application/json"},
            },
        ),  # fmt: skip
        ("POST", "/api/search", {"json": {"query": text, "doc_id": text}}),
        ("POST", "/api/search", {"json": {"query": text, "k": text}}),
        ("GET", f"/sok/{FORMS[2]}", {}),
        ("GET", "/finnes-ikke", {"params": {"q": text}}),
        (
            "GET",
            "/healthz",
            {
                "headers": {
                    "user-agent": text,
                    "referer": f"http://x/{FORMS[0]}",
                    "cookie": f"id={FORMS[1]}",
                }
            },
        ),  # fmt: skip
        ("GET", "/healthz", {"headers": {"x-forwarded-for": "203.0.113.77"}}),
        ("GET", "/healthz", {"headers": {"x-forwarded-for": "2001:db8::77"}}),
        ("GET", "/", {"headers": {"host": "ola.nordmann@example.no"}}),
        ("POST", "/gradio_api/queue/join", {"json": join_body([text, None, None])}),
        ("POST", "/gradio_api/queue/join", {"json": join_body([{"q": text}, None])}),
        ("POST", "/gradio_api/run/ask", {"json": {"data": [text]}}),
        ("POST", "/gradio_api/api/ask", {"json": {"data": [text]}}),
        ("POST", "/sok/gradio_api/queue/join", {"json": join_body(["KSF", FORMS[0]])}),
        ("POST", "/sok/gradio_api/queue/join", {"json": join_body([text, text])}),
        (
            "POST",
            "/embed/gradio_api/queue/join",  # a lone surrogate, as JSON escapes it
            {
                "content": json.dumps(join_body([text + "\ud800", None, None])).encode(),
                "headers": {"content-type": "application/json"},
            },
        ),
    ]
    assert len(channels) >= 16
    for method, path, kwargs in channels:
        response = probe(base, method, path, **kwargs)
        assert response.status_code < 500, (path, response.text[:200])
    # the queued ones are answered (and would log on error) before we read the log
    time.sleep(2.0)
    probe(base, "GET", "/healthz")
    log = log_path.read_bytes()[before:].decode("utf-8", "replace")
    assert "/healthz" in log  # the log is being written: the check below is not vacuous
    digits = log.replace(" ", "").replace("-", "").replace(".", "")
    leaked = [f for f in FORMS if f in log or f.replace(" ", "").replace("-", "").replace(".", "")
              in digits and f[0].isdigit()]  # fmt: skip
    assert not leaked, f"i loggen: {leaked}"
    # and nothing of it in the database of questions (its file, WAL and shared memory)
    stored = b"".join(p.read_bytes() for p in (log_path.parent / "data").glob("trd30.sqlite3*"))
    assert b"SQLite format 3" in stored  # the questions were kept: the check is not vacuous
    kept = stored.decode("utf-8", "replace")
    in_db = [f for f in FORMS if f in kept or (f[0].isdigit() and f.replace(" ", "") in kept)]
    assert not in_db, f"i databasen: {in_db}"


ROUTES = [("GET", "/"), ("GET", "/config"), ("GET", "/gradio_api/info"), ("GET", "/theme.css"),
          ("GET", "/embed/"), ("GET", "/embed/config"), ("GET", "/sok/"), ("GET", "/gradio.js"),
          ("GET", "/healthz"), ("POST", "/api/ask"), ("POST", "/api/search"),
          ("POST", "/gradio_api/queue/join"), ("GET", "/gradio_api/queue/data"),
          ("POST", "/embed/gradio_api/queue/join"), ("GET", "/finnes-ikke"),
          ("POST", "/gradio_api/upload")]  # fmt: skip


def test_a_foreign_origin_gets_no_cors_on_any_route_and_the_embedder_does(app):
    base, _, _ = app
    body = {"json": {"question": "Hva er KSF?", "query": "KSF"}}
    for method, path in ROUTES:
        kwargs = body if method == "POST" else {}
        for origin in ("https://evil.example", "null", "http://127.0.0.1.evil.example"):
            response = probe(base, method, path, headers={"origin": origin}, **kwargs)
            assert "access-control-allow-origin" not in response.headers, (path, origin)
            assert "access-control-allow-credentials" not in response.headers, (path, origin)
            preflight = probe(base, "OPTIONS", path, headers={
                "origin": origin, "access-control-request-method": method})  # fmt: skip
            assert preflight.status_code == 403, (path, origin)
            assert "access-control-allow-origin" not in preflight.headers
        allowed = probe(base, method, path, headers={"origin": EMBEDDER}, **kwargs)
        assert allowed.headers.get("access-control-allow-origin") == EMBEDDER, path


def test_uploads_are_refused_and_nothing_is_kept(app):
    base, _, uploads = app
    for view in ("", "/embed", "/sok"):
        response = probe(base, "POST", f"{view}/gradio_api/upload",
                         files={"files": ("hei.txt", b"hei fra en fremmed")})  # fmt: skip
        assert response.status_code == 404
        assert is_norwegian_refusal(response)
    kept = [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []
    assert not any(p.read_bytes() == b"hei fra en fremmed" for p in kept)


def test_oversized_bodies_are_refused_with_413_in_bokmal(app):
    base, _, _ = app
    big = json.dumps({"question": "x" * 70_000}).encode()
    sized = probe(
        base, "POST", "/api/ask", content=big, headers={"content-type": "application/json"}
    )

    def stream():
        for _ in range(64):
            yield b"x" * 16_384  # 1 MiB with no Content-Length

    streamed = probe(base, "POST", "/api/ask", content=stream(),
                     headers={"content-type": "application/json"})  # fmt: skip
    gradio = probe(base, "POST", "/gradio_api/queue/join", content=b"[" + b"1," * 200_000 + b"1]",
                   headers={"content-type": "application/json"})  # fmt: skip
    for response in (sized, streamed, gradio):
        assert response.status_code == 413
        assert is_norwegian_refusal(response)


def _ask_in_queue(base: str, question: str) -> tuple[int, str | None, str]:
    """Join the chat's queue as the page does; (status, Retry-After, the finished reply)."""
    body = join_body([question, None, None])  # the question, the turns and the page's language
    with httpx.Client(base_url=base, timeout=60) as http:
        joined = http.post("/gradio_api/queue/join", json=body,
                           headers={"x-forwarded-for": client_address()})  # fmt: skip
        if joined.status_code != 200:
            return joined.status_code, joined.headers.get("retry-after"), joined.text
        with http.stream("GET", "/gradio_api/queue/data",
                         params={"session_hash": body["session_hash"]}) as events:  # fmt: skip
            for line in events.iter_lines():
                if line.startswith("data:") and '"process_completed"' in line:
                    return 200, None, line
    return 200, None, ""


def test_a_burst_that_fills_the_queue_gets_503_with_retry_after_and_loses_nothing(app):
    base, _, _ = app
    questions = [f"Hva er KSF Helse? ({n})" for n in range(40)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(lambda q: _ask_in_queue(base, q), questions))
    accepted = [(q, r) for q, r in zip(questions, results, strict=True) if r[0] == 200]
    refused = [r for r in results if r[0] != 200]
    assert refused, "the burst never filled a queue of 2: make it larger"
    assert accepted
    for status, retry_after, text in refused:
        assert status == 503 and int(retry_after) > 0
        assert json.loads(text)["detail"] == MESSAGES[503]
    for question, (_, _, line) in accepted:  # each got its own answer, not another's
        assert '"success": true' in line.replace('"success":true', '"success": true')
        assert question.replace("?", "") in line.replace("?", "")
        others = [q for q in questions if q != question and q.replace("?", "") in line]
        assert not others
    assert probe(base, "GET", "/healthz").json()["status"] == "ok"


def test_the_api_rate_limit_answers_429_in_bokmal_with_retry_after(app):
    base, _, _ = app
    burst = RATE_PER_MINUTE // 3
    one_client = {"x-forwarded-for": "198.51.100.200"}
    statuses = []
    with httpx.Client(base_url=base, timeout=30, headers=one_client) as http:
        while 429 not in statuses and len(statuses) < 5 * burst:  # refilled at 1 per second
            response = http.post("/api/search", json={"query": ""})
            statuses.append(response.status_code)
    assert statuses[:burst] == [200] * burst
    assert statuses[-1] == 429
    assert int(response.headers["retry-after"]) >= 1
    assert is_norwegian_refusal(response)
    other = probe(base, "POST", "/api/search", json={"query": ""},
                  headers={"x-forwarded-for": "198.51.100.201"})  # fmt: skip
    assert other.status_code == 200
