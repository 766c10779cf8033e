import re
import unicodedata

import pytest

from bot.text import MAX_QUESTION_CHARS, clean_question
from ingest.sentences import sentence_spans, word_count


def _sentences(text):
    return [text[a:b] for a, b in sentence_spans(text)]


def test_clean_question_removes_control_characters():
    clean = clean_question("Hva\x07 er\x00 TRD3.0?\x1b")
    assert clean.text == "Hva er TRD3.0?"
    assert not clean.truncated


def test_clean_question_removes_zero_width_characters_without_splitting_words():
    # Pasted web text hides zero-width spaces, joiners, soft hyphens and BOMs inside words.
    clean = clean_question("\ufeffKombi\u200bnerte stil\u00adlinger i Trond\u2060heim\u200d?")
    assert clean.text == "Kombinerte stillinger i Trondheim?"


def test_clean_question_composes_a_decomposed_a_ring():
    decomposed = "Hva er a\u030arsplanen?"
    assert len(decomposed) == len("Hva er årsplanen?") + 1
    clean = clean_question(decomposed)
    assert clean.text == "Hva er årsplanen?"
    assert unicodedata.is_normalized("NFC", clean.text)


def test_clean_question_folds_whitespace():
    clean = clean_question("  Hva\ter \n\n  samarbeidsavtalen\u00a0 ?  \r\n")
    assert clean.text == "Hva er samarbeidsavtalen ?"


def test_clean_question_of_nothing_is_empty():
    assert clean_question("").text == ""
    assert clean_question(None).text == ""
    assert clean_question(" \u200b\t\n").text == ""


def test_a_long_question_is_cut_at_a_word_boundary_and_flagged():
    raw = "samarbeid " * 300  # 3000 characters
    clean = clean_question(raw)
    assert clean.truncated
    assert 0 < len(clean.text) <= MAX_QUESTION_CHARS == 1000
    assert clean.text.split() == ["samarbeid"] * len(clean.text.split())  # no half word


def test_a_long_question_without_spaces_is_cut_at_the_limit():
    clean = clean_question("x" * 5000)
    assert clean.truncated
    assert clean.text == "x" * MAX_QUESTION_CHARS


def test_a_question_at_the_limit_is_not_truncated():
    clean = clean_question("y" * MAX_QUESTION_CHARS)
    assert not clean.truncated
    assert len(clean.text) == MAX_QUESTION_CHARS


def test_sentences_split_at_end_punctuation():
    text = "Avtalen ble signert i 2017. Er den fornyet? Ja! 16 partnerskap finnes."
    assert _sentences(text) == [
        "Avtalen ble signert i 2017.",
        "Er den fornyet?",
        "Ja!",
        "16 partnerskap finnes.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Samarbeidet omfatter bl.a. NTNU og kommunen.",
        "Det gjelder f.eks. Helse og velferd.",
        "Nettverket har ca. 40 kommuner med.",
        "Se kap. 3 i rapporten.",
        "Dette gjelder jf. Kommuneloven.",
        "Hun jobber på St. Olavs hospital.",
    ],
)
def test_abbreviations_do_not_end_a_sentence(text):
    assert _sentences(f"{text} Neste setning.") == [text, "Neste setning."]


def test_a_full_stop_before_a_lower_case_word_does_not_split():
    text = "Budsjettet er 1.5 mill. kroner i år."
    assert _sentences(text) == [text]


def test_list_lines_are_sentences_of_their_own_without_their_bullets():
    text = "Kriteriene er:\n- forankring i hele organisasjonen\n• tidlig rolleavklaring\n\nSlutt"
    assert _sentences(text) == [
        "Kriteriene er:",
        "forankring i hele organisasjonen",
        "tidlig rolleavklaring",
        "Slutt",
    ]


def test_a_closing_quote_or_bracket_stays_with_its_sentence():
    text = "Han sa: «Vi samarbeider.» Så gikk han. (Se vedlegget.) Slutt."
    assert _sentences(text) == [
        "Han sa: «Vi samarbeider.»",
        "Så gikk han.",
        "(Se vedlegget.)",
        "Slutt.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "  Første setning.   Andre setning!\n\n\tTredje linje  \n",
        "Han sa: «Vi samarbeider.» Så gikk han. (Se vedlegget.) Slutt.",
        "Overskrift\n\nKS definerer innovasjon som «Nytt, nyttig og nyttiggjort». I 2020 kom en "
        "rapport.\r\n- punkt en\n- punkt to",
        "Ingen punktum her",
    ],
)
def test_spans_are_exact_trimmed_slices_that_cover_every_visible_character(text):
    spans = sentence_spans(text)
    covered = set()
    previous_end = 0
    for a, b in spans:
        assert previous_end <= a < b <= len(text)
        piece = text[a:b]
        assert piece == piece.strip() and piece
        covered.update(range(a, b))
        previous_end = b
    bullets = {m.end() - 1 for m in re.finditer(r"(?m)^\s*[-•*–](?=[ \t])", text)}
    visible = {i for i, ch in enumerate(text) if not ch.isspace()} - bullets
    assert visible <= covered


def test_no_spans_in_blank_text():
    assert sentence_spans("") == []
    assert sentence_spans(" \n\n ") == []


def test_word_count_keeps_numbers_and_percentages_whole():
    assert word_count("Dette er 50% av 1,5 millioner.") == 6
    assert word_count("Kombinerte og delte stillinger") == 4
    assert word_count("") == 0


def test_full_width_letters_fold_to_plain_ones_and_lone_surrogates_go():
    assert clean_question("Ｈｖａ ｅｒ ＫＳＦ？").text == "Hva er KSF?"
    assert clean_question("Hva er \ud800KSF?").text == "Hva er KSF?"
    assert clean_question("Hva er KSF?").text.encode("utf-8")
