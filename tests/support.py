"""Helpers shared by the tests: reading HTML back, a small bot on two documents, and
waiting for a started server to answer."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.service import Bot
from ingest.embedding import HashEmbedder
from ingest.pipeline import run_ingest

AGREEMENT = (
    "---\ntitle: Samarbeidsavtalen\nurl: https://example.org/avtale\nupdated: 2024-05-02\n"
    "---\n\n## Hva er samarbeidsavtalen\n\nSamarbeidsavtalen er avtalen mellom kommunen og "
    "universitetet om felles forskning.\n\n## Når ble samarbeidsavtalen signert\n\n"
    "Samarbeidsavtalen ble signert i mars 2024 av rådmannen og rektor.\n"
)


class Page(HTMLParser):
    """The tags, attributes, ids, links and visible text of an HTML page or fragment."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.texts: list[str] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag in ("a", "link", "script", "img") and (attrs.get("href") or attrs.get("src")):
            self.links.append(attrs.get("href") or attrs.get("src"))

    def handle_data(self, data):
        self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def all(self, tag: str) -> list[dict]:
        return [attrs for t, attrs in self.tags if t == tag]


def agreement_bot(root: Path) -> Bot:
    """A bot (hash embedder) on the agreement and one unrelated document, built in `root`."""
    docs = root / "docs"
    docs.mkdir()
    (docs / "avtale.md").write_text(AGREEMENT, "utf-8")
    (docs / "annet.md").write_text("# Annet\n\nHelt andre ting om fysioterapi.\n", "utf-8")
    run_ingest([docs], root / "index", "hash", HashEmbedder)
    return Bot.load(root / "index", root / "cache")


def wait_for_health(url: str, process: subprocess.Popen, seconds: float, pause: float,
                    stopped: Callable[[], str], silent: Callable[[], str]) -> None:  # fmt: skip
    """Return once `url`/healthz answers 200; fail with stopped() if `process` ends first,
    with silent() if it has not answered within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            pytest.fail(stopped())
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(silent())
        time.sleep(pause)


def markers_in_citation_order(markers: list[int], numbers: list[int]) -> bool:
    """Whether an answer's markers, by first use, follow its citations' numbers: in reading
    order, but for [1], the passage of the sentence that answers, which may come after
    the passage before it (of the sentence it refers back to)."""
    order = list(dict.fromkeys(markers))
    return sorted(order) == numbers and [m for m in order if m != 1] == numbers[1:]


def need_eval(path: Path) -> None:
    """Skip the test when the development sets (../shared/eval) are not beside this
    checkout; in CI (`CI` set), where they always are, fail instead."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the development sets are missing in CI: {path}")
        pytest.skip(f"the development sets are not here: {path}")
