"""Read a plain-text file, guessing the structure it only shows by layout.

Paragraphs are separated by blank lines and their hard line wraps are joined. A short
first line followed by more text is the title; a short standalone line (no end
punctuation, no bullet, no URL, no date label) followed by a real paragraph is taken as a
heading.

Nothing else is inferred (no underlined or numbered headings, no tables); cleaning,
dates and sections are `ingest.cleaning`'s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.cleaning import (
    DATE_LABEL,
    TITLE_MAX_CHARS,
    Parsed,
    build_sections,
    clean_text,
    dates_in_lines,
    decode,
    section_lines,
    unwrap,
)
from ingest.html import Block

HEADING_MAX_CHARS = 80  # plain-text headings are shorter than this


def read_text(raw: bytes) -> Parsed:
    text = decode(raw)
    raw_paragraphs = [p for p in (clean_text(p) for p in re.split(r"\n\s*\n", text)) if p]
    underlined = [_underlined(p) for p in raw_paragraphs]
    title = ""
    if underlined and underlined[0] and underlined[0][0] == 1:
        title = underlined[0][1]
        raw_paragraphs, underlined = raw_paragraphs[1:], underlined[1:]
    paragraphs = [unwrap(p) for p in raw_paragraphs]
    if not title and paragraphs and not underlined[0]:
        first_line, _, rest = paragraphs[0].partition("\n")
        if len(first_line) < TITLE_MAX_CHARS and (rest or len(paragraphs) > 1):
            title = first_line
            paragraphs = ([rest] if rest else []) + paragraphs[1:]
            underlined = [None] + underlined[1:] if rest else underlined[1:]
    blocks = [
        (mark[0] + 1, mark[1]) if mark else block
        for block, mark in zip(_text_blocks(paragraphs), underlined, strict=True)
    ]
    _, sections = build_sections(blocks, title)
    updated, published = dates_in_lines(section_lines(sections))
    return Parsed(title, sections, updated=updated or published)


_UNDERLINE = re.compile(r"^\s*(=+|-+|~+)\s*$")


def _underlined(paragraph: str) -> tuple[int, str] | None:
    """A setext heading ("Bakgrunn" over "--------"): (1 for "=", 2 otherwise, its text)."""
    lines = paragraph.split("\n")
    if len(lines) >= 2 and _UNDERLINE.match(lines[-1]) and len(lines[-1].strip()) >= 3:
        return (1 if lines[-1].strip()[0] == "=" else 2), " ".join(x.strip() for x in lines[:-1])
    return None


def _text_blocks(paragraphs: Sequence[str]) -> list[Block]:
    """A short standalone line followed by a real paragraph is taken as a heading."""
    blocks: list[Block] = []
    for index, paragraph in enumerate(paragraphs):
        following = paragraphs[index + 1] if index + 1 < len(paragraphs) else ""
        is_heading = (
            _looks_like_heading(paragraph)
            and bool(following)
            and not _looks_like_heading(following)
        )
        blocks.append((2 if is_heading else 0, paragraph))
    return blocks


def _looks_like_heading(paragraph: str) -> bool:
    return (
        "\n" not in paragraph
        and len(paragraph) < HEADING_MAX_CHARS
        and not paragraph.endswith((".", ",", ";", ":"))
        and not paragraph.startswith(("- ", "* ", "• "))
        and any(c.isalpha() for c in paragraph)
        and "://" not in paragraph
        and not DATE_LABEL.search(paragraph)
    )
