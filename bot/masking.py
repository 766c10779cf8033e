"""Find and mask personal data in text: the one masker for what is stored and what is logged.

It finds fødselsnummer and D-numbers (by their control digits, python-stdnum, or by being
date-shaped), phone numbers (Norwegian 8-digit forms, and any number phonenumbers takes
for a real one, Norwegian or international), e-mail addresses, IPv4 and IPv6 addresses,
street addresses with a house number, and long runs of digits. Each is replaced by a
placeholder such as "[telefon]" (bot/data/personal_data.toml).

What is stored (a question, a feedback reason) is masked for every kind (`STORED`);
the log keeps numbers and street names, which it needs, and masks the rest (`LOGGED`,
used by `bot.privacy`). `personal_data_warning` is the reply's note that such data was
neither needed nor kept.

It finds identifiers, not names: "Kari Nordmann" stays as written.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher
from stdnum.no import fodselsnummer

PERSON_NUMBER, PHONE, EMAIL, IP, ADDRESS, DIGITS = (
    "person_number", "phone", "email", "ip", "address", "digits")  # fmt: skip
# Tried in this order; a later kind never takes text an earlier one has found.
KINDS = (EMAIL, IP, PERSON_NUMBER, PHONE, ADDRESS, DIGITS)
STORED = frozenset(KINDS)
LOGGED = frozenset({EMAIL, IP, PERSON_NUMBER, PHONE})
WARNED = STORED - {DIGITS}  # an amount or a year is no reason to warn the asker
REGION = "NO"  # phone numbers without a country code are read as Norwegian
MIN_LONG_RUN = 6  # digits in one unbroken run ("ddmmåå", a case number)
MIN_GROUPED_RUN = 9  # digits in groups joined by a space, dot or dash (an account number)

# Starting only where a run of address characters starts: tried at every position, a long
# word without "@" took seconds (each start scanned to its end).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IPV6_CANDIDATE = re.compile(r"(?<![\w:.])[0-9a-f.]*(?::[0-9a-f.]*){2,8}(?![\w:])", re.I)
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)")
# ddmmåå nnnnn, also written with a space, dash or dot. Taken when it looks like a date
# (D-numbers add 4 to the first digit), or when python-stdnum finds its control digits
# valid (H-numbers and synthetic test numbers, whose month is shifted, too).
_PERSON_CANDIDATE = re.compile(r"(?<!\d)\d{6}[\s.-]?\d{5}(?!\d)")
_DATE_SHAPED = re.compile(r"[0-7]\d[01]\d")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?(?:47[\s-]?)?(?:\d[\s-]?){7}\d(?!\w)")
# Digits standing alone (not part of a name such as "gen-20261201T2358"), in groups
# joined by one space, dot or dash.
_DIGIT_RUN = re.compile(r"(?<!\w)\d+(?:[ .-]\d+)*(?!\w)")
MAX_PHONE_DIGITS = 15  # E.164; a longer run (a card number) is no phone number


@dataclass(frozen=True)
class Finding:
    """One identifier in a text: its kind and where it is (`text[start:end]`)."""

    kind: str
    start: int
    end: int


def find_personal_data(text: str, kinds: Collection[str] = STORED) -> list[Finding]:
    """The identifiers of `kinds` in `text`, in reading order, none overlapping."""
    found: list[Finding] = []
    for kind in KINDS:
        if kind not in kinds:
            continue
        for start, end in _merged(_DETECTORS[kind](text)):
            if not any(start < f.end and f.start < end for f in found):
                found.append(Finding(kind, start, end))
    return sorted(found, key=lambda f: f.start)


def mask(text: str, kinds: Collection[str] = STORED) -> str:
    """`text` with each identifier of `kinds` replaced by its placeholder."""
    placeholders = personal_data()["placeholders"]
    pieces, at = [], 0
    for finding in find_personal_data(text, kinds):
        pieces += [text[at : finding.start], placeholders[finding.kind]]
        at = finding.end
    return "".join(pieces) + text[at:]


def has_personal_data(text: str, kinds: Collection[str] = WARNED) -> bool:
    """Whether `text` holds an identifier of `kinds` (by default, any but a digit run)."""
    return bool(find_personal_data(text, kinds))


def personal_data_warning(text: str, language: str = "nb") -> str:
    """The note for the reply when `text` holds personal data ("" when it holds none), in
    `language` ("nb", "nn" or "en"; another gets bokmål)."""
    if not has_personal_data(text):
        return ""
    warnings = personal_data()["warning"]
    return warnings.get(language, warnings["nb"])


@cache
def personal_data() -> dict:
    """The language data in data/personal_data.toml."""
    path = Path(__file__).with_name("data") / "personal_data.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


Spans = Iterator[tuple[int, int]]


def _merged(spans: Spans) -> list[tuple[int, int]]:
    """Overlapping spans of one kind joined (two phone finders may both see a number)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _emails(text: str) -> Spans:
    return (m.span() for m in _EMAIL.finditer(text)) if "@" in text else iter(())


def _ips(text: str) -> Spans:
    for m in _IPV6_CANDIDATE.finditer(text):
        candidate = m.group().rstrip(".")  # the end of a sentence
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        yield m.start(), m.start() + len(candidate)
    yield from (m.span() for m in _IPV4.finditer(text))


def _person_numbers(text: str) -> Spans:
    for m in _PERSON_CANDIDATE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if _DATE_SHAPED.match(digits) or fodselsnummer.is_valid(digits):
            yield m.span()


def _phones(text: str) -> Spans:
    if not any(c.isdigit() for c in text):
        return
    too_long = [m.span() for m in _DIGIT_RUN.finditer(text)
                if sum(c.isdigit() for c in m.group()) > MAX_PHONE_DIGITS]  # fmt: skip
    for start, end in _phone_candidates(text):
        if not any(a <= start and end <= b for a, b in too_long):
            yield start, end


def _phone_candidates(text: str) -> Spans:
    yield from (m.span() for m in _PHONE.finditer(text))
    for m in PhoneNumberMatcher(text, REGION, leniency=Leniency.VALID):
        if sum(c.isdigit() for c in m.raw_string) >= 8:  # not a 5-digit service number
            yield m.start, m.end
    if "+" in text or "00" in text:  # international: any number that could be one
        for m in PhoneNumberMatcher(text, REGION, leniency=Leniency.POSSIBLE):
            raw = m.raw_string.lstrip("(")
            if raw.startswith(("+", "00")) and _possible(m.number):
                yield m.start, m.end


def _possible(number: phonenumbers.PhoneNumber) -> bool:
    return phonenumbers.is_possible_number(number) and number.country_code != 47


def _addresses(text: str) -> Spans:
    return (m.span() for m in _address_pattern().finditer(text))


@cache
def _address_pattern() -> re.Pattern:
    street = personal_data()["street"]
    endings = _alternatives(street["endings"])
    words, named = (_alternatives(street[key]) for key in ("words", "named_words"))
    name = r"(?:[A-ZÆØÅ][\w'.-]*|[\w'-]+s)"  # "Olav", "Tryggvasons", "kongens"
    one_word = rf"\b[^\W\d_][\w'-]*(?i:{endings})\.?"  # "Storgata", "byåsveien"
    names = rf"\b(?:{name}\s+){{0,2}}"  # "Olav Tryggvasons gate"
    apart = rf"{names}(?:[^\W\d_][\w'-]*\s+(?i:{words})|{name}\s+(?i:{named}))(?!\w)"
    house = r"\s+\d{1,4}(?:\s?[A-Ha-h](?!\w))?(?:\s?-\s?\d{1,4})?(?![\d,.]\d)"
    postal = r"(?:,?\s+\d{4}\s+[A-ZÆØÅ][\w-]*)?"  # ", 7011 Trondheim"
    return re.compile(rf"(?:{apart}|{one_word}){house}{postal}")


def _alternatives(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _digit_runs(text: str) -> Spans:
    for m in _DIGIT_RUN.finditer(text):
        groups = re.split(r"[ .-]", m.group())
        if max(map(len, groups)) >= MIN_LONG_RUN or sum(map(len, groups)) >= MIN_GROUPED_RUN:
            yield m.span()


_DETECTORS: dict[str, Callable[[str], Spans]] = {
    EMAIL: _emails,
    IP: _ips,
    PERSON_NUMBER: _person_numbers,
    PHONE: _phones,
    ADDRESS: _addresses,
    DIGITS: _digit_runs,
}
