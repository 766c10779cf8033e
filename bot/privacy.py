"""Mask what could identify a person in everything that is logged or printed.

Citizens are anonymous: fødselsnummer / D-numbers, phone numbers, e-mail addresses and IP
addresses are replaced by a placeholder, by the same masker (`bot.masking`) that masks
what is stored. This module is for the places that log (errors, the access log) and for
what libraries print; it does not decide what is stored.
"""

from __future__ import annotations

import io
import logging
import re
import sys

from .masking import LOGGED, mask


def mask_personal_data(text: str) -> str:
    """`text` with personal identifiers replaced by placeholders such as "[telefon]": the
    masker of `bot.masking` for the kinds a log masks (it keeps numbers and streets)."""
    return mask(text, LOGGED)


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
            self.stream.write(escape_controls(mask_personal_data(line)) + "\n")
        if len(self._pending) > 64 * 1024:  # no newline coming: do not hold it all
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.stream.write(escape_controls(mask_personal_data(self._pending)))
            self._pending = ""
        self.stream.flush()

    def fileno(self) -> int:
        return self.stream.fileno()

    def isatty(self) -> bool:
        return self.stream.isatty()

    @property
    def encoding(self):
        return getattr(self.stream, "encoding", "utf-8")


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
