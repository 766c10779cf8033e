"""Find the source files: folders walked in sorted order, hidden files skipped, and every
file of a kind no reader supports reported with its reason.

Kept apart from the readers so a run that finds nothing changed (a no-op ingest) never
imports a parser.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from pathlib import Path

SUPPORTED_SUFFIXES = {".html", ".htm", ".md", ".markdown", ".txt", ".pdf", ".docx"}
# A programme document is far smaller: the largest in the development sets is 48 KB, a
# 300-page report as PDF a few MB. Bigger files are skipped with a line instead of
# exhausting memory (a 200 MB text file passed 8 GB before embedding).
MAX_FILE_BYTES = 25 * 1024 * 1024


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
        elif os.path.lexists(given):
            candidates = [(given, given.parent)]
        else:
            skipped.append((str(given), "finnes ikke"))
            continue
        for file, root in candidates:
            if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                skipped.append((str(file), unsupported_reason(file)))
                continue
            problem = unusable_reason(file)
            if problem:
                skipped.append((str(file), problem))
                continue
            real = file.resolve()
            if real not in seen:
                seen.add(real)
                found.append((file, root))
    return found, skipped


def unusable_reason(path: Path) -> str:
    """Why a file cannot be read safely ("" when it can): a dangling symlink or a loop,
    no permission, not a regular file (a FIFO would hang the read), too big."""
    try:
        info = path.stat()  # follows symlinks
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "symbolske lenker i ring"
        if err.errno == errno.ENOENT and path.is_symlink():
            return "symbolsk lenke til noe som ikke finnes"
        return f"kan ikke leses ({err.strerror or err})"
    if not stat.S_ISREG(info.st_mode):
        return "ikke en vanlig fil (for eksempel en FIFO, socket eller enhet)"
    if not os.access(path, os.R_OK):
        return "kan ikke leses (mangler lesetilgang)"
    if info.st_size > MAX_FILE_BYTES:
        return (f"for stor ({info.st_size / 1024 / 1024:.0f} MB; grensen er "
                f"{MAX_FILE_BYTES // 1024 // 1024} MB)")  # fmt: skip
    return ""


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
