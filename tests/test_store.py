"""The database, for real: schema and migrations, what is kept and for how long, feedback,
and answering that goes on when the folder is read-only or the disk is full."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot import store as store_module
from bot.answer import Answer, Citation
from bot.feedback import (
    InvalidFeedback,
    StoreUnavailable,
    UnknownAnswer,
    reason_choices,
    split_reason,
)
from bot.retrieve import Passage
from bot.store import DB_NAME, SCHEMA_VERSION, Store
from ingest.chunking import Chunk

T0 = dt.datetime(2026, 12, 2, 10, 41, 7, tzinfo=dt.UTC)


class Clock:
    def __init__(self, moment: dt.datetime = T0):
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment


def make_answer(question="Hva er Unikom?", status="answered", language="nb",
                docs=("unikom", "ks-innovasjon"), answerable=0.83) -> Answer:  # fmt: skip
    citations = tuple(
        Citation(n, Passage(_chunk(doc), n, 0.5, 0.5, 1.0, 1, 1), ((0, 4),))
        for n, doc in enumerate(docs, 1)
    )
    evidence = {"answerable": answerable, "threshold": 0.5}
    return Answer(question, status, "Ifølge …", language, citations, "", evidence)


def _chunk(doc_id: str) -> Chunk:
    return Chunk(f"{doc_id}#0", doc_id, doc_id.title(), "", "", "", "nb", None, 0, "Tekst.")


def rows(folder: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(folder / DB_NAME)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    s = Store(tmp_path / "data", retention_days=30, now=clock, purge_every=None)
    yield s
    s.close()


def test_a_new_database_has_the_schema_in_wal_mode(store, tmp_path):
    folder = tmp_path / "data"
    assert store.available
    assert rows(folder, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert rows(folder, "PRAGMA journal_mode") == [("wal",)]
    columns = {c[1] for table in ("questions", "citations", "feedback")
               for c in rows(folder, f"PRAGMA table_info({table})")}  # fmt: skip
    assert not {c for c in columns if any(w in c for w in ("ip", "agent", "cookie"))}


def test_a_question_is_kept_to_the_hour_with_its_status_score_and_cited_documents(store, tmp_path):
    answer_id = store.record_question(make_answer("Ring meg på 912 34 567 om Unikom"))
    assert len(answer_id) == 32
    folder = tmp_path / "data"
    assert rows(folder, "SELECT * FROM questions") == [
        (answer_id, "2026-12-02T10", "nb", "answered", 0.83, "Ring meg på [telefon] om Unikom")
    ]
    assert rows(folder, "SELECT n, doc_id FROM citations ORDER BY n") == [
        (1, "unikom"), (2, "ks-innovasjon")]  # fmt: skip
    error_id = store.record_error("Hva skjedde?", "nn")
    assert rows(folder, f"SELECT status, language, score FROM questions WHERE id = '{error_id}'"
                ) == [("error", "nn", None)]  # fmt: skip


def test_the_best_part_scores_a_two_part_question(store, tmp_path):
    answer = make_answer()
    evidence = {"parts": [{"answerable": 0.2}, {"answerable": 0.7}]}
    store.record_question(Answer(answer.question, "answered", "", "nb", (), "", evidence))
    assert rows(tmp_path / "data", "SELECT score FROM questions") == [(0.7,)]


def test_with_zero_retention_no_text_is_stored(tmp_path, clock):
    s = Store(tmp_path, retention_days=0, now=clock, purge_every=None)
    answer_id = s.record_question(make_answer("Hva er Unikom?"))
    s.record_feedback(answer_id, "down", "Annet", "Helt feil om Unikom")
    s.close()
    assert rows(tmp_path, "SELECT question FROM questions") == [(None,)]
    assert rows(tmp_path, "SELECT rating, reason, free_text FROM feedback") == [
        ("down", "Annet", None)]  # fmt: skip
    for name in os.listdir(tmp_path):
        assert b"Unikom" not in (tmp_path / name).read_bytes()


def test_rows_past_the_retention_are_deleted_at_start_and_leave_no_bytes(tmp_path, clock):
    s = Store(tmp_path, retention_days=30, now=clock, purge_every=None)
    old = s.record_question(make_answer("Gammelt spørsmål om Sjakkbrettet"))
    s.record_feedback(old, "down", "Kildene passet ikke", "Sjakkbrettet er feil")
    clock.moment = T0 + dt.timedelta(days=29)
    young = s.record_question(make_answer("Nytt spørsmål"))
    s.close()

    clock.moment = T0 + dt.timedelta(days=30, hours=1)
    s = Store(tmp_path, retention_days=30, now=clock, purge_every=None)
    assert [r[0] for r in rows(tmp_path, "SELECT id FROM questions")] == [young]
    assert rows(tmp_path, "SELECT * FROM feedback") == []
    assert rows(tmp_path, f"SELECT * FROM citations WHERE question_id = '{old}'") == []
    for name in os.listdir(tmp_path):  # overwritten, and out of the WAL
        assert b"Sjakkbrettet" not in (tmp_path / name).read_bytes(), name
    s.close()


def test_rows_past_the_retention_are_deleted_daily(tmp_path, clock):
    s = Store(tmp_path, retention_days=2, now=clock, purge_every=0.05)
    try:
        s.record_question(make_answer())
        clock.moment = T0 + dt.timedelta(days=2, hours=1)
        deadline = time.monotonic() + 5
        while rows(tmp_path, "SELECT count(*) FROM questions") != [(0,)]:
            assert time.monotonic() < deadline, "the daily purge did not run"
            time.sleep(0.02)
    finally:
        s.close()


def test_with_zero_retention_rows_are_kept_a_day_for_feedback(tmp_path, clock):
    s = Store(tmp_path, retention_days=0, now=clock, purge_every=None)
    answer_id = s.record_question(make_answer())
    clock.moment = T0 + dt.timedelta(hours=20)
    assert s.purge_expired() == 0
    s.record_feedback(answer_id, "up")
    clock.moment = T0 + dt.timedelta(days=1, hours=1)
    assert s.purge_expired() == 1
    s.close()


def test_feedback_is_kept_replaced_and_masked(store, tmp_path):
    answer_id = store.record_question(make_answer())
    store.record_feedback(answer_id, "up")
    store.record_feedback(answer_id, " Down ", reason_choices()[0],
                          "Skriv til ola@example.no eller ring +47 912 34 567")  # fmt: skip
    assert rows(tmp_path / "data", "SELECT * FROM feedback") == [
        (answer_id, "2026-12-02T10", "down", "Svaret var feil",
         "Skriv til [e-post] eller ring [telefon]")]  # fmt: skip


def test_feedback_on_an_unknown_answer_or_with_a_bad_rating_is_refused_in_norwegian(store):
    answer_id = store.record_question(make_answer())
    with pytest.raises(UnknownAnswer) as err:
        store.record_feedback("0" * 32, "up")
    assert err.value.status == 404 and "Fant ikke svaret" in err.value.message
    for rating in ("meh", "", None, 1):
        with pytest.raises(InvalidFeedback) as err:
            store.record_feedback(answer_id, rating)
        assert err.value.status == 422 and "«up»" in err.value.message
    with pytest.raises(InvalidFeedback) as err:
        store.record_feedback(answer_id, "down", "Jeg liker ikke farger")
    assert "Ukjent grunn" in err.value.message and "«Annet»" in err.value.message


def test_the_reason_choices_are_bokmal_and_end_with_other():
    choices = reason_choices()
    assert 3 <= len(choices) <= 6 and choices[-1] == "Annet"
    assert "Svaret svarte ikke på spørsmålet" in choices


def test_one_reason_field_is_a_choice_or_other_with_a_free_text():
    assert split_reason(" Kildene passet ikke ") == ("Kildene passet ikke", None)
    assert split_reason("Den lenka virker ikke") == ("Annet", "Den lenka virker ikke")
    assert split_reason("") == (None, None) and split_reason(None) == (None, None)
    assert split_reason(42) == (None, None)


def test_a_migration_keeps_the_rows(tmp_path, clock, monkeypatch):
    s = Store(tmp_path, now=clock, purge_every=None)
    answer_id = s.record_question(make_answer())
    s.close()
    step = ("ALTER TABLE questions ADD COLUMN generation TEXT",)
    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, step))
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    s = Store(tmp_path, now=clock, purge_every=None)
    assert s.available
    assert rows(tmp_path, "PRAGMA user_version") == [(SCHEMA_VERSION + 1,)]
    assert rows(tmp_path, "SELECT id, generation FROM questions") == [(answer_id, None)]
    s.close()


def test_a_database_from_a_newer_bot_or_not_a_database_is_left_alone(tmp_path, clock, caplog):
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.close()
    s = Store(tmp_path, now=clock, purge_every=None)
    assert not s.available and len(s.record_question(make_answer())) == 32
    assert "nyere versjon" in caplog.text
    s.close()
    other = tmp_path / "other"
    other.mkdir()
    (other / DB_NAME).write_bytes(b"this is not a database " * 100)
    s = Store(other, now=clock, purge_every=None)
    assert not s.available and s.read("SELECT * FROM questions") == []
    s.close()


def test_threads_share_one_store(store, tmp_path):
    ids: list[str] = []

    def ask():
        for _ in range(25):
            ids.append(store.record_question(make_answer()))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = {r[0] for r in rows(tmp_path / "data", "SELECT id FROM questions")}
    assert stored == set(ids) and len(ids) == 200


@contextmanager
def read_only(folder: Path):
    """`folder` (and the files in it) made read-only, for root too (chattr +i)."""
    paths = [folder, *folder.iterdir()]
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
    immutable = os.geteuid() == 0
    if immutable:
        subprocess.run(["chattr", "+i", *map(str, paths)], check=False, capture_output=True)
    try:
        try:
            (folder / "probe").touch()
        except OSError:
            pass
        else:
            pytest.skip("cannot make a folder read-only here")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", *map(str, paths)], check=False, capture_output=True)
        for path in paths:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_read_only_folder_never_stops_answering(tmp_path, clock, caplog):
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder):
        s = Store(folder, now=clock, purge_every=None)
        assert not s.available
        assert len(s.record_question(make_answer())) == 32
        assert s.purge_expired() == 0 and s.read("SELECT * FROM questions") == []
        with pytest.raises(StoreUnavailable) as err:
            s.record_feedback("0" * 32, "up")
        assert err.value.status == 503 and "Prøv igjen senere" in err.value.message
        s.close()
    assert caplog.text.count("Boten svarer som før") == 1  # once, not per question


def test_a_database_whose_folder_turns_read_only_keeps_serving(tmp_path, clock, monkeypatch):
    s = Store(tmp_path / "data", now=clock, purge_every=None)
    first = s.record_question(make_answer())
    s.close()
    monkeypatch.setattr(store_module, "REOPEN_AFTER_S", 0.0)
    with read_only(tmp_path / "data"):
        s = Store(tmp_path / "data", now=clock, purge_every=None)
        s.record_question(make_answer())  # not kept, not raised
        with pytest.raises((StoreUnavailable, UnknownAnswer)):
            s.record_feedback(first, "up")
    third = s.record_question(make_answer())  # writable again: opened again
    assert s.available
    assert {r[0] for r in rows(tmp_path / "data", "SELECT id FROM questions")} >= {first, third}
    s.close()


def test_a_folder_that_cannot_be_made_never_stops_answering(clock):
    s = Store("/proc/trd30-no-such-folder", now=clock, purge_every=None)
    assert not s.available and len(s.record_question(make_answer())) == 32
    s.close()


def test_a_full_disk_never_stops_answering(store, tmp_path, caplog):
    kept = store.record_question(make_answer())
    pages = store.read("PRAGMA page_count")[0][0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk is full"
    with caplog.at_level(logging.WARNING, "trd30.store"):
        for _ in range(50):
            store.record_question(make_answer("Langt spørsmål " * 60))
        try:  # it may still fit in a page with room, or be refused as unstorable
            store.record_feedback(kept, "down", None, "lang tekst " * 40)
        except StoreUnavailable:
            pass
    assert "database or disk is full" in caplog.text
    assert caplog.text.count("Boten svarer som før") == 1
    assert (kept,) in rows(tmp_path / "data", "SELECT id FROM questions")
    assert store.read("PRAGMA integrity_check") == [("ok",)]


class _FullDisk:
    """A connection whose writes fail as on a full disk (and whose reads work)."""

    def __init__(self, db):
        self.db = db

    def execute(self, sql, *args):
        if sql.startswith(("INSERT", "DELETE", "COMMIT")):
            raise sqlite3.OperationalError("database or disk is full")
        return self.db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.db, name)


def test_a_full_disk_by_monkeypatch_never_stops_answering(tmp_path, clock, monkeypatch):
    real_connect = sqlite3.connect
    monkeypatch.setattr(store_module.sqlite3, "connect",
                        lambda *a, **k: _FullDisk(real_connect(*a, **k)))  # fmt: skip
    s = Store(tmp_path, now=clock, purge_every=None)
    assert len(s.record_question(make_answer())) == 32
    assert s.purge_expired() == 0
    with pytest.raises(StoreUnavailable):
        s.record_feedback("0" * 32, "up")
    s.close()


def test_an_os_error_on_the_folder_never_stops_answering(tmp_path, clock, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "mkdir", no_space)
    s = Store(tmp_path / "new", now=clock, purge_every=None)
    assert not s.available and len(s.record_question(make_answer())) == 32
    s.close()
