"""Composed answers (answer engine v2): verbatim cited sentences, markers, framing, lists,
back-references, two-part questions and the honest no-answer.

Everything runs the real query, retrieval, feature and answer code over small hand-written
corpora indexed with the hash embedder (so the "lexical" answer model is used). Where a
test needs a particular sentence to win, it builds the `Examined` by hand: real candidate
rows from `features.candidates`, with logits it chooses.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from support import markers_in_citation_order

from bot.answer import (
    ANSWERED,
    EMPTY_TEXT,
    FRAMING,
    LIST_BULLET,
    LIST_MAX_WORDS,
    MAX_SENTENCES,
    MAX_WORDS,
    NO_ANSWER,
    NO_ANSWER_TEXT,
    PART_MISSING,
    compose_answer,
)
from bot.evidence import Examined
from bot.features import QUESTION_FEATURES, candidates, refers_back
from bot.query import question_words
from bot.retrieve import TOP_K
from bot.service import TRUNCATED_NOTICE, Bot
from ingest.documents import SECTION_SEPARATOR
from ingest.embedding import HashEmbedder
from ingest.index import load_index
from ingest.pipeline import run_ingest
from ingest.sentences import word_count

CORPUS = {
    "avtalen.md": """---
title: Samarbeidsavtalen
url: https://example.org/avtalen
updated: 2021-03-15
lang: nb
---

## Om avtalen

Samarbeidsavtalen er en avtale mellom NTNU og Trondheim kommune. Den gjelder for fem år om gangen.

Les mer om samarbeidsavtalen her

## Signering

Samarbeidsavtalen ble signert i januar 2018 av rektor og ordfører.

## Satsingsområder

Avtalen har fire satsingsområder:

- Helse og velferd
- Oppvekst og utdanning
- Smart by og klima
- Kultur og idrett

Hvert satsingsområde har en egen prosjektleder.
""",
    "biocosmos.md": """---
title: BioCosmos
url: https://example.org/biocosmos
updated: 2022-01-10
lang: nb
---

## Ledelse

Dag Erlandsen er daglig leder i stiftelsen BioCosmos. Han sier stiftelsen ønsker å være en
motvekt til ateismen.

## Økonomi

Det er private givere som betaler driften av stiftelsen hvert år.
""",
    "unikom.md": """---
title: Unikom
url: https://example.org/unikom
updated: 2020-05-01
lang: nb
---

## Nettverket

Unikom-nettverket samler nærmere 40 kommuner og institusjoner i hele landet. Arena Unikom
ble arrangert for første gang høsten 2019. Dette var den første nasjonale konferansen om
universitetskommuner.
""",
    "stillingar.md": """---
title: Kombinerte stillingar
url: https://example.org/stillingar
updated: 2022-08-12
lang: nn
---

## Kva er ei kombinert stilling

Ei kombinert stilling er ei stilling som er delt mellom kommunen og universitetet.
""",
    "agreement.md": """---
title: About the agreement
url: https://example.org/agreement
updated: 2023-02-01
lang: en
---

## The partners

The cooperation agreement is a contract between NTNU and Trondheim municipality. They meet
four times a year in a steering group.
""",
    "network.md": """---
title: The Unikom network
lang: en
---

## Members

The Unikom network gathers almost 40 municipalities and institutions.
""",
}

# Indexed with small chunks, so that a sentence's neighbour and a list run into the next
# chunk of the same document.
SMALL_CHUNKS = 40
TILTAK = [f"Tiltak nummer {i} gjelder opplæring av ansatte i kommunen" for i in range(1, 21)]
SMALL = {
    "leder.md": """---
title: Stiftelsen
lang: nb
---

## Ledelse

Dag Erlandsen er daglig leder i stiftelsen BioCosmos og har vært det siden stiftelsen ble
opprettet i Trondheim for mange år siden. Han sier stiftelsen ønsker å være en motvekt til
ateismen og til den rene materialismen i samfunnet.
""",
    "plan.md": """---
title: Tiltaksplanen
lang: nb
---

## Tiltak

Planen har disse tiltakene:

"""
    + "\n".join(f"- {item}" for item in TILTAK)
    + """

## Områder

Planen har tre områder:

- Helse og velferd
- Oppvekst og utdanning
- Smart by og klima

Les mer om områdene
""",
}


def _build(root, files, chunk_tokens=None):
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    extra = {"chunk_tokens": chunk_tokens} if chunk_tokens else {}
    run_ingest([corpus], root / "index", "hash", lambda: HashEmbedder(), **extra)
    return root / "index"


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    index_dir = _build(tmp_path_factory.mktemp("answer"), CORPUS)
    return Bot.load(index_dir, tmp_path_factory.mktemp("no-model-needed"))


@pytest.fixture(scope="module")
def small_bot(tmp_path_factory):
    index_dir = _build(tmp_path_factory.mktemp("answer-small"), SMALL, SMALL_CHUNKS)
    return Bot.load(index_dir, tmp_path_factory.mktemp("no-model-needed"))


# ------------------------------------------------------------------------------ helpers

AND = {"nb": "og", "nn": "og", "en": "and"}  # between two titles in the framing
LINK_TEXT = re.compile(question_words()["link_text"]["pattern"], re.I)


def _framing(answer) -> str:
    """The framing the answer must start with: its cited documents' titles (at most two)
    and, for one document, the first cited passage's section."""
    chunks = [c.passage.chunk for c in answer.citations]
    titles = list(dict.fromkeys(c.title or c.doc_id for c in chunks))
    joined = f"» {AND[answer.language]} «".join(titles[:2])
    framing = FRAMING[answer.language].format(title=joined)
    if len(titles) == 1 and chunks[0].section:
        framing += f" ({chunks[0].section.rsplit(SECTION_SEPARATOR, 1)[-1]})"
    return framing + ": "


def _check_answer(answer) -> list[str]:
    """Every property a composed answer must have; returns its quoted sentences in order."""
    assert answer.status == ANSWERED, answer.text
    assert answer.citations
    # Citations are numbered 1..n, by first use (but for [1], the passage that answers);
    # each marker has a citation and each citation a marker.
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    markers = [int(m) for m in re.findall(r" \[(\d+)\]", answer.text)]
    assert markers_in_citation_order(markers, [c.n for c in answer.citations]), answer.text
    framing = _framing(answer)
    assert answer.text.startswith(framing), (answer.text, framing)
    seen = set()
    for citation in answer.citations:
        chunk = citation.passage.chunk
        heading = chunk.section.rsplit(SECTION_SEPARATOR, 1)[-1] if chunk.section else ""
        assert citation.quotes
        for a, b in citation.quotes:
            # Each quote is one whole sentence of the cited chunk, sliced from its text.
            assert (a, b) in chunk.sentences, (chunk.text, a, b)
            sentence = chunk.text[a:b]
            assert sentence and sentence in answer.text
            assert (chunk.chunk_id, a, b) not in seen, f"quoted twice: {sentence!r}"
            seen.add((chunk.chunk_id, a, b))
            assert not (a == 0 and sentence == heading), f"a heading is quoted: {sentence!r}"
            assert not LINK_TEXT.match(sentence), f"a link line is quoted: {sentence!r}"
        assert citation.quote == " ".join(chunk.text[a:b] for a, b in citation.quotes)
    return _walk(answer.text[len(framing) :], answer.citations)


def _walk(body: str, citations) -> list[str]:
    """The body must be exactly the cited sentences, in their citation's order, each run
    of one passage's sentences followed by its marker; between sentences only " " or a
    list bullet. Returns the sentences."""
    pending = {
        c.n: [c.passage.chunk.text[a:b] for a, b in c.quotes] for c in citations
    }  # fmt: skip
    pieces = re.split(r" \[(\d+)\]", body)
    assert pieces[-1] == "", f"the answer must end with a marker: {body!r}"
    quoted = []
    for i in range(0, len(pieces) - 1, 2):
        run, n = pieces[i], int(pieces[i + 1])
        if i:
            assert run.startswith((" ", LIST_BULLET)), repr(run)
            run = run[len(LIST_BULLET) :] if run.startswith(LIST_BULLET) else run[1:]
        while True:
            assert pending[n], f"more text than quotes for [{n}]: {run!r}"
            sentence = pending[n].pop(0)
            assert run.startswith(sentence), (run, sentence)
            quoted.append(sentence)
            run = run[len(sentence) :]
            if not run:
                break
            assert run.startswith((" ", LIST_BULLET)), repr(run)
            run = run[len(LIST_BULLET) :] if run.startswith(LIST_BULLET) else run[1:]
    assert not any(pending.values()), f"quotes missing from the text: {pending}"
    return quoted


def _body(answer) -> str:
    return answer.text[len(_framing(answer)) :]


def _examined(bot, question, chosen, *, answerable=0.9, threshold=0.5, logits=None):
    """`question` examined by hand: real candidates from `features.candidates` over the
    retrieved passages, the sentence starting with `chosen` scored best (or `logits`,
    a function of the candidate)."""
    query = bot.query(question)
    vector = bot.retriever.embed_query(query.retrieval_text)
    passages = bot.retriever.search(query.retrieval_text, TOP_K, query_vector=vector,
                                    terms=list(query.terms))  # fmt: skip
    found = candidates(query, passages, bot.index, vector, bot.idf)
    if logits is None:
        hits = [c for c in found.items if c.text.startswith(chosen)]
        assert len(hits) == 1, [c.text for c in found.items]
        values = np.array([5.0 if c.text.startswith(chosen) else -5.0 for c in found.items])
    else:
        values = np.array([logits(c) for c in found.items], np.float64)
    return Examined(query, passages, found, values, answerable, threshold)


def _compose(bot, question, chosen, extra_margin=0.0, **kwargs):
    examined = _examined(bot, question, chosen, **kwargs)
    return compose_answer(examined.query, [examined], bot.index, extra_margin)


# ------------------------------------------------------------- the Bot, end to end


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("Hva er samarbeidsavtalen?", "nb",
         "Samarbeidsavtalen er en avtale mellom NTNU og Trondheim kommune."),
        ("Når ble samarbeidsavtalen signert?", "nb",
         "Samarbeidsavtalen ble signert i januar 2018 av rektor og ordfører."),
        ("Hvor mange kommuner samler Unikom-nettverket?", "nb",
         "Unikom-nettverket samler nærmere 40 kommuner og institusjoner i hele landet."),
        ("Kva er ei kombinert stilling?", "nn",
         "Ei kombinert stilling er ei stilling som er delt mellom kommunen og universitetet."),
        ("What is the cooperation agreement?", "en",
         "The cooperation agreement is a contract between NTNU and Trondheim municipality."),
    ],
)  # fmt: skip
def test_the_bot_answers_with_verbatim_cited_sentences_in_the_question_language(
    bot, question, language, expected
):
    answer = bot.ask(question)
    assert answer.question == question
    assert answer.language == language
    assert expected in _check_answer(answer)
    assert answer.notice == ""
    assert answer.evidence["answerable"] >= answer.evidence["threshold"]


@pytest.mark.parametrize(
    "question",
    [
        "Hva er samarbeidsavtalen?",
        "Hvilke satsingsområder har avtalen?",
        "Hva ønsker daglig leder i BioCosmos at stiftelsen skal være?",
        "Når ble Arena Unikom arrangert for første gang?",
        "How often do the partners of the cooperation agreement meet?",
        "Hvem betaler driften av stiftelsen?",
        "samarbeidsavtalen NTNU kommune",
        "Når ble samarbeidsavtalen signert, og hvor mange kommuner samler Unikom-nettverket?",
    ],
)
def test_every_answer_is_made_of_whole_sentences_copied_from_the_cited_chunks(bot, question):
    answer = bot.ask(question)
    _check_answer(answer)
    assert "Les mer" not in answer.text


def test_the_framing_per_language(bot):
    assert bot.ask("Hva er samarbeidsavtalen?").text.startswith(
        "Ifølge «Samarbeidsavtalen» (Om avtalen): "
    )
    assert bot.ask("Kva er ei kombinert stilling?").text.startswith(
        "Ifølgje «Kombinerte stillingar» (Kva er ei kombinert stilling): "
    )
    assert bot.ask("What is the cooperation agreement?").text.startswith(
        "According to «About the agreement» (The partners): "
    )


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Når går neste buss fra Lerkendal til sentrum?", "nb"),
        ("Kva tid går neste buss frå Lerkendal?", "nn"),
        ("When does the next bus leave Lerkendal?", "en"),
        ("Hva er det?", "nb"),  # no content word at all
    ],
)
def test_a_question_the_documents_do_not_answer_gets_the_no_answer(bot, question, language):
    answer = bot.ask(question)
    assert answer.status == NO_ANSWER
    assert answer.citations == ()
    assert answer.language == language
    assert answer.text == NO_ANSWER_TEXT[language]
    assert "[1]" not in answer.text
    assert answer.evidence["answerable"] < answer.evidence["threshold"]


@pytest.mark.parametrize("question", ["", "   ", " \u200b\n ", "\t"])
def test_an_empty_question_asks_for_one(bot, question):
    answer = bot.ask(question)
    assert answer.status == NO_ANSWER
    assert answer.citations == ()
    assert answer.text == EMPTY_TEXT["nb"]


def test_a_very_long_question_is_answered_with_a_notice(bot):
    question = "Når ble samarbeidsavtalen signert? " * 40  # 1400 characters
    answer = bot.ask(question)
    assert answer.notice == TRUNCATED_NOTICE["nb"]
    assert len(answer.question) <= 1000 and question.startswith(answer.question)
    assert "Samarbeidsavtalen ble signert i januar 2018 av rektor og ordfører." in _check_answer(
        answer
    )


def test_the_evidence_of_a_one_part_question_holds_its_signals(bot):
    evidence = bot.ask("Når ble samarbeidsavtalen signert?").evidence
    assert {"answerable", "threshold", "answer_type", *QUESTION_FEATURES} <= set(evidence)
    assert evidence["answer_type"] == "date"
    assert 0.0 <= evidence["answerable"] <= 1.0
    assert evidence["threshold"] == bot.model.threshold


# ------------------------------------------------------------------------- lists


def test_a_list_question_gets_the_whole_list_with_its_intro(bot):
    answer = bot.ask("Hvilke satsingsområder har avtalen?")
    assert _check_answer(answer)
    assert _body(answer) == (
        "Avtalen har fire satsingsområder:\n• Helse og velferd\n• Oppvekst og utdanning"
        "\n• Smart by og klima\n• Kultur og idrett [1]"
    )
    assert "prosjektleder" not in answer.text  # the sentence after the list is not an item


@pytest.mark.parametrize("chosen", ["Smart by og klima", "Avtalen har fire satsingsområder:"])
def test_a_best_sentence_in_a_list_or_ending_with_a_colon_brings_the_whole_list(bot, chosen):
    # Not a list question: only the best sentence's place in a list brings the list.
    answer = _compose(bot, "Hva gjelder for satsingsområder i avtalen?", chosen)
    assert answer.evidence["answer_type"] != "list"
    assert _check_answer(answer) == [
        "Avtalen har fire satsingsområder:",
        "Helse og velferd",
        "Oppvekst og utdanning",
        "Smart by og klima",
        "Kultur og idrett",
    ]
    assert answer.text.count(LIST_BULLET) == 4


@pytest.mark.parametrize(
    "question",
    ["Når kom Smart by og klima med i avtalen?", "Hvem leder satsingsområdet Smart by og klima?"],
)
def test_a_question_for_one_fact_gets_the_list_item_alone(bot, question):
    # A date or a name is asked for: the item that holds it, not the whole list.
    answer = _compose(bot, question, "Smart by og klima")
    assert answer.evidence["answer_type"] in ("date", "person")
    assert _check_answer(answer) == ["Smart by og klima"]
    assert LIST_BULLET not in answer.text


LAYOUTS = {
    "skjema.md": """---
title: Skjemaet
lang: nb
---

## Dette spør skjemaet om

Du forteller hva prosjektet skal oppnå, og hva du venter at kommunen
bidrar med. Det kan for eksempel være

- hjelp til å skrive søknaden
- tilgang til data
- kontakt med kommunale enheter

Du må også forklare hvordan innbyggerne får nytte av samarbeidet.

## Hva partnerne har lovet

Partnerne har lovet å

- drive en nasjonal pilot i fire år
- foreslå en varig modell for samarbeidet

## Intervjuet

Jeng har svært dårlig syn og bruker briller hele tiden.

- Jeg har operert øynene.
- Det er en feil i øynene som gjør meg følsom for lys.
""",
    "prosjektleder.md": """---
title: Prosjektlederen
lang: nb
---

## Ny prosjektleder

Kommunen og NTNU har sammen ansatt en egen prosjektleder for byutvikling. Hans Kristian
Ryttersveen begynte nylig i stillingen. Han kommer fra Oslo.

## Kunnskapsaksen

Et eksempel på byutvikling der kommunen og universitetet møtes, er Kunnskapsaksen. Det er
en strategi for byutvikling langs en akse fra Sluppen til Brattøra. Aksen har fått mye
omtale.
""",
    "henvendelser.md": """---
title: Forske sammen med kommunen
lang: nb
---

## Henvendelser

Da sender du en henvendelse gjennom kommunens nettskjema.

Sist oppdatert 01.12.2026
""",
}


@pytest.fixture(scope="module")
def layout_bot(tmp_path_factory):
    index_dir = _build(tmp_path_factory.mktemp("answer-layouts"), LAYOUTS)
    return Bot.load(index_dir, tmp_path_factory.mktemp("no-model-needed"))


@pytest.mark.parametrize(
    ("question", "chosen", "intro", "items"),
    [
        # "… bidrar med. Det kan for eksempel være", then the items: no colon anywhere.
        ("Hva kan kommunen bidra med?", "Du forteller",
         ["Du forteller hva prosjektet skal oppnå, og hva du venter at kommunen bidrar med.",
          "Det kan for eksempel være"],
         ["hjelp til å skrive søknaden", "tilgang til data", "kontakt med kommunale enheter"]),
        # An unfinished sentence that the items complete.
        ("Hva har partnerne lovet?", "Partnerne har lovet", ["Partnerne har lovet å"],
         ["drive en nasjonal pilot i fire år", "foreslå en varig modell for samarbeidet"]),
    ],
)  # fmt: skip
def test_a_lead_in_without_a_colon_brings_the_list_it_introduces(layout_bot, question, chosen,
                                                                 intro, items):  # fmt: skip
    answer = _compose(layout_bot, question, chosen)
    # Only these: the paragraph after the list ("Du må også …") is not an item.
    assert _check_answer(answer) == intro + items
    assert answer.text.count(LIST_BULLET) == len(items)


def test_a_finished_sentence_before_quoted_lines_brings_no_list(layout_bot):
    # A news article's "- Jeg …" lines are quotes, not the items of a list.
    answer = _compose(layout_bot, "Hvorfor bruker Jeng briller?", "Jeng har")
    assert _check_answer(answer) == ["Jeng har svært dårlig syn og bruker briller hele tiden."]
    assert LIST_BULLET not in answer.text


def test_the_neighbour_that_holds_the_fact_asked_for_is_quoted_with_the_best(layout_bot):
    # "Hvem …": the best sentence names the post, the one after it the person.
    answer = _compose(layout_bot, "Hvem er prosjektleder for byutvikling?", "Kommunen og NTNU")
    assert answer.evidence["answer_type"] == "person"
    assert _check_answer(answer) == [
        "Kommunen og NTNU har sammen ansatt en egen prosjektleder for byutvikling.",
        "Hans Kristian Ryttersveen begynte nylig i stillingen.",
    ]


def test_the_pages_own_date_line_is_not_the_date_asked_for(layout_bot):
    # "Når …" asks for a date the best sentence lacks; the line after it has one, but it is
    # when the page changed, not when to send.
    answer = _compose(layout_bot, "Når sender jeg en henvendelse?", "Da sender du")
    assert answer.evidence["answer_type"] == "date"
    assert _check_answer(answer) == ["Da sender du en henvendelse gjennom kommunens nettskjema."]


def test_a_best_sentence_holding_the_fact_asked_for_is_quoted_alone(layout_bot):
    # Nor with the "Han kommer fra Oslo." that leans on it: the name asked for is here.
    answer = _compose(layout_bot, "Hvem begynte i stillingen?", "Hans Kristian")
    assert answer.evidence["answer_type"] == "person"
    assert _check_answer(answer) == ["Hans Kristian Ryttersveen begynte nylig i stillingen."]


def test_the_next_sentence_that_refers_back_is_quoted_with_the_best(layout_bot):
    # The best sentence ends naming the thing; the next ("Det er …") says what it is.
    answer = _compose(layout_bot, "Hva er Kunnskapsaksen?", "Et eksempel")
    assert _check_answer(answer) == [
        "Et eksempel på byutvikling der kommunen og universitetet møtes, er Kunnskapsaksen.",
        "Det er en strategi for byutvikling langs en akse fra Sluppen til Brattøra.",
    ]  # only the one next to it: "Aksen har …" does not lean on it


def test_a_long_list_is_quoted_from_its_start_within_the_word_limit(small_bot):
    # The list runs over several chunks: each gets its own citation, in order.
    assert len({c.doc_id for c in small_bot.index.chunks if c.section == "Tiltak"}) == 1
    assert sum(c.section == "Tiltak" for c in small_bot.index.chunks) > 2
    answer = small_bot.ask("Hvilke tiltak har planen?")
    quoted = _check_answer(answer)
    assert quoted[0] == "Planen har disse tiltakene:"
    items = quoted[1:]
    assert items == TILTAK[: len(items)] and len(items) >= 2
    words = sum(word_count(s) for s in quoted)
    assert words <= LIST_MAX_WORDS
    assert words + word_count(TILTAK[len(items)]) > LIST_MAX_WORDS  # cut only by the limit
    assert len(answer.citations) > 1
    assert answer.text.count(LIST_BULLET) == len(items)


def test_a_link_line_after_a_list_is_not_quoted_as_an_item(small_bot):
    answer = small_bot.ask("Hvilke områder har planen?")
    assert _check_answer(answer) == [
        "Planen har tre områder:",
        "Helse og velferd",
        "Oppvekst og utdanning",
        "Smart by og klima",
    ]


# ---------------------------------------------------------------- back-references


@pytest.mark.parametrize(
    ("question", "chosen", "before"),
    [
        ("Hva ønsker daglig leder i BioCosmos at stiftelsen skal være?", "Han sier",
         "Dag Erlandsen er daglig leder i stiftelsen BioCosmos."),
        ("Hva var den første nasjonale konferansen om universitetskommuner?", "Dette var",
         "Arena Unikom ble arrangert for første gang høsten 2019."),
        ("How often do the partners of the cooperation agreement meet?", "They meet",
         "The cooperation agreement is a contract between NTNU and Trondheim municipality."),
    ],
)  # fmt: skip
def test_a_sentence_that_refers_back_is_quoted_with_the_one_before(bot, question, chosen, before):
    answer = _compose(bot, question, chosen)
    quoted = _check_answer(answer)
    assert len(quoted) == 2
    assert quoted[0] == before and quoted[1].startswith(chosen)
    assert len(answer.citations) == 1 and len(answer.citations[0].quotes) == 2


def test_a_sentence_that_does_not_refer_back_is_quoted_alone(bot):
    answer = _compose(bot, "Hva er Unikom-nettverket?", "Unikom-nettverket samler")
    assert _check_answer(answer) == [
        "Unikom-nettverket samler nærmere 40 kommuner og institusjoner i hele landet."
    ]


def test_the_bot_quotes_the_sentence_before_a_back_reference(bot):
    answer = bot.ask("Hva ønsker daglig leder i BioCosmos at stiftelsen skal være?")
    quoted = _check_answer(answer)
    assert "motvekt" in answer.text
    assert quoted == [
        "Dag Erlandsen er daglig leder i stiftelsen BioCosmos.",
        "Han sier stiftelsen ønsker å være en motvekt til ateismen.",
    ]


def test_a_back_reference_right_after_a_heading_does_not_bring_the_heading(bot):
    answer = _compose(bot, "Hvem betaler driften av stiftelsen?", "Det er private givere")
    assert _check_answer(answer) == [
        "Det er private givere som betaler driften av stiftelsen hvert år."
    ]


def test_a_back_reference_at_the_start_of_a_chunk_brings_the_sentence_before_it_first(
    small_bot,
):
    chunks = [c for c in small_bot.index.chunks if c.doc_id == "leder.md"]
    assert len(chunks) == 2 and chunks[1].sentence_texts()[0].startswith("Han sier")
    answer = _compose(small_bot, "Hva sier daglig leder i BioCosmos om stiftelsen?", "Han sier")
    quoted = _check_answer(answer)
    assert [s[:13] for s in quoted] == ["Dag Erlandsen", "Han sier stif"]
    # The passage that answers is [1], though it is read second: the source listed first
    # is the one with the answer.
    assert [c.passage.chunk.chunk_id for c in answer.citations] == [
        chunks[1].chunk_id,
        chunks[0].chunk_id,
    ]
    assert _body(answer).startswith("Dag Erlandsen") and answer.text.endswith("[1]")
    assert " [2] Han sier" in answer.text


# ------------------------------------------------------ runners-up and no repetition


def _plain(found):
    """The candidates that bring no neighbour: no list line, no colon, no back-reference."""
    return [
        c for c in found.items
        if not c.list_line and not c.text.endswith(":") and not refers_back(c.text)
    ]  # fmt: skip


def test_close_runners_up_are_quoted_up_to_the_limit_and_the_best_passage_comes_first(bot):
    question = "Hva er samarbeidsavtalen og Unikom-nettverket?"
    examined = _examined(bot, question, "", logits=lambda c: -5.0)
    plain = _plain(examined.found)
    assert len(plain) > MAX_SENTENCES
    scores = {id(c): 5.0 - 0.5 * i for i, c in enumerate(plain)}
    logits = np.array([scores.get(id(c), -5.0) for c in examined.found.items])
    examined = Examined(examined.query, examined.passages, examined.found, logits, 0.9, 0.5)
    alone = compose_answer(examined.query, [examined], bot.index, extra_margin=0.0)
    assert _check_answer(alone) == [plain[0].text]
    close = compose_answer(examined.query, [examined], bot.index, extra_margin=10.0)
    quoted = _check_answer(close)
    assert sorted(quoted) == sorted(c.text for c in plain[:MAX_SENTENCES])
    assert sum(word_count(s) for s in quoted) <= MAX_WORDS
    best = plain[0]
    assert close.citations[0].passage.position == best.position
    # Within a passage the sentences keep their reading order.
    for citation in close.citations:
        assert list(citation.quotes) == sorted(citation.quotes)
    # A runner-up only as close as the margin allows is left out.
    narrow = compose_answer(examined.query, [examined], bot.index, extra_margin=0.6)
    assert sorted(_check_answer(narrow)) == sorted(c.text for c in plain[:2])


def test_no_sentence_is_quoted_twice_when_both_parts_find_it(bot):
    answer = bot.ask("Når ble samarbeidsavtalen signert, og hvem signerte samarbeidsavtalen?")
    quoted = _check_answer(answer)
    assert len(quoted) == len(set(quoted))
    sentence = "Samarbeidsavtalen ble signert i januar 2018 av rektor og ordfører."
    assert answer.text.count(sentence) == 1


# ---------------------------------------------------------------- two-part questions


def test_a_two_part_question_gets_a_citation_for_each_part_from_each_document(bot):
    answer = bot.ask(
        "Når ble samarbeidsavtalen signert, og hvor mange kommuner samler Unikom-nettverket?"
    )
    quoted = _check_answer(answer)
    assert quoted == [
        "Samarbeidsavtalen ble signert i januar 2018 av rektor og ordfører.",
        "Unikom-nettverket samler nærmere 40 kommuner og institusjoner i hele landet.",
    ]
    assert [c.passage.chunk.doc_id for c in answer.citations] == ["avtalen.md", "unikom.md"]
    assert answer.text.startswith("Ifølge «Samarbeidsavtalen» og «Unikom»: ")
    assert answer.notice == ""
    parts = answer.evidence["parts"]
    assert [p["answer_type"] for p in parts] == ["date", "count"]
    assert all(p["answerable"] >= p["threshold"] for p in parts)


def test_two_documents_are_named_in_the_language_of_the_question(bot):
    answer = bot.ask("How often do the partners of the cooperation agreement meet, and how many "
                     "municipalities does the Unikom network gather?")  # fmt: skip
    assert [c.passage.chunk.doc_id for c in answer.citations] == ["agreement.md", "network.md"]
    assert answer.text.startswith("According to «About the agreement» and «The Unikom network»: ")


def test_an_unanswerable_part_gets_a_notice_and_the_answered_part_is_kept(bot):
    answer = bot.ask(
        "Når ble samarbeidsavtalen signert, og hva koster parkeringen ved Lerkendal stadion?"
    )
    assert _check_answer(answer) == [
        "Samarbeidsavtalen ble signert i januar 2018 av rektor og ordfører."
    ]
    assert answer.notice == PART_MISSING["nb"].format(
        part="hva koster parkeringen ved Lerkendal stadion"
    )
    first, second = answer.evidence["parts"]
    assert first["answerable"] >= first["threshold"] > second["answerable"]


def test_a_two_part_question_with_no_answered_part_gets_the_no_answer(bot):
    answer = bot.ask("Når går bussen fra Lerkendal, og hva koster parkeringen ved stadion?")
    assert answer.status == NO_ANSWER and answer.citations == ()
    assert answer.text == NO_ANSWER_TEXT["nb"]
    assert len(answer.evidence["parts"]) == 2


# ------------------------------------------------------------------- the refusal


def test_an_examined_part_below_its_threshold_gives_the_no_answer(bot):
    question = "Når ble samarbeidsavtalen signert?"
    chosen = "Samarbeidsavtalen ble signert"
    examined = _examined(bot, question, chosen, answerable=0.2, threshold=0.5)
    assert not examined.answered
    answer = compose_answer(examined.query, [examined], bot.index, 1.0)
    assert answer.status == NO_ANSWER and answer.citations == ()
    assert answer.text == NO_ANSWER_TEXT["nb"]
    assert answer.evidence["answerable"] == 0.2 and answer.evidence["threshold"] == 0.5
    # The same candidates at or above the threshold are answered.
    examined = _examined(bot, question, chosen, answerable=0.5, threshold=0.5)
    assert _check_answer(compose_answer(examined.query, [examined], bot.index, 1.0))


def test_a_given_notice_is_kept_on_answers_and_refusals(bot):
    examined = _examined(bot, "Når ble samarbeidsavtalen signert?", "Samarbeidsavtalen ble")
    answer = compose_answer(examined.query, [examined], bot.index, 0.0, notice="Merk.")
    assert answer.notice == "Merk."
    refused = _examined(bot, "Når ble samarbeidsavtalen signert?", "Samarbeidsavtalen ble",
                        answerable=0.0)  # fmt: skip
    assert compose_answer(refused.query, [refused], bot.index, 0.0, "Merk.").notice == "Merk."


# ------------------------------------------------------------- only the query is embedded


class CountingEmbedder(HashEmbedder):
    def __init__(self):
        super().__init__()
        self.passage_calls = 0
        self.query_calls: list[list[str]] = []

    def embed_passages(self, texts, progress=False):
        self.passage_calls += 1
        return super().embed_passages(texts, progress)

    def embed_queries(self, texts):
        self.query_calls.append(list(texts))
        return super().embed_queries(texts)


def test_asking_embeds_only_the_query_once_per_part(bot):
    embedder = CountingEmbedder()
    counted = Bot(load_index(bot.index.path, expect_model="hash"), embedder)
    embedder.passage_calls, embedder.query_calls = 0, []
    questions = [
        "Når ble samarbeidsavtalen signert?",
        "Når ble samarbeidsavtalen signert, og hvor mange kommuner samler Unikom-nettverket?",
        "Når går neste buss fra Lerkendal til sentrum?",
    ]
    for question in questions:
        counted.ask(question)
    parts = [len(counted.query(q).parts) or 1 for q in questions]
    assert parts == [1, 2, 1]
    assert len(embedder.query_calls) == sum(parts) == 4
    assert all(len(texts) == 1 for texts in embedder.query_calls)
    assert embedder.passage_calls == 0
    counted.ask("   ")  # an empty question embeds nothing
    assert len(embedder.query_calls) == 4
