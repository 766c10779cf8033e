"""Content gaps from the real database: unanswered questions grouped (with a fake
embedding), thumbs down, the answer rate per day, documents cited and never, CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pytest

from bot.answer import Answer, Citation
from bot.gaps import (
    CachedEmbed,
    DayRate,
    answer_rate_by_day,
    citations,
    group_similar,
    thumbs_down,
    to_csv,
    unanswered_groups,
)
from bot.retrieve import Passage
from bot.store import Store
from ingest.chunking import Chunk

T0 = dt.datetime(2026, 12, 1, 9, 15, tzinfo=dt.UTC)
TOPICS = ("parkering", "barnehage", "søppel")


class FakeEmbed:
    """One direction per topic word; texts on the same topic differ a little."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), len(TOPICS) + 1), np.float32)
        for row, text in enumerate(texts):
            hits = [i for i, topic in enumerate(TOPICS) if topic in text.lower()]
            out[row, hits[0] if hits else len(TOPICS)] = 1.0
            out[row, len(TOPICS)] += 0.1 * (len(text) % 3)  # wording: cosine 0.98..1
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def answer(question, status="no_answer", docs=()):
    chunks = [Chunk(f"{d}#0", d, d, "", "", "", "nb", None, 0, "T.") for d in docs]
    cited = tuple(Citation(n, Passage(c, n, 0.5, 0.5, 1.0, 1, 1), ((0, 2),))
                  for n, c in enumerate(chunks, 1))  # fmt: skip
    return Answer(question, status, "", "nb", cited, "", {"answerable": 0.3})


@pytest.fixture
def clock():
    return {"now": T0}


@pytest.fixture
def store(tmp_path, clock):
    s = Store(tmp_path, now=lambda: clock["now"], purge_every=None)
    yield s
    s.close()


def test_the_same_wording_is_one_group_without_a_model():
    texts = ["Hva er Unikom?", "hva  er unikom?", "Hva er KS?", "HVA ER UNIKOM?"]
    assert group_similar(texts) == [[0, 1, 3], [2]]


def test_similar_questions_are_grouped_by_their_vectors_and_embedded_once():
    texts = ["Hvor kan jeg parkere? parkering", "Parkering ved rådhuset?", "Barnehageplass?",
             "Hvor er parkering?", "Når hentes søppel?", "Parkering ved rådhuset?"]  # fmt: skip
    embed = FakeEmbed()
    groups = group_similar(texts, embed, threshold=0.9)
    assert groups[0] == [1, 5, 0, 3]  # the most asked wording leads
    assert sorted(map(sorted, groups[1:])) == [[2], [4]]
    assert len(embed.calls) == 1 and len(embed.calls[0]) == 5  # each wording once
    assert len(group_similar(texts, embed, threshold=0.9999)) > 3  # stricter: apart


def test_only_the_most_asked_wordings_are_embedded_and_vectors_are_kept():
    texts = ["Parkering?", "Parkering?", "Parkering her?", "Parkering der?", "Barnehage?"]
    embed = FakeEmbed()
    groups = group_similar(texts, embed, threshold=0.9, max_embedded=2)
    assert embed.calls == [["Parkering?", "Parkering her?"]]
    assert groups[0] == [0, 1, 2] and sorted(map(sorted, groups[1:])) == [[3], [4]]
    cached = CachedEmbed(embed)
    group_similar(texts, cached, threshold=0.9)
    group_similar([*texts, "Søppel?"], cached, threshold=0.9)
    assert embed.calls[1:] == [["Parkering?", "Parkering her?", "Parkering der?", "Barnehage?"],
                               ["Søppel?"]]  # fmt: skip
    assert np.allclose(cached(["Barnehage?"]), FakeEmbed()(["Barnehage?"]))


def test_unanswered_groups_are_masked_counted_and_the_largest_first(store, clock):
    for question in ["Parkering for 912 34 567?", "Parkering ved rådhuset?",
                     "Parkering ved rådhuset?", "Barnehage?"]:  # fmt: skip
        store.record_question(answer(question))
        clock["now"] += dt.timedelta(hours=1)
    store.record_question(answer("Parkering i sentrum?", status="answered"))
    groups = unanswered_groups(store, FakeEmbed(), threshold=0.9)
    assert [(g.question, g.count) for g in groups] == [
        ("Parkering ved rådhuset?", 3), ("Barnehage?", 1)]  # fmt: skip
    assert groups[0].variants == ("Parkering for [telefon]?",)
    assert groups[0].last_asked == "2026-12-01T11"
    assert unanswered_groups(store, FakeEmbed(), limit=1)[0].count == 3


def test_thumbs_down_carry_reason_masked_text_and_cited_documents(store, clock):
    down = store.record_question(answer("Hva er Unikom?", "answered", docs=("unikom", "ks")))
    up = store.record_question(answer("Hva er KS?", "answered", docs=("ks",)))
    store.record_feedback(down, "down", "Kildene passet ikke", "Se ola@example.no")
    store.record_feedback(up, "up")
    [row] = thumbs_down(store)
    assert row.question == "Hva er Unikom?" and row.reason == "Kildene passet ikke"
    assert row.free_text == "Se [e-post]" and row.doc_ids == ("unikom", "ks")
    assert row.hour == "2026-12-01T09" and row.score == 0.3


def test_the_answer_rate_per_day(store, clock):
    for status in ("answered", "answered", "no_answer"):
        store.record_question(answer("Spørsmål", status))
    clock["now"] += dt.timedelta(days=1)
    store.record_question(answer("Spørsmål", "no_answer"))
    store.record_error("Spørsmål")
    assert answer_rate_by_day(store) == [
        DayRate("2026-12-01", 3, 2, 1, 0, 0.6667),
        DayRate("2026-12-02", 2, 0, 1, 1, 0.0),
    ]


def test_documents_cited_most_and_never_among_the_current_ones(store):
    store.record_question(answer("a", "answered", docs=("unikom", "ks")))
    store.record_question(answer("b", "answered", docs=("unikom",)))
    store.record_question(answer("c", "answered", docs=("removed",)))
    report = citations(store, ["unikom", "ks", "sjakk", "framtidskraft"])
    assert [(d.doc_id, d.citations) for d in report.most] == [("unikom", 2), ("ks", 1)]
    assert report.never == ("framtidskraft", "sjakk")
    assert len(citations(store, ["unikom", "ks"], limit=1).most) == 1


def test_nothing_to_report_from_a_store_that_could_not_open(clock):
    s = Store("/proc/trd30-no-such-folder", now=lambda: clock["now"], purge_every=None)
    assert unanswered_groups(s, FakeEmbed()) == [] and thumbs_down(s) == []
    assert answer_rate_by_day(s) == [] and citations(s, ["a"]).never == ("a",)
    s.close()


def test_without_question_texts_the_reports_still_count(tmp_path, clock):
    s = Store(tmp_path, retention_days=0, now=lambda: clock["now"], purge_every=None)
    s.record_feedback(s.record_question(answer("Hva er Unikom?")), "down", "Annet", "tekst")
    assert unanswered_groups(s) == []
    assert thumbs_down(s)[0].question == "" and thumbs_down(s)[0].free_text == ""
    assert answer_rate_by_day(s)[0].asked == 1
    s.close()


def test_csv_has_a_header_joined_lists_and_no_formulas(store):
    down = store.record_question(answer('=HYPERLINK("x")', "answered", docs=("a", "b")))
    store.record_feedback(down, "down", "Annet", "+ og - er greit")
    text = to_csv(thumbs_down(store))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["hour", "question", "status", "score", "reason", "free_text", "doc_ids"]
    assert rows[1] == ["2026-12-01T09", "'=HYPERLINK(\"x\")", "answered", "0.3", "Annet",
                       "'+ og - er greit", "a; b"]  # fmt: skip
    assert to_csv([]) == ""
    groups = to_csv(unanswered_groups(store))
    assert groups == ""  # nothing unanswered
