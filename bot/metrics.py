"""Operations: Prometheus metrics for /metrics, and log records as JSON lines.

`create_metrics` makes the metric objects in a registry of their own (never the global
one): requests and latency per route, questions answered / refused / failed, feedback per
rating, the model's load time, and, read when scraped, the index generation, its
documents and chunks and whether the database can be written. `MetricsMiddleware` counts
every HTTP request by route template; a path that is not one of the known routes counts
as "other", so no visitor can grow the number of series. `render_metrics` is the body
and content type of /metrics.

`JsonFormatter` writes one JSON object per record (for `TRD30_LOG_FORMAT=json`), with
message and traceback masked (`bot.privacy`) even if no MaskingFilter ran before it.

It does not decide who may read /metrics (the app does).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .gate import OWN_ROUTES, VIEW_PREFIXES, VIEW_ROUTES
from .privacy import mask_personal_data

VIEWS = ("", "/embed", "/sok")  # the mounted Gradio views
# The routes the gate lets through are the labels; any other path is counted as OTHER.
ROUTES = (*OWN_ROUTES, *(f"{view}{route}" for view in VIEWS for route in VIEW_ROUTES))
PREFIXES = tuple(f"{view}{prefix}" for view in VIEWS for prefix in VIEW_PREFIXES)
OTHER = "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0)
# What the bot's own statuses are called in the counts.
OUTCOMES = {"answered": "answered", "no_answer": "refused", "error": "error"}


@dataclass(frozen=True)
class IndexState:
    generation: str
    documents: int
    chunks: int


@dataclass(frozen=True)
class Metrics:
    """The app's metric objects, all in `registry`."""

    registry: CollectorRegistry
    requests: Counter  # route, method, status
    latency: Histogram  # route
    questions: Counter  # outcome: answered, refused, error
    feedback: Counter  # rating: up, down
    model_load_seconds: Gauge

    def count_question(self, status: str) -> None:
        """One question with the bot's status ("answered", "no_answer", "error")."""
        self.questions.labels(OUTCOMES.get(status, "error")).inc()

    def count_feedback(self, rating: str) -> None:
        self.feedback.labels(rating if rating in ("up", "down") else OTHER).inc()

    def watch(self, index: Callable[[], IndexState] | None = None,
              store_available: Callable[[], bool] | None = None) -> None:  # fmt: skip
        """Report the serving index and the database as they are at each scrape (so a hot
        reload shows without anyone telling the metrics)."""
        self.registry.register(_Watched(index, store_available))


def create_metrics(registry: CollectorRegistry | None = None) -> Metrics:
    """The metric objects, in `registry` (a new one by default)."""
    registry = registry if registry is not None else CollectorRegistry()
    metrics = Metrics(
        registry,
        Counter("trd30_http_requests", "HTTP requests, by route template, method and status",
                ("route", "method", "status"), registry=registry),
        Histogram("trd30_http_request_duration_seconds", "Time to the last byte of the reply",
                  ("route",), buckets=LATENCY_BUCKETS, registry=registry),
        Counter("trd30_questions", "Questions, by outcome (answered, refused, error)",
                ("outcome",), registry=registry),
        Counter("trd30_feedback", "Feedback on answers, by rating", ("rating",),
                registry=registry),
        Gauge("trd30_model_load_seconds", "Seconds it took to load the index and model",
              registry=registry),
    )  # fmt: skip
    for outcome in OUTCOMES.values():  # present, at 0, from the start
        metrics.questions.labels(outcome)
    for rating in ("up", "down"):
        metrics.feedback.labels(rating)
    return metrics


def render_metrics(metrics: Metrics) -> tuple[bytes, str]:
    """The body and content type of GET /metrics."""
    return generate_latest(metrics.registry), CONTENT_TYPE_LATEST


class _Watched(Collector):
    def __init__(self, index, store_available):
        self.index, self.store_available = index, store_available

    def collect(self):
        if self.index is not None:
            try:
                state = self.index()
            except Exception:  # a scrape during a reload must not fail
                state = None
            if state is not None:
                info = GaugeMetricFamily("trd30_index_info", "The index generation serving",
                                         labels=("generation",))  # fmt: skip
                info.add_metric((state.generation,), 1)
                yield info
                yield GaugeMetricFamily("trd30_index_documents", "Documents in the index",
                                        value=state.documents)  # fmt: skip
                yield GaugeMetricFamily("trd30_index_chunks", "Chunks in the index",
                                        value=state.chunks)  # fmt: skip
        if self.store_available is not None:
            yield GaugeMetricFamily("trd30_store_available",
                                    "1 when the database can be written, else 0",
                                    value=float(bool(self.store_available())))  # fmt: skip


class MetricsMiddleware:
    """ASGI middleware counting each HTTP request and its time, by route template.

    `routes` are exact paths; a path under one of `prefixes` counts as that prefix and
    "*"; anything else as "other". Paths are taken after the app's root path."""

    def __init__(self, app, metrics: Metrics, routes: Iterable[str] = ROUTES,
                 prefixes: Iterable[str] = PREFIXES):  # fmt: skip
        self.app, self.metrics = app, metrics
        self.routes = frozenset(routes)
        self.prefixes = sorted(prefixes, key=len, reverse=True)

    def route(self, path: str, root_path: str = "") -> str:
        """The label for `path`: a known route, a known prefix + "*", or "other"."""
        if root_path and path.startswith(root_path.rstrip("/") + "/"):
            path = path[len(root_path.rstrip("/")) :]
        if path in self.routes:
            return path
        prefix = next((p for p in self.prefixes if path.startswith(p)), None)
        return f"{prefix}*" if prefix else OTHER

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        route = self.route(scope.get("path", ""), scope.get("root_path", ""))
        method = scope.get("method", "") if scope.get("method") in METHODS else OTHER
        status = {"code": 500}  # what a request that dies before replying is counted as
        start = time.perf_counter()

        async def send_counted(message: Mapping) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            code = status["code"]
            label = str(code) if isinstance(code, int) and 100 <= code < 600 else OTHER
            self.metrics.requests.labels(route, method, label).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - start)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message and traceback, masked.

    Put the MaskingFilter on the handler too (`install_log_masking` does): it masks the
    record's arguments before they are formatted; this formatter masks what it writes
    either way."""

    def format(self, record: logging.LogRecord) -> str:
        moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
        out = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_personal_data(record.getMessage()),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exception"] = mask_personal_data(record.exc_text)
        if record.stack_info:
            out["stack"] = mask_personal_data(self.formatStack(record.stack_info))
        line = json.dumps(out, ensure_ascii=False)
        return line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


TEXT_FORMAT = "%(asctime)s %(levelname)s %(message)s"


def log_handler(log_format: str = "text", stream=None) -> logging.Handler:
    """A stream handler writing JSON lines ("json") or the plain text format ("text")."""
    handler = logging.StreamHandler(stream)
    json_lines = log_format.strip().lower() == "json"
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    return handler
