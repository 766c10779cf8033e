"""Which sources one ingest reads, which it keeps as they are, and which it drops.

The rules (README, "Adding documents"):

- Sources on the command line (`python -m ingest more-documents/`): only those are read
  and they are recorded in the manifest; every other source the index holds keeps its
  documents as they are.
- No sources on the command line (`make run`, `python -m ingest`, the app's first
  start): sources.toml's sources are read, and so are the command-line sources the index
  recorded. A source taken out of sources.toml has its documents removed.
- `--forget SOURCE` drops a command-line source and its documents.
- An index written before sources were recorded keeps the documents of folders that are
  not in sources.toml as they are, unread, until they are given again or forgotten.

Every removal still passes the removal guard (`ingest.removals`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import index as index_store
from .embedding import Embedder
from .errors import SourcesConfigError
from .pipeline import IngestReport, run_ingest
from .sourceconfig import (
    CONFIG_FILE,
    VIA_COMMAND_LINE,
    VIA_CONFIG,
    Source,
    SourcesConfig,
    recorded_sources,
)


@dataclass(frozen=True)
class SourcePlan:
    """`read`: sources read this run; `keep`: sources whose documents are carried over
    unread. A recorded source in neither is dropped, with its documents."""

    read: tuple[Source, ...]
    keep: tuple[Source, ...] = ()


def plan_sources(
    config: SourcesConfig,
    recorded: Sequence[Source],
    given: Sequence[Source] = (),
    forget: Sequence[Source] = (),
) -> SourcePlan:
    """The plan for one run (see the module's rules); a `forget` that cannot be done, or a
    run with no source at all, is a `SourcesConfigError`."""
    configured = {s.location for s in config.sources}
    file = config.path or CONFIG_FILE
    for source in forget:
        if source.location in configured:
            raise SourcesConfigError(
                f"{source.label} står i {file}: ta den ut der, så fjernes dokumentene herfra "
                "ved neste innlesing."
            )
        if source not in recorded:
            known = ", ".join(s.label for s in recorded) or "ingen"
            raise SourcesConfigError(
                f"{source.label} er ikke en kilde i indeksen, så det er ingenting å glemme. "
                f"Indeksens kilder: {known}."
            )
    gone = set(forget)
    if given:
        read = tuple(
            Source(s.location, VIA_CONFIG if s.location in configured else VIA_COMMAND_LINE)
            for s in dict.fromkeys(given)
        )
        keep = tuple(s for s in recorded if s not in read and s not in gone)
        return SourcePlan(read, keep)
    extra = [s for s in recorded if s.location not in configured and s not in gone]
    read = config.sources + tuple(s for s in extra if s.via == VIA_COMMAND_LINE)
    keep = tuple(s for s in extra if s.via not in (VIA_COMMAND_LINE, VIA_CONFIG))
    if not read and not keep:
        raise SourcesConfigError(
            f"Ingen kilder å lese inn: {file} finnes ikke eller lister ingen, og indeksen har "
            "ingen fra før. Skriv mappene og nettstedene i sources.toml, eller oppgi dem: "
            "python -m ingest corpus --index index"
        )
    return SourcePlan(read, keep)


def configured_ingest(
    config: SourcesConfig,
    index_dir: Path,
    model_name: str,
    embedder_factory: Callable[[], Embedder],
    *,
    given: Sequence[Source] = (),
    forget: Sequence[Source] = (),
    allow_removals: bool = False,
    progress: bool = False,
) -> IngestReport:
    """Plan the run from `config` and the index's recorded sources, and ingest it: what
    `python -m ingest`, `make run` and the app's first start do."""
    recorded = recorded_sources(index_store.read_manifest(index_dir))
    plan = plan_sources(config, recorded, given, forget)
    return run_ingest(
        plan.read,
        index_dir,
        model_name,
        embedder_factory,
        progress,
        keep_sources=plan.keep,
        allow_removals=allow_removals,
        max_removed_share=config.max_removed_share,
        web=config.web,
    )
