"""Mask what could identify a person before anything is logged or stored.

Citizens are anonymous: fødselsnummer / D-numbers, phone numbers, e-mail addresses and IP
addresses are replaced by a placeholder. The bot itself keeps no record of questions; this
is for the few places that log (errors, the access log).
"""

from __future__ import annotations

import ipaddress
import logging
import re

_IPV6_CANDIDATE = re.compile(r"(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])", re.I)

_PATTERNS = (
    ("[e-post]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    # ddmmåå nnnnn, also written with a space, dash or dot; D-numbers add 4 to the first digit
    ("[fødselsnummer]", re.compile(r"(?<!\d)[0-7]\d[01]\d\d\d[\s.-]?\d{5}(?!\d)")),
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


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]|\n(?!\s)")


def escape_controls(text: str) -> str:
    """Control characters shown as escapes, so one request cannot forge a log line. A
    newline stays only where a traceback's indented continuation follows it."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class MaskingFilter(logging.Filter):
    """Masks personal data in every record a handler emits, whoever logged it (our code,
    uvicorn, Gradio, warnings), and escapes control characters in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = escape_controls(mask_personal_data(message)), None
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        record.exc_info = None  # formatted (and masked) above
        return True


def install_log_masking() -> None:
    """Put the masking filter on every handler of the root logger (and route warnings
    through logging), so nothing identifying reaches the log unmasked."""
    logging.captureWarnings(True)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
