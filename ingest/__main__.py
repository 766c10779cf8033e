"""`python -m ingest [SOURCE...] --index DIR [--model NAME_OR_PATH]`: build or update the index.

Without sources it reads the ones in sources.toml (and those the index recorded); with
sources it reads only those and keeps the others' documents (`ingest.sourceplan`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .cli import NorwegianArgumentParser
from .config import settings_from_env
from .embedding import load_embedder, quiet_libraries
from .errors import IngestError
from .pipeline import IngestReport
from .sourceconfig import CONFIG_FILE, load_sources_config, parse_source
from .sourceplan import configured_ingest

STATUS_TEXT = {
    "unchanged": "uendret (ingen dokumenter er endret, modellen ble ikke lastet)",
    "updated": "oppdatert",
    "rebuilt": "bygd på nytt",
}


def main(argv: list[str] | None = None) -> int:
    settings = settings_from_env()
    parser = NorwegianArgumentParser(
        prog="python -m ingest", description="Les inn dokumenter og bygg søkeindeksen."
    )
    parser.add_argument(
        "sources",
        nargs="*",
        metavar="KILDE",
        help="mapper, filer eller nettadresser (en sitemap eller sider) å lese "
        f"inn; uten: kildene i {CONFIG_FILE} og de indeksen har fra før",
    )
    parser.add_argument("--index", type=Path, default=settings.index_dir, help="indeksmappe")
    parser.add_argument("--model", default=settings.model, help="modellnavn eller -sti")
    parser.add_argument(
        "--sources",
        dest="config",
        type=Path,
        metavar="FIL",
        help=f"kildelisten (standard: {CONFIG_FILE} i mappen du står i)",
    )
    parser.add_argument(
        "--forget",
        action="append",
        default=[],
        metavar="KILDE",
        help="ta en kilde og dokumentene fra den ut av indeksen",
    )
    parser.add_argument(
        "--allow-removals",
        action="store_true",
        help="fjern dokumenter selv om det er mange på én gang",
    )
    parser.add_argument("--quiet", action="store_true", help="ingen fremdriftslinje")
    args = parser.parse_args(argv)  # fmt: skip
    quiet_libraries()

    try:
        config = load_sources_config(args.config or Path(CONFIG_FILE), required=bool(args.config))
        report = configured_ingest(
            config,
            args.index,
            args.model,
            lambda: load_embedder(args.model, settings.model_cache),
            given=[parse_source(s) for s in args.sources],
            forget=[parse_source(s) for s in args.forget],
            allow_removals=args.allow_removals,
            progress=not args.quiet,
        )
    except IngestError as err:
        print(f"Feil: {err}", file=sys.stderr)
        return 1
    print(format_report(report, args.index))
    return 0


def format_report(report: IngestReport, index_dir: Path) -> str:
    lines = [
        f"Indeks: {index_dir} ({report.generation}) – {STATUS_TEXT[report.status]}",
        *([f"Kilder: {', '.join(report.sources)}"] if report.sources else []),
        f"Dokumenter: {report.documents}   Tekstbiter: {report.chunks}   "
        f"Nye innbygginger: {report.embedded} (+{report.embedded_sentences} setninger)   "
        f"Tid: {report.seconds:.1f} s",
    ]
    for label, ids in (("Nye", report.added), ("Endret", report.changed),
                       ("Fjernet", report.removed)):  # fmt: skip
        if ids:
            lines.append(f"{label}: {', '.join(ids)}")
    if report.dropped_sources:
        lines.append(f"Kilder tatt ut: {', '.join(report.dropped_sources)}")
    if report.kept:
        lines.append(f"Beholdt fra forrige innlesing ({len(report.kept)}):")
        lines += [f"  - {where}: {reason}" for where, reason in report.kept]
    if report.skipped:
        lines.append(f"Hoppet over ({len(report.skipped)}):")
        lines += [f"  - {path}: {reason}" for path, reason in report.skipped]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
