"""ASGI middleware for the web server: pages in bokmål, security headers, a private log.

- `NorwegianPages`: Gradio's HTML template says lang="en" and its front end then follows
  the browser's locale; HTML responses get lang="nb" (or the language their address asks
  for, ?lang=nn or ?lang=en) and a script that keeps it so. A page that says its language
  (Content-Language, as bot.pages's do) is left as it is.
- `SecurityHeaders`: `Content-Security-Policy: frame-ancestors 'self' <origins>` (which
  sites may embed the chat) and `X-Content-Type-Options: nosniff` on every response.
- `PrivateAccessLog`: one log line per request with the client's IP address masked;
  uvicorn's own access log, which would store addresses, is switched off.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Sequence
from urllib.parse import parse_qs

from .page import language_of
from .privacy import mask_personal_data

access_logger = logging.getLogger("trd30.access")

# Gradio's page template says <html lang="en">, and its front end then sets lang to the
# browser's locale. This script runs before Gradio's own and gives it bokmål, so the page
# stays lang="nb" and Gradio's own labels (buttons, "laster …") are in bokmål too.
PIN_LANGUAGE = (
    "<script>/* TRD3.0-boten: siden er på bokmål */"
    'Object.defineProperty(navigator,"language",{get:()=>"nb",configurable:true});'
    'Object.defineProperty(navigator,"languages",{get:()=>["nb","nn","en"],configurable:true});'
    "</script>"
)
# A page asked for in English (?lang=en) gives Gradio English; nynorsk it has not, so its
# own labels stay in bokmål there (web/app.js labels the ones around answers).
PIN_ENGLISH = (
    "<script>/* TRD3.0-boten: the page is in English */"
    'Object.defineProperty(navigator,"language",{get:()=>"en",configurable:true});'
    'Object.defineProperty(navigator,"languages",{get:()=>["en","nb","nn"],configurable:true});'
    "</script>"
)
_HTML_LANG = re.compile(rb'(<html\b[^>]*?\s)lang="[^"]*"', re.IGNORECASE)
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$|^https?://\*\.[A-Za-z0-9.-]+$")


def localise_page(page: bytes, language: str = "nb") -> bytes:
    """Gradio's HTML page with lang="nb" (or the `language` its address asked for, one of
    bot.page's) instead of "en", and the language pinned."""
    language = language_of(language)
    page = _HTML_LANG.sub(rb'\1lang="' + language.encode() + b'"', page, count=1)
    pin = PIN_ENGLISH if language == "en" else PIN_LANGUAGE
    return page.replace(b"</head>", pin.encode() + b"</head>", 1)


def asked_language(scope) -> str:
    """The page language a request's address asks for (?lang=nn), else bokmål."""
    query = parse_qs((scope.get("query_string") or b"").decode("latin-1"))
    return language_of((query.get("lang") or [""])[0])


class NorwegianPages:
    """HTML pages get lang="nb" (or their ?lang=) and the script that keeps it so."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] == "HEAD":
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        body: list[bytes] = []

        async def send_localised(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                if (headers.get(b"content-type", b"").startswith(b"text/html")
                        and b"content-encoding" not in headers
                        and b"content-language" not in headers):  # fmt: skip
                    start = message  # held back until the body is rewritten
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                page = localise_page(b"".join(body), asked_language(scope))
                headers = [(k, v) for k, v in start.get("headers", [])
                           if k.lower() != b"content-length"]  # fmt: skip
                headers.append((b"content-length", str(len(page)).encode()))
                await send({**start, "headers": headers})
                message = {"type": "http.response.body", "body": page}
            await send(message)

        await self.app(scope, receive, send_localised)


def parse_origins(value: str) -> list[str]:
    """Origins from a space- or comma-separated list; anything but a plain origin is
    rejected, so a header can never be injected through the setting."""
    origins = [o.rstrip("/") for o in re.split(r"[\s,]+", value or "") if o]
    bad = [o for o in origins if not _ORIGIN.match(o)]
    if bad:
        raise ValueError(
            f"Ugyldig opprinnelse for innebygging: {', '.join(bad)}. "
            "Bruk for eksempel https://www.trondheim.kommune.no"
        )
    return origins


class SecurityHeaders:
    """Adds the embedding policy and nosniff to every HTTP response."""

    def __init__(self, app, frame_ancestors: Sequence[str] = ()):
        self.app = app
        policy = " ".join(["'self'", *frame_ancestors])
        self.headers = [
            (b"content-security-policy", f"frame-ancestors {policy}".encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
        ]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":  # a reply's own policy wins
                own = {k.lower() for k, _ in message.get("headers", [])}
                added = [(k, v) for k, v in self.headers if k not in own]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# The largest body a request may send: a question of MAX_INPUT_CHARS with its history is
# a few kilobytes as JSON; Gradio's own calls carry no more. Bigger ones are refused
# before they are read (a 100 MB body was read whole before its 422: +300 MB).
API_BODY_LIMIT = 64 * 1024
BODY_LIMIT = 256 * 1024  # Gradio's routes (no uploads are taken from the public)
TOO_LARGE = json.dumps({"detail": "Forespørselen er for stor. Et spørsmål kan være på "
                        "høyst noen tusen tegn."}, ensure_ascii=False).encode()  # fmt: skip


class BodyLimit:
    """Refuses a request body over the limit with 413, before it is read: by its
    Content-Length, or as it streams in when there is none."""

    def __init__(self, app, api_limit: int = API_BODY_LIMIT, limit: int = BODY_LIMIT):
        self.app, self.api_limit, self.limit = app, api_limit, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = self.api_limit if path.startswith("/api/") else self.limit
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if length.strip().isdigit() and int(length) > limit:
            await _refuse(send)
            return
        seen, refused = 0, False

        async def counted():
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    refused = True
                    raise BodyTooLarge
            return message

        started = False

        async def tracked(message):
            nonlocal started
            if refused:  # the app caught the refusal (FastAPI answers 400): answer 413
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _refuse(send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await _refuse(send)
        except Exception:
            if not refused:
                raise
            if not started:
                await _refuse(send)


class BodyTooLarge(Exception):
    pass


async def _refuse(send) -> None:
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-language", b"nb"),
                            (b"content-length", str(len(TOO_LARGE)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": TOO_LARGE})


class PrivateAccessLog:
    """Logs method, path, status and time per request; the client address masked."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_logged(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            client = (scope.get("client") or ("-", 0))[0]
            access_logger.info(
                "%s %s %s -> %d på %.0f ms",  # words between: no digit run to mask
                mask_personal_data(str(client)),
                scope["method"],
                mask_personal_data(scope["path"]),
                status,
                (time.perf_counter() - started) * 1000,
            )
