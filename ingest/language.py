"""Guess whether a text is Norwegian bokmål ("nb"), nynorsk ("nn") or English ("en").

A small, deterministic score over marker words (mostly function words, which even a
three-word question contains) plus a few spelling endings typical of each written form.
It is meant for choosing answer language and tagging documents, not for general language
identification: any other language comes out as one of the three, and a text with no
markers at all gets the caller's default.
"""

from __future__ import annotations

import re
import unicodedata

LANGUAGES = ("nb", "nn", "en")
MAX_CHARS = 20_000  # enough to decide; keeps long documents cheap

# Weight 2: a word that practically only occurs in this language.
# Weight 1: typical, but also seen elsewhere (or a common word that is frequent enough).
# Weight 0.5: weak, ambiguous hints.
_MARKERS: dict[str, dict[str, float]] = {
    "nn": {
        **dict.fromkeys(
            "ikkje kva korleis kvifor korfor kven frå berre òg noko nokon nokre mykje "
            "vere vore heile finst kvar eit dei desse deira hjå sjå gjere gjer kjem "
            "meir betre utan sidan tidlegare fleire sjølv noreg ønskjer seier "
            "vert kvarandre eigen eiga eige ynskje gong gongen fekk veit heilt då enno "
            "fyrste døme dømes skule skulen".split(),
            2.0,
        ),
        **dict.fromkeys("eg ho kor ein vart".split(), 1.0),
        **dict.fromkeys("me no".split(), 0.5),
    },
    "nb": {
        **dict.fromkeys(
            "ikke hva hvordan hvor hvorfor hvem hvilke hvilken hvilket jeg hun også "
            "noe noen mye være vært hele finnes hver disse deres gjøre kommer mer "
            "bedre uten siden tidligere flere selv norge ønsker sier hverandre egen "
            "eget dere dem ble nå hvis gjør fikk vet helt ennå skole skolen".split(),
            2.0,
        ),
        **dict.fromkeys("fra bare et en vi da gang".split(), 1.0),
        **dict.fromkeys("de blir".split(), 0.5),
    },
    "en": {
        **dict.fromkeys(
            "the is are what how where does do of and in can which who why when "
            "there their they this that these those was were will would should could "
            "an not or it its from about with you your we our has have been "
            "into than also any if".split(),
            2.0,
        ),
        **dict.fromkeys("a on me to be".split(), 0.5),
    },
}

# Common to bokmål and nynorsk: they tell Norwegian from English, not nb from nn.
_NORWEGIAN = {
    **dict.fromkeys(
        "er det og på til som har om med av kan skal må når ved hos etter eller men så "
        "seg sin sitt sine den dette denne å blir får ulike mange".split(),
        1.0,
    ),
    "i": 0.5,
}

# (compiled ending, language, weight): weak hints from spelling, e.g. nn "offentleg",
# "kommunane" against nb "offentlig".
_ENDINGS = (
    (re.compile(r"\w{3,}leg(?:t|are|ast)?$"), "nn", 0.5),
    (re.compile(r"\w{4,}ane$"), "nn", 0.5),
    (re.compile(r"\w{3,}lig(?:e|t|ere|st)?$"), "nb", 0.5),
    (re.compile(r"\w{3,}(?:tion|ness)s?$"), "en", 0.5),
)

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_NORWEGIAN_LETTERS = re.compile(r"[æøå]")


def language_scores(text: str) -> dict[str, float]:
    """Return the marker score per language ("nb", "nn", "en") for `text`."""
    sample = unicodedata.normalize("NFC", text[:MAX_CHARS]).casefold()
    scores = dict.fromkeys(LANGUAGES, 0.0)
    for word in _WORD.findall(sample):
        for lang in LANGUAGES:
            scores[lang] += _MARKERS[lang].get(word, 0.0)
        scores["nb"] += _NORWEGIAN.get(word, 0.0)
        scores["nn"] += _NORWEGIAN.get(word, 0.0)
        for pattern, lang, weight in _ENDINGS:
            if pattern.match(word):
                scores[lang] += weight
    if _NORWEGIAN_LETTERS.search(sample):
        scores["en"] -= 1.0
    return scores


def guess_language(text: str, default: str = "nb") -> str:
    """Guess "nb", "nn" or "en" for `text`; return `default` when there is no clear winner.

    Works on short questions ("Kva er visjonen til Arena Unikom?" -> "nn") as well as on
    whole documents. Deterministic: the same text always gives the same answer.
    """
    scores = language_scores(text)
    best = max(scores.values())
    if best <= 0:
        return default
    leaders = [lang for lang in LANGUAGES if scores[lang] == best]
    if len(leaders) == 1:
        return leaders[0]
    return default if default in leaders else leaders[0]
