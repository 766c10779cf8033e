"""Sentence spans for bokmål, nynorsk and English: where a full stop ends a sentence."""

import re
from pathlib import Path

import pytest

from ingest.sentences import abbreviations, is_list_item, sentence_spans, word_count

NORQUAD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "norquad-dev" / "docs"
NORQUAD_DOCS = sorted(NORQUAD.glob("*.md"))


def _sentences(text):
    return [text[a:b] for a, b in sentence_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ordinal dates and centuries: the next word is lower case, so no boundary
        (
            "Søknadsfristen er 25. februar 2018. Svar kommer i mars.",
            ["Søknadsfristen er 25. februar 2018.", "Svar kommer i mars."],
        ),
        (
            "Loven trådte i kraft 1. januar 2018. Den gjelder alle kommuner.",
            ["Loven trådte i kraft 1. januar 2018.", "Den gjelder alle kommuner."],
        ),
        (
            "Byen vokste raskt i det 19. århundre. Så kom jernbanen.",
            ["Byen vokste raskt i det 19. århundre.", "Så kom jernbanen."],
        ),
        (
            "Grunnloven ble vedtatt 17. mai 1814 på Eidsvoll. Det var en fredag.",
            ["Grunnloven ble vedtatt 17. mai 1814 på Eidsvoll.", "Det var en fredag."],
        ),
        ("Fra 1. til 3. juni er kontoret stengt.", ["Fra 1. til 3. juni er kontoret stengt."]),
        # abbreviations before a digit or a word
        (
            "Møtet starter kl. 14.00 i rom nr. 5. Ta med PC.",
            ["Møtet starter kl. 14.00 i rom nr. 5.", "Ta med PC."],
        ),
        (
            "Det kom ca. 300 deltakere. Mange var studenter.",
            ["Det kom ca. 300 deltakere.", "Mange var studenter."],
        ),
        (
            "Vi tilbyr bl.a. kurs og f.eks. veiledning. Kontakt oss.",
            ["Vi tilbyr bl.a. kurs og f.eks. veiledning.", "Kontakt oss."],
        ),
        (
            "Ring tlf. 73 59 50 00 eller se s. 12. Kontoret er åpent.",
            ["Ring tlf. 73 59 50 00 eller se s. 12.", "Kontoret er åpent."],
        ),
        (
            "Honerud gård (gnr. 108) er gammel. Saken Mara’abe v. The Prime Minister er kjent.",
            [
                "Honerud gård (gnr. 108) er gammel.",
                "Saken Mara’abe v. The Prime Minister er kjent.",
            ],
        ),
        (
            "Dette gjelder dvs. alle ansatte. Se også kap. 3 og fig. 2.",
            ["Dette gjelder dvs. alle ansatte.", "Se også kap. 3 og fig. 2."],
        ),
        (
            "Ordninga gjeld m.a. studentar og t.d. tilsette. Ho vart innført i fjor.",
            ["Ordninga gjeld m.a. studentar og t.d. tilsette.", "Ho vart innført i fjor."],
        ),
        # initials, spaced or run together
        (
            "Boka er skrevet av J. R. R. Tolkien. Den er lang.",
            ["Boka er skrevet av J. R. R. Tolkien.", "Den er lang."],
        ),
        (
            "Eventyrene til H.C. Andersen er kjente. Han var dansk.",
            ["Eventyrene til H.C. Andersen er kjente.", "Han var dansk."],
        ),
        # a real boundary after a year, a number or a unit
        (
            "Unionen ble oppløst i 1905. Norge fikk egen konge.",
            ["Unionen ble oppløst i 1905.", "Norge fikk egen konge."],
        ),
        ("Prisen er 20 kr. Det er billig.", ["Prisen er 20 kr.", "Det er billig."]),
        (
            "Han kom på plass 3. Mai var en god måned.",
            ["Han kom på plass 3.", "Mai var en god måned."],
        ),
        (
            "Gibraltar ble erobret i 711. 1309 er året Castilla tok over.",
            ["Gibraltar ble erobret i 711.", "1309 er året Castilla tok over."],
        ),
        # ! ? … and quotes
        (
            "Er du student? Da kan du søke! Fristen er snart.",
            ["Er du student?", "Da kan du søke!", "Fristen er snart."],
        ),
        ("Vent litt… Nå er det klart.", ["Vent litt…", "Nå er det klart."]),
        (
            "Han sa: «Dette er bra.» Så gikk han.",
            ["Han sa: «Dette er bra.»", "Så gikk han."],
        ),
        (
            "Hun spurte: «Kommer du?» Han svarte ja. «Godt», sa hun.",
            ["Hun spurte: «Kommer du?»", "Han svarte ja.", "«Godt», sa hun."],
        ),
        (
            "Tiltaket kalles «Bli med». Det er populært.",
            ["Tiltaket kalles «Bli med».", "Det er populært."],
        ),
        # a dash opening a reply starts a sentence; like a bullet it is not in the span
        (
            "Han er ferdig i klubben. – Jeg er åpen for alt, sier han.",
            ["Han er ferdig i klubben.", "Jeg er åpen for alt, sier han."],
        ),
        ("Klokka 14.00 – 16.00 er det møte.", ["Klokka 14.00 – 16.00 er det møte."]),
        # nynorsk
        (
            "Kva gjer du i dag? Eg les ei bok. Ho er skriven på nynorsk.",
            ["Kva gjer du i dag?", "Eg les ei bok.", "Ho er skriven på nynorsk."],
        ),
        (
            "Høgskulen vart skipa 1. august 1994. Han har om lag 8000 studentar.",
            ["Høgskulen vart skipa 1. august 1994.", "Han har om lag 8000 studentar."],
        ),
        # English
        (
            "Dr. Smith arrived today. He left early! Why? Nobody knows.",
            ["Dr. Smith arrived today.", "He left early!", "Why?", "Nobody knows."],
        ),
        (
            "Use a tool, e.g. Python or Julia. It is free. Mr. Jones agrees.",
            ["Use a tool, e.g. Python or Julia.", "It is free.", "Mr. Jones agrees."],
        ),
        (
            'He said "Stop." Then he left.',
            ['He said "Stop."', "Then he left."],
        ),
        # no boundary is made before a lower-case word, after a number or not
        ("Det var 3. plass og 2. divisjon.", ["Det var 3. plass og 2. divisjon."]),
    ],
)
def test_sentence_boundaries(text, expected):
    assert _sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- Første punkt\n- Andre punkt", ["Første punkt", "Andre punkt"]),
        ("• Søk tidlig.\n• Send inn vedlegg.", ["Søk tidlig.", "Send inn vedlegg."]),
        ("* Stjerne\n– Tankestrek", ["Stjerne", "Tankestrek"]),
        (
            "1. Søk tidlig\n2. Send inn dokumenter\n3) Vent på svar",
            ["Søk tidlig", "Send inn dokumenter", "Vent på svar"],
        ),
        ("a) Først dette\nb) Så dette", ["Først dette", "Så dette"]),
        (
            "Slik gjør du det:\n1. Logg inn. Velg skjema.\n2. Send inn.",
            ["Slik gjør du det:", "Logg inn.", "Velg skjema.", "Send inn."],
        ),
        # an ordinal date at a line start is not a list number
        ("1. januar 2018 trådte loven i kraft.", ["1. januar 2018 trådte loven i kraft."]),
        (
            "Viktige datoer:\n1. januar 2018 kom loven.\n17. mai feirer vi.",
            ["Viktige datoer:", "1. januar 2018 kom loven.", "17. mai feirer vi."],
        ),
        # a bare bullet is not a sentence of its own, and a line break always ends one
        (
            "Overskrift\nTekst uten punktum\n\nNytt avsnitt",
            ["Overskrift", "Tekst uten punktum", "Nytt avsnitt"],
        ),
    ],
)
def test_lists_and_lines(text, expected):
    assert _sentences(text) == expected


@pytest.mark.xfail(strict=True, reason="known limitation: needs more than the next letter")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a single capital before a full stop is taken for an initial
        ("Bruk Python eller R. Det er gratis.", ["Bruk Python eller R.", "Det er gratis."]),
        # an ordinal before a capitalised name looks like a number ending a sentence
        ("Han spiller i 2. Bundesliga i år.", ["Han spiller i 2. Bundesliga i år."]),
    ],
)
def test_known_limitations(text, expected):
    assert _sentences(text) == expected


def test_is_list_item_knows_bullets_and_numbers_but_not_dates():
    text = "Innledning.\n- Punkt en\n2. Punkt to\n1. januar 2018 kom loven."
    starts = {text[a:b]: a for a, b in sentence_spans(text)}
    assert not is_list_item(text, starts["Innledning."])
    assert is_list_item(text, starts["Punkt en"])
    assert is_list_item(text, starts["Punkt to"])
    assert not is_list_item(text, starts["1. januar 2018 kom loven."])


@pytest.mark.parametrize(
    "text",
    [
        "  Innrykk først.   Så mange mellomrom.  \n\n  Og en linje til.\t",
        "Æsj, øl og ål! Ærlig talt? Østlandet.\u00a0Ålesund ligger vest.",
        "- Punkt med æøå\n  • Innrykket punkt\n\n\n3. Tredje punkt",
        "«Sitat.» (Parentes.) [Klammer.] Slutt",
        "",
        "   \n\n  ",
        "Bare ett ord",
    ],
)
def test_spans_are_verbatim_trimmed_and_in_order(text):
    spans = sentence_spans(text)
    previous_end = 0
    for a, b in spans:
        assert previous_end <= a < b <= len(text)
        piece = text[a:b]
        assert piece == piece.strip() and piece
        previous_end = b
    # nothing but whitespace and bullets is left out
    gaps = zip([0] + [b for _, b in spans], [a for a, _ in spans] + [len(text)], strict=True)
    left = "".join(text[a:b] for a, b in gaps)
    assert not re.sub(r"[\s\-•*–]|\d\.", "", left)


def test_norwegian_letters_survive():
    text = "Blåbærsyltetøy på Ærøy. Øystein og Åse går på skøyter."
    assert _sentences(text) == ["Blåbærsyltetøy på Ærøy.", "Øystein og Åse går på skøyter."]


def test_abbreviations_are_lower_case_without_the_final_stop():
    found = abbreviations()
    assert {"f.eks", "bl.a", "kl", "nr", "ca", "dvs", "s", "tlf", "t.d", "m.a"} <= found
    assert all(a == a.lower() and not a.endswith(".") and a.strip() == a for a in found)
    # words that often end a sentence are deliberately not in it
    assert not {"osv", "etc", "m.m"} & found


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Det kom ca. 300 deltakere.", 5),
        ("Prisen er 1.500,50 kr, dvs. 20 % mer.", 7),
        ("Det er 20% mer.", 4),
        ("", 0),
    ],
)
def test_word_count(text, words):
    assert word_count(text) == words


# A sentence "ends" in a 1–2 digit number with a full stop: "25.", "(19.".
_ORDINAL_END = re.compile(r"(?<!\d)\d{1,2}\.$")
_LAST_TOKEN = re.compile(r"(\S+)\.[»\"”)\]]?$")
_INITIALS = re.compile(r"[A-ZÆØÅ](?:\.[A-ZÆØÅ])*")
_DATE = re.compile(
    r"\b\d{1,2}\. (?:januar|februar|mars|april|mai|juni|juli|august|september|oktober"
    r"|november|desember|århundre)\b"
)


@pytest.mark.skipif(not NORQUAD_DOCS, reason="the NorQuAD dev documents are not available")
def test_real_documents_are_never_cut_inside_an_ordinal_date_or_after_an_abbreviation():
    checked = dates = 0
    for path in NORQUAD_DOCS:
        for line in path.read_text("utf-8").split("\n"):
            spans = sentence_spans(line)
            previous_end = 0
            for a, b in spans:
                where = (path.name, line[max(0, a - 40) : b])
                assert previous_end <= a < b <= len(line), where
                assert line[a:b] == line[a:b].strip(), where
                if previous_end:  # a boundary inside the line, after line[:previous_end]
                    before = line[:previous_end]
                    assert not (_ORDINAL_END.search(before) and line[a].islower()), where
                    token = _LAST_TOKEN.search(before)
                    token = token.group(1).lstrip('([«"') if token else ""
                    assert token.lower() not in abbreviations(), where
                    assert not _INITIALS.fullmatch(token), where
                dates += len(_DATE.findall(line[a:b]))
                previous_end = b
                checked += 1
    assert checked > 3000
    assert dates > 20  # the documents do hold ordinal dates, and they were kept whole
