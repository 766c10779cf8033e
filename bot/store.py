"""The bot's database: one row per question asked, its citations and its feedback.

SQLite in WAL mode, one file in the data folder (`TRD30_DATA`, read by the app). Per
question it keeps the hour it was asked (UTC), its language, status and evidence score,
the ids of the cited documents and the feedback; the question text only masked
(`bot.masking`), and only when the retention period is more than 0 days. A free-text
reason is masked the same way. It never sees an IP address, a user agent or a cookie:
nothing in it has a place for one.

Rows older than the retention period (at least `MIN_ROW_DAYS`, so that feedback on
today's answers can still be given when nothing is kept) are deleted when the store
opens and every `PURGE_EVERY_S` after, their bytes overwritten (secure_delete) and the
WAL truncated.

Every write is one transaction, so a kill at any moment leaves the committed rows and
nothing half-written. Storing is never in the way of answering: a read-only folder, a
full disk or a broken file is logged once, and the store carries on without writing
(`available` is False) and tries to open again after `REOPEN_AFTER_S`.

It does not compute the admin reports (`bot.gaps` does, over `read`).
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .feedback import MAX_FREE_TEXT, StoreUnavailable, UnknownAnswer, check_feedback
from .masking import mask
from .serialize import best_part
from .text import MAX_QUESTION_CHARS

if TYPE_CHECKING:
    from .answer import Answer

logger = logging.getLogger("trd30.store")
DB_NAME = "trd30.sqlite3"
RETENTION_DAYS = 30
MIN_ROW_DAYS = 1
PURGE_EVERY_S = 24 * 3600
REOPEN_AFTER_S = 60.0
BUSY_TIMEOUT_MS = 5000
ERROR = "error"  # the status of a question the bot failed on

# MIGRATIONS[i] takes the schema from version i to i + 1, in one transaction.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE questions (
            id TEXT PRIMARY KEY,
            hour TEXT NOT NULL,          -- asked, to the hour, UTC: 2026-12-02T10
            language TEXT NOT NULL,
            status TEXT NOT NULL,        -- answered, no_answer or error
            score REAL,                  -- the evidence's P(answerable), best part
            question TEXT                -- masked; NULL when nothing is retained
        )""",
        "CREATE INDEX questions_by_hour ON questions (hour)",
        """CREATE TABLE citations (
            question_id TEXT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
            n INTEGER NOT NULL,
            doc_id TEXT NOT NULL,
            PRIMARY KEY (question_id, n)
        )""",
        "CREATE INDEX citations_by_doc ON citations (doc_id)",
        """CREATE TABLE feedback (
            question_id TEXT PRIMARY KEY REFERENCES questions (id) ON DELETE CASCADE,
            hour TEXT NOT NULL,
            rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
            reason TEXT,
            free_text TEXT               -- masked; NULL when nothing is retained
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def hour_of(moment: dt.datetime) -> str:
    """`moment` to the hour, in UTC, as stored: "2026-12-02T10"."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H")


class Store:
    """The database in `folder`, or a store that writes nothing when it cannot be opened.

    Safe to share between threads: one connection, used under a lock."""

    def __init__(self, folder: Path | str, retention_days: int = RETENTION_DAYS,
                 now: Callable[[], dt.datetime] = utc_now,
                 purge_every: float | None = PURGE_EVERY_S):  # fmt: skip
        self.path = Path(folder) / DB_NAME
        self.retention_days = max(0, int(retention_days))
        self.now = now
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self._opened_at = float("-inf")
        self._failing = False
        self._stop = threading.Event()
        with self._lock:
            self._open()
            self.purge_expired()
        if purge_every:
            threading.Thread(target=self._purge_daily, args=(purge_every,),
                             name="trd30-store-purge", daemon=True).start()  # fmt: skip

    @property
    def available(self) -> bool:
        """Whether the database is open for writing (a write may still fail)."""
        return self._db is not None

    def record_question(self, answer: Answer) -> str:
        """Store one answered (or refused) question; its id. Never raises."""
        cited = [c.passage.chunk.doc_id for c in answer.citations]
        return self._record(answer.question, answer.language, answer.status,
                            _score(answer.evidence), cited)  # fmt: skip

    def record_error(self, question: str, language: str = "nb") -> str:
        """Store a question the bot failed to answer; its id. Never raises."""
        return self._record(question, language, ERROR, None, [])

    def record_feedback(self, answer_id: str, rating: str, reason: str | None = None,
                        free_text: str | None = None) -> None:  # fmt: skip
        """Keep the feedback on the answer `answer_id`, replacing any given before.

        Raises InvalidFeedback (rating, reason), UnknownAnswer (no such answer) or
        StoreUnavailable (nothing can be written now), each with a bokmål message."""
        rating, reason = check_feedback(rating, reason)
        text = self._retained(free_text, MAX_FREE_TEXT)
        row = (str(answer_id), hour_of(self.now()), rating, reason, text)
        try:
            with self._transaction() as db:
                if db.execute("SELECT 1 FROM questions WHERE id = ?", row[:1]).fetchone() is None:
                    raise UnknownAnswer()
                db.execute("INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?, ?)", row)
        except (sqlite3.Error, OSError) as err:
            self._failed("lagre tilbakemeldingen", err)
            raise StoreUnavailable() from err

    def purge_expired(self) -> int:
        """Delete the rows past the retention period; how many questions went. Never raises."""
        days = max(self.retention_days, MIN_ROW_DAYS)
        cutoff = (hour_of(self.now() - dt.timedelta(days=days)),)
        try:
            with self._transaction() as db:
                gone = db.execute("DELETE FROM questions WHERE hour < ?", cutoff).rowcount
            if gone:
                with self._lock:  # the deleted text out of the WAL too
                    self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except (sqlite3.Error, OSError, StoreUnavailable) as err:
            self._failed("slette gamle spørsmål", err)
            return 0
        if gone:
            logger.info("Slettet %d spørsmål eldre enn %d dager", gone, days)
        return gone

    def read(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """The rows of one read-only query ([] when the database cannot be read)."""
        with self._lock:
            if self._db is None:
                return []
            try:
                return self._db.execute(sql, params).fetchall()
            except (sqlite3.Error, OSError) as err:
                self._failed("lese fra den", err)
                return []

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- inside --

    def _record(self, question, language, status, score, cited: list[str]) -> str:
        answer_id = uuid.uuid4().hex
        text = self._retained(question, MAX_QUESTION_CHARS)
        row = (answer_id, hour_of(self.now()), language, status, score, text)
        cites = [(answer_id, n, doc) for n, doc in enumerate(dict.fromkeys(cited), 1)]
        try:
            with self._transaction() as db:
                db.execute("INSERT INTO questions VALUES (?, ?, ?, ?, ?, ?)", row)
                db.executemany("INSERT INTO citations VALUES (?, ?, ?)", cites)
        except (sqlite3.Error, OSError, StoreUnavailable) as err:
            self._failed("lagre spørsmålet", err)
        return answer_id

    def _retained(self, text: str | None, limit: int) -> str | None:
        """`text` as it may be written: masked and cut, or None when nothing is kept."""
        if not text or not self.retention_days:
            return None
        return mask(text)[:limit] or None

    def _transaction(self):
        return _Transaction(self)

    def _open(self) -> None:
        self._opened_at = time.monotonic()
        db = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                 timeout=BUSY_TIMEOUT_MS / 1000)  # fmt: skip
            for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON",
                           "secure_delete = ON", f"busy_timeout = {BUSY_TIMEOUT_MS}"):  # fmt: skip
                db.execute(f"PRAGMA {pragma}").fetchall()
            _migrate(db)
        except (sqlite3.Error, OSError, RuntimeError) as err:
            if db is not None:
                db.close()
            self._failed("åpne den", err)
            return
        self._db = db
        self._succeeded()

    def _failed(self, doing: str, err: Exception) -> None:
        if not self._failing:  # once, not per question, until it works again
            logger.warning("Databasen %s: kunne ikke %s (%s). Boten svarer som før, men "
                           "lagrer ikke", self.path, doing, err)  # fmt: skip
        self._failing = True

    def _succeeded(self) -> None:
        if self._failing:
            logger.info("Databasen %s kan brukes igjen", self.path)
        self._failing = False

    def _purge_daily(self, every: float) -> None:
        while not self._stop.wait(every):
            self.purge_expired()


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT on the store's connection, under its lock; ROLLBACK on
    any error. Reopens a store that could not be opened, at most every REOPEN_AFTER_S."""

    def __init__(self, store: Store):
        self.store = store

    def __enter__(self) -> sqlite3.Connection:
        store = self.store
        store._lock.acquire()
        due = time.monotonic() - store._opened_at >= REOPEN_AFTER_S
        if store._db is None and due and not store._stop.is_set():
            store._open()
        if store._db is None:
            store._lock.release()
            raise StoreUnavailable()
        try:
            store._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            store._lock.release()
            raise
        return store._db

    def __exit__(self, kind, value, traceback) -> None:
        db = self.store._db
        try:
            if kind is None:
                db.execute("COMMIT")
                self.store._succeeded()
            else:
                db.execute("ROLLBACK")
        except sqlite3.Error:
            if kind is None:
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                raise
        finally:
            self.store._lock.release()


def _migrate(db: sqlite3.Connection) -> None:
    """Bring the schema to SCHEMA_VERSION, one transaction per step."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"skjemaversjon {version} er nyere enn {SCHEMA_VERSION}: "
                           "databasen er skrevet av en nyere versjon av boten")  # fmt: skip
    for step in range(version, SCHEMA_VERSION):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[step]:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {step + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def _score(evidence: dict) -> float | None:
    """The evidence's P(answerable): of the answer, or of its best-scored part."""
    best = best_part(evidence)
    return float(best["answerable"]) if best is not None else None
