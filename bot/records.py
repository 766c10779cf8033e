"""What the app keeps of each question and its feedback, in one place for the chat and
the API: the row in the database (`bot.store`, masked), the counters (`bot.metrics`) and
the personal-data note on the reply (`bot.masking`).

It does not answer and does not render; `Records()` with nothing given keeps nothing
(tests, `bot ask`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .answer import Answer
from .feedback import StoreUnavailable, split_reason
from .masking import personal_data_warning


@dataclass
class Records:
    store: object | None = None  # bot.store.Store
    metrics: object | None = None  # bot.metrics.Metrics

    def answered(self, asked: str, answer: Answer) -> tuple[Answer, str]:
        """`answer` with the personal-data note when `asked` (as typed) holds any, and the
        id it was kept under ("" when nothing is kept)."""
        warning = personal_data_warning(asked or "", answer.language)
        if warning:  # the bot needs no personal data and has not kept it
            answer = replace(answer, notice=" ".join(t for t in (answer.notice, warning) if t))
        answer_id = self.store.record_question(answer) if self.store is not None else ""
        if self.metrics is not None:
            self.metrics.count_question(answer.status)
        return answer, answer_id

    def failed(self, asked: str) -> str:
        """Keep a question the bot failed on; its id."""
        if self.metrics is not None:
            self.metrics.count_question("error")
        return self.store.record_error(asked or "") if self.store is not None else ""

    def feedback(self, answer_id: str, rating: str, reason: object = None,
                 free_text: str | None = None) -> None:  # fmt: skip
        """Keep thumbs up / down on `answer_id`: `reason` one of the choices, or (without
        `free_text`) any text, kept as "Annet" with it. Raises bot.feedback.FeedbackError."""
        if self.store is None:
            raise StoreUnavailable()
        if free_text is None:
            choice, free_text = split_reason(reason)
        else:
            choice = reason or None
        self.store.record_feedback(answer_id, rating, choice, free_text)
        if self.metrics is not None:
            self.metrics.count_feedback(rating)
