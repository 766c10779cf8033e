"""What every reader shares: decoding bytes, cleaning text, finding dates, building sections.

A reader turns its file into heading/paragraph blocks and hands them here: text is NFC,
invisible characters and icon names are gone, page-furniture lines such as "Gå til toppen"
and image captions such as "Illustrasjon." are dropped, and the blocks become sections
under their heading path. A "Sist oppdatert"/"Publisert" date is found the same way for
every file type. `Parsed` is what a reader returns and `Rejected` what it raises when the
file is unusable; `ingest.readers` adds the path, the id and the language.

This module knows no file format: HTML structure is `ingest.html`'s, Markdown syntax
`ingest.markdown`'s, PDF and Word `ingest.office`'s.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import charset_normalizer

from ingest.documents import Section

if TYPE_CHECKING:  # a type only: the HTML parser is not imported for a fingerprint
    from ingest.html import Block

TITLE_MAX_CHARS = 120  # a longer first line is text, not a title

# Page furniture that survives HTML cleaning (or sits in text files), and the words dates
# are read by: ingest/data/page_furniture.toml.
FURNITURE_FILE = Path(__file__).with_name("data") / "page_furniture.toml"
_FURNITURE = tomllib.loads(FURNITURE_FILE.read_text("utf-8"))
FURNITURE_LINES = frozenset(line.casefold() for line in _FURNITURE["lines"])
_ICON_NAMES = re.compile(
    r"(?<![A-Za-z_])(?:arrow_(?:upward|downward|forward|back)|chevron_(?:left|right)"
    r"|expand_(?:more|less)|open_in_new|keyboard_arrow_(?:up|down|left|right))"
)


def _alternatives(words) -> str:
    """A regex alternation of `words`, longest first, whitespace inside one matching any."""
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, w.split())) for w in ordered)


_ILLUSTRATION = re.compile(
    rf"(?:^|\.\s*)(?:{_alternatives(_FURNITURE['illustration'])})\.?$", re.IGNORECASE
)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u00ad\ufeff"), None) | dict.fromkeys(
    map(ord, "\xa0\u2007\u202f"), " "
)

# A date may use any prefix of 3+ letters of a month's name ("aug.").
_MONTHS = tuple(tuple(names) for names in _FURNITURE["months"])
_DATE = re.compile(
    r"(?P<iso>(\d{4})-(\d{1,2})-(\d{1,2}))"
    r"|(?P<dotted>\b(\d{1,2})\.(\d{1,2})\.(\d{4}))"
    r"|(?P<named>\b(\d{1,2})\.?\s+([^\W\d_]{3,9})\.?,?\s+(\d{4}))"
)
DATE_LABEL = re.compile(
    rf"(?:^|[,|·•]\s*)({_alternatives(_FURNITURE['date_labels'])})\b\s*:?\s*(?:den\s+)?",
    re.IGNORECASE,
)


# The most text one document may give (about 1,000 pages); a file that extracts to more,
# like a PDF whose 0.5 MB expand to 60 MB of text, is skipped with a line.
MAX_TEXT_CHARS = 2_000_000
TOO_MUCH_TEXT = f"for mye tekst (mer enn {MAX_TEXT_CHARS:,} tegn)".replace(",", " ")


class Rejected(Exception):
    """A reader found the file unusable; `read_document` adds the path."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Parsed:
    """What a reader found in one file; `read_document` turns it into a `Document`."""

    title: str
    sections: tuple[Section, ...]
    url: str = ""
    updated: str = ""
    lang: str = ""  # declared language code (not yet normalised), "" when unknown


# ------------------------------------------------------------------------------ decoding


def decode(raw: bytes, declared: str | None = None) -> str:
    """Bytes -> NFC text: UTF-16 with BOM, else UTF-8 (BOM dropped), else the declared
    charset, else Windows-1252 (what old Norwegian files are), else a best guess."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _try_decode(raw, "utf-16")
    elif b"\x00" in raw:
        raise Rejected("binær fil, ikke tekst")
    else:
        if declared and declared.startswith(("utf-16", "utf-32")):
            declared = None  # a page without a BOM that says so is lying
        text = next(
            (t for e in ("utf-8-sig", declared, "cp1252") if e and (t := _try_decode(raw, e))),
            None,
        )
    if text is None:
        best = charset_normalizer.from_bytes(raw).best()
        text = str(best) if best is not None else None
    if text is None or _looks_binary(text):
        raise Rejected("binær fil, ikke tekst")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def _try_decode(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
    return controls > max(2, len(text) // 100)


# ------------------------------------------------------------------------------ cleaning


def clean_text(text: str) -> str:
    """NFC, invisible characters gone, whitespace collapsed per line, photo credits and
    furniture lines dropped."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    lines = []
    for line in text.split("\n"):
        line = " ".join(drop_photo_credits(_ICON_NAMES.sub(" ", line)).split())
        if line and not _is_furniture_line(line):
            lines.append(line)
    return "\n".join(lines)


PHOTO_CREDITS_FILE = Path(__file__).with_name("data") / "photo_credits.toml"
CREDIT_MAX_WORDS = 10  # a "Foto: …" longer than this before its end is text, not a credit


# Raised when the cleaning of text changes in a way its data files do not show.
CLEANING_VERSION = 1


def cleaning_fingerprint() -> str:
    """What the cleaning depends on, as a short digest: CLEANING_VERSION and the data of
    the page furniture and the photo credits (not their comments). Another one rebuilds
    the index (`ingest.pipeline`): the documents are read and embedded again."""
    import hashlib
    import json

    data = {
        "version": CLEANING_VERSION,
        "credits": tomllib.loads(PHOTO_CREDITS_FILE.read_text("utf-8")),
        "furniture": tomllib.loads(FURNITURE_FILE.read_text("utf-8")),
    }
    text = json.dumps(data, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def _credit_patterns() -> tuple[re.Pattern, re.Pattern]:
    data = tomllib.loads(PHOTO_CREDITS_FILE.read_text("utf-8"))
    # Longest first, so that "NTB scanpix" is one agency and not "NTB" and the rest.
    labels, agencies = _alternatives(data["labels"]), _alternatives(data["agencies"])
    label = re.compile(rf"(?:^|(?<=[\s.!?»”\"]))\(?(?:{labels})\s*:\s*", re.IGNORECASE)
    agency = re.compile(rf"(?<!\w)(?:{agencies})(?!\w)\.?\)?", re.IGNORECASE)
    return label, agency


def drop_photo_credits(line: str) -> str:
    """A line without its photo credits: "(Foto: Kari Nordmann)", "Foto: X / NTB scanpix"
    before more text, "Foto: Privat" at the end of the line. A "Foto:" that none of
    those fit is left as written."""
    label, agency = _credit_patterns()
    start = 0
    while match := label.search(line, start):
        rest = line[match.end() :]
        end = _credit_end(rest, agency)
        if end is None:
            start = match.end()
            continue
        line = (line[: match.start()].rstrip() + " " + rest[end:].lstrip()).strip()
        start = match.start()
    return line


def _credit_end(rest: str, agency: re.Pattern) -> int | None:
    """Where a credit that starts `rest` ends, or None when it is not one."""
    last = None
    for found in agency.finditer(rest):
        if not _credit_words(rest[: found.start()]):
            break
        last = found.end()
    if last is not None:
        more = rest[last:]
        if more.lstrip().startswith(("/", ",")) and _line_is_credit(more):
            return len(rest)  # "Foto: HANDOUT / Norges Volleyballforbund"
        return last
    close = rest.find(")")
    if 0 < close and _credit_words(rest[:close]):
        return close + 1
    return len(rest) if _line_is_credit(rest) else None


def _line_is_credit(rest: str) -> bool:
    """A short rest of a line that does not read as a sentence: "Trondheim kommune"."""
    sentence = re.search(r"[.!?]\s+\S", rest) or (
        rest.rstrip().endswith((".", "!", "?")) and len(rest.split()) > 4
    )
    return _credit_words(rest) and not sentence


def _credit_words(text: str) -> bool:
    """Whether text could be (the start of) a credit: a few names, no sentence end."""
    words = text.replace("/", " ").replace(",", " ").split()
    return len(words) <= CREDIT_MAX_WORDS and not re.search(r"[!?:;]|\w{2,}\.\s", text)


def _is_furniture_line(line: str) -> bool:
    key = line.casefold().strip(" .!?:")
    return key in FURNITURE_LINES or bool(_ILLUSTRATION.search(line))


def clean_blocks(blocks: Sequence[Block]) -> list[Block]:
    cleaned = []
    for level, text in blocks:
        text = clean_text(text)
        if level:
            text = text.replace("\n", " ")
        if text:
            cleaned.append((level, text))
    return cleaned


_BULLET = re.compile(r"^(?:[-•*–]|\d{1,2}[.)])\s")
_WRAP_MIN_CHARS = 50  # a shorter line before a capital letter ends a block (e.g. a heading)
_NOT_HYPHENATED = {"og", "eller", "and", "or", "til"}  # "samarbeids- og ..." keeps its hyphen


def unwrap(paragraph: str) -> str:
    """Join the hard line wraps of PDF and plain-text paragraphs, so that a sentence is
    one line again; list items, headings and lines after a full stop stay lines."""
    lines = paragraph.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        previous = out[-1]
        if line.startswith("|") or previous.startswith("|"):  # a table row stays a line
            out.append(line)
            continue
        starts_block = line[:1].isupper() or line[:1].isdigit() or bool(_BULLET.match(line))
        ends_block = (
            previous.endswith((".", "!", "?", ":"))
            or len(previous) < _WRAP_MIN_CHARS
            or bool(_BULLET.match(previous))  # a capital after a list item starts a new line
        )
        if _BULLET.match(line) or (starts_block and ends_block):
            out.append(line)
        elif (previous.endswith("-") and previous[-2:-1].isalpha() and line[:1].islower()
              and line.split(" ", 1)[0] not in _NOT_HYPHENATED):  # fmt: skip
            out[-1] = previous[:-1] + line
        else:
            out[-1] = f"{previous} {line}"
    return "\n".join(out)


def http_url(value: object) -> str:
    url = value.strip() if isinstance(value, str) else ""
    return url if urlparse(url).scheme in ("http", "https") else ""


# ------------------------------------------------------------------------------ sections


def _same_title(a: str, b: str) -> bool:
    def key(s: str) -> str:
        return " ".join(s.casefold().split()).rstrip(" .:?!")

    return key(a) == key(b)


def build_sections(blocks: Sequence[Block], title: str) -> tuple[str, tuple[Section, ...]]:
    """Group body blocks under their heading path.

    The first H1 is the document title (and not part of any path) when it equals `title`
    or there is no title yet. Returns the title and the non-empty sections.
    """
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    paragraphs: list[str] = []
    seen_h1 = False

    def flush() -> None:
        if paragraphs:
            sections.append(Section(tuple(text for _, text in stack), "\n\n".join(paragraphs)))
            paragraphs.clear()

    for level, text in blocks:
        if level == 0:
            paragraphs.append(text)
            continue
        flush()
        if level == 1 and not seen_h1 and (not title or _same_title(text, title)):
            title, seen_h1 = title or text, True
            continue
        seen_h1 = seen_h1 or level == 1
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, text))
    flush()
    return title, tuple(sections)


def section_lines(sections: Sequence[Section]) -> list[str]:
    return [line for section in sections for line in section.text.split("\n")]


# --------------------------------------------------------------------------------- dates


def parse_date(value: str) -> str:
    """First valid date in `value` as "YYYY-MM-DD" (12.08.2022, 12. august 2022, ISO)."""
    for match in _DATE.finditer(value):
        groups = match.groups()
        if match.group("iso"):
            year, month, day = groups[1], groups[2], groups[3]
        elif match.group("dotted"):
            day, month, year = groups[5], groups[6], groups[7]
        else:
            day, month, year = groups[9], _month_number(groups[10]), groups[11]
        try:
            return dt.date(int(year), int(month), int(day)).isoformat()
        except (TypeError, ValueError):
            continue
    return ""


def _month_number(word: str) -> int | None:
    word = word.casefold()
    for number, names in enumerate(_MONTHS, start=1):
        if any(name.startswith(word) for name in names):
            return number
    return None


def dates_in_lines(lines: Sequence[str]) -> tuple[str, str]:
    """(updated, published) from "Sist oppdatert: ..." / "Publisert ..." lines, or ""."""
    updated = published = ""
    for line in lines:
        for match in DATE_LABEL.finditer(line):
            date = parse_date(line[match.end() : match.end() + 40])
            if not date:
                continue
            if match.group(1).casefold().startswith("publisert"):
                published = published or date
            else:
                updated = updated or date
    return updated, published
