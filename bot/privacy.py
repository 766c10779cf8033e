"""Mask what could identify a person before anything is logged or stored.

Citizens are anonymous: fødselsnummer / D-numbers, phone numbers, e-mail addresses and IP
addresses are replaced by a placeholder. The bot itself keeps no record of questions; this
is for the few places that log (errors, the access log).
"""

from __future__ import annotations

import ipaddress
import re

_IPV6_CANDIDATE = re.compile(r"(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])", re.I)

_PATTERNS = (
    ("[e-post]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("[fødselsnummer]", re.compile(r"(?<!\d)[0-7]\d[01]\d\d\d\s?\d{5}(?!\d)")),
    ("[ip]", re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")),
    ("[telefon]", re.compile(r"(?<![\w+])(?:\+|00)?(?:47[\s-]?)?(?:\d[\s-]?){7}\d(?!\d)")),
)


def mask_personal_data(text: str) -> str:
    """`text` with personal identifiers replaced by placeholders such as "[telefon]"."""
    text = _IPV6_CANDIDATE.sub(_mask_ipv6, text)
    for placeholder, pattern in _PATTERNS:
        text = pattern.sub(placeholder, text)
    return text


def _mask_ipv6(match: re.Match) -> str:
    try:
        ipaddress.IPv6Address(match.group())
    except ValueError:
        return match.group()
    return "[ip]"
