"""The answer model's fit: its cross-validation keeps a document's questions together and
predicts each fold only from the others (benchmarks/fit_answer_model.py)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import fit_answer_model as fit  # noqa: E402

from bot.features import QUESTION_FEATURES  # noqa: E402


def _item(set_name: str, qid: str, doc: str | None, signals=None) -> fit.Item:
    part = SimpleNamespace(
        signals=signals or dict.fromkeys(QUESTION_FEATURES, 0.0),
        query=SimpleNamespace(terms=("term",)),
        found=[object()],
    )
    question = {"id": qid, "doc": doc}
    return fit.Item(set_name, question, False, None, None, [part])


def test_a_documents_questions_share_a_fold_and_the_folds_are_all_used():
    items = [_item("dev2", f"q{d}-{n}", f"doc{d}.md") for d in range(40) for n in range(3)]
    for d in range(40):
        assert len({fit.fold_of(i) for i in items[3 * d : 3 * d + 3]}) == 1
    assert {fit.fold_of(i) for i in items} == set(range(fit.FOLDS))
    # The seed has one document: its questions are spread by id instead.
    seed = [_item("seed", f"s{n}", "seed.txt") for n in range(40)]
    assert len({fit.fold_of(i) for i in seed}) == fit.FOLDS
    # An out-of-scope question (no document) goes by its id.
    loose = [_item("norquad-dev", f"o{n}", None) for n in range(40)]
    assert len({fit.fold_of(i) for i in loose}) == fit.FOLDS


def test_a_fold_salt_deals_the_documents_anew_keeping_them_whole(monkeypatch):
    """cross_validate --salts: another dealing of documents into folds, each document's
    questions still together, and the unsalted dealing back when the salt is empty."""
    items = [_item("dev2", f"q{d}-{n}", f"doc{d}.md") for d in range(40) for n in range(3)]
    usual = [fit.fold_of(i) for i in items]
    monkeypatch.setattr(fit, "FOLD_SALT", "b")
    salted = [fit.fold_of(i) for i in items]
    assert salted != usual and set(salted) == set(range(fit.FOLDS))
    for d in range(40):
        assert len(set(salted[3 * d : 3 * d + 3])) == 1
    monkeypatch.setattr(fit, "FOLD_SALT", "")
    assert [fit.fold_of(i) for i in items] == usual


def test_each_fold_is_predicted_by_a_rule_fitted_without_it():
    rng = np.random.default_rng(7)
    n = 200
    x = rng.normal(size=(n, len(QUESTION_FEATURES)))
    y = (x[:, 0] + rng.normal(scale=2.0, size=n) > 0).astype(int)
    w = np.ones(n)
    folds = np.arange(n) % fit.FOLDS
    probs = fit.out_of_fold(x, y, w, folds, 0.1, ())
    for k in range(fit.FOLDS):
        train, test = folds != k, folds == k
        rule = replace(fit.fit_linear(x[train], y[train], w[train], 0.1),
                       features=QUESTION_FEATURES)  # fmt: skip
        expected = 1 / (1 + np.exp(-rule.logits(x[test])))
        np.testing.assert_allclose(probs[test], expected)
    # Fitted on all rows, the same data would predict itself better than out of fold.
    whole = replace(fit.fit_linear(x, y, w, 1.0), features=QUESTION_FEATURES)
    assert not np.allclose(probs, 1 / (1 + np.exp(-whole.logits(x))))


def test_the_refusal_rule_is_chosen_on_out_of_fold_probabilities():
    # One signal tells in-scope questions from the others, noisily; the rest is noise.
    rng = np.random.default_rng(3)
    items = []
    for n in range(160):
        in_scope = n % 3 != 0
        signals = {f: float(rng.normal()) for f in QUESTION_FEATURES}
        signals["coverage"] = float(in_scope) + float(rng.normal(scale=0.7))
        items.append(_item("dev2", f"q{n}", f"doc{n // 2}.md" if in_scope else None, signals))
    chosen = fit.select_refusal(items, ())
    assert chosen["c"] in fit.REFUSAL_C_GRID
    assert set(chosen["report"]) == {str(c) for c in fit.REFUSAL_C_GRID}
    best = max(v["balanced"] for v in chosen["report"].values())
    assert chosen["report"][str(chosen["c"])]["balanced"] == best
    assert 0.05 <= chosen["threshold"] <= 0.95
    assert chosen["grid"][chosen["threshold"]] > 0.6  # the signal is found out of fold
    assert chosen["report"][str(chosen["c"])]["mean_auc"] == pytest.approx(
        fit.mean_auc(items, fit.item_scores(items, fit.out_of_fold(
            *fit.refusal_rows(items),
            np.array([fit.fold_of(i) for i in items]), chosen["c"], ()))),
        abs=1e-4,
    )  # fmt: skip


def test_a_question_made_without_its_document_is_out_of_scope_in_that_documents_fold():
    asked = _item("dev2", "q1", "doc1.md")
    question = {"id": "q1-uten", "removed_from": "q1", "doc": None, "removed_doc": "doc1.md"}
    made = fit.Item("dev2" + fit.WITHOUT, question, False, None, None, [])
    assert asked.in_scope and not asked.made
    assert made.made and not made.in_scope
    assert fit.fold_of(made) == fit.fold_of(asked)
    # Over many documents, the made questions follow theirs into every fold.
    pairs = [(_item("norquad-dev", f"q{d}", f"d{d}.md"),
              fit.Item("norquad-dev" + fit.WITHOUT, {"id": f"q{d}-uten", "removed_from": f"q{d}",
                       "doc": None, "removed_doc": f"d{d}.md"}, False, None, None, []))
             for d in range(40)]  # fmt: skip
    assert all(fit.fold_of(a) == fit.fold_of(m) for a, m in pairs)
    assert {fit.fold_of(m) for _, m in pairs} == set(range(fit.FOLDS))


def test_the_threshold_is_chosen_on_the_sets_own_questions_only():
    rng = np.random.default_rng(5)
    items, scores = [], []
    for n in range(120):
        in_scope = n % 3 != 0
        items.append(_item("dev2", f"q{n}", f"doc{n}.md" if in_scope else None))
        scores.append([float(np.clip(rng.normal(0.7 if in_scope else 0.3, 0.2), 0, 1))])
    threshold, grid = fit.choose_threshold(items, scores)
    # Made questions are all out of scope: counted, they would push the threshold up.
    made = [_item("dev2" + fit.WITHOUT, f"m{n}", None) for n in range(200)]
    high = [[float(rng.uniform(0.3, 0.9))] for _ in made]
    assert fit.choose_threshold(items + made, scores + high) == (threshold, grid)
    rates = fit.decision_rates(items + made, 0.5, scores + high)
    assert set(rates) == {"dev2", "dev2" + fit.WITHOUT}


def test_without_document_leaves_each_folds_documents_out(tmp_path):
    from bot.evaluate import EvalSet
    from ingest.embedding import HashEmbedder

    docs = tmp_path / "docs"
    docs.mkdir()
    questions = []
    for d in range(10):
        (docs / f"d{d}.md").write_text(f"# Dokument {d}\n\nByen nummer {d} heter Sted{d}by. "
                                       f"Felles fakta om fjorden.\n", "utf-8")  # fmt: skip
        questions.append({"id": f"q{d}", "question": f"Hva heter by {d}?", "doc": f"d{d}.md",
                          "must_contain": f"Sted{d}by"})  # fmt: skip
    # A fact every document gives stays answerable without any one of them: not made.
    questions.append({"id": "felles", "question": "Hva er felles?", "doc": "d0.md",
                      "must_contain": "Felles fakta om fjorden"})  # fmt: skip
    questions.append({"id": "ute", "question": "Hva koster billetten?", "doc": None})
    made = fit.without_document(EvalSet("dev2", tmp_path / "q.jsonl", docs), questions,
                                tmp_path / "work", HashEmbedder())  # fmt: skip
    assert sorted(i.question["removed_from"] for i in made) == [f"q{d}" for d in range(10)]
    for item in made:
        assert item.set_name == "dev2" + fit.WITHOUT and not item.in_scope
        doc = item.question["removed_doc"]
        assert not len(item.bot.index.rows_of(doc)), doc  # its document is not there
        assert len(item.bot.index.doc_ids) == 10 - sum(
            fit.doc_fold("dev2", f"d{d}.md") == fit.doc_fold("dev2", doc) for d in range(10)
        )
        assert item.parts  # and it was asked of the rest


def test_the_shipped_model_holds_the_dropped_features_at_zero():
    from bot.features import SENTENCE_FEATURES
    from bot.model import LEXICAL, load_model

    assert set(fit.DROPPED) < set(SENTENCE_FEATURES)
    for name in (fit.DEFAULT_MODEL, LEXICAL):
        sentence = load_model(name).sentence
        assert set(fit.DROPPED) <= set(sentence.ignored)  # refit after changing DROPPED
        x = np.zeros((2, len(SENTENCE_FEATURES)))
        x[1, [SENTENCE_FEATURES.index(f) for f in fit.DROPPED]] = 9.0
        assert sentence.logits(x)[0] == sentence.logits(x)[1]
