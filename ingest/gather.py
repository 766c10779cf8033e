"""Collect one ingest's files from its sources: folders walked (`ingest.sources`), web
sources synced into their mirror first (`ingest.web`), and every file hashed and given its
document id and the source it came from.

It reads no document: the pipeline decides from the hashes what must be read again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .sourceconfig import Source
from .sources import find_sources
from .web import Page, WebSettings, mirror_folder, prune_mirror, sync_site


@dataclass(frozen=True)
class Candidate:
    """A file that may become a document. `origin` is its source's location; `source` is
    its path under that source (for a web page: the page's URL); `digest` is the SHA-256
    of its bytes (for a web page, of its bytes, final URL and Last-Modified)."""

    path: Path
    root: Path
    doc_id: str
    digest: str
    origin: str
    source: str
    page: Page | None = None


@dataclass(frozen=True)
class Gathered:
    """What the sources hold now.

    `skipped`: (path or URL, reason) for what is not indexed; `web_skips`: the web pages
    among them, as manifest entries by URL; `kept`: (URL, reason) for pages that failed this
    time and keep their previous copy; `missing`: folder sources that are not there at all
    (the pipeline keeps their documents from the previous generation); `unlisted`: web
    sources whose sitemap failed (their mirror is as it was; the pipeline keeps their
    skipped pages too).
    """

    files: list[tuple[Path, Path, Source, Page | None]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    web_skips: dict[str, dict] = field(default_factory=dict)
    kept: list[tuple[str, str]] = field(default_factory=list)
    missing: list[Source] = field(default_factory=list)
    unlisted: list[Source] = field(default_factory=list)  # web: its listing failed


def gather(sources: Sequence[Source], index_dir: Path, web: WebSettings) -> Gathered:
    """The files of every source (web sources synced into `index_dir`'s mirror first)."""
    gathered = Gathered()
    for source in sources:
        if source.is_web:
            sync = sync_site(source.location, mirror_folder(index_dir, source.location), web)
            gathered.files.extend((sync.root / path, sync.root, source, page)
                                  for path, page in sorted(sync.pages.items()))  # fmt: skip
            gathered.skipped.extend(sync.skipped)
            gathered.web_skips.update({url: {"hash": "", "source": url, "reason": reason,
                                             "origin": source.location}
                                       for url, reason in sync.skipped})  # fmt: skip
            gathered.kept.extend(sync.kept)
            if not sync.reachable:
                gathered.unlisted.append(source)
        elif not os.path.lexists(source.location):
            gathered.missing.append(source)
        else:
            files, skipped = find_sources([Path(source.label)])  # shown as it was written
            gathered.files.extend((path, root, source, None) for path, root in files)
            gathered.skipped.extend(skipped)
    return gathered


def identify(
    files: Sequence[tuple[Path, Path, Source, Page | None]],
) -> tuple[list[Candidate], list[tuple[str, str]]]:
    """Hash each file and name it; a file with the document id of an earlier one is
    skipped with the reason."""
    found, duplicates, seen = [], [], {}
    for path, root, source, page in files:
        doc_id = path.relative_to(root).as_posix()
        if doc_id in seen:
            duplicates.append((str(path), f"har samme dokument-id som {seen[doc_id]}"))
            continue
        try:
            digest = hashlib.sha256(path.read_bytes())
        except OSError as err:  # gone or unreadable since it was found
            duplicates.append((str(path), f"kan ikke leses ({err.strerror or err})"))
            continue
        if page is not None:  # the URL and date a web document is cited with count too
            digest.update(f"\n{page.final_url}\n{page.last_modified}".encode())
        seen[doc_id] = str(path) if page is None else page.url
        found.append(Candidate(path, root, doc_id, digest.hexdigest(), source.location,
                               page.url if page else doc_id, page))  # fmt: skip
    return found, duplicates


def settle(sources: Sequence[Source], index_dir: Path) -> None:
    """After the index is written (or found unchanged): delete the mirrored files of the
    web pages that left it."""
    for source in sources:
        mirror = mirror_folder(index_dir, source.location)
        if source.is_web and mirror.is_dir():
            prune_mirror(mirror)
