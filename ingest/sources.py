"""Find the source files: folders walked in sorted order, hidden files skipped, and every
file of a kind no reader supports reported with its reason.

Kept apart from the readers so a run that finds nothing changed (a no-op ingest) never
imports a parser.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

SUPPORTED_SUFFIXES = {".html", ".htm", ".md", ".markdown", ".txt", ".pdf", ".docx"}


def find_sources(
    paths: Sequence[Path],
) -> tuple[list[tuple[Path, Path]], list[tuple[str, str]]]:
    """Expand files and folders into (file, root) pairs, plus (path, reason) for skipped ones.

    Folders are searched recursively in sorted order, skipping hidden files and folders;
    their root is the folder itself. A file's root is its parent folder.
    """
    found: list[tuple[Path, Path]] = []
    skipped: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for given in map(Path, paths):
        if given.is_dir():
            candidates = [(file, given) for file in _files_under(given)]
        elif given.is_file():
            candidates = [(given, given.parent)]
        else:
            skipped.append((str(given), "finnes ikke"))
            continue
        for file, root in candidates:
            if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                skipped.append((str(file), unsupported_reason(file)))
            elif file.resolve() not in seen:
                seen.add(file.resolve())
                found.append((file, root))
    return found, skipped


def _files_under(folder: Path) -> list[Path]:
    files = []
    for current, dirnames, filenames in os.walk(folder):
        dirnames[:] = [name for name in dirnames if not _is_hidden(name)]
        files.extend(Path(current, name) for name in filenames if not _is_hidden(name))
    return sorted(files, key=lambda file: file.relative_to(folder).parts)


def _is_hidden(name: str) -> bool:
    return name.startswith(".") or name.startswith("~$")  # ~$ = Word's lock files


def unsupported_reason(path: Path) -> str:
    if not path.suffix:
        return "filtypen støttes ikke (ingen filendelse)"
    return f"filtypen {path.suffix} støttes ikke"
