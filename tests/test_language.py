"""guess_language: bokmål, nynorsk or English, for short questions and whole texts."""

import pytest

from ingest.language import guess_language, language_scores


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kva er visjonen til Arena Unikom?", "nn"),
        ("Kor mange partnarskap av denne typen finst det i Noreg?", "nn"),
        ("Korleis definerer KS innovasjon?", "nn"),
        ("Kven arrangerte Framtidskraft?", "nn"),
        ("Når vart Arena Unikom arrangert første gong?", "nn"),
        ("Kan eg søkje om kombinert stilling?", "nn"),
        ("What role does TRD3.0 have in KSF Helse?", "en"),
        ("How does KS define innovation?", "en"),
        ("When was Arena Unikom first held?", "en"),
        ("Is there a conference in Trondheim?", "en"),
        ("Hvordan definerer KS innovasjon?", "nb"),
        ("Hva er Arena Unikom?", "nb"),
        ("Når ble Arena Unikom arrangert første gang?", "nb"),
        ("Kan jeg søke om kombinert stilling?", "nb"),
        ("unikom nettverk", "nb"),
    ],
)
def test_short_questions(text, expected):
    assert guess_language(text) == expected


def test_norwegian_number_to_is_not_english():
    assert guess_language("Er det to kombinerte stillinger?") == "nb"


def test_default_when_there_are_no_markers():
    assert guess_language("unikom nettverk", default="nn") == "nn"
    assert guess_language("", default="en") == "en"
    assert guess_language("TRD3.0 KSF 2022") == "nb"


def test_longer_bokmal_text():
    text = (
        "Universitetskommunen TRD3.0 synliggjør samarbeidet som verdiskapende for NTNU og "
        "Trondheim kommune. Det er ikke bare forskning, men også innovasjon som skal gi "
        "bedre tjenester. Hvordan dette gjøres, finnes det mange svar på."
    )
    assert guess_language(text) == "nb"


def test_longer_nynorsk_text():
    text = (
        "Universitetskommunen TRD3.0 synleggjer samarbeidet som verdiskapande for NTNU og "
        "Trondheim kommune. Det er ikkje berre forsking, men òg innovasjon som skal gje "
        "betre tenester. Korleis dette vert gjort, finst det mange svar på."
    )
    assert guess_language(text) == "nn"


def test_longer_english_text():
    text = (
        "The university municipality TRD3.0 shows how the collaboration between NTNU and "
        "Trondheim municipality creates value. It is about research and innovation that "
        "can give better services to the people who live in the city."
    )
    assert guess_language(text) == "en"


def test_deterministic_and_case_insensitive():
    question = "KVA ER VISJONEN TIL ARENA UNIKOM?"
    assert guess_language(question) == "nn"
    assert language_scores(question) == language_scores(question.lower())
