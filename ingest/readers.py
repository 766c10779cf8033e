"""Read source files (HTML, Markdown, plain text, PDF, Word) into cleaned `Document`s.

Each reader turns a file into heading/paragraph blocks; the same cleaning then runs for
every type (NFC, page-furniture lines such as "Gå til toppen" and image captions such as
"Illustrasjon." dropped, a "Sist oppdatert" date found) and the blocks become sections
under their heading path. Anything that makes a file unusable is raised as
`UnreadableDocument` with a reason in Norwegian; no parser exception escapes.

Web-page specifics live in `ingest.html`. Chunking, embedding and indexing do not belong
here.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import charset_normalizer
import docx
import yaml
from docx.table import Table
from pypdf import PdfReader

from ingest import html
from ingest.documents import Document, Section
from ingest.errors import UnreadableDocument
from ingest.html import Block
from ingest.language import guess_language

SUPPORTED_SUFFIXES = {".html", ".htm", ".md", ".markdown", ".txt", ".pdf", ".docx"}
TITLE_MAX_CHARS = 120  # a longer first line is text, not a title
HEADING_MAX_CHARS = 80  # plain-text headings are shorter than this

# Page furniture that survives HTML cleaning (or sits in text files), compared case- and
# end-punctuation-insensitively.
FURNITURE_LINES = {
    *"fant du det du lette etter|gå til toppen|til toppen|arrow_upward|hopp til hovedinnhold"
    "|hopp til innhold|gå til hovedinnhold|skip to content|skip to main content|skriv ut"
    "|del denne siden".split("|")
}
_ICON_NAMES = re.compile(
    r"(?<![A-Za-z_])(?:arrow_(?:upward|downward|forward|back)|chevron_(?:left|right)"
    r"|expand_(?:more|less)|open_in_new|keyboard_arrow_(?:up|down|left|right))"
)
_ILLUSTRATION = re.compile(r"(?:^|\.\s*)illustrasjon(?:sfoto|sbilde)?\.?$", re.IGNORECASE)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u00ad\ufeff"), None) | dict.fromkeys(
    map(ord, "\xa0\u2007\u202f"), " "
)
_LIGATURES = {"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl"}

# Norwegian and English month names; a date may use any prefix of 3+ letters ("aug.").
_MONTHS = tuple(
    names.split("/")
    for names in "januar/january februar/february mars/march april mai/may juni/june "
    "juli/july august september oktober/october november desember/december".split()
)
_DATE = re.compile(
    r"(?P<iso>(\d{4})-(\d{1,2})-(\d{1,2}))"
    r"|(?P<dotted>\b(\d{1,2})\.(\d{1,2})\.(\d{4}))"
    r"|(?P<named>\b(\d{1,2})\.?\s+([^\W\d_]{3,9})\.?,?\s+(\d{4}))"
)
_DATE_LABEL = re.compile(
    r"(?:^|[,|·•]\s*)(sist\s+oppdatert|sist\s+endret|oppdatert|publisert)\b\s*:?\s*(?:den\s+)?",
    re.IGNORECASE,
)
_BROKEN = {".pdf": "ødelagt eller ufullstendig PDF", ".docx": "ødelagt Word-fil"}


class _Rejected(Exception):
    """A reader found the file unusable; `read_document` adds the path."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Parsed:
    title: str
    sections: tuple[Section, ...]
    url: str = ""
    updated: str = ""
    lang: str = ""  # declared language code (not yet normalised), "" when unknown


# ---------------------------------------------------------------- finding and dispatch


def find_sources(
    paths: Sequence[Path],
) -> tuple[list[tuple[Path, Path]], list[tuple[str, str]]]:
    """Expand files and folders into (file, root) pairs, plus (path, reason) for skipped ones.

    Folders are searched recursively in sorted order, skipping hidden files and folders;
    their root is the folder itself. A file's root is its parent folder.
    """
    found: list[tuple[Path, Path]] = []
    skipped: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for given in map(Path, paths):
        if given.is_dir():
            candidates = [(file, given) for file in _files_under(given)]
        elif given.is_file():
            candidates = [(given, given.parent)]
        else:
            skipped.append((str(given), "finnes ikke"))
            continue
        for file, root in candidates:
            if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                skipped.append((str(file), _unsupported_reason(file)))
            elif file.resolve() not in seen:
                seen.add(file.resolve())
                found.append((file, root))
    return found, skipped


def _files_under(folder: Path) -> list[Path]:
    files = []
    for current, dirnames, filenames in os.walk(folder):
        dirnames[:] = [name for name in dirnames if not _is_hidden(name)]
        files.extend(Path(current, name) for name in filenames if not _is_hidden(name))
    return sorted(files, key=lambda file: file.relative_to(folder).parts)


def _is_hidden(name: str) -> bool:
    return name.startswith(".") or name.startswith("~$")  # ~$ = Word's lock files


def _unsupported_reason(path: Path) -> str:
    if not path.suffix:
        return "filtypen støttes ikke (ingen filendelse)"
    return f"filtypen {path.suffix} støttes ikke"


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
    except _Rejected as err:
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
        raise _Rejected(_unsupported_reason(path))
    if not raw.removeprefix(codecs.BOM_UTF8).strip():
        raise _Rejected("tom fil")
    parsed = reader(raw)
    if not parsed.sections:
        raise _Rejected("ingen tekst igjen etter rensing")
    text = "\n\n".join(section.text for section in parsed.sections)
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


# ------------------------------------------------------------- decoding and cleaning


def _decode(raw: bytes, declared: str | None = None) -> str:
    """Bytes -> NFC text: UTF-16 with BOM, else UTF-8 (BOM dropped), else the declared
    charset, else Windows-1252 (what old Norwegian files are), else a best guess."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _try_decode(raw, "utf-16")
    elif b"\x00" in raw:
        raise _Rejected("binær fil, ikke tekst")
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
        raise _Rejected("binær fil, ikke tekst")
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


def _clean_text(text: str) -> str:
    """NFC, invisible characters gone, whitespace collapsed per line, furniture lines dropped."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    lines = []
    for line in text.split("\n"):
        line = " ".join(_ICON_NAMES.sub(" ", line).split())
        if line and not _is_furniture_line(line):
            lines.append(line)
    return "\n".join(lines)


def _is_furniture_line(line: str) -> bool:
    key = line.casefold().strip(" .!?:")
    return key in FURNITURE_LINES or bool(_ILLUSTRATION.search(line))


def _clean_blocks(blocks: Sequence[Block]) -> list[Block]:
    cleaned = []
    for level, text in blocks:
        text = _clean_text(text)
        if level:
            text = text.replace("\n", " ")
        if text:
            cleaned.append((level, text))
    return cleaned


def _same_title(a: str, b: str) -> bool:
    def key(s: str) -> str:
        return " ".join(s.casefold().split()).rstrip(" .:?!")

    return key(a) == key(b)


def _build_sections(blocks: Sequence[Block], title: str) -> tuple[str, tuple[Section, ...]]:
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


# ------------------------------------------------------------------------------ dates


def _parse_date(value: str) -> str:
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


def _dates_in_lines(lines: Sequence[str]) -> tuple[str, str]:
    """(updated, published) from "Sist oppdatert: ..." / "Publisert ..." lines, or ""."""
    updated = published = ""
    for line in lines:
        for match in _DATE_LABEL.finditer(line):
            date = _parse_date(line[match.end() : match.end() + 40])
            if not date:
                continue
            if match.group(1).casefold().startswith("publisert"):
                published = published or date
            else:
                updated = updated or date
    return updated, published


def _section_lines(sections: Sequence[Section]) -> list[str]:
    return [line for section in sections for line in section.text.split("\n")]


def _http_url(value: object) -> str:
    url = value.strip() if isinstance(value, str) else ""
    return url if urlparse(url).scheme in ("http", "https") else ""


# ---------------------------------------------------------------------------- readers


def _read_html(raw: bytes) -> _Parsed:
    page = html.parse_html(_decode(raw, html.declared_charset(raw)))
    title, sections = _build_sections(_clean_blocks(page.blocks), _clean_text(page.title))
    line_updated, line_published = _dates_in_lines(_section_lines(sections))
    if not (line_updated or line_published):
        line_updated, line_published = _dates_in_lines(page.page_lines)
    updated = (
        _parse_date(page.modified) or line_updated or _parse_date(page.published) or line_published
    )
    return _Parsed(title, sections, url=_http_url(page.url), updated=updated, lang=page.lang)


def _read_markdown(raw: bytes) -> _Parsed:
    meta, body = _split_front_matter(_decode(raw))
    front_title = meta.get("title")
    title = _clean_text(str(front_title)) if front_title else ""
    title, sections = _build_sections(_clean_blocks(_markdown_blocks(body)), title)
    updated = _front_matter_date(meta) or next(
        (date for date in _dates_in_lines(_section_lines(sections)) if date), ""
    )
    return _Parsed(
        title,
        sections,
        url=_http_url(meta.get("url")),
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
        raise _Rejected(f"ugyldig YAML i front matter ({type(err).__name__})") from err
    return (meta if isinstance(meta, dict) else {}), text[match.end() :]


def _front_matter_date(meta: dict) -> str:
    for key in ("updated", "last_modified", "modified", "date"):
        value = meta.get(key)
        if isinstance(value, dt.date):
            return value.strftime("%Y-%m-%d")
        if isinstance(value, str) and _parse_date(value):
            return _parse_date(value)
    return ""


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
            blocks.append((0, _markdown_inline("\n".join(paragraph))))
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


def _read_text(raw: bytes) -> _Parsed:
    text = _decode(raw)
    paragraphs = [_unwrap(p) for p in (_clean_text(p) for p in re.split(r"\n\s*\n", text)) if p]
    title = ""
    if paragraphs:
        first_line, _, rest = paragraphs[0].partition("\n")
        if len(first_line) < TITLE_MAX_CHARS and (rest or len(paragraphs) > 1):
            title = first_line
            paragraphs = ([rest] if rest else []) + paragraphs[1:]
    _, sections = _build_sections(_text_blocks(paragraphs), title)
    updated, published = _dates_in_lines(_section_lines(sections))
    return _Parsed(title, sections, updated=updated or published)


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
        and not _DATE_LABEL.search(paragraph)
    )


def _read_pdf(raw: bytes) -> _Parsed:
    reader = PdfReader(io.BytesIO(raw))
    if reader.is_encrypted:
        try:
            decrypted = reader.decrypt("")
        except Exception as err:
            raise _Rejected("kryptert PDF (passordbeskyttet)") from err
        if not decrypted:
            raise _Rejected("kryptert PDF (passordbeskyttet)")
    sections = []
    for number, page in enumerate(reader.pages, start=1):
        text = _clean_pdf_page(page.extract_text() or "")
        if text:
            sections.append(Section(path=(), text=text, page=number))
    if not sections:
        raise _Rejected("ingen tekst å hente ut (skannet PDF?)")
    first_line = sections[0].text.split("\n", 1)[0]
    title = _pdf_title(reader) or (first_line if len(first_line) < TITLE_MAX_CHARS else "")
    updated, published = _dates_in_lines(_section_lines(sections))
    return _Parsed(title, tuple(sections), updated=updated or published)


def _clean_pdf_page(text: str) -> str:
    for ligature, letters in _LIGATURES.items():
        text = text.replace(ligature, letters)
    paragraphs = (_clean_text(p) for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(_unwrap(p) for p in paragraphs if p)


_BULLET = re.compile(r"^(?:[-•*–]|\d{1,2}[.)])\s")
_WRAP_MIN_CHARS = 50  # a shorter line before a capital letter ends a block (e.g. a heading)
_NOT_HYPHENATED = {"og", "eller", "and", "or", "til"}  # "samarbeids- og ..." keeps its hyphen


def _unwrap(paragraph: str) -> str:
    """Join the hard line wraps of PDF and plain-text paragraphs, so that a sentence is
    one line again; list items, headings and lines after a full stop stay lines."""
    lines = paragraph.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        previous = out[-1]
        starts_block = line[:1].isupper() or line[:1].isdigit() or bool(_BULLET.match(line))
        ends_block = previous.endswith((".", "!", "?", ":")) or len(previous) < _WRAP_MIN_CHARS
        if _BULLET.match(line) or (starts_block and ends_block):
            out.append(line)
        elif (previous.endswith("-") and previous[-2:-1].isalpha() and line[:1].islower()
              and line.split(" ", 1)[0] not in _NOT_HYPHENATED):  # fmt: skip
            out[-1] = previous[:-1] + line
        else:
            out[-1] = f"{previous} {line}"
    return "\n".join(out)


def _pdf_title(reader: PdfReader) -> str:
    metadata = reader.metadata
    title = str(metadata.title or "") if metadata else ""
    title = _clean_text(re.sub(r"^Microsoft Word - |\.docx?$", "", title.strip()))
    return "" if title.casefold() in ("untitled", "(anonymous)", "unknown") else title


def _read_docx(raw: bytes) -> _Parsed:
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
    core_title = _clean_text(document.core_properties.title or "")
    title, sections = _build_sections(_clean_blocks(blocks), core_title)
    updated, published = _dates_in_lines(_section_lines(sections))
    return _Parsed(title, sections, updated=updated or published)


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


_READERS: dict[str, Callable[[bytes], _Parsed]] = {
    ".html": _read_html,
    ".htm": _read_html,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".txt": _read_text,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
