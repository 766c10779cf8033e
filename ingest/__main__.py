"""`python -m ingest SOURCE... --index DIR [--model NAME_OR_PATH]`: build or update the index."""

from __future__ import annotations

import sys
from pathlib import Path

from .cli import NorwegianArgumentParser
from .config import settings_from_env
from .embedding import load_embedder, quiet_libraries
from .errors import IngestError
from .pipeline import IngestReport, run_ingest

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
    parser.add_argument("sources", nargs="+", type=Path, help="filer eller mapper å lese inn")
    parser.add_argument("--index", type=Path, default=settings.index_dir, help="indeksmappe")
    parser.add_argument("--model", default=settings.model, help="modellnavn eller -sti")
    parser.add_argument("--quiet", action="store_true", help="ingen fremdriftslinje")
    args = parser.parse_args(argv)
    quiet_libraries()

    try:
        report = run_ingest(
            args.sources,
            args.index,
            args.model,
            lambda: load_embedder(args.model, settings.model_cache),
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
        f"Dokumenter: {report.documents}   Tekstbiter: {report.chunks}   "
        f"Nye innbygginger: {report.embedded} (+{report.embedded_sentences} setninger)   "
        f"Tid: {report.seconds:.1f} s",
    ]
    for label, ids in (("Nye", report.added), ("Endret", report.changed),
                       ("Fjernet", report.removed)):  # fmt: skip
        if ids:
            lines.append(f"{label}: {', '.join(ids)}")
    if report.skipped:
        lines.append(f"Hoppet over ({len(report.skipped)}):")
        lines += [f"  - {path}: {reason}" for path, reason in report.skipped]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
