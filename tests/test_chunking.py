import json
import re

from ingest.chunking import Chunk, chunk_document
from ingest.documents import Document, Section
from ingest.embedding import HashEmbedder
from ingest.sentences import sentence_spans

count = HashEmbedder().count_tokens


def _doc(sections):
    return Document(doc_id="a.md", title="Tittel", sections=tuple(sections), content_hash="x")


def _words(text):
    return re.findall(r"\w+", text)


def test_section_paths_are_kept_and_headings_start_their_first_chunk():
    doc = _doc(
        [
            Section((), "Innledning om samarbeidet."),
            Section(
                ("Nye måter", "Kombinerte og delte stillinger"), "Kombinerte stillinger er viktige."
            ),
        ]
    )
    chunks = chunk_document(doc, count, chunk_tokens=50, overlap=0)
    assert [c.section for c in chunks] == ["", "Nye måter › Kombinerte og delte stillinger"]
    assert chunks[1].text.startswith("Kombinerte og delte stillinger\n\n")
    assert chunks[1].chunk_id == "a.md#1" and chunks[1].position == 1


def test_no_chunk_exceeds_the_token_limit_and_all_text_is_kept():
    sentences = [f"Setning nummer {i} handler om æøå og forskning i kommunen." for i in range(200)]
    body = " ".join(sentences[:100]) + "\n\n" + "\n".join(sentences[100:])
    doc = _doc([Section(("Lang seksjon",), body)])
    chunks = chunk_document(doc, count, chunk_tokens=60, overlap=10)
    assert len(chunks) > 10
    assert all(count(c.text) <= 60 for c in chunks)
    joined = " ".join(c.text for c in chunks)
    for sentence in sentences:
        assert sentence in joined
    # every word of the source, in order, is covered (overlap may repeat some)
    assert set(_words(body)) <= set(_words(joined))


def test_pdf_pages_travel_with_chunks():
    doc = _doc([Section((), "Første side.", page=1), Section((), "Andre side.", page=2)])
    assert [c.page for c in chunk_document(doc, count)] == [1, 2]


def test_embedding_text_adds_title_and_section_but_text_is_the_source():
    doc = _doc([Section(("Del",), "Kildens egne ord.")])
    chunk = chunk_document(doc, count)[0]
    assert chunk.text == "Del\n\nKildens egne ord."
    assert chunk.embedding_text().startswith("Tittel › Del\n\n")
    assert Chunk.from_record(chunk.to_record()) == chunk


def _word_tokens(text):
    return len(text.split())


_MONTHS = "januar februar mars april mai juni juli august september oktober november desember"
_DATE = re.compile(rf"\b\d{{1,2}}\. (?:{'|'.join(_MONTHS.split())}) \d{{4}}")


def _dated_text(n=60):
    """A long Norwegian section in which nearly every sentence holds an ordinal date."""
    months = _MONTHS.split()
    out = []
    for i in range(n):
        day, month, year = i % 28 + 1, months[i % 12], 1990 + i
        out.append(
            f"Styret møttes {day}. {month} {year} kl. 10.00 i rom nr. {i}, og vedtok bl.a. "
            f"{'en ny plan' if i % 3 else 'ca. 300 tiltak, f.eks. nye stier'}."
        )
        if i % 7 == 6:
            out.append(f"Det {i // 7 + 1}. møtet i det 20. århundre var kort!")
    return " ".join(out[: n // 2]) + "\n\n" + " ".join(out[n // 2 :])


def _offsets(full, chunks):
    """Where each chunk's text sits in the section text (chunks are verbatim, in order)."""
    spans, cursor = [], 0
    for chunk in chunks:
        start = full.index(chunk.text, cursor)
        spans.append((start, start + len(chunk.text)))
        cursor = start + len(chunk.text)
    return spans


def test_chunk_boundaries_fall_between_sentences_and_keep_dates_whole():
    body = _dated_text()
    doc = _doc([Section(("Møter i styret",), body)])
    chunks = chunk_document(doc, _word_tokens, chunk_tokens=40)
    full = f"Møter i styret\n\n{body}"
    sentences = sentence_spans(full)
    assert len(chunks) > 10 and len(sentences) > 60
    assert all(_word_tokens(c.text) <= 40 for c in chunks)
    starts, ends = {a for a, _ in sentences}, {b for _, b in sentences}
    for a, b in _offsets(full, chunks):
        assert a in starts, full[a : a + 40]  # no chunk starts mid-sentence
        assert b in ends, full[b - 40 : b]  # every chunk ends where a sentence ends
    # together the chunks hold every sentence of the section exactly once, in order
    assert [t for c in chunks for t in c.sentence_texts()] == [full[a:b] for a, b in sentences]
    # no ordinal date ("25. februar 2018", "20. århundre") is split between two chunks
    dates = _DATE.findall(full)
    assert len(dates) == 60
    assert sum(len(_DATE.findall(c.text)) for c in chunks) == len(dates)
    assert sum(c.text.count("20. århundre") for c in chunks) == full.count("20. århundre") > 5


def test_only_a_sentence_longer_than_the_budget_is_cut():
    short = [
        "Fristen er 1. mars 2024.",
        "Søknaden sendes inn digitalt.",
        "Svar kommer innen 15. april.",
        "Ta kontakt med oss på tlf. 73 59 50 00!",
    ]
    long = (
        "Ordningen gjelder for alle ansatte i kommunen, for studenter ved universitetet, "
        "for forskere ved instituttene og for alle som deltar i samarbeidet om byutvikling, "
        "helse, utdanning og kultur fra 1. januar 2018 og fram til 31. desember 2025."
    )
    assert _word_tokens(long) > 20
    body = " ".join(short[:2] + [long] + short[2:])
    chunks = chunk_document(_doc([Section((), body)]), _word_tokens, chunk_tokens=20)
    assert all(_word_tokens(c.text) <= 20 for c in chunks)
    texts = [t for c in chunks for t in c.sentence_texts()]
    for sentence in short:
        assert texts.count(sentence) == 1  # every short sentence is whole, in one chunk
    assert long not in texts and not any(long in c.text for c in chunks)
    pieces = [t for t in texts if t not in short]
    assert len(pieces) > 1 and " ".join(pieces) == long  # the long one, cut, loses nothing
    assert texts == short[:2] + pieces + short[2:]


def test_chunk_sentence_spans_slice_the_chunk_text_to_its_sentences():
    body = (
        "Søknadsfristen er 25. februar 2018. Svar kommer kl. 14.00! Hva trenger du?\n"
        "- Vitnemål fra J. R. R. Tolkien\n"
        "- Pass, f.eks. norsk pass"
    )
    chunk = chunk_document(_doc([Section(("Opptak", "Frister"), body)]), _word_tokens)[0]
    assert chunk.text == "Frister\n\n" + body
    assert all(isinstance(a, int) and isinstance(b, int) for a, b in chunk.sentences)
    assert [chunk.text[a:b] for a, b in chunk.sentences] == chunk.sentence_texts()
    assert chunk.sentence_texts() == [
        "Frister",
        "Søknadsfristen er 25. februar 2018.",
        "Svar kommer kl. 14.00!",
        "Hva trenger du?",
        "Vitnemål fra J. R. R. Tolkien",
        "Pass, f.eks. norsk pass",
    ]
    assert list(chunk.sentences) == sorted(chunk.sentences)
    # each sentence is embedded read under its own heading; the heading itself stays bare
    embedded = chunk.sentence_embedding_texts()
    assert (
        embedded[0] == "Frister" and embedded[1] == "Frister: Søknadsfristen er 25. februar 2018."
    )


def test_chunk_round_trips_through_its_record_with_its_spans():
    body = "Første setning. Andre setning med æøå! Tredje?"
    chunk = chunk_document(_doc([Section(("Del",), body)]), _word_tokens)[0]
    assert len(chunk.sentences) == 4
    record = json.loads(json.dumps(chunk.to_record(), ensure_ascii=False))
    assert record["sentences"] == [list(span) for span in chunk.sentences]  # JSON has lists
    restored = Chunk.from_record(record)
    assert restored == chunk
    assert restored.sentences == chunk.sentences and isinstance(restored.sentences[0], tuple)
    assert restored.sentence_texts() == [
        "Del",
        "Første setning.",
        "Andre setning med æøå!",
        "Tredje?",
    ]
    # a record without spans (written before sentences were stored) has none
    del record["sentences"]
    assert Chunk.from_record(record).sentences == ()
