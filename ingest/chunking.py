"""Split documents into chunks of whole sentences that fit the embedding model.

Structure first: every section (text under one heading path, or one PDF page) is chunked
on its own, so no chunk straddles two headings. Within a section, whole sentences
(`sentences.sentence_spans`) are packed into chunks of at most `CHUNK_TOKENS` tokens of
the model's own tokenizer, so a chunk boundary never falls inside a sentence ("25.
februar" stays whole). A single sentence longer than the budget is the only exception: it
is cut with langchain-text-splitters' recursive splitter at commas, then words.

Each chunk carries the spans of its sentences, so the index can store one vector per
sentence and an answer quotes verbatim slices. Chunks do not overlap: the sentence next
to a chunk's edge is found through the neighbouring chunk of the same document instead.

This is the only module that imports langchain_text_splitters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from .documents import SECTION_SEPARATOR, Document
from .sentences import LIST_MARKER, sentence_spans

# Chunk size in model tokens (of the passage text, prompt and specials included).
# Measured with benchmarks/chunk_size.py on ../shared/eval/dev-questions.jsonl and the
# default model: recall of a passage holding the expected phrase among the top 1 / top 3
# (28 in-scope questions), dense alone and hybrid (chunker version 1, 24-token overlap):
#   tokens  chunks  dense@1  dense@3  hybrid@1  hybrid@3
#      64      29    0.786    0.893    0.750     1.000
#      96      18    0.750    0.893    0.786     0.964
#     128      14    0.893    0.964    0.929     1.000
#     160      12    0.893    0.964    0.929     0.964
#     256      10    0.893    0.964    0.929     0.929
# Below ~100 tokens sentences lose their context and dense retrieval drops; above ~160
# passages mix topics and the right one slips out of the top 3. 128 is best here, keeps
# the cited passage short enough to read, and leaves the 512-token window plenty of room.
# Measured again 2026-12-03 on all three development sets with the sentence-level answer
# engine (chunker version 5): each size rebuilt every index, refitted the answer model
# (benchmarks/fit_answer_model.py) and was cross-validated by document
# (benchmarks/cross_validate.py; means over seed, dev2 and NorQuAD):
#   tokens  chunks dev2/NorQuAD  cite@1  answer  answered  refused  right
#      96       78 / 1698         0.822   0.822    0.909    0.770   0.813
#     128       60 / 1242         0.844   0.824    0.908    0.828   0.825
#     192       51 /  807         0.846   0.793    0.902    0.828   0.800
#     256       48 /  638         0.857   0.815    0.903    0.828   0.818
# Larger passages hold the phrase more often (cite@1) but the quoted sentences less often
# (answer); smaller ones lose refusals. 128 stays.
CHUNK_TOKENS = 128
CHUNK_OVERLAP = 0  # in tokens, only inside a sentence too long for one chunk
HEADER_TOKENS = 96  # title + section path prepended for embedding, at most
# Where an overlong sentence is cut (a sentence has no paragraph or line breaks).
SEPARATORS = ["; ", ": ", ", ", " ", ""]
# Bump when the readers or the chunking change what a chunk holds: every index rebuilds.
CHUNKER_VERSION = 5


@dataclass(frozen=True)
class Chunk:
    """A passage of one document: what is cited and shown, with its provenance."""

    chunk_id: str
    doc_id: str
    title: str
    section: str
    url: str
    updated: str
    lang: str
    page: int | None
    position: int
    text: str
    sentences: tuple[tuple[int, int], ...] = ()  # spans of its sentences in `text`
    # Each sentence in the other written standard (a nynorsk one in bokmål, by
    # `ingest.written`), for the lexical search only; empty when there is none.
    variants: tuple[str, ...] = ()

    def embedding_text(self) -> str:
        """What the model embeds: title and section path give the passage its context."""
        head = self.title if not self.section else f"{self.title}{SECTION_SEPARATOR}{self.section}"
        return f"{head}\n\n{self.text}" if head else self.text

    def lexical_text(self) -> str:
        """What BM25 reads: the embedded text and its sentences in the other standard."""
        return "\n".join([self.embedding_text(), *self.variants])

    def variant(self, sentence: int) -> str:
        """The sentence in the other written standard, or "" when there is none."""
        return self.variants[sentence] if sentence < len(self.variants) else ""

    def to_record(self) -> dict:
        return asdict(self)

    def sentence_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.sentences]

    def sentence_embedding_texts(self) -> list[str]:
        """What the model embeds for each sentence: read with its heading (or the title),
        "Konferansen …" under "Arena Unikom"."""
        heading = self.section.rsplit(SECTION_SEPARATOR, 1)[-1] if self.section else self.title
        return [f"{heading}: {t}" if heading and t != heading else t for t in self.sentence_texts()]

    @classmethod
    def from_record(cls, record: dict) -> Chunk:
        fields = {k: record.get(k) for k in cls.__dataclass_fields__}
        fields["sentences"] = tuple(tuple(span) for span in record.get("sentences") or ())
        fields["variants"] = tuple(record.get("variants") or ())
        return cls(**fields)


def chunker_settings(chunk_tokens: int = CHUNK_TOKENS, overlap: int = CHUNK_OVERLAP) -> dict:
    """The settings the manifest records: a change to any of them rebuilds the index."""
    return {
        "chunk_tokens": chunk_tokens,
        "chunk_overlap": overlap,
        "header_tokens": HEADER_TOKENS,
        "separators": SEPARATORS,
        "version": CHUNKER_VERSION,
    }


def chunk_document(
    doc: Document,
    count_tokens: Callable[[str], int],
    chunk_tokens: int = CHUNK_TOKENS,
    overlap: int = CHUNK_OVERLAP,
) -> list[Chunk]:
    """The document's chunks in reading order, each within `chunk_tokens` tokens."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter  # slow to import

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_tokens,
        chunk_overlap=overlap,
        length_function=count_tokens,
        separators=SEPARATORS,
        keep_separator="end",
        strip_whitespace=True,
    )
    chunks: list[Chunk] = []
    for section in doc.sections:
        text = section.text.strip()
        if not text:
            continue
        if section.path:
            # The heading is the source's own words and often what a question names.
            text = f"{section.path[-1]}\n\n{text}"
        for a, b in _pack(text, count_tokens, chunk_tokens, splitter):
            piece = text[a:b]
            position = len(chunks)
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.doc_id}#{position}",
                    doc_id=doc.doc_id,
                    title=_clip(doc.title, count_tokens),
                    section=_clip(section.heading, count_tokens),
                    url=doc.url,
                    updated=doc.updated,
                    lang=doc.lang,
                    page=section.page,
                    position=position,
                    text=piece,
                    sentences=tuple(sentence_spans(piece)),
                )
            )
    return chunks


def _pack(text, count_tokens, budget, splitter) -> list[tuple[int, int]]:
    """Spans of `text` made of whole sentences, each within `budget` tokens."""
    units: list[tuple[int, int]] = []
    previous_end = 0
    for a, b in sentence_spans(text):
        raw = previous_end  # where the sentence starts before its bullet or dash is trimmed
        while raw < a and text[raw].isspace():
            raw += 1
        previous_end = b
        marker = LIST_MARKER.match(text, raw)
        if marker and marker.end() == a:  # the bullet, number or dash belongs to its item
            a = raw
        if count_tokens(text[a:b]) <= budget:
            units.append((a, b))
        else:
            units.extend(_cut(text, a, b, splitter))
    out: list[tuple[int, int]] = []
    for a, b in units:
        if out and count_tokens(text[out[-1][0] : b]) <= budget:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _cut(text: str, a: int, b: int, splitter) -> list[tuple[int, int]]:
    """An overlong sentence in pieces (verbatim offsets), cut by the recursive splitter."""
    pieces, cursor = [], a
    for piece in splitter.split_text(text[a:b]):
        start = text.find(piece, cursor, b)
        if start < 0:
            continue
        pieces.append((start, start + len(piece)))
        cursor = start + len(piece)
    return pieces or [(a, b)]


def _clip(text: str, count_tokens: Callable[[str], int], budget: int = HEADER_TOKENS // 2) -> str:
    """Shorten an overlong title or heading path so the embedded text still fits."""
    while text and count_tokens(text) > budget:
        text = text[: int(len(text) * 0.8)].rstrip() + "…"
    return text
