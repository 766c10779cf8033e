"""The bot's side of the lexical analysis: telling a question's words apart.

The analyser and the BM25 index live in `ingest.lexical` (ingest builds and saves the
index; the bot loads it); they are re-exported here. `Vocabulary` sorts a question's words
into those found in the corpus as they are, as part of a compound, after a typo, or not
at all.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from rapidfuzz import fuzz, process

from ingest.lexical import LexicalIndex, analyse, analyse_pairs, lexicon, stem, stopwords, words

__all__ = ["LexicalIndex", "Vocabulary", "analyse", "analyse_pairs", "stopwords", "words"]

FUZZY_SCORE = 80  # rapidfuzz ratio (0-100) for a misspelt term to count as a corpus word
MIN_RESOLVE_LENGTH = 5  # shorter terms are matched exactly only


class Vocabulary:
    """The analysed terms of the whole corpus, for telling a question's words apart:
    found as they are, found as part of a compound ("gruppe" in "arbeidsgruppe"), found
    after a typo ("bratørkaia"), or absent from every document."""

    EXACT, COMPOUND, FUZZY, ABSENT = "exact", "compound", "fuzzy", "absent"

    def __init__(self, terms):
        self.terms = frozenset(terms)
        self._sorted = sorted(self.terms)
        self._joined = "\n" + "\n".join(self._sorted) + "\n"
        # The terms by length, shortest first, each length's in alphabetical order (among
        # equally close terms the shortest, then the first, wins).
        self._by_length = sorted(self._sorted, key=len)
        self._lengths = [len(t) for t in self._by_length]

    def __contains__(self, term: str) -> bool:
        return term in self.terms

    def resolve(self, term: str) -> tuple[str, str]:
        """(how the term is found, the corpus term it stands for)."""
        if term in self.terms:
            return self.EXACT, term
        if len(term) < MIN_RESOLVE_LENGTH:
            return self.ABSENT, term
        if term in self._joined:
            return self.COMPOUND, term
        # fuzz.ratio is 2 * matches / (len(a) + len(b)): below FUZZY_SCORE whenever the
        # shorter is under FUZZY_SCORE / (200 - FUZZY_SCORE) of the longer, so only terms
        # of a length near the term's can match (the same matches, without comparing all).
        n = len(term)
        lo, hi = n * FUZZY_SCORE / (200 - FUZZY_SCORE), n * (200 - FUZZY_SCORE) / FUZZY_SCORE
        near = self._by_length[bisect_left(self._lengths, lo) : bisect_right(self._lengths, hi)]
        match = process.extractOne(term, near, scorer=fuzz.ratio, score_cutoff=FUZZY_SCORE)
        if match is not None:
            return self.FUZZY, match[0]
        return self.ABSENT, term

    def split(self, term: str) -> tuple[str, str] | None:
        """The two corpus terms an absent compound joins ("kommuneansatt": "kommun",
        "ansatt"; "trondheimsregion": "trondheim", "region"), or None. Of several ways to
        split it, the most even one."""
        rules = lexicon()["compounds"]
        low, tail_low = rules["min_head"], rules["min_tail"]
        best = None
        for cut in range(low, len(term) - tail_low + 1):
            head, tail = term[:cut], term[cut:]
            tail_term = self._known(tail)
            if tail_term is None:
                continue
            heads = [head] + [head[: -len(j)] for j in rules["linking"]
                              if head.endswith(j) and len(head) - len(j) >= low]  # fmt: skip
            head_term = next(filter(None, map(self._known, heads)), None)
            if head_term is not None and (best is None or min(cut, len(tail)) > best[0]):
                best = (min(cut, len(tail)), head_term, tail_term)
        return best and best[1:]

    def _known(self, piece: str) -> str | None:
        """`piece` as a corpus term: as it is, or stemmed as a word of its own."""
        for candidate in (piece, stem(piece)):
            if candidate in self.terms:
                return candidate
        return None
