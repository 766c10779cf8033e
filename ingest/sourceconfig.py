"""Where the documents come from: `sources.toml`, and the sources an index records.

A source is a folder (or one file) or a website: a sitemap (`…/sitemap.xml`, sitemap
indexes followed) or one page's URL. `sources.toml` at the project root lists the sources
`make run`, the app's first start and `python -m ingest` without source arguments read,
and the settings for fetching web pages:

    sources = ["corpus", "https://www.example.no/sitemap.xml"]
    max_removed_share = 0.25       # the removal guard (see ingest.pipeline)

    [web]
    contact = "https://www.example.no/kontakt"   # in the User-Agent
    hosts = []                   # hosts beyond the sources' own that may be fetched
    requests_per_second = 1.0    # per host; a longer robots.txt Crawl-delay wins
    concurrency = 2
    timeout = 20                 # seconds per page
    max_megabytes = 25
    max_pages = 5000             # per source

Folder paths are relative to the file. Every problem with the file is a
`SourcesConfigError` naming the setting and what to write instead. Which sources a run
reads, keeps or drops is `ingest.sourceplan`'s business; this module only describes them.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .errors import SourcesConfigError
from .removals import MAX_REMOVED_SHARE
from .web import WebSettings, user_agent

CONFIG_FILE = "sources.toml"
# Who put a source in the index: sources.toml; a command line (read again by later runs
# until --forget); or an index written before sources were recorded (its documents are
# kept as they are, never read again, until the source is given again or forgotten).
VIA_CONFIG = "sources.toml"
VIA_COMMAND_LINE = "kommandolinjen"
VIA_LEGACY = "eldre-indeks"
_MAX_CONCURRENCY = 16


@dataclass(frozen=True)
class Source:
    """One place documents come from. `location` is an absolute path (a folder or a file)
    or an http(s) URL (a sitemap or a page); two sources are the same when it is."""

    location: str
    via: str = field(default=VIA_COMMAND_LINE, compare=False)

    @property
    def is_web(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    @property
    def label(self) -> str:
        """How a person wrote it: a URL, or a path relative to the working folder."""
        if self.is_web:
            return self.location
        relative = os.path.relpath(self.location)
        return relative if not relative.startswith("..") else self.location

    def record(self) -> dict:
        return {"source": self.location, "via": self.via}


@dataclass(frozen=True)
class SourcesConfig:
    """What sources.toml says; `path` is None when there is no such file."""

    path: Path | None = None
    sources: tuple[Source, ...] = ()
    web: WebSettings = field(default_factory=WebSettings)
    max_removed_share: float = MAX_REMOVED_SHARE


def parse_source(text: str, base: Path | None = None, via: str = VIA_COMMAND_LINE) -> Source:
    """A source as written (a path relative to `base`, else the working folder, or a URL)."""
    text = str(text).strip()
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise SourcesConfigError(
                f"«{text}» er verken en mappe eller en nettadresse som begynner med http:// "
                "eller https://."
            )
        url = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/",
                          parts.query, ""))  # fmt: skip
        return Source(url, via)
    if not text:
        raise SourcesConfigError("En kilde er tom: skriv en mappe eller en nettadresse.")
    path = Path(os.path.expanduser(text))
    return Source(os.path.normpath(os.path.abspath(Path(base or ".") / path)), via)


def as_source(value: Source | Path | str) -> Source:
    return value if isinstance(value, Source) else parse_source(str(value))


def load_sources_config(path: Path, required: bool = False) -> SourcesConfig:
    """Read sources.toml. A missing file is an empty configuration unless `required`."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        if required:
            raise SourcesConfigError(
                f"Fant ikke {path}. Lag filen (se README, «Adding documents») eller oppgi "
                "kildene på kommandolinjen."
            ) from None
        return SourcesConfig()
    except (OSError, UnicodeDecodeError) as err:
        raise SourcesConfigError(f"Kunne ikke lese {path} ({_detail(err)}).") from err
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        where = re.search(r"line (\d+), column (\d+)", str(err))
        place = f" på linje {where[1]}, kolonne {where[2]}" if where else ""
        if "end of document" in str(err):
            place = " (filen slutter før noe er lukket)"
        raise SourcesConfigError(
            f"{path} er ikke gyldig TOML{place}. Sjekk at hver innstilling er «navn = verdi», "
            'at tekst står i anførselstegn og at lister er skrevet som ["corpus"].'
        ) from None
    return _config(path, data)


def _config(path: Path, data: dict) -> SourcesConfig:
    _known(path, data, ("sources", "max_removed_share", "web"), "")
    sources = data.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise SourcesConfigError(
            f"{path}: «sources» må være en liste med mapper og nettadresser, for eksempel "
            f'sources = ["corpus"].'
        )
    try:
        parsed = tuple(dict.fromkeys(parse_source(s, path.parent, VIA_CONFIG) for s in sources))
    except SourcesConfigError as err:
        raise SourcesConfigError(f"{path}: {err}") from None
    share = _number(path, data, "max_removed_share", MAX_REMOVED_SHARE, 0.0, 1.0)
    web = data.get("web", {})
    if not isinstance(web, dict):
        raise SourcesConfigError(f"{path}: «web» må være en tabell: skriv [web] på en egen linje.")
    return SourcesConfig(path, parsed, _web(path, web), share)


def _web(path: Path, web: dict) -> WebSettings:
    keys = ("contact", "user_agent", "hosts", "requests_per_second", "concurrency", "timeout",
            "max_megabytes", "max_pages")  # fmt: skip
    _known(path, web, keys, "web.")
    defaults = WebSettings()
    for key in ("contact", "user_agent"):
        value = web.get(key, "")
        if not isinstance(value, str) or not value.isascii() or "\n" in value:
            raise SourcesConfigError(
                f"{path}: «web.{key}» må være tekst uten æ, ø, å og linjeskift (den sendes i "
                "User-Agent-feltet)."
            )
    hosts = web.get("hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h.strip() for h in hosts):
        raise SourcesConfigError(
            f'{path}: «web.hosts» må være en liste med vertsnavn, for eksempel ["www.ntnu.no"].'
        )
    concurrency = web.get("concurrency", defaults.concurrency)
    if not _is_int(concurrency) or not 1 <= concurrency <= _MAX_CONCURRENCY:
        raise SourcesConfigError(
            f"{path}: «web.concurrency» må være et heltall fra 1 til {_MAX_CONCURRENCY}, "
            f"ikke {concurrency!r}."
        )
    max_pages = web.get("max_pages", defaults.max_pages)
    if not _is_int(max_pages) or max_pages < 1:
        raise SourcesConfigError(f"{path}: «web.max_pages» må være et heltall på minst 1.")
    megabytes = _number(path, web, "max_megabytes", defaults.max_bytes / 2**20, 0.001, 1024, "web.")
    return WebSettings(
        user_agent=web.get("user_agent") or user_agent(web.get("contact", "")),
        hosts=tuple(h.strip().lower() for h in hosts),
        requests_per_second=_number(path, web, "requests_per_second",
                                    defaults.requests_per_second, 0.001, 1000, "web."),
        concurrency=concurrency,
        timeout=_number(path, web, "timeout", defaults.timeout, 0.1, 600, "web."),
        max_bytes=int(megabytes * 2**20),
        max_pages=max_pages,
    )  # fmt: skip


def _known(path: Path, table: dict, keys: tuple[str, ...], prefix: str) -> None:
    for key in table:
        if key not in keys:
            close = difflib.get_close_matches(key, keys, n=1)
            hint = f" Mente du «{prefix}{close[0]}»?" if close else ""
            raise SourcesConfigError(
                f"{path}: ukjent innstilling «{prefix}{key}».{hint} Kjente innstillinger: "
                + ", ".join(prefix + k for k in keys)
                + "."
            )


def _number(path: Path, table: dict, key: str, default: float, least: float, most: float,
            prefix: str = "") -> float:  # fmt: skip
    value = table.get(key, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (least <= value <= most)
    ):
        raise SourcesConfigError(
            f"{path}: «{prefix}{key}» må være et tall fra {least:g} til {most:g}, ikke {value!r}."
        )
    return float(value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _detail(err: Exception) -> str:
    return getattr(err, "strerror", None) or " ".join(str(err).split())[:120]


def recorded_sources(manifest: dict | None) -> tuple[Source, ...]:
    """The sources an index holds documents from (its manifest's "sources"); for an index
    written before they were recorded, the folders its documents were found in."""
    if not manifest:
        return ()
    recorded = manifest.get("sources")
    if isinstance(recorded, list):
        return tuple(
            Source(item["source"], str(item.get("via") or VIA_COMMAND_LINE))
            for item in recorded
            if isinstance(item, dict) and isinstance(item.get("source"), str)
        )
    entries = [*manifest.get("documents", {}).items(), *manifest.get("skipped", {}).items()]
    origins = dict.fromkeys(document_origin(entry, doc_id) for doc_id, entry in entries)
    return tuple(Source(origin, VIA_LEGACY) for origin in origins if origin)


def document_origin(entry: dict, doc_id: str) -> str:
    """The location of the source a manifest entry came from: its "origin", or (written
    before that was recorded) the folder its "source" path was found under."""
    origin = entry.get("origin") if isinstance(entry, dict) else None
    if isinstance(origin, str) and origin:
        return origin
    source = str(entry.get("source") or "").replace(os.sep, "/") if isinstance(entry, dict) else ""
    if source == doc_id or source.endswith("/" + doc_id):
        root = source[: len(source) - len(doc_id)].rstrip("/") or "."
        return os.path.normpath(os.path.abspath(root))
    return ""
