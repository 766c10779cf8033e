"""An argument parser that speaks bokmål: usage errors and help headings in Norwegian.

argparse's own messages are English; the common ones are translated here, the rest pass
through unchanged. Used by `python -m ingest`, `python -m bot` and `python app.py`.
"""

from __future__ import annotations

import argparse
import re
import sys

_MESSAGES = (
    (r"the following arguments are required: (.*)", r"disse argumentene mangler: \1"),
    (r"unrecognized arguments: (.*)", r"ukjente argumenter: \1"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)",
     r"argument \1: ugyldig valg \2 (velg mellom \3)"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"argument \1: ugyldig verdi \3"),
    (r"argument (\S+): expected one argument", r"argument \1: mangler en verdi"),
)  # fmt: skip


class NorwegianArgumentParser(argparse.ArgumentParser):
    def format_usage(self) -> str:
        return _headings(super().format_usage())

    def format_help(self) -> str:
        return _headings(super().format_help())

    def error(self, message: str):
        for pattern, replacement in _MESSAGES:
            message = re.sub(pattern, replacement, message)
        self.print_usage(sys.stderr)
        self.exit(2, f"Feil: {message}\n")


def _headings(text: str) -> str:
    text = re.sub(r"^usage:", "bruk:", text, flags=re.M)
    text = re.sub(r"^(positional arguments|options):$",
                  lambda m: {"positional arguments": "argumenter:", "options": "valg:"}[m[1]],
                  text, flags=re.M)  # fmt: skip
    return text.replace("show this help message and exit", "vis denne hjelpen og avslutt")
