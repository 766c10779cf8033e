"""How rare a word is in the language at large, not in our corpus (wordfreq's Zipf scale).

A question word that no document contains says little when it is common ("bestemme",
"folk": the documents just put it otherwise) and much when it is rare ("Poupard",
"Kruttsammensvergelsen": the documents are not about that). Norwegian compounds missing
from the frequency list are read as their two most frequent parts ("byutviklingslederen"
= "byutvikling" + "lederen"), so a compound of common words is not taken for a name.

Zipf values run from 0 (unknown) to about 7 ("og", "the"). wordfreq has no nynorsk
list: nynorsk is looked up as bokmål.
"""

from __future__ import annotations

from functools import lru_cache

from wordfreq import zipf_frequency

from ingest.lexical import lexicon

LANGUAGES = {"nb": ("nb",), "nn": ("nb",), "en": ("en", "nb")}
COMMON_ZIPF = 6.0  # this common or more: rarity 0
# How Norwegian compounds are joined, as the query reads them (ingest/data/lexicon.toml):
# the letters in each part at least, and the joining letters ("" for none).
MIN_PART = lexicon()["compounds"]["min_head"]
LINKS = ("", *lexicon()["compounds"]["linking"])


@lru_cache(maxsize=32768)
def zipf(word: str, language: str = "nb") -> float:
    """The Zipf frequency of `word` (its best reading: as it is, or as a compound)."""
    languages = LANGUAGES.get(language, ("nb",))
    best = max(zipf_frequency(word, lang) for lang in languages)
    if best > 0 or len(word) < 2 * MIN_PART:
        return best
    for i in range(MIN_PART, len(word) - MIN_PART + 1):
        head, tail = word[:i], word[i:]
        for link in LINKS:
            if link and not head.endswith(link):
                continue
            stem = head[: len(head) - len(link)] if link else head
            if len(stem) < MIN_PART:
                continue
            parts = min(zipf_frequency(stem, "nb"), zipf_frequency(tail, "nb"))
            best = max(best, parts - 1.0)  # a compound is a little rarer than its parts
    return best


def rarity(word: str, language: str = "nb") -> float:
    """0 for a common word, 1 for one the language does not know (a name, a term)."""
    return min(1.0, max(0.0, (COMMON_ZIPF - zipf(word, language)) / COMMON_ZIPF))
