"""A website as a source: its pages synced into a mirror folder inside the index folder.

A web source is a sitemap URL (a path ending in `.xml` or `.xml.gz`; sitemap indexes are
followed) or one page's URL. `sync_site` brings the mirror `<index>/.web/<host>-<hash>/`
up to date with it, one file per page (`<host>/<path>.html|.pdf|.docx`, so a page's
document id is e.g. `www.example.no/trd30/om.html`) and `.state.json` beside them with each
page's URL, final URL (after redirects), ETag, Last-Modified and when it was fetched.
The pipeline then reads the mirror like a folder, so its content hash decides what is
embedded again:

- 304 Not Modified (a conditional GET with the stored ETag/Last-Modified): the file is
  left as it is, so nothing is read or embedded again;
- 200: the file is replaced (re-embedded only if its bytes changed);
- 404/410, or no longer in the sitemap, or now refused (robots.txt, too big, another
  type): the page leaves the index; its file is deleted (`prune_mirror`) once the index
  without it is written, so a run the removal guard refuses changes nothing;
- 5xx, a timeout, no connection: the file is kept (the document stays, as it was) and the
  page is reported in `kept`; a sitemap that cannot be read keeps every page.

HTTP itself (robots.txt, pace, limits, redirects) is `ingest.fetch`; reading the files is
the readers' job. `page_document` gives a web document its canonical URL and date.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from .errors import IndexWriteError
from .sources import MAX_FILE_BYTES

MIRROR = ".web"
STATE = ".state.json"
LOCK = ".lock"
MAX_SITEMAPS = 200  # sitemaps followed per source (an index of indexes stops there)
_SEGMENT_CHARS = re.compile(r"[^\w.~-]+")


def user_agent(contact: str = "") -> str:
    """ "TRD30-boten/<version> (+<contact>)": who is fetching, and how to reach them."""
    try:
        version = metadata.version("trd30-boten")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"TRD30-boten/{version}" + (f" (+{contact.strip()})" if contact.strip() else "")


@dataclass(frozen=True)
class WebSettings:
    """How web sources are fetched (sources.toml's [web] table)."""

    user_agent: str = field(default_factory=user_agent)
    hosts: tuple[str, ...] = ()  # hosts beyond each source's own that may be fetched
    requests_per_second: float = 1.0  # per host; a longer robots.txt Crawl-delay wins
    concurrency: int = 2
    timeout: float = 20.0  # seconds for a whole page
    max_bytes: int = MAX_FILE_BYTES
    max_pages: int = 5000  # per source


@dataclass(frozen=True)
class Page:
    """One mirrored page: `url` as listed, `final_url` after redirects, `path` in the mirror."""

    url: str
    final_url: str
    path: str
    etag: str = ""
    last_modified: str = ""
    fetched: str = ""  # ISO time of the last download (200)
    gone: str = ""  # why it leaves the index; its file is deleted once the index is written


@dataclass(frozen=True)
class SiteSync:
    """The mirror after a sync: `pages` by path; `skipped` pages are not in it, `kept`
    ones failed this time and kept their previous copy; `reachable` is False when the
    listing itself failed (everything kept)."""

    root: Path
    pages: dict[str, Page]
    skipped: list[tuple[str, str]]
    kept: list[tuple[str, str]]
    reachable: bool = True
    downloaded: int = 0
    not_modified: int = 0


def is_sitemap(url: str) -> bool:
    return urlsplit(url).path.lower().endswith((".xml", ".xml.gz"))


def mirror_folder(index_dir: Path, url: str) -> Path:
    host = _segment(urlsplit(url).hostname or "nettsted")
    return Path(index_dir) / MIRROR / f"{host}-{hashlib.sha1(url.encode()).hexdigest()[:10]}"


def sync_site(url: str, root: Path, settings: WebSettings) -> SiteSync:
    """Bring the mirror in `root` up to date with the web source `url` (see the module);
    a mirror that cannot be written is an `IndexWriteError`."""
    try:
        return _sync(url, root, settings)
    except OSError as err:
        raise IndexWriteError(
            f"Kunne ikke lagre sidene fra {url} i {root} ({err.strerror or err}). Indeksen er "
            "uendret. Sjekk ledig plass og skrivetilgang, og prøv igjen."
        ) from err


def _sync(url: str, root: Path, settings: WebSettings) -> SiteSync:
    from .fetch import FAILED, NOT_MODIFIED, OK, Fetcher

    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two ingests of one index: one syncs at a time
        state = _read_state(root)
        hosts = {(urlsplit(url).hostname or "").lower(), *settings.hosts}
        with Fetcher(settings, hosts) as fetcher:
            urls, problem, skipped = _list_pages(fetcher, url, settings.max_pages)
            if problem:
                pages = {p.path: p for p in state.values()
                         if not p.gone and (root / p.path).is_file()}  # fmt: skip
                return SiteSync(root, pages, skipped, [(url, problem)], reachable=False)

            def fetch(page_url: str):
                old = state.get(page_url)
                if old and (root / old.path).is_file():
                    return fetcher.page(page_url, old.etag, old.last_modified)
                return fetcher.page(page_url)

            with ThreadPoolExecutor(settings.concurrency) as pool:
                results = list(pool.map(fetch, urls))

        new: dict[str, Page] = {}
        kept, seen_final, downloads, not_modified = [], {}, [], 0
        for got in results:
            old = state.get(got.url)
            if got.outcome in (OK, NOT_MODIFIED) and got.final_url in seen_final:
                skipped.append((got.url, f"er samme side som {seen_final[got.final_url]}"))
            elif got.outcome == NOT_MODIFIED and old:
                seen_final[got.final_url] = got.url
                new[got.url] = dataclasses.replace(old, etag=got.etag or old.etag, gone="",
                    last_modified=got.last_modified or old.last_modified)  # fmt: skip
                not_modified += 1
            elif got.outcome == OK:
                seen_final[got.final_url] = got.url
                downloads.append(got)
            elif got.outcome == FAILED and old and not old.gone:  # keep it; try again later
                new[got.url] = old
                kept.append((got.url, f"{got.reason}; forrige versjon beholdes"))
            else:  # gone, refused, or failed with no copy from before
                skipped.append((got.url, got.reason or "kunne ikke hentes"))
                if old and got.outcome != FAILED:
                    new[got.url] = dataclasses.replace(old, gone=got.reason or "borte")
        listed = {got.url for got in results}
        for old in state.values():  # no longer listed; an earlier leaver stays one
            if old.url not in listed and old.url not in new:
                new[old.url] = dataclasses.replace(old, gone=old.gone or "står ikke i sitemapen")
        taken = {page.path for page in new.values()}
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for got in downloads:
            old = state.get(got.url)
            same = old and old.final_url == got.final_url and old.path.endswith(got.suffix)
            path = old.path if same else _free_path(got.final_url, got.suffix, taken)
            try:
                _write_atomically(root / path, got.body)
            except OSError as err:
                skipped.append((got.url, f"kan ikke lagres ({err.strerror or err})"))
                continue
            taken.add(path)
            new[got.url] = Page(got.url, got.final_url, path, got.etag, got.last_modified, now)
        _remove_strays(root, taken)
        _write_state(root, url, new)
    return SiteSync(root, {p.path: p for p in new.values() if not p.gone}, skipped, kept,
                    downloaded=len(downloads), not_modified=not_modified)  # fmt: skip


def prune_mirror(root: Path) -> None:
    """Delete the files of the pages that left the index, once the index without them is
    written: a run refused by the removal guard leaves them, and their ETags, in place."""
    with (root / LOCK).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = _read_state(root)
        stay = {u: p for u, p in state.items() if not p.gone}
        if len(stay) != len(state):
            _remove_strays(root, {p.path for p in stay.values()})
            source = json.loads((root / STATE).read_text("utf-8")).get("source", "")
            _write_state(root, source, stay)


def page_document(doc, page: Page):
    """A web page's `Document` with its canonical URL (the page's own canonical link, else
    the URL it was fetched from after redirects) and its date (the page's metadata or its
    "Sist oppdatert" line, as the reader found them, else the Last-Modified header)."""
    return dataclasses.replace(
        doc,
        url=doc.url or page.final_url,
        updated=doc.updated or http_date(page.last_modified),
        source=page.url,
    )


def http_date(value: str) -> str:
    """An HTTP date ("Tue, 12 Mar 2024 10:00:00 GMT") as "2024-03-12", or ""."""
    try:
        return parsedate_to_datetime(value).date().isoformat() if value else ""
    except (TypeError, ValueError, IndexError):
        return ""


def _list_pages(fetcher, url: str, max_pages: int) -> tuple[list[str], str, list]:
    """(page URLs, a problem that keeps everything, skipped) for a sitemap or one page."""
    from .fetch import OK, REFUSED
    from .sitemap import SITEMAP_INDEX, parse_sitemap

    if not is_sitemap(url):
        return [url], "", []
    pages, skipped, queue, seen = [], [], [url], set()
    while queue:
        sitemap = queue.pop(0)
        if sitemap in seen:
            continue
        seen.add(sitemap)
        if len(seen) > MAX_SITEMAPS:
            return [], f"mer enn {MAX_SITEMAPS} sitemaper; ingenting er endret", skipped
        got = fetcher.document(sitemap)
        if got.outcome == REFUSED and sitemap != url:
            skipped.append((sitemap, got.reason))
            continue
        if got.outcome != OK:
            return [], f"sitemapen {sitemap} kunne ikke hentes ({got.reason}); alle sidene " \
                "fra forrige innlesing beholdes", skipped  # fmt: skip
        try:
            kind, locs = parse_sitemap(got.body, fetcher.settings.max_bytes)
        except ValueError as err:
            return [], f"sitemapen {sitemap} kunne ikke leses ({err}); alle sidene fra " \
                "forrige innlesing beholdes", skipped  # fmt: skip
        (queue if kind == SITEMAP_INDEX else pages).extend(locs)
    pages = [p for p in dict.fromkeys(_clean_url(p) for p in pages) if p]
    if not pages:
        return [], "sitemapen lister ingen sider; alle sidene fra forrige innlesing beholdes", \
            skipped  # fmt: skip
    if len(pages) > max_pages:
        skipped.append((url, f"lister {len(pages)} sider; bare de første {max_pages} hentes"))
    return pages[:max_pages], "", skipped


def _clean_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower(),
                          path=parts.path or "/", fragment="").geturl()  # fmt: skip


def _free_path(url: str, suffix: str, taken: set[str]) -> str:
    """The mirror path of a URL: `<host>/<path segments><suffix>`, never outside the
    mirror, never hidden, and not one `taken` already."""
    parts = urlsplit(url)
    segments = [_segment(s) for s in unquote(parts.path).split("/") if s not in ("", ".", "..")]
    if not segments or parts.path.endswith("/"):
        segments.append("index")
    last = segments[-1]
    if parts.query:
        last += "-" + hashlib.sha1(parts.query.encode()).hexdigest()[:8]
    if not last.lower().endswith(suffix) and not (suffix == ".html" and last.lower().endswith(
            ".htm")):  # fmt: skip
        last += suffix
    segments[-1] = last
    path = str(PurePosixPath(_segment(parts.netloc), *segments))
    if path in taken:
        stem, dot, ext = path.rpartition(".")
        path = f"{stem}-{hashlib.sha1(url.encode()).hexdigest()[:8]}{dot}{ext}"
    return path


def _segment(text: str) -> str:
    text = _SEGMENT_CHARS.sub("_", text).strip("_") or "_"
    if text.startswith((".", "~")):
        text = "_" + text
    return text[:120]


def _write_atomically(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        temporary.write_bytes(body)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _remove_strays(root: Path, keep: set[str]) -> None:
    """Delete every file of the mirror that no page holds (and folders left empty)."""
    for current, _, filenames in os.walk(root, topdown=False):
        for name in filenames:
            relative = Path(current, name).relative_to(root).as_posix()
            if relative not in keep and relative not in (STATE, LOCK):
                Path(current, name).unlink(missing_ok=True)
        if Path(current) != root and not os.listdir(current):
            os.rmdir(current)


def _read_state(root: Path) -> dict[str, Page]:
    try:
        data = json.loads((root / STATE).read_text("utf-8"))
        return {url: Page(**entry) for url, entry in data["pages"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # none, or damaged: every page is fetched again (unconditionally)


def _write_state(root: Path, url: str, pages: dict[str, Page]) -> None:
    data = {"source": url, "pages": {u: dataclasses.asdict(p) for u, p in pages.items()}}
    _write_atomically(root / STATE, json.dumps(data, ensure_ascii=False, indent=1).encode())
