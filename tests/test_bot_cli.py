"""`python -m bot` end to end in a subprocess: JSON and plain answers, batches, errors, eval.

Fast tests use an index built with the hash embedder; the slow one the real model on the
shipped corpus.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

from bot.answer import NO_ANSWER_TEXT
from bot.evaluate import is_heldout
from ingest.embedding import HashEmbedder
from ingest.index import MANIFEST, current_generation
from ingest.integrity import seal
from ingest.pipeline import run_ingest

ANSWER_KEYS = {"question", "status", "answer", "language", "citations", "evidence"}
CITATION_KEYS = {"n", "doc_id", "title", "section", "page", "url", "updated", "text", "quote",
                 "score"}  # fmt: skip
OUT_OF_SCOPE = "Når går neste buss fra Lerkendal til sentrum?"

CORPUS = {
    "avtalen.md": """---
title: Samarbeidsavtalen
updated: 2021-03-15
lang: nb
url: https://example.org/avtalen
---

## Hva er samarbeidsavtalen?

Samarbeidsavtalen er en avtale mellom NTNU og Trondheim kommune. Den gjelder for fem år om gangen.

## Hvor mange kommuner er med i Unikom?

Unikom-nettverket har kommuner fra hele landet. Nærmere 40 kommuner er med i Unikom.
""",
    "stillingar.md": """---
title: Kombinerte stillingar
lang: nn
---

## Kva er ei kombinert stilling?

Ei kombinert stilling er ei stilling som er delt mellom kommunen og universitetet.
""",
}


def _run(args, model_cache, stdin=None, timeout=300):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRD30_MODEL_CACHE": str(model_cache)}
    env.pop("TRD30_INDEX", None)
    env.pop("TRD30_MODEL", None)
    return subprocess.run([sys.executable, "-m", "bot", *map(str, args)], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=timeout)  # fmt: skip


@pytest.fixture(scope="module")
def hash_index(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("cli-corpus")
    for name, text in CORPUS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("cli-index")
    run_ingest([corpus], index_dir, "hash", lambda: HashEmbedder())
    return index_dir


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "model-cache"


def _index_copy(hash_index, tmp_path):
    target = tmp_path / "index"
    shutil.copytree(hash_index, target)
    return target


def _edit_manifest(index_dir, **changes):
    """Change the manifest and seal it again, as an index written that way would be."""
    path = index_dir / current_generation(index_dir) / MANIFEST
    manifest = json.loads(path.read_text("utf-8"))
    manifest.update(changes)
    path.write_text(json.dumps(seal(manifest)), "utf-8")


def _one_error_line(result):
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Feil: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def test_ask_json_prints_one_answer_object(hash_index, cache):
    result = _run(["ask", "--index", hash_index, "--json", "Hva er samarbeidsavtalen?"], cache)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    answer = json.loads(lines[0])
    assert set(answer) == ANSWER_KEYS
    assert answer["question"] == "Hva er samarbeidsavtalen?"
    assert answer["status"] == "answered"
    assert answer["language"] == "nb"
    assert answer["answer"].startswith("Ifølge «Samarbeidsavtalen» (Hva er samarbeidsavtalen?): ")
    assert answer["answer"].endswith("[1]")
    [citation] = answer["citations"]
    assert set(citation) == CITATION_KEYS
    assert citation["n"] == 1
    assert citation["doc_id"] == "avtalen.md"
    assert citation["title"] == "Samarbeidsavtalen"
    assert citation["section"] == "Hva er samarbeidsavtalen?"
    assert citation["page"] is None
    assert citation["url"] == "https://example.org/avtalen"
    assert citation["updated"] == "2021-03-15"
    # with the next sentence, which goes on about it ("Den …")
    assert citation["quote"] == ("Samarbeidsavtalen er en avtale mellom NTNU og Trondheim kommune. "
                                 "Den gjelder for fem år om gangen.")  # fmt: skip
    assert citation["quote"] in citation["text"] and citation["quote"] in answer["answer"]
    assert 0.0 < citation["score"] <= 1.0  # the cited passage's cosine to the question
    assert answer["evidence"]["score"] >= answer["evidence"]["threshold"]
    assert not cache.exists()  # the hash model needs no model files


def test_ask_json_adds_a_notice_for_a_truncated_question(hash_index, cache):
    question = "Hvor mange kommuner er med i Unikom? " * 40
    result = _run(["ask", "--index", hash_index, "--json", question], cache)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == ANSWER_KEYS | {"notice"}
    assert "1000" in answer["notice"]


def test_ask_reads_one_question_per_stdin_line_and_answers_in_order(hash_index, cache):
    questions = [
        "Kva er ei kombinert stilling?",
        OUT_OF_SCOPE,
        "Hvor mange kommuner er med i Unikom?",
    ]
    stdin = questions[0] + "\n\n" + questions[1] + "\n   \n" + questions[2]  # no final newline
    result = _run(["ask", "--index", hash_index, "--json"], cache, stdin=stdin)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answers] == questions
    assert [a["status"] for a in answers] == ["answered", "no_answer", "answered"]
    assert [a["language"] for a in answers] == ["nn", "nb", "nb"]
    assert answers[0]["answer"].startswith("Ifølgje «Kombinerte stillingar»")
    assert answers[1]["answer"] == NO_ANSWER_TEXT["nb"] and answers[1]["citations"] == []
    assert "Nærmere 40 kommuner er med i Unikom. [1]" in answers[2]["answer"]


def test_ask_plain_prints_the_answer_and_its_sources(hash_index, cache):
    result = _run(["ask", "--index", hash_index, "Hva er samarbeidsavtalen?"], cache)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Ifølge «Samarbeidsavtalen» (Hva er samarbeidsavtalen?): Samarbeidsavtalen er en avtale "
        "mellom NTNU og Trondheim kommune. Den gjelder for fem år om gangen. [1]\n"
        "\n"
        "Kilder:\n"
        "[1] Samarbeidsavtalen › Hva er samarbeidsavtalen?, sist oppdatert 2021-03-15, "
        "https://example.org/avtalen\n"
        "    «Samarbeidsavtalen er en avtale mellom NTNU og Trondheim kommune. Den gjelder for fem "
        "år om gangen.»\n"
        "\n"
    )


def test_ask_plain_no_answer_has_no_sources(hash_index, cache):
    result = _run(["ask", "--index", hash_index, OUT_OF_SCOPE], cache)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == NO_ANSWER_TEXT["nb"]
    assert "Kilder:" not in result.stdout


def test_a_missing_index_is_one_error_line_saying_how_to_build_it(tmp_path, cache):
    result = _run(["ask", "--index", tmp_path / "nowhere", "Hva er TRD3.0?"], cache)
    line = _one_error_line(result)
    assert "Fant ingen indeks" in line and "python -m ingest" in line
    assert not cache.exists()  # the error comes before any model is built


def test_an_index_of_another_format_version_is_a_clear_error(hash_index, tmp_path, cache):
    index_dir = _index_copy(hash_index, tmp_path)
    _edit_manifest(index_dir, format_version=999)
    line = _one_error_line(_run(["ask", "--index", index_dir, "Hva er TRD3.0?"], cache))
    assert "formatversjon 999" in line and "python -m ingest" in line


def test_an_index_built_with_another_model_is_a_clear_error(hash_index, tmp_path, cache):
    index_dir = _index_copy(hash_index, tmp_path)
    _edit_manifest(index_dir, model="some-other-model")
    result = _run(["ask", "--index", index_dir, "--model", "hash", "Hva er TRD3.0?"], cache)
    line = _one_error_line(result)
    assert "bygd med modellen «some-other-model»" in line and "«hash»" in line
    assert "python -m ingest" in line


def test_an_unavailable_model_is_a_clear_error(hash_index, cache):
    result = _run(["ask", "--index", hash_index, "--model", "no-such/model", "Hva?"], cache)
    assert "Fant ikke modellen «no-such/model»" in _one_error_line(result)


def _write_questions(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


NUMBER = r"\d\.\d{3}"


def test_eval_prints_one_table_of_the_sets_their_held_out_parts_and_the_means(tmp_path, cache):
    docs = tmp_path / "mini" / "docs"
    docs.mkdir(parents=True)
    for name, text in CORPUS.items():
        (docs / name).write_text(text, encoding="utf-8")
    mini = tmp_path / "mini" / "questions.jsonl"  # its documents: the docs/ folder beside it
    _write_questions(mini, [
        {"id": "a", "kind": "factoid", "question": "Hva er samarbeidsavtalen?", "doc": "avtalen",
         "must_contain": "mellom NTNU og Trondheim kommune"},
        {"id": "b", "kind": "factoid", "question": "Hvor mange kommuner er med i Unikom?",
         "doc": "avtalen", "must_contain": "Nærmere 40 kommuner"},
        {"id": "c", "kind": "out_of_scope", "question": OUT_OF_SCOPE, "doc": None,
         "must_contain": None},
    ])  # fmt: skip
    other = tmp_path / "other.jsonl"  # its documents named after the colon
    _write_questions(other, [
        {"id": "d", "kind": "factoid", "question": "Kva er ei kombinert stilling?",
         "doc": "stillingar", "must_contain": "delt mellom kommunen og universitetet"},
        {"id": "e", "kind": "factoid", "question": "Hva er samarbeidsavtalen?",
         "doc": "avtalen", "must_contain": "noe som ikke står der"},
    ])  # fmt: skip
    held = [i for i in "abcde" if is_heldout(i)]
    assert held == ["a", "c"]  # the table below depends on it
    work = tmp_path / "work"
    result = _run(["eval", mini, f"{other}:{docs}", "--work", work, "--model", "hash",
                   "--misses"], cache)  # fmt: skip
    assert result.returncode == 0, result.stderr
    table = result.stdout.split("\n\n")[0].splitlines()
    assert table[0].split() == ["sett", "n", "cite@1", "cite", "answer", "answered", "refused",
                                "p50", "s", "p95", "s"]  # fmt: skip
    assert [line.split()[0] for line in table[1:]] == ["mini", "mini", "other", "snitt"]
    one = r"1\.000"
    assert re.fullmatch(rf"mini +3( +{one}){{5}} +{NUMBER} +{NUMBER}", table[1]), table[1]
    assert re.fullmatch(rf"mini \(holdt utenfor\) +2( +{one}){{5}}", table[2]), table[2]
    half = r"0\.500"
    assert re.fullmatch(rf"other +2( +{half}){{3}} +{one} +- +{NUMBER} +{NUMBER}",
                        table[3]), table[3]  # fmt: skip
    # The means over the rows (refused only where there were out-of-scope questions).
    means = r"0\.833"
    assert re.fullmatch(rf"snitt( +{means}){{3}} +{one} +{one}", table[4]), table[4]
    # Each docs folder was ingested into --work/<set name>, with the hash model.
    assert current_generation(work / "mini") and current_generation(work / "other")
    assert not cache.exists()
    # --misses: each set's details, and the question that missed.
    assert "\n== mini\n" in result.stdout and "\n== other\n" in result.stdout
    details = result.stdout.split("\n== other\n")[1]
    assert "Bom (1):" in details and "e [cite@1, cite, answer]" in details
    assert "Bom (" not in result.stdout.split("\n== other\n")[0]


def test_eval_without_a_docs_folder_uses_the_index(hash_index, tmp_path, cache):
    questions = tmp_path / "questions.jsonl"
    _write_questions(questions, [
        {"id": "b", "kind": "factoid", "question": "Hvor mange kommuner er med i Unikom?",
         "doc": "avtalen", "must_contain": "Nærmere 40 kommuner"},
        {"id": "d", "kind": "out_of_scope", "question": OUT_OF_SCOPE, "doc": None,
         "must_contain": None},
    ])  # fmt: skip
    result = _run(["eval", questions, "--index", hash_index, "--kinds"], cache)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    name = tmp_path.name  # the set is named after the folder of questions.jsonl
    assert lines[1].split()[:7] == [name, "2", "1.000", "1.000", "1.000", "1.000", "1.000"]
    assert lines[2].split()[0] == "snitt"  # no id here is held out: no such row
    assert f"== {name}" in result.stdout and "Etter type:" in result.stdout
    assert "Bom (" not in result.stdout


def test_eval_with_an_unreadable_questions_file_is_one_error_line(hash_index, tmp_path, cache):
    line = _one_error_line(_run(["eval", tmp_path / "nope.jsonl", "--index", hash_index], cache))
    assert "nope.jsonl" in line
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"question": "Hva?"\n', "utf-8")
    assert "broken.jsonl" in _one_error_line(_run(["eval", broken, "--index", hash_index], cache))


@pytest.mark.slow
def test_batch_ask_on_the_real_index_answers_and_refuses(real_corpus_index, model_cache):
    question = "Hvordan definerer KS innovasjon?"
    result = _run(["ask", "--index", real_corpus_index, "--json"], model_cache,
                  stdin=f"{question}\n{OUT_OF_SCOPE}\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    answered, refused = (json.loads(line) for line in result.stdout.splitlines())
    assert answered["question"] == question
    assert answered["status"] == "answered"
    assert answered["language"] == "nb"
    assert answered["citations"] and answered["citations"][0]["n"] == 1
    assert answered["citations"][0]["doc_id"] == "hva-bidrar-trd30.md"
    assert "nyttiggjort" in answered["answer"].lower()
    assert refused["question"] == OUT_OF_SCOPE
    assert refused["status"] == "no_answer"
    assert refused["citations"] == []
    assert refused["answer"] == NO_ANSWER_TEXT["nb"]
