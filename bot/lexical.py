"""Lexical side of retrieval: a Norwegian-aware analyser and BM25 over the chunks.

Words are NFC-normalised, lower-cased, stripped of Norwegian (bokmål and nynorsk) and
English stopwords and stemmed with Snowball's Norwegian stemmer (PyStemmer). BM25 itself
is `bm25s`. The same analyser gives the "content words" the refusal check counts.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import bm25s
import numpy as np
import Stemmer

_TOKEN = re.compile(r"\w+(?:[.,]\d+)?%?")
_EXTRA_STOPWORDS = {
    # question words and fillers that carry no topic, in the three languages
    "hvilket", "hvilken", "hvilke", "hvem", "kven", "kor", "korleis", "kva", "kvifor", "finst",
    "finnes", "fins", "mye", "mange", "mykje", "får", "går", "gjør", "gjer", "kan", "jeg", "eg",
    "meg", "noen", "nokon", "bli", "blir", "ble", "vart", "frå", "ei", "lenge", "kommer",
    "komme", "må", "stor", "stort", "store", "ofte", "mest", "helst", "gjelder",
    "what", "which", "who", "whom", "how", "when", "where", "why", "does", "do", "did", "is",
    "are", "was", "were", "the", "a", "an",
    "of", "in", "on", "for", "to", "and", "or", "it", "its", "this", "that", "have", "has",
    "can", "there", "about", "with", "from", "by", "be", "i", "you", "me", "my", "your", "any",
}  # fmt: skip
STOPWORDS = frozenset(bm25s.stopwords.STOPWORDS_NORWEGIAN) | _EXTRA_STOPWORDS


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("norwegian")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (numbers with decimals and % kept whole)."""
    return _TOKEN.findall(unicodedata.normalize("NFC", text).lower())


def analyse(text: str) -> list[str]:
    """Stemmed content words of `text`, in order, duplicates kept."""
    kept = [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(kept)


class LexicalIndex:
    """BM25 over a list of texts, scoring every text for a query."""

    def __init__(self, texts: list[str]):
        self.tokens = [analyse(t) for t in texts]
        self.vocabulary = {term for doc in self.tokens for term in doc}
        self._bm25 = bm25s.BM25()
        # bm25s refuses an empty document; a placeholder term keeps rows aligned.
        self._bm25.index([doc or ["\u2205"] for doc in self.tokens], show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        terms = [t for t in analyse(query) if t in self.vocabulary]
        if not terms:
            return np.zeros(len(self.tokens), np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)
