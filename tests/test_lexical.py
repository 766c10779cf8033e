import numpy as np

from bot.lexical import STOPWORDS, LexicalIndex, analyse, words

TEXTS = [
    "En kombinert stilling deler tiden mellom kommunen og universitetet.",
    "Stillingene er delt mellom praksisfeltet og forskningen.",
    "Universitetsskolene flytter forskeren inn i klasserommet.",
    "Arena Unikom ble arrangert høsten 2019.",
    "Kommunen dekker 50% av kostnadene, NTNU resten.",
    "Kommunen dekker 50 av kostnadene.",
]


def test_inflected_forms_share_a_stem():
    assert analyse("kombinerte stillinger") == analyse("kombinert stilling")
    assert analyse("stillingene")[0] == analyse("stilling")[0]


def test_bm25_finds_other_inflections_of_the_query_words():
    scores = LexicalIndex(TEXTS).scores("kombinerte stillinger")
    assert scores[0] > 0  # "kombinert stilling"
    assert scores[1] > 0  # "Stillingene"
    assert scores[0] > scores[1]  # both words beat one
    assert np.all(scores[2:] == 0)


def test_stopword_only_queries_score_nothing():
    index = LexicalIndex(TEXTS)
    for query in ("hva er det", "Hvor mange er det?", "What is it?", "kva er det"):
        assert analyse(query) == []
        assert np.all(index.scores(query) == 0)
        assert index.scores(query).shape == (len(TEXTS),)


def test_words_absent_from_the_index_score_nothing():
    assert np.all(LexicalIndex(TEXTS).scores("fotball sjakk") == 0)


def test_norwegian_letters_survive_analysis():
    assert analyse("Blåbær på Ærø") == ["blåbær", "ærø"]
    assert "på" in STOPWORDS
    assert LexicalIndex(["Blåbær fra Ærø", "Jordbær fra Sverige"]).scores("ærø")[1] == 0


def test_analysis_is_unicode_normalised():
    decomposed = "Bla\u030abær"  # "Blåbær" with a combining ring
    assert analyse(decomposed) == analyse("Blåbær")


def test_numbers_and_percentages_are_kept_whole():
    assert words("50% av 1,5 millioner i 2019") == ["50%", "av", "1,5", "millioner", "i", "2019"]
    assert "50%" in analyse("Kommunen dekker 50% av kostnadene")
    assert "2019" in analyse("høsten 2019")
    scores = LexicalIndex(TEXTS).scores("50%")
    assert scores.argmax() == 4
    assert scores[5] == 0  # a bare 50 is another token


def test_a_single_digit_is_kept_but_a_single_letter_is_not():
    assert analyse("3 x") == ["3"]


def test_an_empty_text_keeps_its_row():
    index = LexicalIndex(["", "Kombinert stilling", "hva er det"])
    scores = index.scores("stilling")
    assert scores.shape == (3,)
    assert scores[1] > 0 and scores[0] == 0 and scores[2] == 0


def test_english_domain_words_meet_their_bokmal_equivalents():
    assert analyse("How is it funded?") == analyse("finansiering")
    assert analyse("the agreements") == analyse("avtalene")
    assert analyse("municipalities") == analyse("kommuner")
    # words outside the programme's vocabulary are left alone
    assert analyse("building permit") == ["building", "permit"]


def test_nynorsk_words_meet_their_bokmal_forms():
    assert analyse("partnarskap i Noreg") == analyse("partnerskap i Norge")
    assert analyse("kombinerte stillingar for forskarar") == analyse(
        "kombinerte stillinger for forskere"
    )
