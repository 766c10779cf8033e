"""An answer as HTML for the chat: the text, any notice, and numbered, expandable sources.

Everything that comes from the asker or from the documents is escaped, so HTML and scripts
in them show as text. The only links are the http(s) URLs of the documents' metadata. The
chat shows this HTML with Markdown rendering off (so Markdown links and bare URLs in the
text stay text) and with line breaks kept, so the HTML itself holds no line breaks.

It does not answer or search: it is given an `Answer` (or the asker's question).
"""

from __future__ import annotations

import html
import re
import tomllib
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from .answer import Answer, Citation
from .lexical import analyse
from .page import words
from .text import MAX_QUESTION_CHARS

ECHO_CHARS = MAX_QUESTION_CHARS  # of a question shown back in the chat
ERROR_TEXT = words("nb")["error"]  # bokmål; the chat tells it in the asker's language
# The chat's own words around an answer ("Kilder", "sist oppdatert", months) per language.
WORDS = tomllib.loads((Path(__file__).resolve().parent / "data" / "page_words.toml")
                      .read_text("utf-8"))  # fmt: skip
SOURCES_HEADING = WORDS["nb"]["sources"]

# Control characters (but tab and newline) and lone surrogates cannot be shown or sent.
_UNSHOWABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def escape_text(text: str) -> str:
    """`text` as HTML that shows exactly that text: escaped, line breaks kept."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _UNSHOWABLE.sub(" ", text)
    return html.escape(text, quote=True).replace("\n", "<br>")


def question_html(question: str, language: str | None = None) -> str:
    """The asker's question as shown in the chat (at most ECHO_CHARS), or "" if blank;
    with `language` (the one the bot read it in), marked with it."""
    question = _UNSHOWABLE.sub(" ", question or "").strip()
    if len(question) > ECHO_CHARS:
        question = question[:ECHO_CHARS].rstrip() + " …"
    if not question or not language:
        return escape_text(question)
    return f'<div class="trd-sporsmal" lang="{html.escape(language)}">{escape_text(question)}</div>'


def error_html(text: str = ERROR_TEXT, language: str = "nb") -> str:
    """What the chat shows when answering failed: polite, without details."""
    return f'<div class="trd-svar" lang="{html.escape(language)}"><p>{escape_text(text)}</p></div>'


_OWN_SITE = re.compile(r"\b(?:trondheim\.kommune\.no|ntnu\.no)\b")


def answer_html(answer: Answer) -> str:
    """The answer text, its notice (if any) and, when it cites any, its sources."""
    text = escape_text(answer.text)
    if not answer.citations:  # our own words (a refusal, small talk): its sites are links
        text = _OWN_SITE.sub(r'<a href="https://\g<0>">\g<0></a>', text)
    parts = [f'<div class="trd-svar" lang="{html.escape(answer.language)}">',
             f"<p>{text}</p>"]  # fmt: skip
    if answer.notice:
        parts.append(f'<p class="trd-merknad">{escape_text(answer.notice)}</p>')
    parts.append("</div>")
    if answer.citations:
        parts.append(sources_html(answer.citations, answer.language))
    return "".join(parts)


def _words(language: str) -> dict:
    return WORDS.get(language) or WORDS["nb"]


def sources_html(citations: tuple[Citation, ...], language: str = "nb") -> str:
    """Numbered sources, each a <details> that opens on the passage, quote marked; the
    heading and source facts in `language`, the answer's."""
    items = "".join(f"<li>{source_html(c, language)}</li>" for c in citations)
    heading = html.escape(_words(language)["sources"])
    return (f'<div class="trd-kilder" lang="{html.escape(language)}">'
            f'<p class="trd-kilder-tittel">{heading}</p><ol>{items}</ol></div>')  # fmt: skip


def source_html(citation: Citation, language: str = "nb") -> str:
    """The source line "[n] «Title» · section · sist oppdatert …", opening on the passage."""
    chunk = citation.passage.chunk
    label = f"[{citation.n}] {source_label(chunk, language)}"
    lang = f' lang="{html.escape(chunk.lang)}"' if chunk.lang else ""
    passage = passage_html(chunk.text, citation.quotes)
    return (f"<details><summary>{label}</summary><blockquote{lang}>{passage}</blockquote>"
            f"</details>{link_html(chunk.url)}")  # fmt: skip


def source_label(chunk, language: str = "nb") -> str:
    """«Title» · section · side N · sist oppdatert 12. august 2022, escaped."""
    words = _words(language)
    facts = [chunk.section, f"{words['page']} {chunk.page}" if chunk.page else "",
             f"{words['updated']} {format_date(chunk.updated, language)}"
             if chunk.updated else ""]  # fmt: skip
    label = f"<strong>«{escape_text(chunk.title or chunk.doc_id)}»</strong>"
    return label + "".join(f" · {escape_text(fact)}" for fact in facts if fact)


def passage_html(text: str, quotes: tuple[tuple[int, int], ...]) -> str:
    """The passage escaped, with each quoted span in <mark>."""
    out, pos = [], 0
    for a, b in sorted(quotes):
        a, b = max(a, pos), min(b, len(text))
        if a >= b:
            continue
        out.append(f"{escape_text(text[pos:a])}<mark>{escape_text(text[a:b])}</mark>")
        pos = b
    out.append(escape_text(text[pos:]))
    return "".join(out)


def link_html(url: str | None) -> str:
    """A link to the document if its metadata URL is http(s); otherwise ""."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc or _UNSHOWABLE.search(url):
        return ""
    href = html.escape(url, quote=True)
    return f'<a class="trd-lenke" href="{href}" rel="noopener">{escape_text(url)}</a>'


def format_date(updated: str, language: str = "nb") -> str:
    """An ISO date as "12. august 2022" ("12 August 2022"); anything else as given."""
    try:
        day = date.fromisoformat((updated or "").strip()[:10])
    except ValueError:
        return updated
    words = _words(language)
    return words["date"].format(day=day.day, month=words["months"][day.month - 1], year=day.year)


_WORD = re.compile(r"\w+(?:[.,]\d+)?%?")


def search_results_html(query: str, passages) -> str:
    """Staff search: each passage with its source facts and the query's words marked."""
    if not (query or "").strip():
        return '<p class="trd-sok-tom">Skriv noen søkeord.</p>'
    if not passages:
        return '<p class="trd-sok-tom">Fant ingen tekst som passer til søket.</p>'
    terms = set(analyse(query))
    items = []
    for passage in passages:
        chunk = passage.chunk
        head = source_label(chunk)
        lang = f' lang="{html.escape(chunk.lang)}"' if chunk.lang else ""
        items.append(f'<li><p class="trd-treff-kilde">{head}</p>'
                     f"<blockquote{lang}>{highlight_terms(chunk.text, terms)}</blockquote>"
                     f"{link_html(chunk.url)}</li>")  # fmt: skip
    count = f"{len(passages)} treff" if len(passages) != 1 else "1 treff"
    if not any(p.bm25 > 0 for p in passages):  # close in meaning only
        count = f"Ingen treff på ordene; dette er de nærmeste tekstene ({len(passages)})."
    return (f'<div class="trd-sok"><p class="trd-sok-antall">{count}</p>'
            f'<ol class="trd-treff">{"".join(items)}</ol></div>')  # fmt: skip


def highlight_terms(text: str, terms: set[str]) -> str:
    """`text` escaped, with each word whose stem is among `terms` in <mark>."""
    out, pos = [], 0
    for match in _WORD.finditer(text):
        stems = analyse(match.group())
        if stems and stems[0] in terms:
            out.append(escape_text(text[pos : match.start()]))
            out.append(f"<mark>{escape_text(match.group())}</mark>")
            pos = match.end()
    out.append(escape_text(text[pos:]))
    return "".join(out)


_TAG = re.compile(r"<[^>]+>")


def html_to_text(fragment: str) -> str:
    """Our own reply HTML as escaped plain text (tags dropped), for a live region."""
    text = html.unescape(_TAG.sub(" ", fragment))
    return escape_text(re.sub(r"\s+", " ", text).strip())
