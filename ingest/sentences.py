"""Sentence spans: where one sentence ends and the next begins, as offsets into the text.

Sentences are the units of the index: chunks are packed from whole sentences, each
sentence gets its own vector at ingest, and an answer quotes whole sentences. A span is
(start, end) into the text, so a quote is always a verbatim slice of its source.

A sentence ends at . ! ? … (optionally followed by a closing quote or bracket) before
whitespace and a capital letter, a digit, an opening quote or a dash; or at a line break.
A full stop does not end a sentence after an abbreviation (`data/abbreviations.txt`:
"f.eks.", "bl.a.", "kl.", "nr.", "ca."), after initials ("J. R. R. Tolkien", "H.C.
Andersen"), or after a day number before a month or a lower-case word ("25. februar",
"19. århundre": the next word is not capitalised, so no boundary is even considered). A
dash that opens a quoted reply ("… sa han. – Jeg …") is trimmed like a list bullet.

It does not decide what a sentence means or which one answers a question.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).with_name("data")
_BOUNDARY = re.compile(
    r"(?:(?<=[.!?…])|(?<=[.!?…][\"”’»)\]]))[ \t\u00a0]+"
    r"(?=(?:[\"“«(\[]|[-–—][ \t\u00a0]+)?[A-ZÆØÅÄÖÜÉ0-9])|\n+"
)
_LAST_TOKEN = re.compile(r"(\S+)\.[\"”’»)\]]?$")
# One initial or several run together ("J.", "H.C.", "J.R.R.": the final stop is not in it).
_INITIAL = re.compile(r"^[(\[«\"]?[A-ZÆØÅ](?:\.[A-ZÆØÅ])*$")
# A bullet, or a number or letter and "." / ")" before a capital (not "1. januar 2018").
LIST_MARKER = re.compile(r"(?:[-•*–▪◦·][ \t]+|(?:\d{1,2}|[a-z])[.)][ \t]+(?=[\"«(]?[A-ZÆØÅ0-9]))")


@lru_cache(maxsize=1)
def abbreviations() -> frozenset[str]:
    """The abbreviations (lower case, no final full stop) that do not end a sentence."""
    lines = (_DATA / "abbreviations.txt").read_text("utf-8").splitlines()
    return frozenset(x.strip() for x in lines if x.strip() and not x.startswith("#"))


def _ends_sentence(before: str) -> bool:
    """Whether the text `before` a candidate boundary really ends a sentence there."""
    if not before.endswith((".", ".»", '."', ".”", ".)")):
        return True  # ! ? … always end one
    match = _LAST_TOKEN.search(before)
    if not match:
        return True
    token = match.group(1)
    if _INITIAL.match(token) or (token.isdigit() and before.strip() == token + "."):
        return False  # an initial, or the number of a numbered line ("1. Søk tidlig")
    return token.lstrip('([«"').lower() not in abbreviations()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence or line in `text`, whitespace and list bullets trimmed."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        if "\n" not in match.group() and not _ends_sentence(text[start : match.start()]):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        marker = LIST_MARKER.match(text, a, b)
        if marker and marker.end() < b:  # a list item is quoted without its bullet
            a = marker.end()
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def is_list_item(text: str, start: int) -> bool:
    """Whether the sentence starting at `start` is a bulleted or numbered line."""
    line_start = text.rfind("\n", 0, start) + 1
    return start > line_start and bool(LIST_MARKER.match(text, line_start))


def word_count(text: str) -> int:
    return len(re.findall(r"\w+(?:[-.,%]\w+)*%?", text))
