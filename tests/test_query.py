"""bot/query.py: cleaning, language, answer type, two-part questions and follow-ups."""

import re

import pytest

from bot.lexical import analyse
from bot.query import (
    ANSWER_TYPES,
    BORROW_WORDS,
    Query,
    answer_type,
    build_query,
    is_follow_up,
    question_words,
    split_parts,
)
from bot.text import MAX_QUESTION_CHARS

# (question, expected answer type): every type in bokmål, nynorsk and English.
ANSWER_TYPE_CASES = [
    # money
    ("Hvor mye kostet prosjektet?", "money"),
    ("Hvor mye penger fikk skolene?", "money"),
    ("Hva koster det å delta?", "money"),
    ("Kor mykje kosta prosjektet?", "money"),
    ("Kor mykje pengar fekk skulane?", "money"),
    ("Kva kostar det å delta?", "money"),
    ("How much does the project cost?", "money"),
    ("How much funding did the schools receive?", "money"),
    ("What does it cost to take part?", "money"),
    # count
    ("Hvor mange ansatte har prosjektet?", "count"),
    ("Hvor stor andel av budsjettet går til forskning?", "count"),
    ("Hvor gammel er avtalen?", "count"),
    ("Kor mange tilsette har prosjektet?", "count"),
    ("Kor stor del av budsjettet går til forsking?", "count"),
    ("Kor gammal er avtalen?", "count"),
    ("How many employees does the project have?", "count"),
    ("What share of the budget goes to research?", "count"),
    ("How old is the agreement?", "count"),
    # duration: a length of time, or the date something runs until
    ("Hvor lenge varer avtalen?", "duration"),
    ("Hvor lang tid tar det å få svar?", "duration"),
    ("Hvor mange år varte krigen?", "duration"),
    ("Kor lenge varer avtalen?", "duration"),
    ("Kor lang tid tek det å få svar?", "duration"),
    ("How long does the agreement last?", "duration"),
    ("How many years did the war last?", "duration"),
    # date
    ("Når ble avtalen signert?", "date"),
    ("Hvilket år startet prosjektet?", "date"),
    ("Kva tid vart avtalen signert?", "date"),
    ("Kva år starta prosjektet?", "date"),
    ("When was the agreement signed?", "date"),
    ("Which year did the project start?", "date"),
    ("Til når gjelder avtalen?", "date"),
    ("Fram til kva tid gjeld avtalen?", "date"),
    ("Until when does the agreement run?", "date"),
    # person
    ("Hvem leder prosjektet?", "person"),
    ("Hva heter prosjektlederen?", "person"),
    ("Kven leiar prosjektet?", "person"),
    ("Kva heiter leiaren?", "person"),
    ("Who leads the project?", "person"),
    ("What is the name of the leader?", "person"),
    ("Hva heter pressesjefen i Google Norge?", "person"),  # a role inside a compound
    # place
    ("Hvor ligger kontoret?", "place"),
    ("I hvilken by ble konferansen holdt?", "place"),
    ("Kor ligg kontoret?", "place"),
    ("Kva stad vart konferansen halden?", "place"),
    ("Where is the office?", "place"),
    ("Which city hosted the conference?", "place"),
    # organisation
    ("Hvilket universitet deltar?", "organisation"),
    ("Hvilken organisasjon står bak?", "organisation"),
    ("Kva universitet deltek?", "organisation"),
    ("Kva organisasjon står bak?", "organisation"),
    ("Which company runs the project?", "organisation"),
    ("Which university takes part?", "organisation"),
    # a name that is not asked of a role: the sentence that gives it holds a capital
    ("Hva heter samboeren hans?", "organisation"),
    ("Kva heitte appen?", "organisation"),
    ("What was the name of the app?", "organisation"),
    # list
    ("Hvilke skoler er med?", "list"),
    ("Nevn partnerne i prosjektet", "list"),
    ("Kva for nokre skular er med?", "list"),
    ("Which schools take part?", "list"),
    ("Name the partners of the project", "list"),
    # reason
    ("Hvorfor ble prosjektet startet?", "reason"),
    ("Hva er grunnen til samarbeidet?", "reason"),
    ("Kvifor vart prosjektet starta?", "reason"),
    ("Why was the project started?", "reason"),
    ("What is the reason for the cooperation?", "reason"),
    # manner
    ("Hvordan søker man om midler?", "manner"),
    ("Korleis søkjer ein om midlar?", "manner"),
    ("How do I apply for funding?", "manner"),
    # definition
    ("Hva er TRD3.0?", "definition"),
    ("Hva betyr universitetsskole?", "definition"),
    ("Kva er TRD3.0?", "definition"),
    ("Kva tyder universitetsskule?", "definition"),
    ("What is TRD3.0?", "definition"),
    ("What does TRD3.0 mean?", "definition"),
    # yes / no
    ("Er det gratis å delta?", "yesno"),
    ("Kan lærere søke?", "yesno"),
    ("Finst det ein rapport?", "yesno"),
    ("Vart avtalen signert?", "yesno"),
    ("Is it free to take part?", "yesno"),
    ("Can teachers apply?", "yesno"),
]


@pytest.mark.parametrize(("question", "expected"), ANSWER_TYPE_CASES)
def test_answer_type(question, expected):
    assert answer_type(question) == expected


def test_the_cases_cover_every_answer_type():
    assert {expected for _, expected in ANSWER_TYPE_CASES} == set(ANSWER_TYPES)


def test_the_data_file_defines_exactly_the_answer_types():
    assert set(question_words()["answer_types"]) == set(ANSWER_TYPES)


@pytest.mark.parametrize(
    "question",
    [
        "Hvor mange kommuner er med?",
        "Kor mange kommunar er med?",
        "Hvor mye tid tar det?",
        "Hvor lenge varer det?",
        "Kor lenge varer det?",
        "Hvor gammel er avtalen?",
        "Kor gammal er avtalen?",
    ],
)
def test_hvor_with_a_quantity_word_is_not_place(question):
    assert answer_type(question) != "place"


@pytest.mark.parametrize("question", ["How many schools take part?", "how many?", "HOW MANY"])
def test_how_many_is_count_not_manner(question):
    assert answer_type(question) == "count"


@pytest.mark.parametrize("question", ["Hvor lang er brua?", "Kor lang er brua?"])
def test_hvor_lang_without_tid_is_a_length_not_a_duration(question):
    assert answer_type(question) == "count"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Og hvem leder det?", "person"),
        ("og kven leiar det?", "person"),
        ("And who leads it?", "person"),
        ("Men hvorfor ble det startet?", "reason"),
        ("But why?", "reason"),
        ("Så hvor ligger det?", "place"),
        ("Og hvor mange er med?", "count"),
    ],
)
def test_a_leading_conjunction_is_ignored(question, expected):
    assert answer_type(question) == expected


@pytest.mark.parametrize("question", ["HVEM LEDER PROSJEKTET?", "  hvem leder prosjektet?"])
def test_answer_type_ignores_case_and_leading_space(question):
    assert answer_type(question) == "person"


@pytest.mark.parametrize(
    "question",
    ["Fortell om prosjektet", "hei", "Prosjektet i Trondheim", "Hvemsomhelst", "Whoever", ""],
)
def test_no_answer_type_without_a_question_word_at_the_start(question):
    assert answer_type(question) is None


def test_a_question_word_later_in_the_sentence_is_not_the_answer_type():
    # only the start of the question decides
    assert answer_type("Prosjektet, hvem leder det?") is None


# --- two-part questions ---------------------------------------------------------------

TWO_PART = [
    ("Når ble avtalen signert, og hvem signerte?", ["Når ble avtalen signert", "hvem signerte?"]),
    (
        "Kva tid vart avtalen signert, og kven signerte?",
        ["Kva tid vart avtalen signert", "kven signerte?"],
    ),
    (
        "What share of the budget goes to research, and how many schools take part?",
        ["What share of the budget goes to research", "how many schools take part?"],
    ),
    (
        "Hvem leder prosjektet? Og hvor ligger kontoret?",
        ["Hvem leder prosjektet", "hvor ligger kontoret?"],
    ),
    ("Hva koster det, og hvem betaler?", ["Hva koster det", "hvem betaler?"]),
    ("Hva er TRD3.0 og hvem står bak?", ["Hva er TRD3.0", "hvem står bak?"]),
]


@pytest.mark.parametrize(("question", "expected"), TWO_PART)
def test_split_parts_splits_a_two_part_question(question, expected):
    assert split_parts(question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "Hva gjør kommunen og NTNU sammen?",
        "Hvor mange ansatte har NTNU og kommunen?",
        "Hvilke skoler og barnehager er med?",
        "Hvem og hva er TRD3.0?",
        "Når og hvor?",
        "Who leads it and what is it?",  # the second part has no word of its own
        "Hvor ligger Brattørkaia og Ærø?",
    ],
)
def test_split_parts_leaves_a_one_part_question_whole(question):
    assert split_parts(question) == [question]
    assert build_query(question).parts == ()


def test_a_two_part_query_has_a_query_for_each_part():
    query = build_query("Når ble avtalen signert, og hvem signerte?")
    assert query.text == "Når ble avtalen signert, og hvem signerte?"
    assert query.answer_type == "date"
    assert [p.text for p in query.parts] == ["Når ble avtalen signert", "hvem signerte?"]
    assert [p.answer_type for p in query.parts] == ["date", "person"]
    assert all(isinstance(p, Query) and p.parts == () for p in query.parts)
    assert all(p.language == query.language for p in query.parts)


@pytest.mark.parametrize(
    ("question", "first", "second"),
    [
        (
            "Når ble avtalen signert, og hvem signerte?",
            "Når ble avtalen signert",
            "hvem signerte?",
        ),
        (
            "Kva tid vart avtalen signert, og kven signerte?",
            "Kva tid vart avtalen signert",
            "kven signerte?",
        ),
        (
            "When was the agreement signed, and who signed it?",
            "When was the agreement signed",
            "who signed it?",
        ),
    ],
)
def test_a_second_part_with_one_content_word_borrows_the_first_parts_words(question, first, second):
    assert len(analyse(second)) <= BORROW_WORDS
    one, two = build_query(question).parts
    assert one.retrieval_text == first
    assert two.retrieval_text == f"{first} {second}"
    assert two.text == second  # only what is searched is widened
    assert set(analyse(first)) <= set(two.terms)
    assert two.answer_type == "person"


def test_a_second_part_with_words_of_its_own_does_not_borrow():
    question = "What share of the budget goes to research, and how many schools take part?"
    one, two = build_query(question).parts
    assert two.retrieval_text == "how many schools take part?"
    assert "budsjett" in one.terms and "budsjett" not in two.terms
    assert [one.answer_type, two.answer_type] == ["count", "count"]


def test_the_first_part_never_borrows():
    one, two = build_query("Hvem signerte, og når ble avtalen signert?").parts
    assert one.retrieval_text == "Hvem signerte"
    assert two.retrieval_text == "når ble avtalen signert?"


# --- follow-ups -----------------------------------------------------------------------


def test_a_short_follow_up_is_widened_with_the_previous_question():
    query = build_query("Og hvem leder det?", ["Hva er Arena Unikom?", "Hva er TRD3.0?"])
    assert query.text == "Og hvem leder det?"
    assert query.retrieval_text == "Hva er TRD3.0? Og hvem leder det?"
    assert "trd3.0" in query.terms and "unikom" not in query.terms
    assert query.answer_type == "person"  # from the question itself, not the previous one


@pytest.mark.parametrize(
    "empty",
    [
        ["", "   "],
        ["\n\t"],
        ["\u200b"],  # only a zero-width space: empty once cleaned
        ["\x00", "\ufeff\u200d"],  # only control / invisible characters
    ],
)
def test_a_follow_up_skips_empty_previous_questions(empty):
    query = build_query("Og hvem leder det?", ["Hva er TRD3.0?", *empty])
    assert query.retrieval_text == "Hva er TRD3.0? Og hvem leder det?"


def test_the_previous_question_is_cleaned_before_it_is_borrowed():
    query = build_query("Og hvem leder det?", ["Hva\x00  er\n TRD\u200b3.0?"])
    assert query.retrieval_text == "Hva er TRD3.0? Og hvem leder det?"


@pytest.mark.parametrize(
    ("question", "previous"),
    [
        ("Og kven leiar det?", "Kva er TRD3.0?"),
        ("And who leads it?", "What is TRD3.0?"),
        ("Hvem leder det?", "Hva er TRD3.0?"),
        ("Hva med NTNU?", "Hva er TRD3.0?"),
    ],
)
def test_follow_ups_in_each_language_are_widened(question, previous):
    assert is_follow_up(question)
    query = build_query(question, [previous])
    assert query.retrieval_text == f"{previous} {question}"
    assert "trd3.0" in query.terms


@pytest.mark.parametrize(
    "question",
    [
        "Hvem leder prosjektet?",  # short, but no pronoun
        "Hvem leder prosjektet ved det nye universitetet i byen?",  # a pronoun, but long
        "Hvor mange skoler i Trondheim kommune er med i TRD3.0?",
    ],
)
def test_a_standalone_question_is_not_widened(question):
    assert not is_follow_up(question)
    query = build_query(question, ["Hva er Arena Unikom?"])
    assert query.retrieval_text == question
    assert "unikom" not in query.terms


@pytest.mark.parametrize("history", [(), [], ["", "  "]])
def test_a_follow_up_without_history_is_unchanged(history):
    query = build_query("Og hvem leder det?", history)
    assert query.retrieval_text == "Og hvem leder det?"
    assert query.terms == tuple(analyse("Og hvem leder det?"))


def test_the_parts_of_a_two_part_follow_up_keep_the_previous_question():
    # Service examines query.parts instead of the query: a part that loses the context
    # searches for "startet" and "leder" alone, never for Arena Unikom.
    query = build_query("Når startet det, og hvem leder det?", ["Hva er Arena Unikom?"])
    assert "unikom" in query.terms
    assert len(query.parts) == 2
    for part in query.parts:
        assert "Arena Unikom" in part.retrieval_text
        assert "unikom" in part.terms


# --- cleaning -------------------------------------------------------------------------


def test_control_characters_are_removed():
    query = build_query("Hva\x00 er\x07 TRD3.0?\x1b")
    assert query.text == "Hva er TRD3.0?"
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", query.text + query.retrieval_text)
    assert query.answer_type == "definition"


def test_zero_width_characters_are_removed_and_words_stay_whole():
    query = build_query("\ufeffHvem leder kommu\u200bnen og sko\u00adlene\u200d?")
    assert query.text == "Hvem leder kommunen og skolene?"
    assert query.terms == tuple(analyse("Hvem leder kommunen og skolene?"))
    assert query.answer_type == "person"  # the invisible mark before "Hvem" is gone


@pytest.mark.parametrize("raw", ["ord " * 600, "a" * 1500, "Hva er TRD3.0? " * 200])
def test_an_over_long_question_is_truncated(raw):
    query = build_query(raw)
    assert query.truncated
    assert 0 < len(query.text) <= MAX_QUESTION_CHARS <= 1000
    assert raw.startswith(query.text)


def test_a_question_of_ordinary_length_is_not_truncated():
    query = build_query("Hva er TRD3.0?")
    assert not query.truncated
    query = build_query("x" * MAX_QUESTION_CHARS)
    assert not query.truncated and len(query.text) == MAX_QUESTION_CHARS


@pytest.mark.parametrize("raw", ["", "   ", "\n\t \r\n", "\u200b\ufeff", "\x00\x01\x7f", None])
def test_an_empty_question_gives_an_empty_query(raw):
    query = build_query(raw)
    assert query.is_empty
    assert query.text == "" and query.retrieval_text == ""
    assert query.terms == () and query.absent == () and query.absent_words == ()
    assert query.answer_type is None and query.parts == () and not query.truncated


def test_an_empty_question_stays_empty_with_history():
    assert build_query("  ", ["Hva er TRD3.0?"]).is_empty


def test_a_real_question_is_not_empty():
    assert not build_query("Hva?").is_empty


def test_norwegian_letters_survive_in_text_and_terms():
    query = build_query("Hvor ligger Brattørkaia, Ærø og Værøy?")
    assert query.text == "Hvor ligger Brattørkaia, Ærø og Værøy?"
    assert {"brattørkai", "ærø", "værøy"} <= set(query.terms)
    assert "blåbær" in build_query("Hvor kommer blåbærene fra?").terms


def test_decomposed_letters_are_normalised():
    query = build_query("Hvor mye koster bla\u030abær fra A\u030asen?")  # combining rings
    assert query.text == "Hvor mye koster blåbær fra Åsen?"
    assert "åsen" in query.terms
    assert "blåbær" in query.terms


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Hvor mange ansatte er det i kommunen?", "nb"),
        ("Kor mange tilsette er det i kommunen?", "nn"),
        ("How many employees are there?", "en"),
    ],
)
def test_language(question, language):
    assert build_query(question).language == language


def test_terms_are_unique_and_without_stopwords():
    query = build_query("Hva er stillingene, og hvem har stillingene i kommunen?")
    assert len(query.terms) == len(set(query.terms))
    assert not {"hva", "er", "og", "hvem", "har", "i"} & set(query.terms)


def test_without_a_vocabulary_nothing_is_absent():
    query = build_query("Hvem spiller sjakk på Brattørkaia?")
    assert query.absent == () and query.absent_words == ()
    assert query.terms == tuple(analyse("Hvem spiller sjakk på Brattørkaia?"))
