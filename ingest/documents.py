"""The `Document` every reader returns: cleaned text in sections, plus metadata.

A reader's job ends here; chunking and embedding happen elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SECTION_SEPARATOR = " › "


@dataclass(frozen=True)
class Section:
    """A run of body text under one heading path (and, for PDFs, on one page)."""

    path: tuple[str, ...]
    text: str
    page: int | None = None

    @property
    def heading(self) -> str:
        return SECTION_SEPARATOR.join(self.path)


@dataclass(frozen=True)
class Document:
    """One source file, cleaned of page furniture.

    `doc_id` is the file's path relative to the folder it was found in (POSIX slashes);
    `content_hash` is the SHA-256 of the raw bytes; `updated` is an ISO date
    (YYYY-MM-DD) or ""; `lang` is "nb", "nn" or "en".
    """

    doc_id: str
    title: str
    sections: tuple[Section, ...]
    content_hash: str
    url: str = ""
    updated: str = ""
    lang: str = "nb"
    source: str = field(default="", compare=False)

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.sections if s.text)
