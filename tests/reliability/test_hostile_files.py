"""`python -m ingest` over a folder of one good document and hostile files, with the real
limits: every hostile file is skipped with a Norwegian reason, the good one is indexed,
and the run ends. (tests/test_ingest_cli.py checks the same reasons in-process, with the
limits made small.)"""

import io
import os
import shutil
import socket
import subprocess
import sys

from conftest import ROOT

from ingest.cleaning import MAX_TEXT_CHARS, TOO_MUCH_TEXT
from ingest.index import load_index
from ingest.sources import MAX_FILE_BYTES

DROP_READ_OVERRIDE = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]


def _text_bomb_pdf(chars: int) -> bytes:
    """A PDF of a few tens of KB whose pages all draw one compressed content stream, so its
    text is `chars` characters or more."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    line = ("Tekst om Universitetskommunen TRD3.0 og samarbeidet med NTNU. " * 4)[:200]
    content = StreamObject()
    content.set_data(("BT /F1 10 Tf 72 780 Td 12 TL\n" + f"({line}) '\n" * 50 + "ET").encode())
    writer = PdfWriter()
    stream = writer._add_object(content.flate_encode())
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))  # fmt: skip
    for _ in range(chars // (50 * len(line)) + 2):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Contents")] = stream
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _without_read_override() -> list[str]:
    """A command prefix under which root is refused a file without read permission (its
    capabilities to override that dropped), or [] when that cannot be had here."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return []
    works = subprocess.run([*DROP_READ_OVERRIDE, "true"], capture_output=True)
    return DROP_READ_OVERRIDE if works.returncode == 0 else []


def test_hostile_files_are_skipped_with_a_reason_and_the_good_one_is_indexed(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "god.md").write_text("# God\n\nEn god setning om Universitetskommunen TRD3.0.\n")
    (docs / "borte.md").symlink_to(docs / "finnes-ikke.md")
    (docs / "løkke-a.md").symlink_to(docs / "løkke-b.md")
    (docs / "løkke-b.md").symlink_to(docs / "løkke-a.md")
    (docs / "lukket.md").write_text("# Lukket\n\nEn hemmelig setning.\n")
    (docs / "lukket.md").chmod(0)
    os.mkfifo(docs / "x.md")  # a read would wait for a writer forever
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(docs / "sokkel.md"))
    with (docs / "stor.txt").open("wb") as fh:
        fh.truncate(2 * MAX_FILE_BYTES)  # sparse: no disk used
    (docs / "en-linje.md").write_text("ord " * (3_000_000 // 4))  # 3 MB, one line
    (docs / "bombe.pdf").write_bytes(_text_bomb_pdf(MAX_TEXT_CHARS + 1))
    assert (docs / "bombe.pdf").stat().st_size < 100_000

    prefix = _without_read_override()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRD30_MODEL_CACHE": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "ingest", str(docs), "--index", str(tmp_path / "index"),
               "--model", "hash", "--quiet"]  # fmt: skip
    result = subprocess.run([*prefix, *command], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    reasons = {}
    for line in result.stdout.splitlines():
        if line.startswith(f"  - {docs}/"):
            path, reason = line.removeprefix(f"  - {docs}/").split(": ", 1)
            reasons[path] = reason
    expected = {
        "borte.md": "symbolsk lenke til noe som ikke finnes",
        "løkke-a.md": "symbolske lenker i ring",
        "løkke-b.md": "symbolske lenker i ring",
        "x.md": "ikke en vanlig fil (for eksempel en FIFO, socket eller enhet)",
        "sokkel.md": "ikke en vanlig fil (for eksempel en FIFO, socket eller enhet)",
        "stor.txt": f"for stor ({2 * MAX_FILE_BYTES // 2**20} MB; grensen er "
        f"{MAX_FILE_BYTES // 2**20} MB)",
        "en-linje.md": TOO_MUCH_TEXT,
        "bombe.pdf": TOO_MUCH_TEXT,
    }
    indexed = {"god.md"}
    if prefix or not os.access(docs / "lukket.md", os.R_OK):
        expected["lukket.md"] = "kan ikke leses (mangler lesetilgang)"
    else:  # root with no way to drop its override reads the file, like any other
        indexed.add("lukket.md")
    assert reasons == expected, result.stdout
    assert f"Hoppet over ({len(expected)}):" in result.stdout
    index = load_index(tmp_path / "index")
    assert {chunk.doc_id for chunk in index.chunks} == indexed
    assert "Universitetskommunen" in index.chunks[0].text
