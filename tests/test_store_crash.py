"""A kill -9 at any moment leaves a database that opens and holds every committed row.

A writer process records questions (with two citations each) and feedback in a loop,
printing each id once its transaction has committed; it is killed at random moments, and
after each kill the database must pass SQLite's integrity check, hold every printed id,
and no question may have half its citations."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bot.store import DB_NAME, SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parent.parent
KILLS_WHILE_WRITING = 12
KILLS_AT_START = 3  # while the process imports, opens or migrates
WRITER = """
import sys
from types import SimpleNamespace as NS

from bot.store import Store

store = Store(sys.argv[1], purge_every=None)
if not store.available:
    print("FAIL open", flush=True)
    sys.exit(2)
cited = (NS(passage=NS(chunk=NS(doc_id="unikom"))), NS(passage=NS(chunk=NS(doc_id="ks"))))
i = 0
while True:
    answer = NS(question=f"Spørsmål {i} om Unikom", language="nb", status="answered",
                evidence={"answerable": 0.5}, citations=cited)
    answer_id = store.record_question(answer)
    if store._failing:
        print("FAIL write", flush=True)
        sys.exit(3)
    print("q", answer_id, flush=True)
    if i % 3 == 0:
        store.record_feedback(answer_id, "down", "Annet", f"grunn {i}")
        print("f", answer_id, flush=True)
    i += 1
"""
LINE = re.compile(r"^([qf]) ([0-9a-f]{32})$")


def test_kill_9_at_random_moments_loses_no_committed_row(tmp_path):
    writer = tmp_path / "writer.py"
    writer.write_text(WRITER, encoding="utf-8")
    folder = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(20261202)
    questions: set[str] = set()
    feedback: set[str] = set()
    killed_writing = 0
    runs = ["start"] * KILLS_AT_START + ["writing"] * KILLS_WHILE_WRITING
    rng.shuffle(runs)
    for moment in runs:
        with open(tmp_path / "stderr.txt", "ab") as stderr:
            proc = subprocess.Popen([sys.executable, str(writer), str(folder)], cwd=ROOT,
                                    env=env, stdout=subprocess.PIPE, stderr=stderr)  # fmt: skip
        lines: list[str] = []
        if moment == "writing":
            lines.append(proc.stdout.readline().decode())  # it is writing now
            time.sleep(rng.uniform(0.0, 0.2))
        else:
            time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, (tmp_path / "stderr.txt").read_text()
        lines += out.decode(errors="replace").splitlines()
        assert not any(line.startswith("FAIL") for line in lines), lines
        printed = [m.groups() for m in map(LINE.match, lines) if m]
        questions |= {i for kind, i in printed if kind == "q"}
        feedback |= {i for kind, i in printed if kind == "f"}
        killed_writing += bool(printed) and moment == "writing"
        if (folder / DB_NAME).exists():
            _check(folder, questions, feedback)
    assert killed_writing >= 10
    assert len(questions) > 50, "the writers barely wrote"
    store = Store(folder, purge_every=None)  # and the bot opens it as ever
    assert store.available
    assert store.read("SELECT count(*) FROM questions")[0][0] >= len(questions)
    store.close()


def _check(folder: Path, questions: set[str], feedback: set[str]) -> None:
    db = sqlite3.connect(folder / DB_NAME)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA user_version").fetchone()[0] in (0, SCHEMA_VERSION)
        if db.execute("PRAGMA user_version").fetchone()[0] == 0:
            assert not questions  # killed before the schema was ever committed
            return
        stored = {r[0] for r in db.execute("SELECT id FROM questions")}
        assert questions <= stored, f"lost {len(questions - stored)} committed questions"
        rated = {r[0] for r in db.execute("SELECT question_id FROM feedback")}
        assert feedback <= rated, f"lost {len(feedback - rated)} committed feedback rows"
        halves = db.execute("SELECT question_id, count(*) FROM citations "
                            "GROUP BY question_id HAVING count(*) != 2").fetchall()  # fmt: skip
        assert halves == []
        assert db.execute("SELECT count(*) FROM questions q WHERE NOT EXISTS "
                          "(SELECT 1 FROM citations c WHERE c.question_id = q.id)"
                          ).fetchone() == (0,)  # fmt: skip
    finally:
        db.close()
