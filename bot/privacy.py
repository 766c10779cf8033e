"""Mask what could identify a person before anything is logged or stored.

Citizens are anonymous: fødselsnummer / D-numbers, phone numbers, e-mail addresses and IP
addresses are replaced by a placeholder. The bot itself keeps no record of questions; this
is for the few places that log (errors, the access log).
"""

from __future__ import annotations

import io
import ipaddress
import logging
import re
import sys

from stdnum.no import fodselsnummer

_IPV6_CANDIDATE = re.compile(r"(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])", re.I)

# ddmmåå nnnnn, also written with a space, dash or dot. Masked when it looks like a date
# (D-numbers add 4 to the first digit), or when python-stdnum finds its control digits
# valid (H-numbers and synthetic test numbers, whose month is shifted, too).
_PERSON_CANDIDATE = re.compile(r"(?<!\d)\d{6}[\s.-]?\d{5}(?!\d)")
_DATE_SHAPED = re.compile(r"[0-7]\d[01]\d")


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?(?:47[\s-]?)?(?:\d[\s-]?){7}\d(?!\w)")


def mask_personal_data(text: str) -> str:
    """`text` with personal identifiers replaced by placeholders such as "[telefon]"."""
    text = _IPV6_CANDIDATE.sub(_mask_ipv6, text)
    text = _EMAIL.sub("[e-post]", text)
    text = _PERSON_CANDIDATE.sub(_mask_person_number, text)
    text = _IPV4.sub("[ip]", text)
    return _PHONE.sub("[telefon]", text)


def _mask_person_number(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    if _DATE_SHAPED.match(digits) or fodselsnummer.is_valid(digits):
        return "[fødselsnummer]"
    return match.group()


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


class MaskingStream(io.TextIOBase):
    """A text stream that masks each line before passing it on: for what libraries print
    rather than log (Gradio prints the traceback of a failed event, with its input)."""

    def __init__(self, stream):
        self.stream, self._pending = stream, ""

    def write(self, text: str) -> int:
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        for line in lines:
            self.stream.write(_escape_line(mask_personal_data(line)) + "\n")
        if len(self._pending) > 64 * 1024:  # no newline coming: do not hold it all
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.stream.write(_escape_line(mask_personal_data(self._pending)))
            self._pending = ""
        self.stream.flush()

    def fileno(self) -> int:
        return self.stream.fileno()

    def isatty(self) -> bool:
        return self.stream.isatty()

    @property
    def encoding(self):
        return getattr(self.stream, "encoding", "utf-8")


def _escape_line(line: str) -> str:
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), line)


def install_log_masking(streams: bool = True) -> None:
    """Put the masking filter on every handler of the root logger (and route warnings
    through logging), so nothing identifying reaches the log unmasked; with `streams`,
    also mask what is printed to stdout and stderr."""
    logging.captureWarnings(True)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
    if streams:
        if not isinstance(sys.stderr, MaskingStream):
            sys.stderr = MaskingStream(sys.stderr)
        if not isinstance(sys.stdout, MaskingStream):
            sys.stdout = MaskingStream(sys.stdout)
