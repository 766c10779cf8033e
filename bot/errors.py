"""Errors the bot raises on purpose.

The CLI prints them as one line on stderr with a non-zero exit; the app shows a polite
Norwegian message in the chat. Index problems come from `ingest.errors` unchanged.
"""

from ingest.errors import IndexError_, IndexFormatError, IndexMissing, ModelError

__all__ = ["BotError", "IndexError_", "IndexFormatError", "IndexMissing", "ModelError"]


class BotError(Exception):
    """Base for the bot's own errors."""
