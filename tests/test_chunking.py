import re

from ingest.chunking import Chunk, chunk_document
from ingest.documents import Document, Section
from ingest.embedding import HashEmbedder

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
