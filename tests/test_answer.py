"""Answer composition: verbatim cited sentences, markers, length, language, question kinds.

Direct `compose_answer` calls use hand-made passages (with scripted sentence similarities
where a test needs to control the ranking); the `Bot` tests run the real retrieval and
answer code over a small hand-written corpus indexed with the hash embedder.
"""

import math
import re

import numpy as np
import pytest

from bot.answer import (
    EMPTY_TEXT,
    FRAMING,
    MAX_SENTENCES,
    MAX_WORDS,
    NO_ANSWER_TEXT,
    compose_answer,
    idf_from_tokens,
    kind_bonus,
    question_kind,
)
from bot.lexical import analyse
from bot.retrieve import Passage
from bot.service import TRUNCATED_NOTICE, Bot
from bot.text import word_count
from ingest.chunking import Chunk
from ingest.embedding import HashEmbedder
from ingest.pipeline import run_ingest

PREFIX = {lang: framing.split("«")[0] for lang, framing in FRAMING.items()}


# ------------------------------------------------------------------------------ helpers


def _passage(text, rank=1, doc_id="avtalen.md", title="Samarbeidsavtalen", section=""):
    chunk = Chunk(f"{doc_id}#{rank}", doc_id, title, section, "https://example.org/a",
                  "2021-03-15", "nb", None, rank, text)  # fmt: skip
    return Passage(chunk, rank, 1.0 / rank, 0.8, 1.0, rank, rank)


def _parse(answer):
    """(framing, [(sentence, marker number), ...]) from an answer's text."""
    framing, sep, body = answer.text.partition(": ")
    assert sep, answer.text
    parts = re.split(r" ?\[(\d+)\] ?", body)
    assert parts[-1] == "", f"the answer must end with a marker: {answer.text!r}"
    return framing, [(parts[i], int(parts[i + 1])) for i in range(0, len(parts) - 1, 2)]


def _check_answer(answer):
    """Every property a composed answer must have; returns the quoted sentences."""
    assert answer.status == "answered"
    framing, pieces = _parse(answer)
    assert framing.startswith(PREFIX[answer.language])
    assert pieces and len(pieces) <= MAX_SENTENCES
    numbers = [n for _, n in pieces]
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert set(numbers) == {c.n for c in answer.citations}  # each marker cites, each cited
    assert list(dict.fromkeys(numbers)) == sorted(set(numbers))  # numbered by first use
    for sentence, n in pieces:
        citation = answer.citations[n - 1]
        assert sentence and sentence in citation.passage.chunk.text
        assert sentence in citation.quote
    for citation in answer.citations:
        # a passage's quoted sentences are consecutive in the answer, in its quote's order
        assert " ".join(s for s, n in pieces if n == citation.n) == citation.quote
        text = citation.passage.chunk.text
        assert [text[a:b] for a, b in citation.quotes] == [s for s, n in pieces if n == citation.n]
    words = sum(word_count(s) for s, _ in pieces)
    assert words <= MAX_WORDS or len(pieces) == 1
    first = answer.citations[0].passage.chunk
    assert f"«{first.title or first.doc_id}»" in framing
    return [s for s, _ in pieces]


def _hash_compose(question, passages, language="nb"):
    embedder = HashEmbedder()
    idf = idf_from_tokens([analyse(p.chunk.embedding_text()) for p in passages])
    return compose_answer(question, language, passages, embedder.embed_queries([question])[0],
                          embedder.embed_passages, idf)  # fmt: skip


def _scripted(cosines):
    """An `embed` whose sentence vectors have the given cosine with the query [1, 0].

    `cosines` maps a piece of sentence text to its cosine; other sentences get 0.
    """

    def embed(texts):
        rows = []
        for text in texts:
            c = next((v for key, v in cosines.items() if key in text), 0.0)
            rows.append([c, math.sqrt(1 - c * c)])
        return np.asarray(rows, np.float32)

    return embed


def _scripted_compose(question, passages, cosines, language="nb"):
    return compose_answer(question, language, passages, np.array([1.0, 0.0], np.float32),
                          _scripted(cosines), lambda term: 1.0)  # fmt: skip


PROGRAMME = [
    _passage(
        "KS definerer innovasjon som Nytt, nyttig og nyttiggjort. I TRD3.0 handler innovasjon "
        "om at nye og nyttige løsninger, skapt i samarbeid mellom kommune og universitet, tas i "
        "bruk i kommunen. Resultatet kan være alt fra små forbedringer til store forandringer.",
        rank=1, doc_id="trd.md", title="Hva bidrar TRD 3.0 til?", section="Innovasjon i kommunen",
    ),
    _passage(
        "Kombinerte og delte stillinger\n\nKombinerte stillinger er et viktig virkemiddel for å "
        "redusere avstand mellom praksisfeltet, forskning og utdanningene. En foreløpig "
        "utredning ble laget i 2018, med utgangspunkt i området Helse og velferd.",
        rank=2, doc_id="trd.md", title="Hva bidrar TRD 3.0 til?",
        section="Nye måter å samarbeide på › Kombinerte og delte stillinger",
    ),
    _passage(
        "Unikom-nettverket samler nærmere 40 kommuner og institusjoner. Det finnes 16 slike "
        "partnerskap i Norge. Arena Unikom ble arrangert for første gang høsten 2019.",
        rank=3, doc_id="unikom.md", title="Unikom",
    ),
    _passage(
        "Les mer om universitetsskolene\n\nUniversitetsskolene flytter forskeren inn i "
        "klasserommet, bl.a. i Trondheim. Lærere og forskere utvikler undervisningen sammen.",
        rank=4, doc_id="skoler.md", title="Universitetsskoler",
    ),
]  # fmt: skip


# --------------------------------------------------------------- compose_answer, direct


@pytest.mark.parametrize(
    "question",
    [
        "Hvordan definerer KS innovasjon?",
        "Hva er kombinerte stillinger?",
        "Hvor mange kommuner samler Unikom-nettverket?",
        "Når ble Arena Unikom arrangert for første gang?",
        "Hvem utvikler undervisningen på universitetsskolene?",
        "innovasjon kommune universitet forskning",
    ],
)
def test_each_answer_sentence_is_copied_verbatim_from_the_passage_it_cites(question):
    _check_answer(_hash_compose(question, PROGRAMME))


def test_sentences_from_two_passages_get_markers_in_order_of_first_use():
    passages = [
        _passage("Avtalen omtales i flere dokumenter fra programmet.", rank=1, doc_id="a.md"),
        _passage("Avtalen gjelder forskning. Avtalen gjelder også utdanning.", rank=2,
                 doc_id="b.md", title="Forskning"),
        _passage("Avtalen fornyes hvert femte år.", rank=3, doc_id="c.md", title="Fornyelse"),
    ]  # fmt: skip
    cosines = {"omtales": 0.5, "forskning": 0.9, "utdanning": 0.1, "fornyes": 0.88}
    answer = _scripted_compose("Qwxz zqwx?", passages, cosines)
    sentences = _check_answer(answer)
    assert sentences == ["Avtalen gjelder forskning.", "Avtalen fornyes hvert femte år."]
    assert answer.text.endswith(
        ": Avtalen gjelder forskning. [1] Avtalen fornyes hvert femte år. [2]"
    )
    assert [c.passage.chunk.doc_id for c in answer.citations] == ["b.md", "c.md"]
    assert answer.text.startswith("Ifølge «Forskning»: ")


def test_sentences_of_one_passage_keep_document_order():
    passage = _passage("Avtalen ble inngått etter lange forhandlinger. Avtalen gjelder forskning.")
    answer = _scripted_compose("Qwxz zqwx?", [passage], {"forhandlinger": 0.86, "forskning": 0.9})
    assert _check_answer(answer) == [
        "Avtalen ble inngått etter lange forhandlinger.",
        "Avtalen gjelder forskning.",
    ]
    assert len(answer.citations) == 1 and len(answer.citations[0].quotes) == 2


def test_at_most_three_sentences_are_quoted():
    text = " ".join(f"Avtalen har punkt nummer {i}." for i in range(1, 7))
    answer = _scripted_compose("Qwxz zqwx?", [_passage(text)], {"Avtalen": 0.9})
    assert len(_check_answer(answer)) == MAX_SENTENCES == 3


def test_quoted_words_stay_within_the_limit():
    sentence = "Avtalen beskriver {} " + " ".join(["samarbeid"] * 21) + "."
    text = " ".join(sentence.format(name) for name in ("Alfa", "Beta", "Gamma"))
    assert word_count(sentence.format("Alfa")) == 24
    answer = _scripted_compose("Qwxz zqwx?", [_passage(text)], {"Avtalen": 0.9})
    sentences = _check_answer(answer)
    assert len(sentences) == 2
    assert sum(word_count(s) for s in sentences) <= MAX_WORDS == 60


def test_a_single_sentence_longer_than_the_limit_is_quoted_whole_and_alone():
    long = "Avtalen omfatter " + " ".join(f"område{i}" for i in range(70)) + "."
    passage = _passage(f"{long} Avtalen er kort.")
    answer = _scripted_compose("Qwxz zqwx?", [passage], {"omfatter": 0.9, "kort": 0.89})
    assert _check_answer(answer) == [long]
    assert word_count(long) > MAX_WORDS


def test_headings_fragments_and_link_texts_are_not_quoted():
    text = "Om avtalen\n\nLes mer om avtalen her\n\nAvtalen!\n\nAvtalen gjelder i fem år."
    passage = _passage(text, section="Samarbeid › Om avtalen")
    answer = _scripted_compose("Qwxz zqwx?", [passage], {"avtalen": 0.9, "Avtalen": 0.9})
    assert _check_answer(answer) == ["Avtalen gjelder i fem år."]
    assert answer.text.startswith("Ifølge «Samarbeidsavtalen» (Om avtalen): ")


def test_passages_with_nothing_quotable_give_the_no_answer():
    passage = _passage("Om avtalen\n\nLes mer her\n\nJa.", section="Om avtalen")
    for language in ("nb", "nn", "en"):
        answer = _scripted_compose("Qwxz zqwx?", [passage], {}, language)
        assert answer.status == "no_answer"
        assert answer.citations == ()
        assert answer.text == NO_ANSWER_TEXT[language]
        assert "[1]" not in answer.text
    assert _scripted_compose("Qwxz?", [], {}).status == "no_answer"


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_framing_is_in_the_given_language(language):
    answer = _hash_compose("Hvordan definerer KS innovasjon?", PROGRAMME, language)
    assert answer.language == language
    assert answer.text.startswith(
        FRAMING[language].format(title="Hva bidrar TRD 3.0 til?") + " (Innovasjon i kommunen): "
    )


def test_the_framing_falls_back_to_the_document_id_without_a_title():
    passage = _passage("Avtalen gjelder i fem år.", doc_id="notat.txt", title="")
    answer = _scripted_compose("Qwxz?", [passage], {"Avtalen": 0.9})
    assert answer.text == "Ifølge «notat.txt»: Avtalen gjelder i fem år. [1]"


# ------------------------------------------------------------------------ question kinds


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Hvor mange kommuner er med?", ("count", "")),
        ("Kor mykje kostar det?", ("count", "")),
        ("How many partnerships are there?", ("count", "")),
        ("Når ble avtalen signert?", ("time", "")),
        ("Kva tid starta prosjektet?", ("time", "")),
        ("Hvilket år startet Unikom?", ("time", "")),
        ("When was the agreement signed?", ("time", "")),
        ("Hva er Unikom?", ("definition", "Unikom")),
        ("What is the cooperation agreement?", ("definition", "the cooperation agreement")),
        ("Hvordan definerer KS innovasjon?", None),
    ],
)
def test_question_kind(question, kind):
    assert question_kind(question) == kind


def test_kind_bonus_rewards_the_asked_for_shape():
    count, time, definition = (question_kind(q) for q in
                               ("Hvor mange?", "Når?", "Hva er Unikom?"))  # fmt: skip
    assert kind_bonus(count, "", "Det finnes 16 partnerskap.") > 0
    assert kind_bonus(count, "", "Det finnes partnerskap.") == 0
    assert kind_bonus(time, "", "Avtalen ble signert høsten 2019.") > 0
    assert kind_bonus(time, "", "Avtalen ble signert av rektor.") == 0
    assert kind_bonus(definition, "", "Unikom er et nettverk.") > 0
    assert kind_bonus(definition, "", "Arena Unikom arrangeres hvert år i Trondheim.") == 0
    assert kind_bonus(definition, "", "Et nettverk er det nok. Unikom er et nettverk.") == 0
    assert kind_bonus(None, "", "Unikom er et nettverk fra 2019 med 40 kommuner.") == 0


# Two sentences equally similar to the question and sharing its words; the one with the
# asked-for shape comes second, so only the kind can put it first.
@pytest.mark.parametrize(
    ("question", "plain", "shaped"),
    [
        ("Hvor mange partnerskap finnes i Norge?",
         "Partnerskap finnes over hele Norge.", "Norge har 16 slike partnerskap."),
        ("Når ble avtalen signert?",
         "Avtalen ble signert av rektor og ordfører.", "Avtalen ble signert i 2017."),
        ("Hva er Unikom?",
         "Unikom arrangeres hvert år i Trondheim.", "Unikom er et nettverk av kommuner."),
    ],
)  # fmt: skip
def test_the_sentence_of_the_asked_for_kind_is_preferred(question, plain, shaped):
    passage = _passage(f"{plain} {shaped}")
    answer = _scripted_compose(question, [passage], {plain: 0.8, shaped: 0.8})
    assert _check_answer(answer) == [shaped]
    # Without the kind the two tie and both are quoted, the plain one first.
    neutral = _scripted_compose("Qwxz zqwx?", [passage], {plain: 0.8, shaped: 0.8})
    assert _check_answer(neutral) == [plain, shaped]


# ------------------------------------------------------------------- the Bot, end to end

FAQ = {
    "avtalen.md": """---
title: Samarbeidsavtalen
updated: 2021-03-15
lang: nb
url: https://example.org/avtalen
---

## Hva er samarbeidsavtalen?

Samarbeidsavtalen er en avtale mellom NTNU og Trondheim kommune. Den gjelder for fem år om gangen.

## Når ble samarbeidsavtalen signert?

Samarbeidsavtalen ble signert av rektor og ordfører. Samarbeidsavtalen ble signert i 2017.

## Hvor mange kommuner er med i Unikom?

Unikom-nettverket har kommuner fra hele landet. Nærmere 40 kommuner er med i Unikom.
""",
    "stillingar.md": """---
title: Kombinerte stillingar
updated: 2022-08-12
lang: nn
---

## Kva er ei kombinert stilling?

Ei kombinert stilling er ei stilling som er delt mellom kommunen og universitetet.
""",
    "agreement.md": """---
title: About the agreement
lang: en
---

## What is the cooperation agreement?

The cooperation agreement is a contract between NTNU and Trondheim municipality.
""",
}


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("faq-corpus")
    for name, text in FAQ.items():
        (corpus / name).write_text(text, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("faq-index")
    run_ingest([corpus], index_dir, "hash", lambda: HashEmbedder())
    return Bot.load(index_dir, tmp_path_factory.mktemp("no-model-needed"))


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("Hva er samarbeidsavtalen?", "nb",
         "Samarbeidsavtalen er en avtale mellom NTNU og Trondheim kommune."),
        ("Når ble samarbeidsavtalen signert?", "nb", "Samarbeidsavtalen ble signert i 2017."),
        ("Hvor mange kommuner er med i Unikom?", "nb", "Nærmere 40 kommuner er med i Unikom."),
        ("Kva er ei kombinert stilling?", "nn",
         "Ei kombinert stilling er ei stilling som er delt mellom kommunen og universitetet."),
        ("What is the cooperation agreement?", "en",
         "The cooperation agreement is a contract between NTNU and Trondheim municipality."),
    ],
)  # fmt: skip
def test_the_bot_answers_in_the_question_language_with_verbatim_citations(
    bot, question, language, expected
):
    answer = bot.ask(question)
    assert answer.language == language
    assert answer.question == question
    sentences = _check_answer(answer)
    assert expected in sentences
    assert answer.text.startswith(PREFIX[language])
    assert answer.evidence["answerable"] is True


def test_the_framing_words_per_language(bot):
    assert bot.ask("Hva er samarbeidsavtalen?").text.startswith("Ifølge «Samarbeidsavtalen»")
    assert bot.ask("Kva er ei kombinert stilling?").text.startswith(
        "Ifølgje «Kombinerte stillingar»"
    )
    assert bot.ask("What is the cooperation agreement?").text.startswith(
        "According to «About the agreement»"
    )


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Når går neste buss fra Lerkendal til sentrum?", "nb"),
        ("Kva tid går neste buss frå Lerkendal?", "nn"),
        ("When does the next bus leave Lerkendal?", "en"),
        ("Hva er det?", "nb"),
    ],
)
def test_a_question_the_documents_do_not_answer_gets_the_no_answer(bot, question, language):
    answer = bot.ask(question)
    assert answer.status == "no_answer"
    assert answer.citations == ()
    assert answer.language == language
    assert answer.text == NO_ANSWER_TEXT[language]
    assert answer.evidence["answerable"] is False


def test_an_empty_question_asks_for_one(bot):
    answer = bot.ask(" \u200b\n ")
    assert answer.status == "no_answer" and answer.citations == ()
    assert answer.text == EMPTY_TEXT["nb"]


def test_a_very_long_question_is_answered_with_a_notice(bot):
    question = "Hvor mange kommuner er med i Unikom? " * 40  # 1480 characters
    answer = bot.ask(question)
    assert answer.notice == TRUNCATED_NOTICE["nb"]
    assert len(answer.question) <= 1000 and question.startswith(answer.question)
    assert "Nærmere 40 kommuner er med i Unikom." in _check_answer(answer)
    assert bot.ask("Hvor mange kommuner er med i Unikom?").notice == ""


# ----------------------------------------------------------------------------- follow-ups


def test_a_short_follow_up_is_widened_with_the_previous_question():
    query = Bot.retrieval_query("Når ble den signert?", ["Hva er samarbeidsavtalen?"])
    assert "Hva er samarbeidsavtalen?" in query and "Når ble den signert?" in query


def test_the_most_recent_previous_question_is_used():
    history = ["Hva er Unikom?", "Hva er samarbeidsavtalen?", "  "]
    query = Bot.retrieval_query("Og når ble den signert?", history)
    assert "samarbeidsavtalen" in query and "Unikom" not in query


@pytest.mark.parametrize(
    "question",
    ["Når ble samarbeidsavtalen mellom NTNU og kommunen signert?", "Hva er kombinerte stillinger?"],
)
def test_a_standalone_question_is_not_widened(question):
    assert Bot.retrieval_query(question, ["Hva er Unikom?"]) == question


def test_without_history_the_question_is_unchanged():
    assert Bot.retrieval_query("Når ble den signert?", []) == "Når ble den signert?"


def test_the_bot_answers_a_follow_up_from_the_earlier_topic(bot):
    # (That the history changes the answer is shown with the real model in test_api.py.)
    answer = bot.ask("Når ble den signert?", history=["Samarbeidsavtalen?"])
    assert answer.question == "Når ble den signert?"
    assert "Samarbeidsavtalen ble signert i 2017." in _check_answer(answer)


def test_a_sentence_ending_in_a_colon_brings_its_list_and_stops_at_the_paragraph():
    from bot.answer import compose_answer as compose
    from bot.retrieve import Passage as P
    from ingest.chunking import Chunk as C
    from ingest.embedding import HashEmbedder

    embedder = HashEmbedder()
    text = (
        "Satsingsområder\n\nAvtalen har tre satsingsområder:\n- Helse og velferd\n"
        "- Oppvekst og utdanning\n- Smart by og klima\n\nHvert område har en prosjektleder."
    )
    chunk = C("a#0", "a", "Avtalen", "Satsingsområder", "", "", "nb", None, 0, text)
    question = "Hvilke satsingsområder har avtalen?"
    answer = compose(question, "nb", [P(chunk, 0, 1.0, 0.9, 1.0, 1, 1)],
                     embedder.embed_queries([question])[0], embedder.embed_passages,
                     lambda term: 1.0)  # fmt: skip
    body = answer.text.split(": ", 1)[1]
    assert body == ("Avtalen har tre satsingsområder: [1] Helse og velferd [1] "
                    "Oppvekst og utdanning [1] Smart by og klima [1]")  # fmt: skip
    assert "prosjektleder" not in answer.text


def test_a_question_for_a_list_gets_the_bulleted_list_under_the_heading_it_names():
    from bot.answer import compose_answer as compose
    from bot.retrieve import Passage as P
    from ingest.chunking import Chunk as C
    from ingest.embedding import HashEmbedder

    embedder = HashEmbedder()
    text = ("Satsingsområder\n\n- Helse og velferd\n- Oppvekst og utdanning\n- Smart by og klima"
            "\n\nHvert satsingsområde har en egen prosjektleder i kombinert stilling.")  # fmt: skip
    chunk = C("a#0", "a", "Avtalen", "Satsingsområder", "", "", "nb", None, 0, text)
    passage = P(chunk, 0, 1.0, 0.9, 1.0, 1, 1)

    def ask(question):
        vector = embedder.embed_queries([question])[0]
        return compose(question, "nb", [passage], vector, embedder.embed_passages,
                       lambda term: 1.0).text.split(": ", 1)[1]  # fmt: skip

    items = "Helse og velferd [1] Oppvekst og utdanning [1] Smart by og klima [1]"
    assert ask("Hva er satsingsområdene?") == items
    assert ask("Hvilke satsingsområder har avtalen?") == items
    # a question that names something else is answered from sentences as usual
    assert "Helse og velferd" not in ask("Hvilke prosjektledere har kombinert stilling?")
