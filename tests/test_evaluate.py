import json
import os

import pytest
from conftest import DEV_QUESTIONS

from bot.evaluate import (
    HELDOUT_PERCENT,
    EvalSet,
    evaluate,
    format_result,
    format_table,
    is_heldout,
    judge,
    load_questions,
    parse_set,
    percentile,
    run_questions,
)
from bot.serialize import answer_to_dict
from bot.service import Bot


def _item(question, must_contain, doc="trd", kind="factoid", id_="q"):
    return {"id": id_, "question": question, "kind": kind, "doc": doc,
            "must_contain": must_contain}  # fmt: skip


def _result(answer, citation_texts, status="answered"):
    return {"status": status, "answer": answer, "citations": [{"text": t} for t in citation_texts]}


def test_phrases_match_case_insensitively_with_whitespace_folded():
    item = _item("Hvordan definerer KS innovasjon?", "Nytt, nyttig og  nyttiggjort")
    result = _result("Ifølge «TRD»: KS definerer innovasjon som nytt,\nnyttig og nyttiggjort. [1]",
                     ["KS definerer innovasjon som NYTT, NYTTIG\tOG\n\nnyttiggjort."])  # fmt: skip
    assert judge(item, result) == {"cite@1": True, "cite": True, "answer": True, "answered": True}


def test_a_missing_phrase_is_a_miss():
    item = _item("Hvordan definerer KS innovasjon?", "nyttiggjort")
    result = _result("Ifølge «TRD»: Innovasjon er nytt. [1]", ["Innovasjon er nytt."])
    assert judge(item, result) == {"cite@1": False, "cite": False, "answer": False,
                                   "answered": True}  # fmt: skip


def test_cite_at_1_looks_only_at_the_first_citation():
    item = _item("Hvor mange partnerskap finnes?", "16 slike partnerskap")
    result = _result("Ifølge «TRD»: Det er mange. [1] Det finnes 16 slike partnerskap. [2]",
                     ["Det er mange.", "Det finnes 16 slike partnerskap."])  # fmt: skip
    verdict = judge(item, result)
    assert verdict["cite@1"] is False
    assert verdict["cite"] is True
    assert verdict["answer"] is True


def test_several_phrases_must_each_be_in_some_citation_and_the_first_in_the_first():
    # A two-part question, often about two documents (dev2/README.md): cite needs every
    # phrase in some citation; cite@1 also needs the first phrase in the first citation.
    item = _item("Hvilke suksesskriterier?", ["tidlig rolleavklaring", "god prosjektledelse"])
    split = _result("Tidlig rolleavklaring. [1] God prosjektledelse. [2]",
                    ["Tidlig rolleavklaring.", "God prosjektledelse."])  # fmt: skip
    assert judge(item, split) == {"cite@1": True, "cite": True, "answer": True,
                                  "answered": True}  # fmt: skip
    reversed_ = _result("God prosjektledelse. [1] Tidlig rolleavklaring. [2]",
                        ["God prosjektledelse.", "Tidlig rolleavklaring."])  # fmt: skip
    assert judge(item, reversed_) == {"cite@1": False, "cite": True, "answer": True,
                                      "answered": True}  # fmt: skip
    one_missing = _result("Tidlig rolleavklaring. [1] Noe annet. [2]",
                          ["Tidlig rolleavklaring.", "Noe annet."])  # fmt: skip
    assert judge(item, one_missing) == {"cite@1": False, "cite": False, "answer": False,
                                        "answered": True}  # fmt: skip
    together = _result("Tidlig rolleavklaring. [1]",
                       ["Tidlig rolleavklaring og god prosjektledelse."])  # fmt: skip
    assert judge(item, together) == {"cite@1": True, "cite": True, "answer": False,
                                     "answered": True}  # fmt: skip


def test_a_phrase_split_over_two_citations_is_not_cited():
    item = _item("Hva er innovasjon?", ["nytt, nyttig og nyttiggjort"])
    result = _result("Nytt, nyttig [1] og nyttiggjort [2]", ["Nytt, nyttig", "og nyttiggjort"])
    verdict = judge(item, result)
    assert verdict["cite"] is False and verdict["cite@1"] is False


def test_a_refusal_of_an_in_scope_question_misses_everything_and_is_not_a_refusal_hit():
    item = _item("Hvordan definerer KS innovasjon?", "nyttiggjort")
    verdict = judge(item, _result("Jeg finner ikke svar.", [], status="no_answer"))
    assert verdict == {"cite@1": False, "cite": False, "answer": False, "answered": False}


def test_out_of_scope_questions_count_only_towards_refused():
    item = _item("Når går bussen?", None, doc=None, kind="out_of_scope")
    assert judge(item, _result("Jeg finner ikke svar.", [], "no_answer")) == {"refused": True}
    assert judge(item, _result("Bussen går nå. [1]", ["Bussen går nå."])) == {"refused": False}


def test_evaluate_averages_each_metric_over_its_own_questions():
    items = [
        _item("q1", "nyttiggjort", id_="d1"),
        _item("q2", "16 slike partnerskap", kind="keyword", id_="d2"),
        _item("q3", None, doc=None, kind="out_of_scope", id_="o1"),
        _item("q4", None, doc=None, kind="out_of_scope", id_="o2"),
    ]
    results = [
        _result("Nytt, nyttig og nyttiggjort. [1]", ["Nytt, nyttig og nyttiggjort."]),
        _result("Jeg finner ikke svar.", [], "no_answer"),
        _result("Jeg finner ikke svar.", [], "no_answer"),
        _result("Bussen går nå. [1]", ["Bussen går nå."]),
    ]
    result = evaluate(items, results)
    assert result.metrics == {"cite@1": 0.5, "cite": 0.5, "answer": 0.5, "answered": 0.5,
                              "refused": 0.5}  # fmt: skip
    assert list(result.metrics) == ["cite@1", "cite", "answer", "answered", "refused"]
    assert result.by_kind == {
        "factoid": {"cite@1": 1.0, "cite": 1.0, "answer": 1.0, "answered": 1.0},
        "keyword": {"cite@1": 0.0, "cite": 0.0, "answer": 0.0, "answered": 0.0},
        "out_of_scope": {"refused": 0.5},
    }
    assert [m["id"] for m in result.misses] == ["d2", "o2"]
    assert result.misses[0]["failed"] == ["cite@1", "cite", "answer", "answered"]
    assert result.misses[1]["failed"] == ["refused"]


def test_evaluate_without_out_of_scope_questions_has_no_refused_metric():
    result = evaluate([_item("q1", "x")], [_result("x [1]", ["x"])])
    assert "refused" not in result.metrics
    assert result.misses == []


def test_evaluate_needs_one_result_per_question():
    with pytest.raises(ValueError):
        evaluate([_item("q1", "x"), _item("q2", "y")], [_result("x [1]", ["x"])])


def test_format_result_prints_the_metric_line():
    items = [_item("q1", "x", id_="d1"), _item("q2", None, doc=None, kind="out_of_scope")]
    results = [_result("x [1]", ["x"]), _result("Jeg finner ikke svar.", [], "no_answer")]
    lines = format_result(evaluate(items, results), len(items)).splitlines()
    assert lines[0] == "Spørsmål: 2"
    assert lines[1] == "cite@1=1.000  cite=1.000  answer=1.000  answered=1.000  refused=1.000"
    assert "Bom" not in "\n".join(lines)


def test_load_questions_skips_blank_lines(tmp_path):
    path = tmp_path / "q.jsonl"
    rows = [_item("Hva er TRD3.0?", "TRD3.0"), _item("Når går bussen?", None, doc=None)]
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8"
    )
    assert load_questions(path) == rows


def test_the_held_out_split_is_stable_and_about_thirty_percent():
    ids = [f"q-{i}" for i in range(1000)]
    first = [is_heldout(i) for i in ids]
    assert first == [is_heldout(i) for i in ids]  # the same every time
    assert HELDOUT_PERCENT == 30
    assert 0.25 <= sum(first) / len(ids) <= 0.35
    # By the id alone, pinned: the fitting script and the eval table must agree on it.
    assert [is_heldout(i) for i in ("a", "b", "c", "d", "q1", "q2", "d2-001", "nqd-001")] == [
        True, False, True, False, True, False, False, True]  # fmt: skip
    assert is_heldout(17) == is_heldout("17")


def test_parse_set_with_a_docs_folder(tmp_path):
    (tmp_path / "dev2" / "docs").mkdir(parents=True)
    questions = tmp_path / "dev2" / "questions.jsonl"
    assert parse_set(str(questions)) == EvalSet("dev2", questions, tmp_path / "dev2" / "docs")
    other = tmp_path / "elsewhere"
    assert parse_set(f"{questions}:{other}") == EvalSet("dev2", questions, other)


def test_parse_set_without_a_docs_folder(tmp_path):
    questions = tmp_path / "dev-questions.jsonl"
    assert parse_set(str(questions)) == EvalSet("dev-questions", questions, None)
    docs = tmp_path / "corpus"
    assert parse_set(f"{questions}:{docs}") == EvalSet("dev-questions", questions, docs)


def test_run_questions_passes_the_history_and_times_each_question():
    asked = []

    def ask(question, history):
        asked.append((question, tuple(history)))
        return {"status": "answered"}

    items = [{"question": "Hva er TRD3.0?"},
             {"question": "Og hvem leder det?", "history": ["Hva er TRD3.0?"]},
             {"question": "Hva?", "history": None}]  # fmt: skip
    results, seconds = run_questions(ask, items)
    assert asked == [("Hva er TRD3.0?", ()), ("Og hvem leder det?", ("Hva er TRD3.0?",)),
                     ("Hva?", ())]  # fmt: skip
    assert results == [{"status": "answered"}] * 3
    assert len(seconds) == 3 and all(s >= 0 for s in seconds)


def test_percentile():
    assert percentile([], 0.5) == 0.0
    assert percentile([3.0], 0.95) == 3.0
    values = [float(i) for i in range(1, 101)]
    assert percentile(values, 0.5) in (50.0, 51.0)
    assert percentile(values, 0.95) in (95.0, 96.0)
    assert percentile(list(reversed(values)), 0.0) == 1.0


def test_format_table_has_a_row_per_set_and_the_means():
    rows = [
        ("dev2", 4, {"cite@1": 0.5, "cite": 0.75, "answer": 0.5, "answered": 1.0,
                     "refused": 0.5}, [0.1, 0.2, 0.3, 0.4]),
        ("dev2 (holdt utenfor)", 2, {"cite@1": 1.0, "cite": 1.0, "answer": 1.0,
                                     "answered": 1.0}, []),
    ]  # fmt: skip
    lines = format_table(rows).splitlines()
    assert len(lines) == 4
    assert lines[0].split() == ["sett", "n", "cite@1", "cite", "answer", "answered", "refused",
                                "p50", "s", "p95", "s"]  # fmt: skip
    assert lines[1].split() == ["dev2", "4", "0.500", "0.750", "0.500", "1.000", "0.500",
                                "0.300", "0.400"]  # fmt: skip
    # A row without out-of-scope questions shows "-" for refused, and no timing if none.
    assert lines[2].split() == ["dev2", "(holdt", "utenfor)", "2", "1.000", "1.000", "1.000",
                                "1.000", "-"]  # fmt: skip
    # The means of each metric over the rows that have it.
    assert lines[3].split() == ["snitt", "0.750", "0.875", "0.750", "1.000", "0.500"]
    # The columns line up under the header; rows without timing just stop earlier.
    assert len(lines[1]) == len(lines[0])
    assert len(lines[2]) == len(lines[3]) == len(lines[0]) - len("   0.300   0.400")
    assert lines[1].index("0.750") + 5 == lines[0].index("cite ") + 4


@pytest.mark.slow
def test_the_real_bot_meets_the_floors_on_the_dev_questions(real_corpus_index, model_cache):
    if not DEV_QUESTIONS.is_file():
        # CI always has ../shared beside the checkout: there a missing file is a failure.
        if os.environ.get("CI"):
            pytest.fail(f"the development questions are missing in CI: {DEV_QUESTIONS}")
        pytest.skip(f"the development questions are not here: {DEV_QUESTIONS}")
    bot = Bot.load(real_corpus_index, model_cache)
    items = load_questions(DEV_QUESTIONS)
    results = [answer_to_dict(bot.ask(item["question"])) for item in items]
    result = evaluate(items, results)
    report = format_result(result, len(items))
    # Answer engine v2 measured cite@1 = cite = answer = answered = 0.929 (26 of the 28
    # in-scope questions) and refused = 1.000 (6 of 6); each floor allows one more miss.
    assert result.metrics["cite@1"] >= 0.89, report
    assert result.metrics["cite"] >= 0.89, report
    assert result.metrics["answer"] >= 0.89, report
    assert result.metrics["answered"] >= 0.89, report
    assert result.metrics["refused"] >= 0.83, report
