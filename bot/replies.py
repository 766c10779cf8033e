"""Error replies in bokmål, from every route: ours, FastAPI's and Gradio's.

`error_reply` is the one way the server answers a request it will not or cannot serve:
JSON `{"detail": "<bokmål>"}` for programs, a small lang="nb" page for a browser asking
for HTML, with `Content-Language: nb` so that `NorwegianErrors` knows it is already ours.
`NorwegianErrors` replaces the body of any other error reply (Gradio's English JSON,
Starlette's "Not Found", a pydantic list with the input in it, a 500's "Internal Server
Error") by the text for its status, so no reply carries English, a traceback or the
asker's input. It does not change the status, only what is said.
"""

from __future__ import annotations

import html
import json

MESSAGES = {
    400: "Ugyldig forespørsel.",
    401: "Du må logge inn for å se denne siden.",
    403: "Du har ikke tilgang til dette.",
    404: "Fant ikke siden.",
    405: "Denne metoden er ikke tillatt her.",
    406: "Kan ikke svare i formatet som ble bedt om.",
    408: "Forespørselen tok for lang tid. Prøv igjen.",
    409: "Forespørselen kom i konflikt med en annen. Prøv igjen.",
    411: "Forespørselen mangler lengden på innholdet.",
    413: "Forespørselen er for stor. Et spørsmål kan være på høyst noen tusen tegn.",
    415: "Ugyldig innholdstype. Send JSON.",
    422: "Ugyldig forespørsel. Se README for formatet.",
    429: "For mange spørsmål på kort tid. Vent litt og prøv igjen.",
    500: "Beklager, noe gikk galt. Prøv igjen om litt.",
    503: "Tjenesten har mye å gjøre akkurat nå. Prøv igjen om noen sekunder.",
}
GENERIC = "Forespørselen kunne ikke behandles."
PAGE = (
    '<!doctype html><html lang="nb"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>{title} – TRD3.0-boten</title></head>"
    '<body style="font-family:system-ui,sans-serif;font-size:1.125rem;max-width:40rem;'
    'margin:2rem auto;padding:0 1rem;line-height:1.5"><main><h1>{title}</h1><p>{text}</p>'
    '<p><a href="{home}">Til TRD3.0-boten</a></p></main></body></html>'
)


def wants_html(headers: dict[bytes, bytes]) -> bool:
    """A browser navigating (Accept names HTML before JSON), not a program."""
    accept = headers.get(b"accept", b"").decode("latin-1").lower()
    return "text/html" in accept and "application/json" not in accept.split("text/html")[0]


def error_body(
    status: int, as_html: bool, home: str = "/", text: str | None = None
) -> tuple[bytes, bytes]:
    """(body, content type) of the reply for `status`."""
    text = text or MESSAGES.get(status, GENERIC)
    if as_html:
        title = "Fant ikke siden" if status == 404 else "Noe gikk galt"
        page = PAGE.format(title=title, text=html.escape(text), home=html.escape(home))
        return page.encode(), b"text/html; charset=utf-8"
    body = json.dumps({"detail": text}, ensure_ascii=False).encode()
    return body, b"application/json; charset=utf-8"


async def error_reply(send, status: int, *, as_html: bool = False, home: str = "/",
                      text: str | None = None, headers: list | None = None) -> None:  # fmt: skip
    """Send the bokmål reply for `status` on a raw ASGI `send`."""
    body, content_type = error_body(status, as_html, home, text)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-language", b"nb"),
                            (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), *(headers or [])]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


RETRY_AFTER_S = 5  # a full queue (QUEUE_SIZE) drains in well under this at the measured rate


def _kept(name: bytes) -> bool:
    """The headers of an error reply that still hold when its body is replaced."""
    name = name.lower()
    return name in (b"allow", b"retry-after", b"vary") or name.startswith(b"access-control-")


class NorwegianErrors:
    """Every error reply not already in bokmål gets the bokmål text for its status, and
    a 503 (Gradio's full queue) says when to try again."""

    def __init__(self, app, root_path: str = ""):
        self.app, self.home = app, (root_path.rstrip("/") + "/")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = dict(scope.get("headers") or [])
        replacing = False

        async def send_norwegian(message):
            nonlocal replacing
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                if status < 400 or b"content-language" in headers:
                    await send(message)
                    return
                replacing = True
                as_html = (headers.get(b"content-type", b"").startswith(b"text/html")
                           or wants_html(request_headers))  # fmt: skip
                extra = [(k, v) for k, v in message.get("headers", []) if _kept(k)]
                if status == 503 and b"retry-after" not in headers:
                    extra.append((b"retry-after", str(RETRY_AFTER_S).encode()))
                if scope["method"] == "HEAD":
                    await send({**message, "headers": [*extra, (b"content-language", b"nb")]})
                    await send({"type": "http.response.body", "body": b""})
                    return
                await error_reply(send, status, as_html=as_html, home=self.home, headers=extra)
                return
            if replacing:  # the original body (English, or with the input in it) is dropped
                return
            await send(message)

        await self.app(scope, receive, send_norwegian)


def norwegian_h11_protocol():
    """uvicorn's h11 protocol, answering a request it cannot parse (a bad Content-Length,
    a garbled request line) in bokmål rather than "Invalid HTTP request received."."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class NorwegianH11Protocol(H11Protocol):
        def send_400_response(self, msg: str) -> None:
            body, content_type = error_body(400, as_html=False)
            headers = [(b"content-type", content_type), (b"content-language", b"nb"),
                       (b"content-length", str(len(body)).encode()),
                       (b"connection", b"close")]  # fmt: skip
            for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                          h11.Data(data=body), h11.EndOfMessage()):  # fmt: skip
                self.transport.write(self.conn.send(event))
            self.transport.close()

    return NorwegianH11Protocol
