"""What may reach the app: known hosts, known routes, the embedding origins, sound calls.

`Gate` is ASGI middleware in front of our routes and the three Gradio views. It lets
through only what the pages and the API use, and answers everything else itself, in
bokmål (`bot.replies`):

- **Host**: a Host header that is not one of `allowed_hosts` gets 400, and
  X-Forwarded-Host is dropped unless it is one of them (and X-Gradio-Server, which only
  Gradio's server-side rendering sends, always), so no page or config that Gradio builds
  from them ever names a host an attacker chose.
- **Routes**: our API and its documentation (/api/openapi.json, /api/docs), /healthz
  and /gradio.js, and per Gradio view only the page, its
  config and assets, the queue (join, data, heartbeat) and /gradio_api/info, which the
  web component and gradio_client read. Uploads, Gradio's REST calls (run/, call/,
  api/), component_server, file routes, login, monitoring and the rest get 404; a known
  route with another method 405.
- **CORS**: on every route, only the configured embedding origins get
  Access-Control-Allow-Origin; whatever Gradio would have said is removed. Preflights are
  answered here.
- **Queue calls**: a `queue/join` body must name one of the view's events with as many
  inputs as it takes, text where it takes text, and for the API-only event (/svar) values
  of the types its schema gives; anything else is 400 before Gradio sees it
  (Gradio answers 500 to an unknown fn_index, and logs the input of a failed one).
- **Rate**: `/api/*` calls are limited per client (`RateLimit`), with 429 and Retry-After.

It does not authenticate anyone: nothing here is private, only kept small.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import secrets
import time
from dataclasses import dataclass, field

from .pages import PAGES
from .replies import error_reply, wants_html

logger = logging.getLogger("trd30.gate")
OWN_ROUTES = {"/api/ask": {"POST"}, "/api/search": {"POST"}, "/healthz": {"GET"},
              "/gradio.js": {"GET"}, "/admin/": {"GET"}, "/openapi.json": {"GET"},
              "/api/feedback": {"POST"}, "/metrics": {"GET"},
              "/api/openapi.json": {"GET"}, "/api/docs": {"GET"},  # bot.api_docs
              **{f"/admin/eksport/{name}.csv": {"GET"}
                 for name in ("ubesvarte", "tommel-ned", "svarandel", "sitert")},
              **{f"/{page}/": {"GET"} for page in PAGES}}  # fmt: skip
# Addresses that are a folder: without the slash, a redirect to it (the query kept).
FOLDERS = ("/embed", "/sok", "/admin", *(f"/{page}" for page in PAGES))
LIMITED = ("/api/", "/admin/")  # the per-client rate applies here (guessing a token, too)
PRIVATE = ("/admin/", "/metrics")  # never readable across origins, whatever the embedding sites
# What Gradio's page, its web component and gradio_client request, per view (measured by
# logging every path the browser tests and gradio_client use).
VIEW_ROUTES = {"/": {"GET"}, "/config": {"GET"}, "/gradio_api/info": {"GET"},
               "/gradio_api/app_id": {"GET"},
               "/theme.css": {"GET"}, "/favicon.ico": {"GET"}, "/robots.txt": {"GET"},
               "/gradio_api/queue/data": {"GET"}, "/gradio_api/queue/join": {"POST"}}  # fmt: skip
VIEW_PREFIXES = {"/assets/": {"GET"}, "/static/": {"GET"}, "/gradio_api/heartbeat/": {"GET"}}
JOIN_KEYS = {"data", "fn_index", "session_hash", "trigger_id", "event_data", "event_id",
             "simple_format", "batched"}  # fmt: skip
_SESSION = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PLAIN_QUERY = re.compile(rb"[!-~]{0,1000}")  # printable ASCII: safe to repeat in a header
TEXT_INPUTS = {"Textbox", "Button", "Dropdown"}  # their values reach our code as text
API_INPUT = "Api"  # an input of an API-only event (gr.api): checked against its JSON schema
JSON_TYPES = {"string": str, "null": type(None)}  # the kinds of value such an input may take
CORS_METHODS = b"GET, POST, OPTIONS"
_HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,64}")
DEFAULT_HOSTS = ("localhost", "127.0.0.1", "[::1]")
UNKNOWN_HOST = "Ukjent vertsnavn. Legg det til i TRD30_ALLOWED_HOSTS."


@dataclass(frozen=True)
class View:
    """A mounted Gradio view: its path prefix and, per event, the kinds of its inputs."""

    prefix: str  # "" or "/embed"
    events: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # per event, per input: the values a fixed-choice input (a Radio) may take, else None
    choices: dict[int, tuple[frozenset | None, ...]] = field(default_factory=dict)
    # per event, per input: the JSON schema of an API-only input (gradio_client's /svar)
    schemas: dict[int, tuple[dict | None, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, prefix: str, blocks) -> View:
        events = {index: tuple(type(block).__name__ for block in fn.inputs)
                  for index, fn in blocks.fns.items()}  # fmt: skip
        choices = {index: tuple(_fixed_choices(block) for block in fn.inputs)
                   for index, fn in blocks.fns.items()}  # fmt: skip
        schemas = {index: tuple(block.api_info() if type(block).__name__ == API_INPUT else None
                                for block in fn.inputs)
                   for index, fn in blocks.fns.items()}  # fmt: skip
        return cls(prefix, events, choices, schemas)


def fits(schema: dict, value) -> bool:
    """`value` is of the JSON schema's kind: text, null, a list of them, or one of several
    (the schemas gr.api derives from `str`, `list[str]` and `| None`); any other is not."""
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return any(fits(choice, value) for choice in schema[key])
    kind = schema.get("type")
    if kind == "array":
        return isinstance(value, list) and all(fits(schema.get("items", {}), v) for v in value)
    return kind in JSON_TYPES and isinstance(value, JSON_TYPES[kind])


def _fixed_choices(block) -> frozenset | None:
    """The values of a Radio (Gradio logs a value outside them, with the value)."""
    if type(block).__name__ != "Radio":
        return None
    return frozenset(value for _, value in (block.choices or []))


class RateLimit:
    """A token bucket per client: `burst` calls at once, refilled at `per_minute`. The
    client is known only by a keyed hash of its address (the key is new at every start),
    so the table holds no address."""

    MAX_CLIENTS = 10_000  # past this, clients with a full bucket are forgotten

    def __init__(self, per_minute: float, burst: int, clock=time.monotonic):
        self.rate, self.burst, self.clock = per_minute / 60.0, burst, clock
        self._key = secrets.token_bytes(16)
        self._buckets: dict[bytes, tuple[float, float]] = {}

    def client(self, address: str) -> bytes:
        return hashlib.blake2b(address.encode(), key=self._key, digest_size=8).digest()

    def take(self, address: str) -> float:
        """0 if the call may go ahead, else the seconds until it may."""
        now, key = self.clock(), self.client(address)
        tokens, then = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > self.MAX_CLIENTS:
            self._forget_full(now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        for key, (tokens, then) in list(self._buckets.items()):
            if tokens + (now - then) * self.rate >= self.burst:
                del self._buckets[key]


class Gate:
    """See the module docstring."""

    def __init__(self, app, views: list[View], origins=(), allowed_hosts=DEFAULT_HOSTS,
                 rate_limit: RateLimit | None = None, root_path: str = ""):  # fmt: skip
        self.app, self.rate_limit = app, rate_limit
        self.views = sorted(views, key=lambda v: -len(v.prefix))  # the longest prefix wins
        self.origins = {o.encode() for o in origins}
        self.hosts = {h.lower() for h in allowed_hosts}
        self.root_path = root_path.rstrip("/")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = _unprefixed(scope)
        headers = dict(scope.get("headers") or [])
        as_html = wants_html(headers)
        home = self.root_path + "/"
        if not self._host_allowed(headers.get(b"host", b"")):
            await error_reply(send, 400, as_html=as_html, home=home, text=UNKNOWN_HOST)
            return
        forwarded = headers.get(b"x-forwarded-host")
        dropped = {b"x-gradio-server"}  # Gradio would build its page's addresses from it
        if forwarded is not None and not self._host_allowed(forwarded.split(b",")[0].strip()):
            dropped.add(b"x-forwarded-host")
        if dropped & headers.keys():
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"]
                                          if k not in dropped]}  # fmt: skip
        origin = headers.get(b"origin")
        path = self._relative(scope.get("path", ""), scope.get("root_path", ""))
        cors = ([(b"access-control-allow-origin", origin),
                 (b"access-control-allow-credentials", b"true")]
                if origin in self.origins and not path.startswith(PRIVATE) else [])  # fmt: skip
        cors.append((b"vary", b"Origin"))
        method = scope["method"]
        preflight = origin is not None and b"access-control-request-method" in headers
        if method == "OPTIONS" and preflight:
            await self._preflight(send, path, headers, cors)
            return
        allowed, view = self._methods(path)
        if allowed is None:
            if path in FOLDERS:
                query = scope.get("query_string") or b""
                query = b"?" + query if _PLAIN_QUERY.fullmatch(query) and query else b""
                location = (b"location", f"{self.root_path}{path}/".encode() + query)
                await send({"type": "http.response.start", "status": 308,
                            "headers": [location, (b"content-length", b"0")]})  # fmt: skip
                await send({"type": "http.response.body", "body": b""})
                return
            await error_reply(send, 404, as_html=as_html, home=home, headers=cors)
            return
        if method not in allowed and not (method == "HEAD" and "GET" in allowed):
            allow = ", ".join(sorted(allowed)).encode()
            await error_reply(send, 405, as_html=as_html, home=home,
                              headers=[(b"allow", allow), *cors])  # fmt: skip
            return
        if path.startswith(LIMITED) and self.rate_limit is not None:
            wait = self.rate_limit.take(str((scope.get("client") or ("-", 0))[0]))
            if wait:
                retry = str(max(1, math.ceil(wait))).encode()
                await error_reply(send, 429, headers=[(b"retry-after", retry), *cors])
                return
        if view is not None and path == view.prefix + "/gradio_api/queue/join":
            body = await _read_body(receive)
            if body is None or not _sound_join(body, view):
                await error_reply(send, 400, headers=cors)
                return
            receive = _replay(body, receive)

        started = ended = False

        async def send_with_cors(message):
            nonlocal started, ended
            if message["type"] == "http.response.start":
                started = True
                kept = [(k, v) for k, v in message.get("headers", []) if not _cors_header(k)]
                message = {**message, "headers": kept + cors}
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                ended = True
            await send(message)

        try:
            await self.app(scope, receive, send_with_cors)
        except Exception as err:  # Gradio's, on input it did not expect: one line, no trace
            logger.error("Feil i %s %s: %s: %s", method, path, type(err).__name__, err)
            if not started:
                await error_reply(send, 500, as_html=as_html, home=home, headers=cors)
            elif not ended:  # e.g. queue/data for an unknown session raises after its event
                await send({"type": "http.response.body", "body": b"", "more_body": False})

    def _host_allowed(self, host: bytes) -> bool:
        name = host.decode("latin-1").strip().lower()
        if name.startswith("["):  # [::1]:7860
            name = name.split("]")[0] + "]"
        else:
            name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
        return name in self.hosts or "*" in self.hosts

    def _relative(self, path: str, root_path: str) -> str:
        for prefix in (root_path, self.root_path):
            if prefix and (path == prefix or path.startswith(prefix + "/")):
                return path[len(prefix) :] or "/"
        return path

    def _methods(self, path: str) -> tuple[set[str] | None, View | None]:
        if path in OWN_ROUTES:
            return OWN_ROUTES[path], None
        for view in self.views:
            if view.prefix and not path.startswith(view.prefix + "/"):
                continue
            rest = path[len(view.prefix) :]
            if rest in VIEW_ROUTES:
                return VIEW_ROUTES[rest], view
            for prefix, methods in VIEW_PREFIXES.items():
                if rest.startswith(prefix) and ".." not in rest:
                    return methods, view
            return None, view
        return None, None

    async def _preflight(self, send, path: str, headers: dict, cors: list) -> None:
        allowed, _ = self._methods(path)
        asked = headers.get(b"access-control-request-method", b"").decode("latin-1").upper()
        if len(cors) == 1 or allowed is None or asked not in allowed:
            await error_reply(send, 403, text="Dette nettstedet har ikke tilgang.",
                              headers=[(b"vary", b"Origin")])  # fmt: skip
            return
        # The origin is what is trusted; the headers it asks for (Gradio's client sends
        # its own, such as x-gradio-user) are allowed when they are plain names.
        wanted = headers.get(b"access-control-request-headers", b"").decode("latin-1")
        names = [h.strip().lower() for h in wanted.split(",") if h.strip()]
        allow_headers = ", ".join(h for h in names if _HEADER_NAME.fullmatch(h)).encode()
        await send({"type": "http.response.start", "status": 204, "headers": [
            *cors, (b"access-control-allow-methods", CORS_METHODS),
            (b"access-control-allow-headers", allow_headers),
            (b"access-control-max-age", b"600")]})  # fmt: skip
        await send({"type": "http.response.body", "body": b""})


def _unprefixed(scope: dict) -> dict:
    """uvicorn puts the root path before the path it is sent. Behind a proxy that strips
    the prefix that is the app's path; asked directly (`make run` with a root path),
    the prefix comes twice, and one is taken off, so both ways reach the same route."""
    root, path = scope.get("root_path", ""), scope.get("path", "")
    if root and (path == root + root or path.startswith(root + root + "/")):
        return {**scope, "path": path[len(root) :]}
    return scope


def _cors_header(name: bytes) -> bool:
    name = name.lower()
    return name.startswith(b"access-control-") or name == b"vary"


def _sound_join(body: bytes, view: View) -> bool:
    """A queue/join body naming one of the view's events, with its inputs."""
    try:
        call = json.loads(body)
    except ValueError:
        return False
    if not isinstance(call, dict) or set(call) - JOIN_KEYS:
        return False
    index, data = call.get("fn_index"), call.get("data")
    if type(index) is not int or index not in view.events or not isinstance(data, list):
        return False
    kinds = view.events[index]
    if len(data) != len(kinds):
        return False
    texts = [v for k, v in zip(kinds, data, strict=True) if k in TEXT_INPUTS]
    if not all(v is None or isinstance(v, str) for v in texts):
        return False
    schemas = view.schemas.get(index, ())
    if any(schema is not None and not fits(schema, v)
           for schema, v in zip(schemas, data, strict=False)):  # fmt: skip
        return False
    fixed = view.choices.get(index, ())
    if any(allowed is not None and v is not None and (not isinstance(v, str) or v not in allowed)
           for allowed, v in zip(fixed, data, strict=False)):  # fmt: skip
        return False
    session = call.get("session_hash")
    trigger = call.get("trigger_id")
    return (isinstance(session, str) and bool(_SESSION.fullmatch(session))
            and (trigger is None or type(trigger) is int))  # fmt: skip


async def _read_body(receive) -> bytes | None:
    """The whole body (BodyLimit in front has capped it), or None if the client left."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive):
    """A receive that gives the body read already, then waits on the client's."""
    sent = False

    async def replayed():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
