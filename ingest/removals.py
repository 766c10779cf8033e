"""The removal guard: an ingest may not remove more than a share of the index's documents
at once unless told to (--allow-removals), like rsync's --max-delete.

A source folder that was moved or emptied, a sitemap that lists nothing, a typo in
sources.toml: each would otherwise empty the index in one run. One document may always
go, so a small index can still lose its one outdated file.
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import TooManyRemovals

MAX_REMOVED_SHARE = 0.25  # sources.toml's max_removed_share overrides it
_LISTED = 20  # the message names this many of the documents


def check_removals(removed: Sequence[str], total: int, share: float) -> None:
    """Raise `TooManyRemovals` when `removed` is more than one document and more than
    `share` of the `total` the index held (rsync's --max-delete, as a share)."""
    if len(removed) <= max(1, share * total):
        return
    listing = "".join(f"\n  - {doc_id}" for doc_id in removed[:_LISTED])
    if len(removed) > _LISTED:
        listing += f"\n  … og {len(removed) - _LISTED} til"
    raise TooManyRemovals(
        f"Innlesingen ville fjerne {len(removed)} av {total} dokumenter, mer enn grensen på "
        f"{share * 100:g} %, så indeksen er ikke endret. Disse ville blitt fjernet:{listing}\n"
        "Sjekk at ingen kildemappe er flyttet eller tømt og at nettstedene svarer. Skal de "
        "fjernes, kjør på nytt med --allow-removals."
    )
