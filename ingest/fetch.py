"""Fetch web pages politely and within limits, with httpx.

One `Fetcher` per sync: it names itself with a User-Agent, reads each host's robots.txt
once and obeys it (a robots.txt that answers 5xx forbids everything for now, as RFC 9309
says; 4xx allows everything), paces the requests to each host (`requests_per_second`, or
robots.txt's Crawl-delay when that is longer), follows redirects hop by hop on the allowed
hosts only, gives up on a page after `timeout` seconds, stops reading past `max_bytes`, and
takes only the content types ingest can read (HTML, PDF, Word). Conditional GETs
(If-None-Match, If-Modified-Since) let an unchanged page answer 304 without a body.

It never raises for a page: every answer is a `Fetched` whose `outcome` says what
happened and whose `reason` says it in Norwegian. What an outcome means for the index
(remove, keep, skip) is `ingest.web`'s decision; sitemaps and the mirror are not known here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpx

from .web import WebSettings

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PAGE_TYPES = {"text/html": ".html", "application/xhtml+xml": ".html",
              "application/pdf": ".pdf", DOCX_TYPE: ".docx"}  # fmt: skip
ACCEPT = f"text/html,application/xhtml+xml,application/pdf,{DOCX_TYPE};q=0.9,*/*;q=0.1"
REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: at least 500 KiB must be read

OK, NOT_MODIFIED, GONE, FAILED, REFUSED = "ok", "not_modified", "gone", "failed", "refused"


@dataclass(frozen=True)
class Fetched:
    """What one GET came to.

    `outcome`: OK (a body of an accepted type), NOT_MODIFIED (304), GONE (404 or 410),
    FAILED (5xx, other 4xx, a timeout, no connection: try again later) or REFUSED (our
    own rules: robots.txt, another host, too big, a type we do not read, a redirect loop).
    """

    url: str
    outcome: str
    final_url: str = ""
    body: bytes = b""
    suffix: str = ""  # ".html", ".pdf" or ".docx" for a page
    etag: str = ""
    last_modified: str = ""
    reason: str = ""


class Fetcher:
    """A polite HTTP client for the hosts in `hosts`; use as a context manager."""

    def __init__(self, settings: WebSettings, hosts: Iterable[str]):
        self.settings = settings
        self.hosts = {h.lower() for h in hosts}
        self.agent = settings.user_agent.split("/")[0].strip() or settings.user_agent
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent, "Accept": ACCEPT,
                     "Accept-Language": "nb,no;q=0.9,nn;q=0.8,en;q=0.5"},
            timeout=httpx.Timeout(settings.timeout),
            limits=httpx.Limits(max_connections=settings.concurrency),
            follow_redirects=False,
        )  # fmt: skip
        self._lock = threading.Lock()
        self._robots_lock = threading.Lock()
        self._robots: dict[str, RobotFileParser | str] = {}
        self._next: dict[str, float] = {}
        self._interval: dict[str, float] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self._client.close()

    def page(self, url: str, etag: str = "", last_modified: str = "") -> Fetched:
        """GET a page of an accepted type, conditionally when `etag`/`last_modified` are given."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._get(url, headers, PAGE_TYPES)

    def document(self, url: str) -> Fetched:
        """GET anything (a sitemap), with the same rules but no check of its type."""
        return self._get(url, {}, None)

    def _get(self, url: str, headers: dict, types: dict | None) -> Fetched:
        current, seen = url, set()
        for _ in range(MAX_REDIRECTS + 1):
            refusal = self._refusal(url, current)
            if refusal is not None:
                return refusal
            seen.add(current)
            self._wait_turn(urlsplit(current).hostname or "")
            started = time.monotonic()
            try:
                with self._client.stream("GET", current, headers=headers) as response:
                    location = response.headers.get("location")
                    if response.status_code in REDIRECTS and location:
                        current = _without_fragment(urljoin(current, location.strip()))
                        if current in seen:
                            return Fetched(url, REFUSED, reason="omdirigerer i ring")
                        continue
                    return self._answer(url, current, response, types, started)
            except httpx.TimeoutException:
                return Fetched(url, FAILED, current, reason=self._too_slow())
            except httpx.HTTPError as err:
                detail = " ".join(str(err).split())[:80] or type(err).__name__
                return Fetched(url, FAILED, current, reason=f"kunne ikke hentes ({detail})")
        return Fetched(url, REFUSED, reason=f"mer enn {MAX_REDIRECTS} omdirigeringer")

    def _answer(self, url, final, response, types, started) -> Fetched:
        status = response.status_code
        etag = response.headers.get("etag", "")
        modified = response.headers.get("last-modified", "")
        if status == 304:
            return Fetched(url, NOT_MODIFIED, final, etag=etag, last_modified=modified)
        if status in (404, 410):
            return Fetched(url, GONE, final, reason=f"finnes ikke (HTTP {status})")
        if not 200 <= status < 300:
            return Fetched(url, FAILED, final, reason=f"serveren svarte HTTP {status}")
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        suffix = ""
        if types is not None:
            suffix = types.get(kind) or (_suffix_of(final) if not kind else "")
            if not suffix:
                reason = f"innholdstypen {kind or '(ingen)'} leses ikke (bare HTML, PDF og Word)"
                return Fetched(url, REFUSED, final, reason=reason)
        most = self.settings.max_bytes
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > most:
            return Fetched(url, REFUSED, final, reason=_too_big(int(length), most))
        body = bytearray()
        for block in response.iter_bytes():
            body += block
            if len(body) > most:
                return Fetched(url, REFUSED, final, reason=_too_big(None, most))
            if time.monotonic() - started > self.settings.timeout:
                return Fetched(url, FAILED, final, reason=self._too_slow())
        return Fetched(url, OK, final, bytes(body), suffix, etag, modified)

    def _refusal(self, asked: str, url: str) -> Fetched | None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return Fetched(asked, REFUSED, reason=f"ikke en http(s)-adresse: {url}")
        host = parts.hostname.lower()
        if host not in self.hosts:
            reason = (f"ligger på en annen vert ({host}) enn kilden; legg verten til i «hosts» "
                      "under [web] i sources.toml for å hente den")  # fmt: skip
            return Fetched(asked, REFUSED, reason=reason)
        robots = self._robots_for(parts)
        if isinstance(robots, str):
            return Fetched(asked, FAILED, reason=robots)
        if not robots.can_fetch(self.agent, url):
            return Fetched(asked, REFUSED, reason="robots.txt tillater ikke at siden hentes")
        return None

    def _robots_for(self, parts) -> RobotFileParser | str:
        origin = f"{parts.scheme}://{parts.netloc.lower()}"
        with self._robots_lock:
            if origin not in self._robots:
                self._robots[origin] = self._read_robots(origin, parts.hostname.lower())
            return self._robots[origin]

    def _read_robots(self, origin: str, host: str) -> RobotFileParser | str:
        parser = RobotFileParser(origin + "/robots.txt")
        self._wait_turn(host)
        try:
            with self._client.stream("GET", origin + "/robots.txt", follow_redirects=True) as r:
                if 400 <= r.status_code < 500:
                    parser.allow_all = True
                    return parser
                if r.status_code != 200:
                    return f"robots.txt svarte HTTP {r.status_code}, så ingenting hentes nå"
                body = bytearray()
                for block in r.iter_bytes():
                    body += block
                    if len(body) > ROBOTS_MAX_BYTES:
                        break
        except httpx.HTTPError as err:
            detail = " ".join(str(err).split())[:80] or type(err).__name__
            return f"robots.txt kunne ikke hentes ({detail}), så ingenting hentes nå"
        parser.parse(bytes(body[:ROBOTS_MAX_BYTES]).decode("utf-8", "replace").splitlines())
        delay = parser.crawl_delay(self.agent)
        if delay:  # from now on, and from robots.txt's own request too
            with self._lock:
                self._interval[host] = float(delay)
                self._next[host] = max(self._next.get(host, 0.0), time.monotonic() + delay)
        return parser

    def _wait_turn(self, host: str) -> None:
        """Sleep until this host's next request slot, and reserve the one after it."""
        with self._lock:
            interval = max(1.0 / self.settings.requests_per_second, self._interval.get(host, 0.0))
            now = time.monotonic()
            slot = max(now, self._next.get(host, 0.0))
            self._next[host] = slot + interval
        if slot > now:
            time.sleep(slot - now)

    def _too_slow(self) -> str:
        return f"svarte ikke innen {self.settings.timeout:g} s"


def _too_big(size: int | None, most: int) -> str:
    if size is None:
        return f"for stor (mer enn {_amount(most)})"
    return f"for stor ({_amount(size)}; grensen er {_amount(most)})"


def _amount(size: int) -> str:
    if size >= 2**20:
        return f"{size / 2**20:.0f} MB"
    return f"{max(1, round(size / 1024))} KB"


def _suffix_of(url: str) -> str:
    """The suffix a URL's path names, for an answer without a content type."""
    path = urlsplit(url).path.lower()
    return next((s for s in (".html", ".htm", ".pdf", ".docx") if path.endswith(s)), "")


def _without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
