import numpy as np
import pytest
from rapidfuzz import fuzz

from bot.lexical import (
    FUZZY_SCORE,
    MIN_RESOLVE_LENGTH,
    LexicalIndex,
    Vocabulary,
    analyse,
    stopwords,
    words,
)
from bot.query import build_query

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
    scores = LexicalIndex.build(TEXTS).scores("kombinerte stillinger")
    assert scores[0] > 0  # "kombinert stilling"
    assert scores[1] > 0  # "Stillingene"
    assert scores[0] > scores[1]  # both words beat one
    assert np.all(scores[2:] == 0)


def test_stopword_only_queries_score_nothing():
    index = LexicalIndex.build(TEXTS)
    for query in ("hva er det", "Hvor mange er det?", "What is it?", "kva er det"):
        assert analyse(query) == []
        assert np.all(index.scores(query) == 0)
        assert index.scores(query).shape == (len(TEXTS),)


def test_function_words_and_modal_verbs_are_not_question_terms():
    # bm25s's English list and the modal verbs of lexicon.toml: an English question's
    # "as", "until", "must" are not content words found nowhere in a Norwegian corpus.
    assert analyse("Until when must it run as agreed?") == ["run", "agreed"]
    social = analyse("Who should social science projects be reported to?")
    assert social[:2] == ["social", "scienc"]
    assert analyse("Når bør jeg sende den?") == ["send"]  # nor the Norwegian "bør"
    assert "by" in analyse("University City")  # the glossary's "city" is still found


def test_words_absent_from_the_index_score_nothing():
    assert np.all(LexicalIndex.build(TEXTS).scores("fotball sjakk") == 0)


def test_norwegian_letters_survive_analysis():
    assert analyse("Blåbær på Ærø") == ["blåbær", "ærø"]
    assert "på" in stopwords()
    assert LexicalIndex.build(["Blåbær fra Ærø", "Jordbær fra Sverige"]).scores("ærø")[1] == 0


def test_analysis_is_unicode_normalised():
    decomposed = "Bla\u030abær"  # "Blåbær" with a combining ring
    assert analyse(decomposed) == analyse("Blåbær")


def test_numbers_and_percentages_are_kept_whole():
    assert words("50% av 1,5 millioner i 2019") == ["50%", "av", "1,5", "millioner", "i", "2019"]
    assert "50%" in analyse("Kommunen dekker 50% av kostnadene")
    assert "2019" in analyse("høsten 2019")
    scores = LexicalIndex.build(TEXTS).scores("50%")
    assert scores.argmax() == 4
    assert scores[5] == 0  # a bare 50 is another token


def test_a_single_digit_is_kept_but_a_single_letter_is_not():
    assert analyse("3 x") == ["3"]


def test_an_empty_text_keeps_its_row():
    index = LexicalIndex.build(["", "Kombinert stilling", "hva er det"])
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


# --- Vocabulary: telling a question's words apart --------------------------------------

CORPUS = [
    "Arena Unikom ble arrangert på Brattørkaia i Trondheim.",
    "Arbeidsgruppen for universitetsskolene møtes hver måned.",
    "Kommunen og NTNU signerte samarbeidsavtalen i 2019.",
    "Styringsgruppa leder arbeidet med kombinerte stillinger.",
]


def _term(word):
    (term,) = analyse(word)
    return term


@pytest.fixture(scope="module")
def vocabulary():
    return _vocabulary_with()


def _vocabulary_with(*texts):
    return Vocabulary(t for text in (*CORPUS, *texts) for t in analyse(text))


def test_a_corpus_term_is_found_exactly(vocabulary):
    for word in ("Brattørkaia", "Trondheim", "NTNU", "Unikom", "samarbeidsavtalen", "2019"):
        term = _term(word)
        assert term in vocabulary
        assert vocabulary.resolve(term) == (Vocabulary.EXACT, term)


def test_an_inflected_form_is_exact_after_analysis(vocabulary):
    assert vocabulary.resolve(_term("stillingene")) == (Vocabulary.EXACT, _term("stillinger"))


@pytest.mark.parametrize(
    ("word", "compound"), [("gruppe", "arbeidsgruppen"), ("avtalen", "samarbeidsavtalen")]
)
def test_a_part_of_a_compound_is_compound(vocabulary, word, compound):
    term = _term(word)
    assert term not in vocabulary and term in _term(compound)
    assert vocabulary.resolve(term) == (Vocabulary.COMPOUND, term)


@pytest.mark.parametrize(
    ("typo", "right"),
    [
        ("bratørkaia", "brattørkaia"),
        ("Trondhjem", "Trondheim"),
        ("Unikon", "Unikom"),
        ("komunen", "kommunen"),
    ],
)
def test_a_typo_of_a_long_word_resolves_to_the_corpus_term(vocabulary, typo, right):
    term = _term(typo)
    assert term not in vocabulary and len(term) >= MIN_RESOLVE_LENGTH
    assert vocabulary.resolve(term) == (Vocabulary.FUZZY, _term(right))


@pytest.mark.parametrize(
    ("short", "corpus_term"), [("ntu", "ntnu"), ("sntf", "sintef"), ("sint", "sintef")]
)
def test_a_short_term_is_never_fuzzy_nor_compound(short, corpus_term):
    # close enough to count as a typo, or a part of a corpus word, if it were long
    assert fuzz.ratio(short, corpus_term) >= FUZZY_SCORE or short in corpus_term
    assert len(short) < MIN_RESOLVE_LENGTH
    vocabulary = Vocabulary([corpus_term, "kommun"])
    assert vocabulary.resolve(short) == (Vocabulary.ABSENT, short)


@pytest.mark.parametrize("word", ["fotball", "sjakk", "gitarist", "xyz", "ærfugl"])
def test_an_unrelated_word_is_absent(vocabulary, word):
    term = _term(word)
    assert term not in vocabulary
    assert vocabulary.resolve(term) == (Vocabulary.ABSENT, term)


@pytest.mark.parametrize(
    ("compound", "head", "tail"),
    [
        ("kommuneansatte", "kommunen", "ansatte"),  # two corpus words, joined as they are
        ("trondheimsmåneden", "Trondheim", "måned"),  # with the joining s
        ("arenalederen", "Arena", "leder"),  # the last part stemmed as a word of its own
    ],
)
def test_an_absent_compound_of_two_corpus_words_is_split_into_them(compound, head, tail):
    vocabulary = _vocabulary_with("De ansatte i kommunen.")
    term = _term(compound)
    assert vocabulary.resolve(term)[0] == Vocabulary.ABSENT
    assert vocabulary.split(term) == (_term(head), _term(tail))


@pytest.mark.parametrize("word", ["fotballkampene", "sjakklubben", "kommunefotball", "ntnuer"])
def test_a_word_that_is_not_two_corpus_words_is_not_split(vocabulary, word):
    assert vocabulary.split(_term(word)) is None


def test_of_several_splits_the_most_even_one_is_taken():
    # "arbeidsgruppeleder" is "arbeid" + s + "gruppeleder" and "arbeidsgruppe" + "leder",
    # all corpus terms; the first cut is the more even (7 and 11 letters against 13 and 5).
    vocabulary = Vocabulary(["arbeid", "gruppeleder", "arbeidsgrupp", "led"])
    assert vocabulary.split("arbeidsgruppeleder") == ("arbeid", "gruppeleder")
    assert Vocabulary(["arbeidsgrupp", "led"]).split("arbeidsgruppeleder") == (
        "arbeidsgrupp", "led")  # fmt: skip


def test_build_query_reads_a_split_compound_as_its_two_words_not_as_absent():
    vocabulary = _vocabulary_with("De ansatte i kommunen.")
    query = build_query("Hvor mange kommuneansatte har Unikom?", vocabulary=vocabulary)
    assert _term("kommuneansatte") not in query.absent and query.absent_words == ()
    assert {_term("kommunen"), _term("ansatte")} <= set(query.terms)
    assert {_term("kommunen"), _term("ansatte")} <= set(query.focus)


def test_the_fuzzy_match_compares_only_terms_whose_length_can_reach_the_score():
    # Checked against rapidfuzz over the whole vocabulary: the same best term and score.
    from rapidfuzz import fuzz, process

    from bot.lexical import FUZZY_SCORE

    terms = [w * n for w in ("ab", "abc", "kommun", "stilling") for n in range(1, 5)]
    terms += ["brattørkaia", "brattøra", "universitetskommun", "forskningsprosjekt", "forsk"]
    vocabulary = Vocabulary(terms)
    for typo in ("bratørkaia", "forskingsprosjekt", "universitetskomun", "stillin", "abcabcab",
                 "kommunkommun", "stillingstillin", "abcabcabcabx"):  # fmt: skip
        whole = process.extractOne(typo, sorted(terms), scorer=fuzz.ratio,
                                   score_cutoff=FUZZY_SCORE)  # fmt: skip
        how, found = vocabulary.resolve(typo)
        if whole is None:
            assert how == Vocabulary.ABSENT or how == Vocabulary.COMPOUND
        elif how == Vocabulary.FUZZY:
            assert fuzz.ratio(typo, found) == whole[1], (typo, found, whole)


def test_equally_close_misspellings_resolve_to_the_first_in_alphabetical_order():
    vocabulary = Vocabulary(["kommuney", "kommunex", "kommun"])
    # "kommunez" is as close to both eight-letter terms (closer than to "kommun"): the
    # first of them in alphabetical order wins.
    assert vocabulary.resolve("kommunez") == (Vocabulary.FUZZY, "kommunex")


def test_an_empty_vocabulary_finds_nothing():
    assert Vocabulary([]).resolve("brattørkai") == (Vocabulary.ABSENT, "brattørkai")


def test_build_query_replaces_a_misspelt_term_with_the_corpus_term(vocabulary):
    query = build_query("Når var Arena Unikom på Bratørkaia?", vocabulary=vocabulary)
    assert _term("brattørkaia") in query.terms
    assert _term("bratørkaia") not in query.terms
    assert query.absent == () and query.absent_words == ()
    assert query.text == "Når var Arena Unikom på Bratørkaia?"  # the question is kept as asked


def test_build_query_lists_words_found_in_no_document(vocabulary):
    query = build_query("Hvem spiller sjakk og fotballkampene i Trondhjem?", vocabulary=vocabulary)
    assert query.absent == (_term("spiller"), _term("sjakk"), _term("fotballkampene"))
    assert query.absent_words == ("spiller", "sjakk", "fotballkampene")  # as written
    assert _term("trondheim") in query.terms and _term("trondhjem") not in query.terms
    assert set(query.absent) <= set(query.terms)


def test_absent_words_are_lower_cased_and_listed_once(vocabulary):
    query = build_query("Fotball, FOTBALL og fotball i Trondheim?", vocabulary=vocabulary)
    assert query.absent == (_term("fotball"),)
    assert query.absent_words == ("fotball",)
    assert query.terms.count(_term("fotball")) == 1


def test_the_parts_of_a_two_part_question_are_resolved_too(vocabulary):
    query = build_query("Når var Unikon, og hvem leder sjakklubben?", vocabulary=vocabulary)
    one, two = query.parts
    assert _term("unikom") in one.terms
    assert _term("sjakklubben") in two.absent


def test_a_saved_index_loads_memory_mapped_with_the_same_scores_and_idf(tmp_path):
    import math

    built = LexicalIndex.build(TEXTS)
    built.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert loaded.vocabulary == built.vocabulary == {t for text in TEXTS for t in analyse(text)}
    for query in ("kombinerte stillinger", "kommunen dekker 50%", "Arena Unikom 2019"):
        np.testing.assert_allclose(loaded.scores(query), built.scores(query))
    documents = [set(analyse(t)) for t in TEXTS]
    for term in ("kommun", "stilling", "unikom", "ukjent"):
        df = sum(term in d for d in documents)
        assert loaded.document_frequency(term) == df
        assert loaded.idf(term) == pytest.approx(math.log(1 + (6 - df + 0.5) / (df + 0.5)))


def test_an_empty_lexical_index_saves_loads_and_scores_nothing(tmp_path):
    LexicalIndex.build([]).save(tmp_path / "empty")
    empty = LexicalIndex.load(tmp_path / "empty")
    assert empty.n_documents == 0 and empty.scores("kommune").shape == (0,)
