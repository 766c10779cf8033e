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
from rapidfuzz import fuzz, process

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
    "many", "much", "take", "takes", "taking", "get", "gets", "make", "makes", "will", "would",
}  # fmt: skip
STOPWORDS = frozenset(bm25s.stopwords.STOPWORDS_NORWEGIAN) | _EXTRA_STOPWORDS

# English questions meet Norwegian documents: the programme's own vocabulary is mapped to
# bokmål before stemming (in documents and questions alike), so "How is it funded?" finds
# "Finansiering". Only words of this domain; anything else stays as it is.
ENGLISH_TO_BOKMAL = {
    "agreement": "avtale", "contract": "avtale", "budget": "budsjett", "fund": "finansiering",
    "funding": "finansiering", "funded": "finansiering", "financing": "finansiering",
    "finance": "finansiering", "money": "penger", "network": "nettverk",
    "conference": "konferanse", "project": "prosjekt", "research": "forskning",
    "researcher": "forsker", "municipality": "kommune", "municipal": "kommunal",
    "university": "universitet", "school": "skole", "innovation": "innovasjon",
    "cooperation": "samarbeid", "collaboration": "samarbeid", "partnership": "partnerskap",
    "employee": "ansatt", "employed": "ansatt", "staff": "ansatt", "position": "stilling",
    "leader": "leder", "manager": "leder", "lead": "leder", "group": "gruppe",
    "vision": "visjon", "goal": "mål", "aim": "mål",
    "health": "helse", "welfare": "velferd", "role": "rolle", "board": "styre",
    "steering": "styring", "report": "rapport", "education": "utdanning",
    "teacher": "lærer", "city": "by", "knowledge": "kunnskap", "practice": "praksis",
    "handbook": "håndbok", "climate": "klima", "technology": "teknologi",
    "strategy": "strategi", "signed": "signert", "year": "år", "meeting": "møte",
    "physiotherapy": "fysioterapi", "nursing": "sykepleie", "success": "suksess",
    "criteria": "suksesskriterier", "criterion": "suksesskriterier", "define": "definerer",
    "defined": "definerer", "definition": "definerer", "trial": "utprøving",
    "pilot": "utprøving", "unit": "enhet", "organisation": "organisasjon",
    "organization": "organisasjon", "sector": "sektor", "service": "tjeneste",
    "services": "tjenester", "model": "modell", "theme": "tema", "plan": "plan",
}  # fmt: skip
# Nynorsk words whose bokmål form the stemmer does not reach on its own.
NYNORSK_TO_BOKMAL = {
    "noreg": "norge",
    "tilsett": "ansatt",
    "tilsette": "ansatte",
    "verksemd": "virksomhet",
    "verksemda": "virksomheten",
    "skule": "skole",
    "skular": "skoler",
    "skulen": "skolen",
    "forsking": "forskning",
    "forskar": "forsker",
    "forskarar": "forskere",
    "leiar": "leder",
    "leiarar": "ledere",
    "leiinga": "ledelsen",
    "partnarskap": "partnerskap",
    "teneste": "tjeneste",
    "tenester": "tjenester",
    "tenestene": "tjenestene",
    "sjukepleie": "sykepleie",
    "sjukeheim": "sykehjem",
    "auke": "øke",
    "fleire": "flere",
    "saman": "sammen",
    "døme": "eksempel",
    "høve": "mulighet",
    "byrjar": "begynner",
    "stillingar": "stillinger",
    "kommunane": "kommunene",
    "universiteta": "universitetene",
    "prosjekta": "prosjektene",
    "avgjerd": "beslutning",
    "røynsle": "erfaring",
    "røynsler": "erfaringer",
}
_ENGLISH_ENDINGS = (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ing", ""))


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("norwegian")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (numbers with decimals and % kept whole)."""
    return _TOKEN.findall(unicodedata.normalize("NFC", text).lower())


def analyse(text: str) -> list[str]:
    """Stemmed content words of `text`, in order, duplicates kept (nynorsk and English
    domain words as their bokmål equivalents)."""
    return [stem for _, stem in analyse_pairs(text)]


def analyse_pairs(text: str) -> list[tuple[str, str]]:
    """(word as written, lower-cased; its stemmed term) for each content word of `text`."""
    kept = [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return list(zip(kept, _stemmer().stemWords([_bokmal(w) for w in kept]), strict=True))


def _bokmal(word: str) -> str:
    if word in NYNORSK_TO_BOKMAL:
        return NYNORSK_TO_BOKMAL[word]
    if word in ENGLISH_TO_BOKMAL:
        return ENGLISH_TO_BOKMAL[word]
    for ending, replacement in _ENGLISH_ENDINGS:
        base = word[: -len(ending)] + replacement if word.endswith(ending) else ""
        if len(base) > 2 and base in ENGLISH_TO_BOKMAL:
            return ENGLISH_TO_BOKMAL[base]
    return word


class LexicalIndex:
    """BM25 over a list of texts, scoring every text for a query."""

    def __init__(self, texts: list[str]):
        self.tokens = [analyse(t) for t in texts]
        self.vocabulary = {term for doc in self.tokens for term in doc}
        self._bm25 = bm25s.BM25()
        # bm25s refuses an empty document; a placeholder term keeps rows aligned.
        self._bm25.index([doc or ["\u2205"] for doc in self.tokens], show_progress=False)

    def scores(self, query: str | list[str]) -> np.ndarray:
        """BM25 of every text for `query` (a text, or its analysed terms)."""
        terms = analyse(query) if isinstance(query, str) else query
        terms = [t for t in terms if t in self.vocabulary]
        if not terms:
            return np.zeros(len(self.tokens), np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)


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
        match = process.extractOne(term, self._sorted, scorer=fuzz.ratio, score_cutoff=FUZZY_SCORE)
        if match is not None:
            return self.FUZZY, match[0]
        return self.ABSENT, term
