"""Read source files (HTML, Markdown, plain text, PDF, Word) into cleaned `Document`s.

This is the front door: it finds the files, picks a reader by suffix, and turns what the
reader found into a `Document` with its id (the path under its root), content hash and
language. Anything that makes a file unusable is raised as `UnreadableDocument` with a
reason in Norwegian; no parser exception escapes.

The readers live beside it: web pages in `ingest.html` (structure) and here (dates and
sections), Markdown in `ingest.markdown`, plain text in `ingest.plaintext`, PDF and Word
in `ingest.office`; the cleaning they share in `ingest.cleaning`. Chunking, embedding
and indexing do not belong here.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from ingest import html
from ingest.cleaning import (
    MAX_TEXT_CHARS,
    TOO_MUCH_TEXT,
    Parsed,
    Rejected,
    build_sections,
    clean_blocks,
    clean_text,
    dates_in_lines,
    decode,
    http_url,
    parse_date,
    section_lines,
)
from ingest.documents import Document
from ingest.errors import UnreadableDocument
from ingest.language import guess_language
from ingest.markdown import read_markdown
from ingest.office import read_docx, read_pdf
from ingest.plaintext import read_text
from ingest.sources import SUPPORTED_SUFFIXES, find_sources, unsupported_reason  # noqa: F401

_BROKEN = {".pdf": "ødelagt eller ufullstendig PDF", ".docx": "ødelagt Word-fil"}


# ---------------------------------------------------------------- dispatch


def read_document(path: Path, root: Path) -> Document:
    """Read one source file into a `Document`; raise `UnreadableDocument` when it can't be used.

    `doc_id` is the path relative to `root` with POSIX slashes.
    """
    path, root = Path(path), Path(root)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise UnreadableDocument(str(path), f"kan ikke leses ({err.strerror or err})") from err
    try:
        return _document(path, root, raw)
    except Rejected as err:
        raise UnreadableDocument(str(path), err.reason) from None
    except UnreadableDocument:
        raise
    except Exception as err:  # any parser failure: the file is skipped, not the whole run
        detail = " ".join(str(err).split())[:120] or type(err).__name__
        problem = _BROKEN.get(path.suffix.lower(), "kunne ikke tolkes")
        raise UnreadableDocument(str(path), f"{problem} ({detail})") from err


def _document(path: Path, root: Path, raw: bytes) -> Document:
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise Rejected(unsupported_reason(path))
    if not raw.removeprefix(codecs.BOM_UTF8).strip():
        raise Rejected("tom fil")
    if path.suffix.lower() not in (".pdf", ".docx") and len(raw) > 2 * MAX_TEXT_CHARS:
        raise Rejected(TOO_MUCH_TEXT)  # text formats: checked before parsing (markup: 2x)
    parsed = reader(raw)
    if not parsed.sections:
        raise Rejected("ingen tekst igjen etter rensing")
    text = "\n\n".join(section.text for section in parsed.sections)
    if len(text) > MAX_TEXT_CHARS:
        raise Rejected(TOO_MUCH_TEXT)
    return Document(
        doc_id=_doc_id(path, root),
        title=parsed.title or _title_from_filename(path),
        sections=parsed.sections,
        content_hash=hashlib.sha256(raw).hexdigest(),
        url=parsed.url,
        updated=parsed.updated,
        lang=_document_lang(parsed.lang, text),
        source=str(path),
    )


def _doc_id(path: Path, root: Path) -> str:
    for candidate, base in ((path, root), (path.resolve(), root.resolve())):
        try:
            return candidate.relative_to(base).as_posix()
        except ValueError:
            continue
    return path.name


def _title_from_filename(path: Path) -> str:
    words = re.sub(r"[-_]+", " ", path.stem).strip()
    return words[:1].upper() + words[1:]


def _document_lang(declared: str, text: str) -> str:
    """Declared language if it is one of ours; a bare "no" (Norwegian) may still be nynorsk."""
    code = _normalise_lang(declared)
    if code == "no":
        return "nn" if guess_language(text) == "nn" else "nb"
    return code or guess_language(text)


def _normalise_lang(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    parts = value.strip().casefold().replace("_", "-").split("-")
    if parts[0] in ("nn", "nno", "nynorsk") or parts[-1] == "nn":
        return "nn"
    if parts[0] in ("no", "nor", "norsk"):
        return "no"
    if parts[0] in ("nb", "nob", "bokmål", "bokmal"):
        return "nb"
    if parts[0] in ("en", "eng", "english", "engelsk"):
        return "en"
    return ""


# ------------------------------------------------------------------------------ readers


def _read_html(raw: bytes) -> Parsed:
    """`ingest.html` finds the page's content; its dates and sections are made here."""
    page = html.parse_html(decode(raw, html.declared_charset(raw)))
    title, sections = build_sections(clean_blocks(page.blocks), clean_text(page.title))
    line_updated, line_published = dates_in_lines(section_lines(sections))
    if not (line_updated or line_published):
        line_updated, line_published = dates_in_lines(page.page_lines)
    updated = (
        parse_date(page.modified) or line_updated or parse_date(page.published) or line_published
    )
    return Parsed(title, sections, url=http_url(page.url), updated=updated, lang=page.lang)


_READERS: dict[str, Callable[[bytes], Parsed]] = {
    ".html": _read_html,
    ".htm": _read_html,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_text,
    ".pdf": read_pdf,
    ".docx": read_docx,
}
