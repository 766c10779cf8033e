"""What one ingest takes over from the previous generation without reading it: the
documents of the sources it keeps, and of folder sources that are not there at all.

A document read now replaces a carried one with the same id (with a line saying so). A
web source whose sitemap failed keeps its skipped pages too (its pages were not asked
for). The pipeline then reuses the carried documents' chunks and vectors as they are.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from .gather import Candidate, Gathered
from .sourceconfig import Source, document_origin


@dataclass(frozen=True)
class Carried:
    """`documents` and `skips`: manifest entries by id, carried over; `kept`: (source,
    reason) for the report's «Beholdt»; `skipped`: lines for «Hoppet over»; `held`: the
    sources the new generation holds (a missing one with nothing to keep is not)."""

    documents: dict[str, dict]
    skips: dict[str, dict]
    kept: list[tuple[str, str]]
    skipped: list[tuple[str, str]]
    held: list[Source]


def carry_over(
    manifest: dict | None,
    read: Sequence[Source],
    keep: Sequence[Source],
    gathered: Gathered,
    found: Sequence[Candidate],
) -> Carried:
    """What to carry from `manifest` (None: nothing can be reused) into this run."""
    manifest = manifest or {}
    origins = {s.location for s in [*keep, *gathered.missing]}
    unlisted = {s.location for s in gathered.unlisted}
    documents = {d: {**e, "origin": document_origin(e, d)}
                 for d, e in manifest.get("documents", {}).items()
                 if document_origin(e, d) in origins}  # fmt: skip
    skips = {}
    for key, entry in manifest.get("skipped", {}).items():
        origin = document_origin(entry, key)
        if origin in origins or ("://" in key and origin in unlisted):  # a page not asked for
            skips[key] = {**entry, "origin": origin}
    skipped, kept = [], list(gathered.kept)
    for src in found:
        if src.doc_id in documents:
            entry = documents.pop(src.doc_id)
            where = os.path.join(Source(entry["origin"]).label, entry.get("source", src.doc_id))
            skipped.append((where, f"erstattet av {src.path}, som har samme dokument-id"))
        skips.pop(src.doc_id, None)
    empty = set()
    for source in gathered.missing:
        count = sum(1 for e in documents.values() if e["origin"] == source.location)
        if count:
            kept.append((source.label, f"finnes ikke; dokumentene herfra ({count}) fra forrige "
                         "innlesing beholdes (ta kilden ut med --forget)"))  # fmt: skip
        else:
            skipped.append((source.label, "finnes ikke"))
            empty.add(source)
    held = [s for s in read if s not in empty] + [s for s in keep if s not in read]
    return Carried(documents, skips, kept, skipped, held)
