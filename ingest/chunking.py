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
# XXX-MEASURE Measured on ../shared/eval/dev-questions.jsonl with the default model, dense retrieval
# alone (recall@1 / recall@3 of a passage holding the expected phrase, 28 in-scope questions):
#   96 tokens: 0.82 / 0.96    128: 0.82 / 0.96    192: 0.79 / 0.96    256: 0.79 / 0.96
#   384: 0.75 / 0.93
# Smaller chunks keep citations precise and the quoted sentence easy to find; below ~100
# tokens sentences start to lose their context. 160 sits in the flat top of the curve and
# leaves room for the title and section path inside the 512-token window.
CHUNK_TOKENS = 160
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
