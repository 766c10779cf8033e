"""Read a Markdown file: YAML front matter for metadata, headings and paragraphs for text.

Front matter may give `title`, `url`, `lang` and a date (`updated`, `last_modified`,
`modified` or `date`); without one, a "Sist oppdatert"/"Publisert" line in the text is
used. The body is split into `#` headings and paragraphs; inline markup (links, emphasis,
code, inline HTML, images) is reduced to its text, fenced code keeps its lines, and rules,
table separator rows and link definitions are dropped.

This is not a full CommonMark parser: there are no setext headings, and lists, quotes and
table rows stay plain lines. Cleaning, dates and sections are `ingest.cleaning`'s.
"""

from __future__ import annotations

import datetime as dt
import re

import yaml

from ingest.cleaning import (
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
    unwrap,
)
from ingest.html import Block

_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MD_RULE = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
_MD_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+")
_MD_TABLE_RULE = re.compile(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*(?::?-{3,}:?)?\s*$")
_MD_INLINE = (
    (re.compile(r"<!--.*?-->", re.DOTALL), ""),
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # [text](url)
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),
    (re.compile(r"</?[A-Za-z][^>\n]*>"), ""),  # inline HTML tags
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"`([^`\n]+)`"), r"\1"),
    (re.compile(r"\s*\{#[\w-]+\}\s*$", re.MULTILINE), ""),  # heading ids
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!])"), r"\1"),
)


def read_markdown(raw: bytes) -> Parsed:
    meta, body = _split_front_matter(decode(raw))
    front_title = meta.get("title")
    title = clean_text(str(front_title)) if front_title else ""
    title, sections = build_sections(clean_blocks(_markdown_blocks(body)), title)
    updated = _front_matter_date(meta) or next(
        (date for date in dates_in_lines(section_lines(sections)) if date), ""
    )
    return Parsed(
        title,
        sections,
        url=http_url(meta.get("url")),
        updated=updated,
        lang=str(meta.get("lang") or ""),
    )


def _split_front_matter(text: str) -> tuple[dict, str]:
    match = re.match(r"---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|$)", text, re.DOTALL)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1) or "")
    except yaml.YAMLError as err:
        raise Rejected(f"ugyldig YAML i front matter ({type(err).__name__})") from err
    return (meta if isinstance(meta, dict) else {}), text[match.end() :]


def _front_matter_date(meta: dict) -> str:
    for key in ("updated", "last_modified", "modified", "date"):
        value = meta.get(key)
        if isinstance(value, dt.date):
            return value.strftime("%Y-%m-%d")
        if isinstance(value, str) and parse_date(value):
            return parse_date(value)
    return ""


def _markdown_inline(text: str) -> str:
    for pattern, replacement in _MD_INLINE:
        text = pattern.sub(replacement, text)
    return text


def _markdown_blocks(body: str) -> list[Block]:
    """Headings and paragraphs from Markdown; text kept as written except inline markup."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    fence = ""

    def flush() -> None:
        if paragraph:
            # A soft line break inside a paragraph is a space (CommonMark); list items stay lines.
            blocks.append((0, unwrap(_markdown_inline("\n".join(paragraph)))))
            paragraph.clear()

    for line in body.split("\n"):
        stripped = line.strip()
        if fence or stripped.startswith(("```", "~~~")):
            if stripped.startswith(("```", "~~~")) and (not fence or stripped.startswith(fence)):
                fence = "" if fence else stripped[:3]
            elif fence:
                paragraph.append(line)
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            flush()
            blocks.append((len(heading.group(1)), _markdown_inline(heading.group(2))))
        elif not stripped or _MD_RULE.match(line):
            flush()
        elif not _MD_TABLE_RULE.match(line) and not _MD_LINK_DEFINITION.match(line):
            line = re.sub(r"^(\s*)[*+](\s+)", r"\1-\2", re.sub(r"^\s*>\s?", "", line))
            paragraph.append(line)
    flush()
    return blocks
