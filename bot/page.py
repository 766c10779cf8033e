"""The page around the chat, in the language the visitor chose: its words, the header, the
AI notice and the footer, as HTML.

The words are data (`data/ui_words.toml`, a table per language: nb, nn, en); `words`
falls back to bokmål for any other code. `header_html` names the service and its owner
(the owner's logo when one is configured, with the owner's name as its alt text),
`notice_html` is the permanent note near the question box that the answers are made
automatically and can be wrong, and `footer_html` links to the three pages a public
service must have («Om tjenesten», «Personvern», «Tilgjengelighetserklæring») in the chosen
language. Their links are relative to the view (`base`: "" on the chat at the root, "../"
on /embed/), so they hold at the site root, under TRD30_ROOT_PATH and behind a
prefix-stripping proxy alike; web/app.js resolves them against the app's own address when
the chat is a web component on another site's page.

It does not serve those pages, answer anything or read the environment: the owner comes
from the settings (`load_owner`).
"""

from __future__ import annotations

import base64
import html
import json
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LANGUAGES = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"
DEFAULT_OWNER = "Universitetskommunen TRD3.0"
SERVICE = "TRD3.0-boten"
# The pages every view links to, each served at {root}/<path>/?lang=<language>.
PAGES = (("about", "om-tjenesten/"), ("privacy", "personvern/"),
         ("accessibility", "tilgjengelighet/"))  # fmt: skip
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
              ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}  # fmt: skip
# The logo travels inside every page's configuration as a data: URL, so it needs no route
# of its own and shows behind any proxy and in the web component. A logo is a few KB.
MAX_LOGO_BYTES = 100 * 1024
# The words web/app.js needs, in every language (it labels Gradio's own elements).
SCRIPT_WORDS = ("conversation", "asked", "from_bot", "waiting", "like", "dislike", "clear")


@cache
def _data() -> dict:
    return tomllib.loads((Path(__file__).with_name("data") / "ui_words.toml").read_text("utf-8"))


def language_of(value: object) -> str:
    """`value` if it is one of LANGUAGES, else bokmål."""
    return value if isinstance(value, str) and value in LANGUAGES else DEFAULT_LANGUAGE


def words(language: str) -> dict:
    """The page's words in `language` (bokmål for an unknown one)."""
    return _data()[language_of(language)]


def language_choices(short: bool = False) -> list[tuple[str, str]]:
    """(name, code) per language, each named in itself, for the header's choice."""
    names = _data()["languages_short" if short else "languages"]
    return [(names[code], code) for code in LANGUAGES]


def feedback_reasons(language: str, kept: tuple[str, ...]) -> list[tuple[str, str]]:
    """The thumbs-down reasons shown in `language`, each with the bokmål reason that is
    kept (`kept`, bot.feedback's fixed list), so the stored value never depends on it."""
    shown = words(language)["reasons"]
    if len(shown) != len(kept):  # the two lists are kept in step by hand
        raise ValueError("ui_words.toml og feedback.toml har ikke like mange grunner")
    return list(zip(shown, kept, strict=True))


def welcome_html(language: str) -> str:
    """The chat's first message in `language`: who answers, and not to write personal
    data. (That answers can be wrong is the permanent notice's, `notice_html`.)"""
    language = language_of(language)
    text = html.escape(words(language)["welcome"])
    return f'<div class="trd-velkomst" lang="{language}"><p>{text}</p></div>'


@dataclass(frozen=True)
class Owner:
    """Who owns the service, as the header and footer show it."""

    name: str = DEFAULT_OWNER
    logo: str = ""  # a data: URL of the logo, or "" for none


def load_owner(name: str = "", logo: Path | None = None) -> Owner:
    """The owner from the settings (TRD30_OWNER_NAME, TRD30_OWNER_LOGO); a logo that cannot
    be shown is a ValueError in bokmål, for the one who starts the app."""
    name = " ".join((name or "").split()) or DEFAULT_OWNER
    if not logo:
        return Owner(name)
    kind = LOGO_TYPES.get(logo.suffix.lower())
    if kind is None:
        raise ValueError(f"TRD30_OWNER_LOGO må være et bilde ({', '.join(LOGO_TYPES)}): {logo}")
    try:
        data = logo.read_bytes()
    except OSError as err:
        raise ValueError(f"Fant ikke logoen i TRD30_OWNER_LOGO: {logo} ({err.strerror})") from None
    if len(data) > MAX_LOGO_BYTES:
        raise ValueError(f"Logoen i TRD30_OWNER_LOGO er for stor ({len(data) // 1024} KB); "
                         f"den kan være høyst {MAX_LOGO_BYTES // 1024} KB.")  # fmt: skip
    return Owner(name, f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}")


def header_html(owner: Owner, compact: bool = False) -> str:
    """The service name as the page's heading, beside the owner's logo or name. The
    compact header (/embed/) shows only a logo: its footer names the owner."""
    name = html.escape(owner.name)
    if owner.logo:
        mark = f'<img class="trd-logo" src="{html.escape(owner.logo)}" alt="{name}">'
    else:
        mark = "" if compact else f'<span class="trd-eier">{name}</span>'
    heading = "trd-tittel-liten" if compact else "trd-tittel"
    return (f'<div class="trd-topp">{mark}'
            f'<h1 class="{heading}">{html.escape(SERVICE)}</h1></div>')  # fmt: skip


def notice_html(language: str, base: str = "", new_tab: bool = False) -> str:
    """The permanent AI notice, with its link to «Om tjenesten» in `language`."""
    w, language = words(language), language_of(language)
    link = _link(f"{base}om-tjenesten/?lang={language}", w["notice_link"], w, new_tab)
    return (f'<p class="trd-ki-merknad" lang="{language}">{html.escape(w["notice"])} '
            f"{link}.</p>")  # fmt: skip


def footer_html(owner: Owner, language: str, base: str = "", new_tab: bool = False) -> str:
    """Links to the service's three pages in `language`, and who owns it. `data-trd-ui`
    tells web/app.js the chosen language (for <html lang>)."""
    w, language = words(language), language_of(language)
    links = "".join(f"<li>{_link(f'{base}{path}?lang={language}', w[key], w, new_tab)}</li>"
                    for key, path in PAGES)  # fmt: skip
    who = html.escape(w["owner"].format(owner=owner.name))
    return (f'<footer class="trd-bunn" lang="{language}" data-trd-ui="{language}">'
            f'<nav aria-label="{html.escape(w["footer_label"])}"><ul>{links}</ul></nav>'
            f'<p class="trd-eier-linje">{who}</p></footer>')  # fmt: skip


def _link(href: str, text: str, w: dict, new_tab: bool) -> str:
    if not new_tab:
        return f'<a class="trd-side-lenke" href="{html.escape(href)}">{html.escape(text)}</a>'
    return (f'<a class="trd-side-lenke" href="{html.escape(href)}" target="_blank" '
            f'rel="noopener">{html.escape(text)}<span class="trd-skjult"> '
            f"{html.escape(w['new_tab'])}</span></a>")  # fmt: skip


def script_words() -> str:
    """The words web/app.js labels Gradio's own elements with, per language, as JSON."""
    table = {code: {key: words(code)[key] for key in SCRIPT_WORDS} for code in LANGUAGES}
    return json.dumps(table, ensure_ascii=False)
