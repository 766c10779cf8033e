"""Nynorsk read as bokmål: each sentence of a nynorsk document in bokmål as well, for the
lexical search only.

A bokmål question about a nynorsk document shares few words with it as written
("prosjekteier" / "prosjekteigar", "forskning" / "forsking", "ansatte" / "tilsette"), and
the stemmer reads bokmål. At ingest each sentence of a nynorsk document is translated to
bokmål with Apertium's nno-nob pair (Debian's `apertium` and `apertium-nno-nob`, a
rule-based translator that runs offline). The translations are stored beside the chunk's
sentences (`Chunk.variants`) and searched with them (BM25, and the words a sentence
holds); what is shown and quoted stays the document's own text. Nothing is translated
while asking.

Only nynorsk is translated. Reading every bokmål document in nynorsk as well (the pair's
nob-nno direction) was measured too, with benchmarks/cross_validate.py on 2026-12-03:
dev2 answered 0.793 -> 0.759 and refused 0.615 -> 0.538, the mean cite@1 0.834 -> 0.812
(nynorsk only: answered 0.793 and 0.926 as before, refused 0.615 and 0.812 -> 0.833 on
NorQuAD, mean cite@1 0.834). A nynorsk question about a bokmål text leans on the
lexicon's nynorsk words (`ingest/data/lexicon.toml`) and the embedding, as before.

Without Apertium on the machine ingest goes on without translations (nynorsk is then only
found by its own words) and says so once; the manifest records which translator made an
index, and another one (installed, upgraded, removed) translates every chunk again and
keeps the vectors.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Sequence
from functools import lru_cache

log = logging.getLogger(__name__)

DIRECTIONS = {"nn": "nno-nob"}  # a document's language -> Apertium mode
TIMEOUT_SECONDS = 1800  # for one run over every new sentence of an ingest
PAIR_PACKAGE = "apertium-nno-nob"
PARAGRAPH = "\n\n"


@lru_cache(maxsize=1)
def translator() -> str | None:
    """What translates, as recorded in the manifest ("apertium 3.8.3-1, apertium-nno-nob
    1.5.0-1 (nn: nno-nob)"), or None when Apertium or its nno-nob pair is missing."""
    if shutil.which("apertium") is None:
        return None
    try:
        listed = subprocess.run(["apertium", "-l"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if not set(DIRECTIONS.values()) <= set(listed.stdout.split()):
        return None
    pair = f"{PAIR_PACKAGE} {_package_version(PAIR_PACKAGE)}"
    modes = ", ".join(f"{lang}: {mode}" for lang, mode in sorted(DIRECTIONS.items()))
    return f"apertium {_package_version('apertium')}, {pair} ({modes})"


def _package_version(package: str) -> str:
    try:
        shown = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                               capture_output=True, text=True, timeout=60)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "?"
    return shown.stdout.strip() or "?"


def other_standard(sentences: Sequence[str], lang: str) -> list[str] | None:
    """`sentences` (of a document in `lang`) in the other written standard, one for one
    ("" for one the translator lost); None when `lang` has no direction in DIRECTIONS,
    or there is no translator, or it failed."""
    mode = DIRECTIONS.get(lang)
    if mode is None or not sentences or translator() is None:
        return None
    # One paragraph a sentence: Apertium keeps the blank lines between paragraphs where
    # they are (its line format, `-f line`, was seen to break a heading in two).
    lines = [" ".join(s.split()) or "." for s in sentences]
    try:
        return _translated(lines, mode)
    except (OSError, subprocess.SubprocessError) as err:
        log.warning("Apertium (%s) feilet, så teksten søkes bare slik den er skrevet: %s",
                    mode, err)  # fmt: skip
        return None


def _translated(lines: list[str], mode: str) -> list[str]:
    """Each line translated; a batch whose paragraphs do not come back one for one is
    halved until they do (a single line that still does not is left out: "")."""
    # -u: unknown words as they are, without Apertium's "*" before them.
    done = subprocess.run(["apertium", "-u", mode], input=PARAGRAPH.join(lines) + "\n",
                          capture_output=True, text=True, timeout=TIMEOUT_SECONDS)  # fmt: skip
    out = done.stdout.strip("\n").split(PARAGRAPH)
    if done.returncode == 0 and len(out) == len(lines):
        return [" ".join(line.split()) for line in out]
    if len(lines) == 1:
        log.warning("Apertium (%s) oversatte ikke «%s»", mode, lines[0][:80])
        return [""]
    half = len(lines) // 2
    return _translated(lines[:half], mode) + _translated(lines[half:], mode)


def warn_if_missing() -> None:
    """Say once, in the ingest log, that the written standards are not bridged."""
    if translator() is None:
        log.warning("Apertium med %s er ikke installert: bokmål og nynorsk søkes bare slik "
                    "de er skrevet (apt-get install apertium %s)", PAIR_PACKAGE,
                    PAIR_PACKAGE)  # fmt: skip
