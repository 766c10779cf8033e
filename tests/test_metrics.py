"""/metrics in Prometheus format, parsed by prometheus-client's own parser; requests counted
by route template with bounded labels; JSON log lines, masked."""

from __future__ import annotations

import io
import json
import logging

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import (
    IndexState,
    JsonFormatter,
    MetricsMiddleware,
    create_metrics,
    log_handler,
    render_metrics,
)
from bot.privacy import MaskingFilter


def families(metrics) -> dict:
    body, content_type = render_metrics(metrics)
    assert content_type.startswith("text/plain") and "version=" in content_type
    return {f.name: f for f in text_string_to_metric_families(body.decode("utf-8"))}


def samples(metrics, name: str) -> dict:
    return {tuple(sorted(s.labels.items())): s.value for s in families(metrics)[name].samples
            if s.name == name or s.name == f"{name}_total"}  # fmt: skip


@pytest.fixture
def app_and_metrics():
    metrics = create_metrics()
    app = FastAPI()

    @app.post("/api/ask")
    def ask() -> dict:
        metrics.count_question("answered")
        return {"id": "x"}

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/api/search")
    def broken():
        raise RuntimeError("boom")

    @app.get("/admin/")
    def refused():
        raise HTTPException(401, "Nei")

    @app.get("/metrics")
    def metrics_page():
        from fastapi import Response

        body, content_type = render_metrics(metrics)
        return Response(body, media_type=content_type)

    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return TestClient(app, raise_server_exceptions=False), metrics


def test_two_sets_of_metrics_do_not_collide():
    first, second = create_metrics(), create_metrics()
    first.count_question("answered")
    assert samples(second, "trd30_questions")[(("outcome", "answered"),)] == 0


def test_requests_are_counted_by_route_and_status_with_bounded_labels(app_and_metrics):
    client, metrics = app_and_metrics
    assert client.post("/api/ask").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/search").status_code == 500
    assert client.get("/admin/").status_code == 401
    for n in range(30):  # a scanner's paths: one label, not thirty
        client.get(f"/wp-admin/{n}.php")
    client.get("/embed/assets/index-abc123.js")
    client.request("BREW", "/healthz")
    counts = samples(metrics, "trd30_http_requests")
    assert counts[(("method", "POST"), ("route", "/api/ask"), ("status", "200"))] == 1
    assert counts[(("method", "GET"), ("route", "/api/search"), ("status", "500"))] == 1
    assert counts[(("method", "GET"), ("route", "/admin/"), ("status", "401"))] == 1
    assert counts[(("method", "GET"), ("route", "other"), ("status", "404"))] == 30
    assert counts[(("method", "GET"), ("route", "/embed/assets/*"), ("status", "404"))] == 1
    assert (("method", "other"), ("route", "/healthz"), ("status", "405")) in counts
    routes = {dict(k)["route"] for k in counts}
    assert routes == {"/api/ask", "/healthz", "/api/search", "/admin/", "other",
                      "/embed/assets/*"}  # fmt: skip
    latency = {s.labels["route"]: s.value
               for s in families(metrics)["trd30_http_request_duration_seconds"].samples
               if s.name.endswith("_count")}  # fmt: skip
    assert latency["other"] == 30 and latency["/api/ask"] == 1


def test_the_route_is_read_after_the_root_path():
    middleware = MetricsMiddleware(None, create_metrics())
    assert middleware.route("/trd30/api/ask", "/trd30") == "/api/ask"
    assert middleware.route("/api/ask", "/trd30") == "/api/ask"
    assert middleware.route("/sok/gradio_api/heartbeat/abc") == "/sok/gradio_api/heartbeat/*"
    assert middleware.route("/api/ask/../../etc") == "other"


def test_metrics_parse_and_carry_answers_feedback_index_and_load_time(app_and_metrics):
    client, metrics = app_and_metrics
    for status in ("answered", "no_answer", "no_answer", "error"):
        metrics.count_question(status)
    metrics.count_feedback("down")
    metrics.model_load_seconds.set(3.25)
    state = {"now": IndexState("gen-20261202T101010-abc123", 249, 5120)}
    metrics.watch(index=lambda: state["now"], store_available=lambda: True)
    reply = client.get("/metrics")
    assert reply.status_code == 200
    parsed = {f.name: f for f in text_string_to_metric_families(reply.text)}
    assert samples(metrics, "trd30_questions") == {
        (("outcome", "answered"),): 1,
        (("outcome", "refused"),): 2,
        (("outcome", "error"),): 1,
    }
    assert samples(metrics, "trd30_feedback") == {(("rating", "up"),): 0,
                                                  (("rating", "down"),): 1}  # fmt: skip
    info = parsed["trd30_index_info"].samples[0]
    assert info.labels == {"generation": "gen-20261202T101010-abc123"} and info.value == 1
    assert parsed["trd30_index_chunks"].samples[0].value == 5120
    assert parsed["trd30_index_documents"].samples[0].value == 249
    assert parsed["trd30_model_load_seconds"].samples[0].value == 3.25
    assert parsed["trd30_store_available"].samples[0].value == 1
    state["now"] = IndexState("gen-20261203T000000-def456", 250, 5200)  # a hot reload
    info = families(metrics)["trd30_index_info"].samples
    assert [s.labels["generation"] for s in info] == ["gen-20261203T000000-def456"]


def test_a_scrape_during_a_reload_still_answers():
    metrics = create_metrics()

    def reloading():
        raise RuntimeError("half loaded")

    metrics.watch(index=reloading)
    assert "trd30_index_info" not in families(metrics)
    assert "trd30_questions" in families(metrics)


def _log(handler, *, filtered: bool) -> list[dict]:
    if filtered:
        handler.addFilter(MaskingFilter())
    logger = logging.getLogger(f"trd30.test.json.{filtered}")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.warning("spørsmål fra %s: %r", "10.1.2.3", "fnr 01019012345\nFALSK LINJE")
        try:
            raise ValueError("ola@example.no +47 912 34 567")
        except ValueError:
            logger.exception("feil på linje\u2028to")
    finally:
        logger.removeHandler(handler)
    text = handler.stream.getvalue()
    lines = text.splitlines()
    assert len(lines) == 2 and text.endswith("\n")
    for secret in ("10.1.2.3", "01019012345", "ola@example.no", "912 34 567"):
        assert secret not in text
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("filtered", [True, False])
def test_json_log_lines_are_one_object_each_and_masked(filtered):
    handler = log_handler("json", io.StringIO())
    assert isinstance(handler.formatter, JsonFormatter)
    first, second = _log(handler, filtered=filtered)
    assert first["level"] == "WARNING" and first["logger"].startswith("trd30.test.json")
    assert "[ip]" in first["message"] and "[fødselsnummer]" in first["message"]
    assert first["time"].endswith("Z")
    assert "Traceback" in second["exception"] and "[e-post]" in second["exception"]
    assert "[telefon]" in second["exception"]


def test_the_text_format_stays_the_default():
    handler = log_handler("text", io.StringIO())
    assert not isinstance(handler.formatter, JsonFormatter)
    assert handler.formatter._fmt == "%(asctime)s %(levelname)s %(message)s"
