"""Read PDF (with pypdf) and Word .docx (with python-docx) files.

A PDF becomes one section per page that has text, with ligatures split and hard line
wraps joined; its title is the document metadata's (without Word's "Microsoft Word - "
prefix) or else a short first line. A .docx keeps its heading styles ("Heading 2",
"Overskrift 2", "Title"/"Tittel") as heading levels, list paragraphs as "- " lines and
tables as "a | b" rows; its title is the core properties' title or the first H1.

There is no OCR: a scanned PDF without a text layer, or one with a password, is rejected.
Layout (columns, headers and footers on every page) is not reconstructed, and cleaning,
dates and sections are `ingest.cleaning`'s.
"""

from __future__ import annotations

import io
import re

import docx
from docx.table import Table
from pypdf import PdfReader

from ingest.cleaning import (
    MAX_TEXT_CHARS,
    TITLE_MAX_CHARS,
    TOO_MUCH_TEXT,
    Parsed,
    Rejected,
    build_sections,
    clean_blocks,
    clean_text,
    dates_in_lines,
    section_lines,
    unwrap,
)
from ingest.documents import Section
from ingest.html import Block

_LIGATURES = {"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl"}

# ----------------------------------------------------------------------------------- PDF


def read_pdf(raw: bytes) -> Parsed:
    reader = PdfReader(io.BytesIO(raw))
    if reader.is_encrypted:
        try:
            decrypted = reader.decrypt("")
        except Exception as err:
            raise Rejected("kryptert PDF (passordbeskyttet)") from err
        if not decrypted:
            raise Rejected("kryptert PDF (passordbeskyttet)")
    pages, total = [], 0
    for page in reader.pages:  # stop at the text limit rather than extracting a bomb whole
        pages.append(page.extract_text() or "")
        total += len(pages[-1])
        if total > MAX_TEXT_CHARS:
            raise Rejected(TOO_MUCH_TEXT)
    furniture = _running_lines(pages)
    sections = []
    for number, raw_text in enumerate(pages, start=1):
        kept = [line for line in raw_text.split("\n") if not _is_furniture(line, furniture)]
        text = _clean_pdf_page("\n".join(kept))
        if text:
            sections.append(Section(path=(), text=text, page=number))
    if not sections:
        raise Rejected("ingen tekst å hente ut (skannet PDF?)")
    first_line = sections[0].text.split("\n", 1)[0]
    title = _pdf_title(reader) or (first_line if len(first_line) < TITLE_MAX_CHARS else "")
    updated, published = dates_in_lines(section_lines(sections))
    return Parsed(title, tuple(sections), updated=updated or published or _pdf_date(reader))


_PAGE_NUMBER = re.compile(r"^\s*(side|page|s\.)?\s*\d+\s*((av|of|/)\s*\d+)?\s*$", re.I)
_EDGE_LINES = 3  # running headers and footers sit in a page's first or last lines
# A bullet that extraction left at the end of the line before its item, or inside a line.
_TRAILING_BULLET = re.compile(r"(?:^|\n|[ \t]+)[ \t]*[•▪◦][ \t]*\n")
_INLINE_BULLET = re.compile(r"[ \t]+[•▪◦][ \t]+")


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split())).casefold()


def _running_lines(pages: list[str]) -> set[str]:
    """Lines (digits ignored) at the top or bottom of more than half the pages: the
    running header and footer, not content."""
    if len(pages) < 2:
        return set()
    counts: dict[str, int] = {}
    for text in pages:
        lines = [line for line in text.split("\n") if line.strip()]
        for key in {_key(line) for line in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]}:
            counts[key] = counts.get(key, 0) + 1
    return {key for key, n in counts.items() if n * 2 > len(pages) and re.search(r"[^\W\d_]", key)}


def _is_furniture(line: str, running: set[str]) -> bool:
    return _key(line) in running or bool(_PAGE_NUMBER.match(line)) and bool(line.strip())


def _clean_pdf_page(text: str) -> str:
    for ligature, letters in _LIGATURES.items():
        text = text.replace(ligature, letters)
    text = _INLINE_BULLET.sub("\n• ", _TRAILING_BULLET.sub("\n• ", text))
    paragraphs = (clean_text(p) for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(unwrap(p) for p in paragraphs if p)


def _pdf_date(reader: PdfReader) -> str:
    """The PDF's own date (/ModDate, else /CreationDate) as YYYY-MM-DD, for a document
    whose text names none; "" when it has none or it cannot be read."""
    metadata = reader.metadata
    for name in ("modification_date", "creation_date"):
        try:
            value = getattr(metadata, name) if metadata else None
        except (ValueError, TypeError, KeyError):  # a malformed date string
            value = None
        if value is not None and 1900 < value.year < 2200:
            return value.date().isoformat()
    return ""


def _pdf_title(reader: PdfReader) -> str:
    metadata = reader.metadata
    title = str(metadata.title or "") if metadata else ""
    title = clean_text(re.sub(r"^Microsoft Word - |\.docx?$", "", title.strip()))
    return "" if title.casefold() in ("untitled", "(anonymous)", "unknown") else title


# ---------------------------------------------------------------------------------- Word


def read_docx(raw: bytes) -> Parsed:
    document = docx.Document(io.BytesIO(raw))
    blocks: list[Block] = []
    items: list[str] = []
    for part in document.iter_inner_content():
        if isinstance(part, Table):
            level, text = 0, "\n".join(_docx_table_rows(part))
        else:
            level, text = _docx_heading_level(part), part.text.strip()
            if text and not level and "list" in _docx_style(part):
                items.append(f"- {text}")
                continue
        if items:
            blocks.append((0, "\n".join(items)))
            items.clear()
        blocks.append((level, text))
    if items:
        blocks.append((0, "\n".join(items)))
    core_title = clean_text(document.core_properties.title or "")
    title, sections = build_sections(clean_blocks(blocks), core_title)
    updated, published = dates_in_lines(section_lines(sections))
    return Parsed(title, sections, updated=updated or published)


def _docx_style(paragraph: object) -> str:
    style = getattr(paragraph, "style", None)
    return str(getattr(style, "name", "") or "").casefold()


def _docx_heading_level(paragraph: object) -> int:
    style = _docx_style(paragraph)
    if style in ("title", "tittel"):
        return 1
    match = re.fullmatch(r"(?:heading|overskrift)\s*(\d)", style)
    return min(int(match.group(1)), 6) if match else 0


def _docx_table_rows(table: Table) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and text not in cells:  # merged cells repeat their text
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return rows
