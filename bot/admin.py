"""The admin view for staff, `/admin/`, in bokmål: what the bot knows, and how old it is.

One server-rendered page (no Gradio, no script): the index generation and model; every
document with its title, source (file or URL), date, chunk count, when it was last read
in, and a mark on those older than `stale_months`; the files the last ingest skipped,
with the reasons. It reads the manifest of the generation serving now, so it follows a
hot reload.

It is closed unless a token is set (`TRD30_ADMIN_TOKEN`); then it asks for it, as the
password of HTTP Basic (any user name) or as a bearer token, compared in constant time.
It may never be framed (`frame-ancestors 'none'`), whatever the embedding sites are.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime as dt
import html
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .admin_gaps import EXPORTS, gaps_html, reports
from .gaps import to_csv

STALE_MONTHS = 12
NO_FRAMES = {"content-security-policy": "frame-ancestors 'none'", "x-frame-options": "DENY",
             "cache-control": "no-store", "content-language": "nb"}  # fmt: skip
CLOSED = "Administrasjonssiden er stengt. Sett TRD30_ADMIN_TOKEN for å åpne den."
ASK = "Skriv inn tilgangsnøkkelen for administrasjonssiden (som passord)."
REALM = 'Basic realm="TRD3.0-boten administrasjon", charset="UTF-8"'
STYLE = """
body{font-family:system-ui,sans-serif;font-size:1.125rem;line-height:1.5;color:#1e2b3c;
background:#fff;margin:0 auto;max-width:80rem;padding:1rem 1.5rem}
h1{font-size:1.75rem}h2{font-size:1.375rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}caption{text-align:left;font-weight:600;
padding:.5rem 0}th,td{border-bottom:1px solid #8a96a3;padding:.5rem;text-align:left;
vertical-align:top}th{background:#eef2f6}td.tall{text-align:right}
a{color:#0b57a4}a:focus-visible,:focus-visible{outline:3px solid #1e2b3c;outline-offset:2px}
.merke{display:inline-block;border:2px solid #8b3a00;color:#8b3a00;border-radius:4px;
padding:0 .375rem;font-weight:600}dl{display:grid;grid-template-columns:max-content 1fr;
gap:.25rem 1rem}dt{font-weight:600}dd{margin:0}
"""


def authorised(request: Request, token: str) -> bool:
    """The request carries `token` as a Basic password or a bearer token."""
    header = request.headers.get("authorization", "")  # as sent: latin-1 to Starlette
    scheme, _, value = header.partition(" ")
    given = b""
    if scheme.lower() == "bearer":
        given = value.strip().encode("latin-1")
    elif scheme.lower() == "basic":
        try:
            given = base64.b64decode(value.strip(), validate=True).partition(b":")[2]
        except binascii.Error:
            return False
    return secrets.compare_digest(given, token.encode("utf-8"))


def admin_router(bot, token: str | None, stale_months: int = STALE_MONTHS,
                 today=dt.date.today, store=None, embed=None) -> APIRouter:  # fmt: skip
    """GET /admin/ over `bot`, open only with `token`; with `store` (bot.store), its
    content gaps too (questions grouped by `embed`, the model's query embedding)."""
    router = APIRouter()

    def refused(request: Request):
        if not token:
            return JSONResponse({"detail": CLOSED}, 403, headers=NO_FRAMES)
        if not authorised(request, token):
            return JSONResponse({"detail": ASK}, 401,
                                headers={**NO_FRAMES, "www-authenticate": REALM})  # fmt: skip
        return None

    @router.get("/admin/", include_in_schema=False)
    def admin(request: Request):
        if (refusal := refused(request)) is not None:
            return refusal
        bot.reload_if_changed()
        manifest = bot.index.manifest
        gaps = gaps_html(store, embed, (manifest.get("documents") or {}).keys())
        page = admin_page(manifest, bot.index.generation, stale_months, today(), gaps)
        return HTMLResponse(page, headers=NO_FRAMES)

    @router.get("/admin/eksport/{name}.csv", include_in_schema=False)
    def export(name: str, request: Request):
        if (refusal := refused(request)) is not None:
            return refusal
        if name not in EXPORTS or store is None:
            return JSONResponse({"detail": "Fant ikke eksporten."}, 404, headers=NO_FRAMES)
        rows = reports(store, embed, (bot.index.manifest.get("documents") or {}).keys())[name]
        headers = {**NO_FRAMES, "content-disposition": f'attachment; filename="{name}.csv"'}
        return Response(to_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)

    return router


def admin_page(manifest: dict, generation: str, stale_months: int, today: dt.date,
               gaps: str = "") -> str:  # fmt: skip
    """The whole page, every value from the manifest escaped."""
    documents = manifest.get("documents") or {}
    skipped = manifest.get("skipped_files")  # every file the last ingest skipped
    if skipped is None:  # an index from before: the documents that could not be read
        skipped = list((manifest.get("skipped") or {}).values())
    limit = _months_before(today, stale_months)
    rows, stale = [], 0
    for doc_id, doc in sorted(
        documents.items(), key=lambda kv: (kv[1].get("title") or kv[0]).lower()
    ):
        date = _date(doc.get("updated"))
        mark = ""
        if date is None:
            mark = '<span class="merke">Mangler dato</span>'
        elif date < limit:
            stale += 1
            mark = f'<span class="merke">Eldre enn {stale_months} måneder</span>'
        rows.append(
            "<tr>"
            f'<th scope="row">{_e(doc.get("title") or doc_id)}</th>'
            f"<td>{_source(doc, doc_id)}</td>"
            f"<td>{_e(doc.get('updated') or '–')}</td>"
            f'<td class="tall">{int(doc.get("chunks") or 0)}</td>'
            f"<td>{_e(_when(doc.get('ingested') or manifest.get('created')))}</td>"
            f"<td>{mark}</td></tr>"
        )
    skips = "".join(f"<tr><td>{_e(item.get('source'))}</td><td>{_e(item.get('reason'))}</td></tr>"
                    for item in sorted(skipped, key=lambda i: str(i.get("source"))))  # fmt: skip
    skipped_html = (
        f"<table><caption>{len(skipped)} filer ble hoppet over</caption><thead><tr>"
        '<th scope="col">Fil</th><th scope="col">Grunn</th></tr></thead>'
        f"<tbody>{skips}</tbody></table>" if skipped
        else "<p>Ingen filer ble hoppet over ved siste innlesing.</p>"
    )  # fmt: skip
    summary = (f"{len(documents)} dokumenter, {stale} eldre enn {stale_months} måneder "
               f"(før {limit.isoformat()}).")  # fmt: skip
    return (
        '<!doctype html><html lang="nb"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Administrasjon – TRD3.0-boten</title><style>{STYLE}</style></head><body>"
        '<header><p><a href="../">Til TRD3.0-boten</a></p>'
        "<h1>Administrasjon – TRD3.0-boten</h1></header><main>"
        "<h2>Indeksen</h2><dl>"
        f"<dt>Generasjon</dt><dd>{_e(generation)}</dd>"
        f"<dt>Bygd</dt><dd>{_e(_when(manifest.get('created')))}</dd>"
        f"<dt>Modell</dt><dd>{_e(manifest.get('model'))}</dd>"
        f"<dt>Tekstbiter</dt><dd>{int(manifest.get('chunks') or 0)}</dd></dl>"
        f"<h2>Dokumenter</h2><p>{_e(summary)}</p>"
        "<table><caption>Dokumentene boten svarer fra</caption><thead><tr>"
        '<th scope="col">Tittel</th><th scope="col">Kilde</th><th scope="col">Dato</th>'
        '<th scope="col">Tekstbiter</th><th scope="col">Sist lest inn</th>'
        f'<th scope="col">Merknad</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
        f"<h2>Hoppet over ved siste innlesing</h2>{skipped_html}{gaps}"
        "</main></body></html>"
    )


def _e(value) -> str:
    return html.escape(str(value if value is not None else ""))


def _source(doc: dict, doc_id: str) -> str:
    url = doc.get("url") or ""
    source = doc.get("source") or doc_id
    if url.startswith(("http://", "https://")):
        return f'<a href="{_e(url)}">{_e(url)}</a>'
    return _e(source)


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _when(value) -> str:
    """An ISO time as "2026-12-01 23:40 UTC" (or as it was given, if it is not one)."""
    if not value:
        return "–"
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if moment.utcoffset() is not None else "")


def _months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier (the month's last day where it has no such day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
