"""The three pages a Norwegian public service must have, rendered on the server: «Om
tjenesten» (`/om-tjenesten/`), «Personvern» (`/personvern/`) and
«Tilgjengelighetserklæring» (`/tilgjengelighet/`), each in bokmål, nynorsk and English.

`?lang=nb|nn|en` chooses the language; anything else, or none, is bokmål. The browser's
Accept-Language is not asked: the chat is in bokmål whatever the browser's language until
the asker picks another, and these pages follow the same rule (one address, one page).
Each page says its language in `<html lang>` and Content-Language, links to itself in the
other languages (with `hreflang` and `lang`), and in its footer to the other pages and back
to the chat. Every link is relative (`../personvern/`), so a root path prefix changes
nothing here.

The words are data: `bot/data/pages/<language>.toml`, and the accessibility declaration's
dates and known deviations in `bot/data/pages/accessibility.toml`. What belongs to the
installation is filled in per request: the documents of the index generation serving now,
the store's retention days, the owner and the contacts (`Installation`).

The pages run no script. Their stylesheet (web/pages.css, given by app.py) is inlined and
allowed by its hash in a Content-Security-Policy that allows nothing else.

It stores and logs nothing, and does not decide what is stored (`bot.store` does; the
privacy page describes it, and tests/test_pages.py holds the description to it).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .chat import format_date, link_html
from .masking import STORED

LANGUAGES = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"
# The address of each page (under the app's root) and its part of the language files, in
# the order the footer lists them.
PAGES = {"om-tjenesten": "about", "personvern": "privacy", "tilgjengelighet": "accessibility"}
# The success criteria of WCAG 2.1 (A and AA) that the regulation requires of public
# bodies; uustatus.no counts a declaration's deviations out of the same 47.
WCAG_REQUIREMENTS = 47
DATA = Path(__file__).with_name("data") / "pages"
PRIVACY_SETTING = "TRD30_PRIVACY_CONTACT"
ACCESSIBILITY_SETTING = "TRD30_ACCESSIBILITY_CONTACT"
CURRENT_LANGUAGE = ' aria-current="true"'  # on the link to the language shown
_LINK = re.compile(r"\[([^\]]+)\]\(((?:https?://|\.\./)[^)\s\"<>]*)\)")
_EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


@dataclass(frozen=True)
class Installation:
    """What the pages say about this installation of the service."""

    service: str = "TRD3.0-boten"
    owner: str = "Universitetskommunen TRD3.0"
    privacy_contact: str | None = None  # an e-mail address, a web address or any text
    accessibility_contact: str | None = None  # None: the privacy contact
    retention_days: int | None = None  # of the store; None: no store, nothing is kept


@cache
def words(language: str) -> dict:
    """The pages' words in `language` (one of LANGUAGES)."""
    return tomllib.loads((DATA / f"{language}.toml").read_text(encoding="utf-8"))


@cache
def declaration() -> dict:
    """The accessibility declaration's dates and known deviations."""
    return tomllib.loads((DATA / "accessibility.toml").read_text(encoding="utf-8"))


def page_language(value: str | None) -> str:
    """The language `?lang=` asks for, or bokmål."""
    value = (value or "").strip().lower()
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def render_page(page: str, language: str, installation: Installation,
                documents: Mapping[str, dict] | None = None, css: str = "") -> str:  # fmt: skip
    """The whole HTML page `page` ("about", "privacy" or "accessibility") in `language`;
    `documents` are the index manifest's, listed on "about"."""
    writer = _Writer(language, installation)
    body = {"about": writer.about, "privacy": writer.privacy,
            "accessibility": writer.accessibility}[page]  # fmt: skip
    return writer.frame(page, body(documents or {}), css)


def content_security_policy(css: str, frame_ancestors: Sequence[str] = ()) -> str:
    """Nothing but the inlined stylesheet (by its hash) and images from the app itself;
    framed only where the chat may be (the embedded chat links here)."""
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()
    ancestors = " ".join(["'self'", *frame_ancestors])
    return (f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self' data:; "
            f"base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}")  # fmt: skip


def pages_router(bot, installation: Installation, css: str = "",
                 frame_ancestors: Sequence[str] = ()) -> APIRouter:  # fmt: skip
    """GET (and HEAD) of the three pages, "about" listing `bot`'s documents."""
    router = APIRouter()
    policy = content_security_policy(css, frame_ancestors)

    def route(page: str):
        def show(request: Request) -> HTMLResponse:
            language = page_language(request.query_params.get("lang"))
            documents = None
            if page == "about":
                bot.reload_if_changed()
                documents = bot.index.manifest.get("documents") or {}
            text = render_page(page, language, installation, documents, css)
            return HTMLResponse(text, headers={"content-language": language,
                                               "content-security-policy": policy,
                                               "cache-control": "no-cache"})  # fmt: skip

        return show

    for path, page in PAGES.items():
        router.add_api_route(f"/{path}/", route(page), methods=["GET", "HEAD"],
                             include_in_schema=False)  # fmt: skip
    return router


def _e(value) -> str:
    return html.escape(str(value if value is not None else ""))


class _Writer:
    """The HTML of one page in one language."""

    def __init__(self, language: str, installation: Installation):
        self.language, self.installation = language, installation
        self.words = words(language)
        self.query = "" if language == DEFAULT_LANGUAGE else f"?lang={language}"
        self.values = {"service": _e(installation.service), "owner": _e(installation.owner)}

    def text(self, template: str, **values) -> str:
        """A line of page text as HTML: escaped, its [label](address) links made (a page
        of this service keeps the language), its {names} filled with `values` (HTML)."""

        def link(match: re.Match) -> str:
            href = match[2] + (self.query if match[2].startswith("../") else "")
            return f'<a href="{_e(href)}">{match[1]}</a>'

        escaped = _LINK.sub(link, html.escape(template, quote=False))
        return escaped.format_map({**self.values, **values})

    def paragraphs(self, lines: Sequence[str], **values) -> str:
        return "".join(f"<p>{self.text(line, **values)}</p>" for line in lines)

    def section(self, part: dict, body: str = "", lines: Sequence[str] | None = None,
                **values) -> str:  # fmt: skip
        """A section: its heading (h2), its paragraphs (`lines`, else its "text") and `body`."""
        text = self.paragraphs(part.get("text", []) if lines is None else lines, **values)
        return f"<section><h2>{self.text(part['heading'])}</h2>{text}{body}</section>"

    def contact(self, value: str | None, setting: str) -> str:
        value = (value or "").strip()
        if not value:
            return self.text(self.words["frame"]["missing_contact"], setting=_e(setting))
        if _EMAIL.fullmatch(value):
            return f'<a href="mailto:{_e(value)}">{_e(value)}</a>'
        return link_html(value) or _e(value)

    # -- the pages --

    def about(self, documents: Mapping[str, dict]) -> str:
        w = self.words["about"]
        parts = [f'<p class="ingress">{self.text(w["lead"])}</p>',
                 *(self.section(w[key]) for key in ("what", "extractive", "limits"))]  # fmt: skip
        parts.append(self.section(w["documents"], self.documents(documents, w["documents"]),
                                  count=str(len(documents))))  # fmt: skip
        parts.append(self.section(w["owner"]))
        return "".join(parts)

    def documents(self, documents: Mapping[str, dict], w: dict) -> str:
        if not documents:
            return f"<p>{self.text(w['none'])}</p>"
        rows = []
        for doc_id, doc in sorted(documents.items(), key=_title_order):
            lang = str(doc.get("lang") or "")  # a title in another language says so
            own = f' lang="{lang}"' if _LANGUAGE_TAG.fullmatch(lang) else ""
            own = own if lang != self.language else ""
            updated = doc.get("updated")
            date = _e(format_date(str(updated), self.language)) if updated else _e(w["no_date"])
            source = link_html(doc.get("url")) or _e(doc.get("source") or doc_id)
            rows.append(f'<tr><th scope="row"{own}>{_e(doc.get("title") or doc_id)}</th>'
                        f"<td>{source}</td><td>{date}</td></tr>")  # fmt: skip
        head = "".join(f'<th scope="col">{_e(w[k])}</th>' for k in ("title", "source", "date"))
        return (f'<div class="tabell"><table><caption>{_e(w["caption"])}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
                "</table></div>")  # fmt: skip

    def privacy(self, _documents) -> str:
        w, days = self.words["privacy"], self.installation.retention_days
        parts = [f'<p class="ingress">{self.text(w["lead"])}</p>', self.section(w["advice"])]
        if days is None:
            parts.append(self.section(w["stored"], lines=w["stored"]["not_stored"]))
        else:
            kinds = "".join(f"<li>{_e(text)}</li>" for kind, text in w["stored"]["kinds"].items()
                            if kind in STORED)  # fmt: skip
            after = self.paragraphs(w["stored"]["after"])
            parts.append(self.section(w["stored"], f"<ul>{kinds}</ul>{after}"))
            retention = w["retention"]
            parts.append(self.section(retention, lines=retention["days" if days else "zero"],
                                      days=str(days)))  # fmt: skip
        parts += [self.section(w[key]) for key in ("not_kept", "traffic", "logs")]
        contact = self.contact(self.installation.privacy_contact, PRIVACY_SETTING)
        parts.append(self.section(w["contact"], contact=contact))
        return "".join(parts)

    def accessibility(self, _documents) -> str:
        w, facts = self.words["accessibility"], declaration()
        deviations = sorted(facts.get("deviations", []), key=lambda d: _criterion(d["criterion"]))
        count = len({d["criterion"] for d in deviations})
        status, total = w["status"], str(WCAG_REQUIREMENTS)
        if count:
            counted = self.text(status["count"], count=str(count), total=total)
            said = f"{self.text(status['partly'])} {counted}"
        elif facts.get("assessed_all"):
            said = self.text(status["fully"])
        else:  # no deviation known, but not every criterion assessed: not "i samsvar"
            said = self.text(status["unassessed"], total=total)
        summary = f'<p class="status">{said}</p><p>{self.text(status["standard"])}</p>'
        parts = [f'<p class="ingress">{self.text(w["lead"])}</p>',
                 self.section(status, summary)]  # fmt: skip
        groups = w["users"]["groups"]
        affected = [g for g in groups if any(g in d.get("users", []) for d in deviations)]
        users = ("<ul>" + "".join(f"<li>{_e(groups[g])}</li>" for g in affected) + "</ul>"
                 if affected else f"<p>{self.text(w['users']['none'])}</p>")  # fmt: skip
        parts.append(self.section(w["users"], users, None if affected else []))
        parts.append(self.section(w["deviations"], self.deviations(deviations, w["deviations"]),
                                  None if deviations else []))  # fmt: skip
        parts.append(self.section(w["method"]))
        own = self.installation
        contact = self.contact(own.accessibility_contact or own.privacy_contact,
                               ACCESSIBILITY_SETTING)  # fmt: skip
        parts.append(self.section(w["feedback"], contact=contact))
        parts.append(self.section(w["complaint"]))
        dates = {k: _e(format_date(str(facts[k]), self.language)) for k in ("created", "updated")}
        parts.append(self.section(w["dates"], **dates))
        return "".join(parts)

    def deviations(self, deviations: list[dict], w: dict) -> str:
        if not deviations:
            return f"<p>{self.text(w['none'])}</p>"
        out = []
        for deviation in deviations:
            own = deviation[self.language]
            title = self.text(w["criterion"], criterion=_e(deviation["criterion"]),
                              name=_e(own["name"]), level=_e(deviation["level"]))  # fmt: skip
            items = "".join(f"<dt>{_e(w[key])}</dt><dd>{_e(own[key])}</dd>"
                            for key in ("problem", "reason", "instead"))  # fmt: skip
            out.append(f'<h3>{title}</h3><dl class="avvik">{items}</dl>')
        return "".join(out)

    # -- the frame around each page --

    def frame(self, page: str, body: str, css: str) -> str:
        frame, title = self.words["frame"], self.words[page]["title"]
        languages = "".join(
            f'<li><a href="?lang={code}" hreflang="{code}" lang="{code}"'
            f"{CURRENT_LANGUAGE if code == self.language else ''}>"
            f"{_e(words(code)['name'])}</a></li>"
            for code in LANGUAGES
        )
        alternates = "".join(f'<link rel="alternate" hreflang="{code}" href="?lang={code}">'
                             for code in LANGUAGES)  # fmt: skip
        links = [f'<li><a href="../{self.query}">{_e(frame["chat"])}</a></li>']
        for path, key in PAGES.items():
            current = ' aria-current="page"' if key == page else ""
            links.append(f'<li><a href="../{path}/{self.query}"{current}>'
                         f"{_e(self.words[key]['title'])}</a></li>")  # fmt: skip
        service = _e(self.installation.service)
        return (
            f'<!doctype html><html lang="{self.language}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)} – {service}</title>{alternates}"
            f'<link rel="icon" href="data:,"><style>{css}</style></head><body>'
            f'<a class="hopp" href="#innhold">{_e(frame["skip"])}</a>'
            '<header class="topp"><div class="innhold-bredde">'
            f'<p class="tjeneste"><a href="../{self.query}">{service}</a>'
            f'<span class="eier">{self.text(frame["owner"])}</span></p>'
            f'<nav aria-label="{_e(frame["languages"])}"><ul class="sprak">{languages}</ul></nav>'
            "</div></header>"
            '<main id="innhold" tabindex="-1" class="innhold-bredde">'
            f"<h1>{_e(title)}</h1>{body}</main>"
            '<footer class="bunn"><div class="innhold-bredde">'
            f'<nav aria-label="{_e(frame["pages"])}"><ul>{"".join(links)}</ul></nav>'
            "</div></footer></body></html>"
        )


def _title_order(item: tuple[str, dict]) -> str:
    doc_id, doc = item
    return str(doc.get("title") or doc_id).lower()


def _criterion(number: str) -> tuple[int, ...]:
    """A criterion's number as a tuple ("1.4.11": (1, 4, 11)): 1.4.3 before 1.4.11."""
    return tuple(int(part) for part in number.split("."))
