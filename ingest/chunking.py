"""Split documents into chunks that fit the embedding model, keeping where they came from.

Structure first: every section (text under one heading path, or one PDF page) is chunked
on its own, so no chunk straddles two headings. A section longer than the budget is split
with langchain-text-splitters' recursive splitter, measured in tokens of the embedding
model's own tokenizer, at paragraph, line, sentence and finally word boundaries.

This is the only module that imports langchain_text_splitters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .documents import SECTION_SEPARATOR, Document

# Chunk size in model tokens (of the passage text, prompt and specials included).
# Measured with benchmarks/chunk_size.py on ../shared/eval/dev-questions.jsonl and the
# default model: recall of a passage holding the expected phrase among the top 1 / top 3
# (28 in-scope questions), dense alone and hybrid:
#   tokens  chunks  dense@1  dense@3  hybrid@1  hybrid@3
#      64      29    0.786    0.893    0.750     1.000
#      96      18    0.750    0.893    0.786     0.964
#     128      14    0.893    0.964    0.929     1.000
#     160      12    0.893    0.964    0.929     0.964
#     256      10    0.893    0.964    0.929     0.929
# Below ~100 tokens sentences lose their context and dense retrieval drops; above ~160
# passages mix topics and the right one slips out of the top 3. 128 is best here, keeps
# the cited passage short enough to read, and leaves the 512-token window plenty of room.
CHUNK_TOKENS = 128
CHUNK_OVERLAP = 24
HEADER_TOKENS = 96  # title + section path prepended for embedding, at most
SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ": ", ", ", " ", ""]


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

    def embedding_text(self) -> str:
        """What the model embeds: title and section path give the passage its context."""
        head = self.title if not self.section else f"{self.title}{SECTION_SEPARATOR}{self.section}"
        return f"{head}\n\n{self.text}" if head else self.text

    def to_record(self) -> dict:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict) -> Chunk:
        return cls(**{k: record.get(k) for k in cls.__dataclass_fields__})


def chunker_settings(chunk_tokens: int = CHUNK_TOKENS, overlap: int = CHUNK_OVERLAP) -> dict:
    """The settings the manifest records: a change to any of them rebuilds the index."""
    return {
        "chunk_tokens": chunk_tokens,
        "chunk_overlap": overlap,
        "header_tokens": HEADER_TOKENS,
        "separators": SEPARATORS,
        "version": 1,
    }


def chunk_document(
    doc: Document,
    count_tokens: Callable[[str], int],
    chunk_tokens: int = CHUNK_TOKENS,
    overlap: int = CHUNK_OVERLAP,
) -> list[Chunk]:
    """The document's chunks in reading order, each within `chunk_tokens` tokens."""
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
        pieces = [text] if count_tokens(text) <= chunk_tokens else splitter.split_text(text)
        for piece in pieces:
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
                )
            )
    return chunks


def _clip(text: str, count_tokens: Callable[[str], int], budget: int = HEADER_TOKENS // 2) -> str:
    """Shorten an overlong title or heading path so the embedded text still fits."""
    while text and count_tokens(text) > budget:
        text = text[: int(len(text) * 0.8)].rstrip() + "…"
    return text
