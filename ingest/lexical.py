"""The lexical side of the index: a Norwegian-aware analyser and BM25 over the chunks.

Words are NFC-normalised, lower-cased, stripped of Norwegian (bokmål and nynorsk) and
English stopwords and stemmed with Snowball's Norwegian stemmer (PyStemmer); nynorsk and
English words of the programme's vocabulary are mapped to bokmål first (the word lists
are data: `data/lexicon.toml`). BM25 itself is `bm25s`.

The BM25 matrices are built at ingest and saved with the generation (`LexicalIndex.save`);
the bot maps them from disk (`LexicalIndex.load`) instead of analysing every chunk again.
Document frequencies, and so idf, come from the same matrices.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

LEXICON_FILE = Path(__file__).with_name("data") / "lexicon.toml"
EMPTY = "\u2205"  # bm25s refuses an empty document; this placeholder term keeps rows aligned
_TOKEN = re.compile(r"\w+(?:[.,]\d+)?%?")
_INFO = "lexical.json"


@lru_cache(maxsize=1)
def lexicon() -> dict:
    return tomllib.loads(LEXICON_FILE.read_text("utf-8"))


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_NORWEGIAN

    return (frozenset(STOPWORDS_NORWEGIAN) | frozenset(STOPWORDS_EN)
            | frozenset(lexicon()["stopwords"]["extra"]))  # fmt: skip


def analyser_fingerprint() -> str:
    """What the analysis of a text depends on, as a short digest: the lexicon's data (not
    its comments), and the versions of bm25s (its stopword list) and PyStemmer. Ingest
    rebuilds the BM25 index when it differs from the one an index was made with (the
    vectors are kept). Neither library is imported: an ingest with nothing to do stays
    light."""
    import hashlib
    from importlib.metadata import version

    parts = [json.dumps(lexicon(), sort_keys=True), version("bm25s"), version("PyStemmer")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("norwegian")


def stem(word: str) -> str:
    """The stemmed term of one lower-cased word."""
    return _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (numbers with decimals and % kept whole)."""
    return _TOKEN.findall(unicodedata.normalize("NFC", text).lower())


def analyse(text: str) -> list[str]:
    """Stemmed content words of `text`, in order, duplicates kept (nynorsk and English
    domain words as their bokmål equivalents)."""
    return [stem for _, stem in analyse_pairs(text)]


def analyse_pairs(text: str) -> list[tuple[str, str]]:
    """(word as written, lower-cased; its stemmed term) for each content word of `text`."""
    stop = stopwords()
    kept = [w for w in words(text) if w not in stop and (len(w) > 1 or w.isdigit())]
    return list(zip(kept, _stemmer().stemWords([_bokmal(w) for w in kept]), strict=True))


def _bokmal(word: str) -> str:
    data = lexicon()
    nynorsk, english = data["nynorsk_to_bokmal"], data["english_to_bokmal"]
    if word in nynorsk:
        return nynorsk[word]
    if word in english:
        return english[word]
    for ending, replacement in data["english_endings"]["endings"]:
        base = word[: -len(ending)] + replacement if word.endswith(ending) else ""
        if len(base) > 2 and base in english:
            return english[base]
    return word


class LexicalIndex:
    """BM25 over a list of texts (built at ingest, loaded by the bot), scoring every text
    for a query; with the document frequency of each term."""

    def __init__(self, bm25, n_documents: int):
        self._bm25 = bm25
        self.n_documents = n_documents
        vocab = bm25.vocab_dict if bm25 is not None else {}
        self._ids = {t: i for t, i in vocab.items() if t not in (EMPTY, "")}
        self.vocabulary = frozenset(self._ids)
        if bm25 is not None:
            indptr = np.asarray(bm25.scores["indptr"])
            self._df = np.diff(indptr).astype(np.int64)
        else:
            self._df = np.zeros(0, np.int64)

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        if not texts:
            return cls(None, 0)
        import bm25s

        bm25 = bm25s.BM25()
        bm25.index([analyse(t) or [EMPTY] for t in texts], show_progress=False)
        return cls(bm25, len(texts))

    def save(self, folder: Path) -> list[Path]:
        """Write the matrices into `folder`; the files written, for fsync."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / _INFO).write_text(json.dumps({"documents": self.n_documents}), "utf-8")
        if self._bm25 is not None:
            self._bm25.save(str(folder), show_progress=False)
        return sorted(p for p in folder.iterdir() if p.is_file())

    @staticmethod
    def saved_documents(folder: Path) -> int:
        """How many texts the index saved in `folder` holds, without loading bm25s (raises
        OSError, ValueError, TypeError or KeyError when it is not there or broken)."""
        n = json.loads((folder / _INFO).read_text("utf-8"))["documents"]
        if type(n) is not int or n < 0:
            raise ValueError(f"{_INFO} har et ugyldig antall tekster")
        return n

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> LexicalIndex:
        """Map a saved index (raises OSError or ValueError when it is not there or broken)."""
        n = cls.saved_documents(folder)
        if n == 0:
            return cls(None, 0)
        import bm25s

        bm25 = bm25s.BM25.load(str(folder), mmap=mmap, show_progress=False, verbosity=0)
        return cls(bm25, n)

    def document_frequency(self, term: str) -> int:
        i = self._ids.get(term)
        return int(self._df[i]) if i is not None else 0

    def idf(self, term: str) -> float:
        """BM25's (Lucene's) idf: a word in nearly every passage ("Trondheim", "NTNU")
        weighs almost nothing; an unseen word weighs the most."""
        k = self.document_frequency(term)
        return math.log(1 + (self.n_documents - k + 0.5) / (k + 0.5))

    def scores(self, query: str | list[str]) -> np.ndarray:
        """BM25 of every text for `query` (a text, or its analysed terms)."""
        terms = analyse(query) if isinstance(query, str) else query
        ids = [self._ids[t] for t in terms if t in self._ids]
        if not ids:
            return np.zeros(self.n_documents, np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)
