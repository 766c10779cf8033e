"""Text helpers shared by retrieval and answering: question clean-up and sentence spans.

Sentence spans are (start, end) offsets into the passage text, so every quoted sentence
is a verbatim slice of its source.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_QUESTION_CHARS = 1000

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# Invisible format characters (zero-width, soft hyphen, bidi marks, BOM) often sit inside
# pasted words: they are dropped, not turned into spaces, so the word stays whole.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class CleanQuestion:
    text: str
    truncated: bool


def clean_question(raw: str, limit: int = MAX_QUESTION_CHARS) -> CleanQuestion:
    """NFC, control and zero-width characters removed, whitespace folded, cut at `limit`."""
    text = unicodedata.normalize("NFC", raw or "")
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", text))
    text = _SPACE.sub(" ", text).strip()
    truncated = len(text) > limit
    if truncated:
        cut = text[:limit]
        text = cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut
    return CleanQuestion(text, truncated)


# A sentence ends at . ! ? … (optionally followed by a closing quote or bracket) before
# whitespace and an upper-case letter, digit, quote or list dash; or at a line break.
_BOUNDARY = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"”’»)\]]))\s+(?=[\"“«(\[]?[A-ZÆØÅÄÖÜ0-9-])|\n+")
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:f\.eks|bl\.a|m\.m|o\.l|ca|nr|kap|jf|dvs|mht|pga|ev|evt|"
    r"St|Dr|Prof|mr|mrs|e\.g|i\.e|etc|vs|no)\.)$",
    re.IGNORECASE,
)


_LIST_MARKER = re.compile(r"(?:[-•*–]|\d{1,2}[.)])[ \t]+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence or line in `text`, whitespace and list bullets trimmed."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        if match.group().strip() == "" and "\n" not in match.group():
            if _ABBREVIATIONS.search(text[start : match.start()]):
                continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        marker = _LIST_MARKER.match(text, a, b)
        if marker:  # a list item is quoted without its bullet
            a = marker.end()
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def word_count(text: str) -> int:
    return len(re.findall(r"\w+(?:[-.,%]\w+)*%?", text))
