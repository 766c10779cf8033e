"""Question clean-up: NFKC, control and invisible characters gone, a length limit.

Sentences are found at ingest (`ingest.sentences`) and stored in the index; this module
only prepares what the asker typed.
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
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # a lone one cannot be encoded, so not embedded


@dataclass(frozen=True)
class CleanQuestion:
    text: str
    truncated: bool


def clean_question(raw: str, limit: int = MAX_QUESTION_CHARS) -> CleanQuestion:
    """NFKC (full-width "Ｈｖａ" is "Hva"), control, zero-width and lone surrogate
    characters removed, whitespace folded, cut at `limit`."""
    text = unicodedata.normalize("NFKC", _SURROGATE.sub("", raw or ""))
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", text))
    text = _SPACE.sub(" ", text).strip()
    truncated = len(text) > limit
    if truncated:
        cut = text[:limit]
        text = cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut
    return CleanQuestion(text, truncated)
