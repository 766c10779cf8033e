"""Bokmål and nynorsk read as each other (`ingest.written`), with Debian's Apertium
(`make test` installs it: `make apertium`), and what the index and the bot do with it."""

from __future__ import annotations

import logging
import subprocess

import numpy as np
import pytest

from bot.features import SENTENCE_FEATURES
from bot.service import Bot
from ingest import written
from ingest.embedding import HashEmbedder
from ingest.index import load_index, read_manifest
from ingest.pipeline import run_ingest

NYNORSK = """---
title: Føringar for datainnsamling
lang: nn
---

## Prosjekteigar

Kvart prosjekt skal ha ein namngitt prosjekteigar i kommunen. Tilsette kan når som helst
trekkje attende samtykket sitt til å vere med i eit forskingsprosjekt.
"""

BOKMAL = """---
title: Forskningshenvendelser
lang: nb
---

## Slik behandles henvendelsen

Det er områdedirektøren som avgjør om kommunen blir med i prosjektet.
"""


@pytest.fixture
def no_translator(monkeypatch):
    monkeypatch.setattr(written, "translator", lambda: None)


def _corpus(tmp_path, **docs):
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _ingest(folder, index_dir):
    return run_ingest([folder], index_dir, "hash", lambda: HashEmbedder())


def test_apertium_with_the_nynorsk_bokmal_pair_is_installed():
    made_by = written.translator()
    assert made_by is not None and "apertium-nno-nob" in made_by


def test_nynorsk_sentences_come_back_in_bokmal_one_for_one():
    sentences = [
        "Kvart prosjekt skal ha ein namngitt prosjekteigar i kommunen.",
        "Slik er samarbeidet organisert",  # a heading: Apertium's line format broke it in two
        "Tilsette kan når som helst\ntrekkje attende samtykket sitt.",
        "Dei tilsette i Ålesund får æøå-kurs.",
    ]
    out = written.other_standard(sentences, "nn")
    assert len(out) == len(sentences)
    assert "prosjekteier" in out[0]
    assert out[1] == "Slik er samarbeidet organisert"
    assert "Ansatte" in out[2] and "tilbake" in out[2] and "\n" not in out[2]
    assert "Ålesund" in out[3] and "æøå" in out[3] and "ansatte" in out[3]


def test_only_nynorsk_is_translated():
    # Bokmål documents read in nynorsk as well made the cross-validation worse (README).
    assert written.other_standard(["Hvem må stå som eier av et forskningsprosjekt?"], "nb") is None
    assert written.other_standard(["Who signed the agreement?"], "en") is None
    assert written.other_standard(["Noe tekst."], "xx") is None
    assert written.other_standard([], "nn") is None


def test_a_batch_that_does_not_come_back_one_for_one_is_halved(monkeypatch):
    real = subprocess.run

    def splitting(args, input, **kw):  # a translator that breaks one sentence in two
        return real(args, input=input.replace("organisert", "\n\norganisert"), **kw)

    monkeypatch.setattr(written.subprocess, "run", splitting)
    sentences = ["Kvart prosjekt har ein eigar.", "Slik er samarbeidet organisert",
                 "Tilsette kan trekkje samtykket.", "Ho skal gjere greie for planen."]  # fmt: skip
    out = written.other_standard(sentences, "nn")
    assert len(out) == 4
    assert out[1] == ""  # the one that still did not come back whole
    assert "eier" in out[0] and "Ansatte" in out[2] and "Hun" in out[3]


def test_a_nynorsk_passage_is_found_by_its_bokmal_words(tmp_path):
    _ingest(_corpus(tmp_path, **{"nn.md": NYNORSK}), tmp_path / "index")
    index = load_index(tmp_path / "index")
    position = next(i for i, c in enumerate(index.chunks) if "prosjekteigar" in c.text)
    chunk = index.chunks[position]
    assert len(chunk.variants) == len(chunk.sentences)
    assert any("prosjekteier" in v for v in chunk.variants)
    assert chunk.text.count("prosjekteigar") == 1  # what is shown stays as written
    assert index.lexical.scores("prosjekteier ansatte")[position] > 0
    assert read_manifest(tmp_path / "index")["written"] == written.translator()


def test_a_bokmal_passage_is_searched_as_written(tmp_path):
    _ingest(_corpus(tmp_path, **{"nb.md": BOKMAL}), tmp_path / "index")
    index = load_index(tmp_path / "index")
    assert all(c.variants == () for c in index.chunks)
    assert index.lexical.scores("områdedirektøren").max() > 0


def test_the_sentence_features_read_the_other_standard(tmp_path):
    _ingest(_corpus(tmp_path, **{"nn.md": NYNORSK}), tmp_path / "index")
    bot = Bot.load(tmp_path / "index", tmp_path / "cache")
    examined = bot.examine(bot.query("Hvem må være prosjekteier?"))
    lexical = SENTENCE_FEATURES.index("lexical")
    texts = [c.text for c in examined.found.items]
    row = next(i for i, t in enumerate(texts) if "prosjekteigar" in t)
    assert examined.found.matrix[row, lexical] > 0
    assert "prosjekteier" not in bot.query("Hvem må være prosjekteier?").absent


def test_without_the_translator_each_standard_finds_only_its_own_words(tmp_path, no_translator,
                                                                        caplog):  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="ingest.written"):
        _ingest(_corpus(tmp_path, **{"nn.md": NYNORSK}), tmp_path / "index")
    assert "Apertium" in caplog.text and "apt-get install apertium" in caplog.text
    index = load_index(tmp_path / "index")
    assert all(c.variants == () for c in index.chunks)
    assert np.all(index.lexical.scores("prosjekteier") == 0)
    assert index.lexical.scores("prosjekteigar").max() > 0
    assert read_manifest(tmp_path / "index")["written"] is None


def test_installing_or_removing_the_translator_translates_again_and_keeps_the_vectors(
    tmp_path, monkeypatch
):
    folder = _corpus(tmp_path, **{"nn.md": NYNORSK, "nb.md": BOKMAL})
    with monkeypatch.context() as patch:
        patch.setattr(written, "translator", lambda: None)
        _ingest(folder, tmp_path / "index")
        assert _ingest(folder, tmp_path / "index").status == "unchanged"
    report = _ingest(folder, tmp_path / "index")
    assert report.status == "updated" and report.embedded == 0
    index = load_index(tmp_path / "index")
    assert all(len(c.variants) == len(c.sentences) for c in index.chunks if c.lang == "nn")
    assert index.lexical.scores("prosjekteier").max() > 0
    assert _ingest(folder, tmp_path / "index").status == "unchanged"
    monkeypatch.setattr(written, "translator", lambda: None)
    assert _ingest(folder, tmp_path / "index").embedded == 0
    assert all(c.variants == () for c in load_index(tmp_path / "index").chunks)
    assert np.all(load_index(tmp_path / "index").lexical.scores("prosjekteier") == 0)
