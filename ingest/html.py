"""Turn a web page into its main content: title, URL, raw dates and heading/body blocks.

Only the page's own content survives: the `<main>`/`<article>` element when there is one
(else `<body>`), without navigation, headers, footers, cookie banners, breadcrumbs, skip
links, share/print widgets, scripts or hidden elements. Headings keep their level. An
article's own `<header>` (holding its heading) is kept, and an element whose class merely
mentions e.g. "cookie" is kept when it wraps the page content (has an h1/main/article).

This module does not parse dates, drop furniture *lines* ("Gå til toppen") or build
sections; `ingest.cleaning` does that the same way for every file type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

# (level, text): level 1-6 is a heading, level 0 a body paragraph (list items as "- " lines).
Block = tuple[int, str]

REMOVED_TAGS = set(
    "nav header footer aside script style noscript template form button iframe svg dialog "
    "select".split()
)
REMOVED_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}
# Matched against an element's id and classes (lower-cased).
_FURNITURE_NAME = re.compile(
    r"cookie|consent|gdpr|breadcrumb|brødsmule|brodsmule|skip-?link|skip-?to"
    r"|share(?!d|point)|social|(?<![a-z])print(?!ed)|(?:^|[\s_-])del-"
)
_FURNITURE_LABEL = re.compile(r"breadcrumb|brødsmule|brodsmule")
_SKIP_LINK_TEXT = re.compile(
    r"^(hopp til|hopp over|gå til (hoved)?innhold|gå direkte til|skip to|skip navigation)",
    re.IGNORECASE,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCK_TAGS = set(
    "address article blockquote body center dd details div dl dt fieldset figcaption figure "
    "footer header hr li main p section summary".split()
)
_TITLE_SEPARATORS = (" | ", " – ", " — ", " - ")
_MODIFIED_KEYS = tuple(
    "article:modified_time og:updated_time dcterms.modified last-modified dc.date.modified "
    "datemodified".split()
)
_PUBLISHED_KEYS = ("article:published_time", "dcterms.created", "date", "dc.date", "datepublished")
_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([a-zA-Z0-9_.:-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class HtmlPage:
    """What a web page says about itself, before dates are parsed and lines are cleaned.

    `modified` and `published` are raw date strings from meta tags; `page_lines` is all
    visible text of the page (also outside the main content), to find a "Sist oppdatert"
    line in a page footer.
    """

    title: str
    url: str
    lang: str
    modified: str
    published: str
    blocks: tuple[Block, ...]
    page_lines: tuple[str, ...]


def declared_charset(raw: bytes) -> str | None:
    """Return the charset a page declares in a `<meta>` tag near its top, if any."""
    match = _CHARSET.search(raw[:4096])
    return match.group(1).decode("ascii").lower() if match else None


def parse_html(markup: str) -> HtmlPage:
    """Parse a page and keep its main content as heading and paragraph blocks."""
    soup = BeautifulSoup(markup, "lxml")
    meta = _meta_values(soup)
    for element in soup.find_all(["script", "style", "noscript", "template"]):
        element.decompose()
    page = soup.body or soup
    page_lines = tuple(line for _, text in _blocks(page) for line in text.split("\n"))
    blocks: list[Block] = []
    title_h1 = ""
    for root in _content_roots(soup):
        _remove_furniture(root)
        blocks = _blocks(root)
        title_h1 = _first_h1(root)
        if blocks:
            break
    return HtmlPage(
        title=title_h1 or _page_title(soup, meta),
        url=_page_url(soup, meta),
        lang=_page_lang(soup, meta),
        modified=_first_value(meta, _MODIFIED_KEYS),
        published=_first_value(meta, _PUBLISHED_KEYS),
        blocks=tuple(blocks),
        page_lines=page_lines,
    )


def _meta_values(soup: BeautifulSoup) -> dict[str, str]:
    values: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        content = meta.get("content")
        if not isinstance(content, str) or not content.strip():
            continue
        for attribute in ("property", "name", "http-equiv", "itemprop"):
            key = meta.get(attribute)
            if isinstance(key, str):
                values.setdefault(key.strip().lower(), content.strip())
    return values


def _first_value(meta: dict[str, str], keys: tuple[str, ...]) -> str:
    return next((meta[key] for key in keys if meta.get(key)), "")


def _content_roots(soup: BeautifulSoup) -> list[Tag]:
    """Candidates for the main content, best first; the page body is always last."""
    roots = [soup.find("main"), soup.find(attrs={"role": "main"})]
    articles = soup.find_all("article")
    if len(articles) == 1:
        roots.append(articles[0])
    roots.append(soup.body or soup)
    return [root for root in roots if isinstance(root, Tag)]


def _remove_furniture(root: Tag) -> None:
    for element in root.find_all(True):
        if not element.decomposed and _is_furniture(element):
            element.decompose()


def _is_furniture(element: Tag) -> bool:
    if element.name in REMOVED_TAGS:
        return not _is_article_header(element)
    attrs = element.attrs
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true":
        return True
    if _HIDDEN_STYLE.search(str(attrs.get("style", "")).lower()):
        return True
    if str(attrs.get("role", "")).lower() in REMOVED_ROLES:
        return True
    names = " ".join([str(attrs.get("id", "")), *element.get("class", [])]).lower()
    label = str(attrs.get("aria-label", "")).lower()
    if _FURNITURE_NAME.search(names) or _FURNITURE_LABEL.search(label):
        return element.find(["h1", "main", "article"]) is None  # not a page wrapper
    return element.name == "a" and _is_skip_link(element)


def _is_article_header(element: Tag) -> bool:
    """An article's own `<header>` (holding its heading and lead) is content, not furniture."""
    return (
        element.name == "header"
        and element.find(list(_HEADINGS)) is not None
        and element.find_parent(["article", "main"]) is not None
    )


def _is_skip_link(link: Tag) -> bool:
    href = str(link.get("href", ""))
    return href.startswith("#") and bool(_SKIP_LINK_TEXT.match(link.get_text(" ", strip=True)))


def _first_h1(root: Tag) -> str:
    for heading in root.find_all("h1"):
        text = _collapse(heading.get_text(" "))
        if text:
            return text
    return ""


def _page_title(soup: BeautifulSoup, meta: dict[str, str]) -> str:
    title = _collapse(soup.title.get_text(" ")) if soup.title else ""
    if title:
        return _strip_site_suffix(title, meta.get("og:site_name", ""))
    return _collapse(meta.get("og:title", ""))


def _strip_site_suffix(title: str, site_name: str) -> str:
    """ "Hva bidrar TRD 3.0 til? - Trondheim kommune" -> "Hva bidrar TRD 3.0 til?"."""
    for separator in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if not found or not head.strip():
            continue
        words = tail.split()
        looks_like_site = (
            tail.strip().casefold() == site_name.strip().casefold()
            or separator == " | "
            or (len(words) <= 4 and tail.strip()[:1].isupper())
        )
        if looks_like_site:
            return head.strip()
    return title


def _page_url(soup: BeautifulSoup, meta: dict[str, str]) -> str:
    candidates = [
        link.get("href")
        for link in soup.find_all("link")
        if "canonical" in [str(rel).lower() for rel in link.get("rel", [])]
    ]
    candidates.append(meta.get("og:url"))
    for url in candidates:
        if isinstance(url, str) and urlparse(url.strip()).scheme in ("http", "https"):
            return url.strip()
    return ""


def _page_lang(soup: BeautifulSoup, meta: dict[str, str]) -> str:
    html = soup.find("html")
    if isinstance(html, Tag):
        for attribute in ("lang", "xml:lang"):
            value = html.get(attribute)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return meta.get("content-language") or meta.get("og:locale") or ""


def _collapse(text: str) -> str:
    """Collapse runs of whitespace inside each line and drop empty lines."""
    lines = (" ".join(line.split()) for line in text.replace("\xa0", " ").split("\n"))
    return "\n".join(line for line in lines if line)


class _BlockWriter:
    """Collects inline text into paragraphs and emits heading/paragraph blocks in order."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._inline: list[str] = []

    def text(self, text: str) -> None:
        self._inline.append(re.sub(r"\s+", " ", text))

    def line_break(self) -> None:
        self._inline.append("\n")

    def flush(self) -> None:
        pending, self._inline = "".join(self._inline), []
        self.add(0, pending)

    def add(self, level: int, text: str) -> None:
        text = _collapse(text)
        if level:
            text = text.replace("\n", " ")
        if text:
            self.blocks.append((level, text))


def _blocks(root: Tag) -> list[Block]:
    writer = _BlockWriter()
    _walk(root, writer)
    writer.flush()
    return writer.blocks


def _walk(node: Tag, writer: _BlockWriter) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, PreformattedString):
                writer.text(str(child))
        elif isinstance(child, Tag):
            _walk_tag(child, writer)


def _walk_tag(tag: Tag, writer: _BlockWriter) -> None:
    name = tag.name
    if name in _HEADINGS:
        writer.flush()
        writer.add(_HEADINGS[name], tag.get_text(" "))
    elif name in ("ul", "ol"):
        writer.flush()
        writer.add(0, "\n".join(_list_items(tag)))
    elif name == "table":
        writer.flush()
        writer.add(0, "\n".join(_table_rows(tag)))
    elif name == "pre":
        writer.flush()
        writer.add(0, tag.get_text())
    elif name == "br":
        writer.line_break()
    elif name in _BLOCK_TAGS:
        writer.flush()
        _walk(tag, writer)
        writer.flush()
    else:
        _walk(tag, writer)


def _list_items(list_tag: Tag) -> list[str]:
    items = list_tag.find_all("li", recursive=False) or list_tag.find_all("li")
    lines: list[str] = []
    for item in items:
        parts: list[str] = []
        nested: list[str] = []
        for child in item.children:
            if isinstance(child, Tag) and child.name in ("ul", "ol"):
                nested.extend(_list_items(child))
            elif isinstance(child, Tag):
                parts.append(child.get_text(" "))
            elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
                parts.append(str(child))
        text = " ".join(" ".join(parts).split())
        if text:
            lines.append(f"- {text}")
        lines.extend(nested)
    return lines


def _table_rows(table: Tag) -> list[str]:
    rows = []
    for row in table.find_all("tr"):
        cells = [" ".join(c.get_text(" ").split()) for c in row.find_all(["td", "th"])]
        line = " | ".join(cell for cell in cells if cell)
        if line:
            rows.append(line)
    return rows
