"""Feedback on an answer: what may be given, and the errors for what may not.

A rating is "up" or "down"; a reason, when given, is one of the fixed choices in bokmål
(bot/data/feedback.toml); a free text is cut to `MAX_FREE_TEXT` characters (and masked
by the store before it is written). `check_feedback` normalises a rating and a reason or
raises `InvalidFeedback`; the store raises `UnknownAnswer` and `StoreUnavailable`.
`split_reason` reads one "reason" field as a choice or as "Annet" with a free text.

It does not store anything (`bot.store` does) and knows no HTTP beyond the status each
error suggests.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

UP, DOWN = "up", "down"
RATINGS = (UP, DOWN)
MAX_FREE_TEXT = 500  # characters of a free-text reason that are kept


class FeedbackError(ValueError):
    """Feedback that was not recorded. The message is bokmål, for the asker or the
    integration that sent it (the `detail` of POST /api/feedback's error reply);
    `status` is the HTTP status to answer with."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidFeedback(FeedbackError):
    """The rating is not "up" or "down", or the reason is not one of the choices."""

    status = 422


class UnknownAnswer(FeedbackError):
    """No stored answer has this id: a wrong id, or one past the retention period."""

    status = 404

    def __init__(self, message: str | None = None):
        super().__init__(message or messages()["unknown_answer"])


class StoreUnavailable(FeedbackError):
    """The database cannot be written now (read-only folder, full disk): try later."""

    status = 503

    def __init__(self, message: str | None = None):
        super().__init__(message or messages()["unavailable"])


def reason_choices() -> tuple[str, ...]:
    """The fixed reasons, in bokmål, in the order they are offered."""
    return tuple(_data()["reasons"])


def messages() -> dict[str, str]:
    """The bokmål messages of the feedback errors."""
    return _data()["messages"]


def check_feedback(rating: object, reason: object = None) -> tuple[str, str | None]:
    """(rating, reason) as the store keeps them, or InvalidFeedback. The rating may come
    in any case and with spaces around it; an empty reason is no reason."""
    if not isinstance(rating, str) or rating.strip().lower() not in RATINGS:
        raise InvalidFeedback(messages()["bad_rating"])
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        return rating.strip().lower(), None
    choices = reason_choices()
    if not isinstance(reason, str) or reason.strip() not in choices:
        listed = ", ".join(f"«{c}»" for c in choices)
        raise InvalidFeedback(messages()["bad_reason"].format(reasons=listed))
    return rating.strip().lower(), reason.strip()


def split_reason(reason: object) -> tuple[str | None, str | None]:
    """One "reason" field, as POST /api/feedback takes it, as (choice, free text): one of
    the choices is that choice; any other text is the last choice ("Annet") and that text."""
    if not isinstance(reason, str) or not reason.strip():
        return None, None
    if reason.strip() in reason_choices():
        return reason.strip(), None
    return reason_choices()[-1], reason.strip()


@cache
def _data() -> dict:
    path = Path(__file__).with_name("data") / "feedback.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))
