"""Sources as configuration: sources.toml, the sources an index records, and the removal guard.

Reproduces the drop of the issue: documents ingested from a second folder beside corpus/
were silently removed by the next `make run`, which re-ingested corpus/ only.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT

from ingest import integrity
from ingest.__main__ import main
from ingest.embedding import HashEmbedder
from ingest.errors import SourcesConfigError, TooManyRemovals
from ingest.index import CURRENT, MANIFEST, read_manifest
from ingest.pipeline import run_ingest
from ingest.removals import check_removals
from ingest.sourceconfig import (
    VIA_COMMAND_LINE,
    VIA_CONFIG,
    Source,
    load_sources_config,
    parse_source,
)
from ingest.sourceplan import configured_ingest, plan_sources


def _doc(folder, name, body):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {name}\nupdated: 2024-01-02\n---\n\n## Del\n\n{body}\n", "utf-8")
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder as the README has it: corpus/ in sources.toml, more-documents/ beside."""
    _doc(tmp_path / "corpus", "a.md", "Kombinerte stillinger i kommunen.")
    _doc(tmp_path / "more-documents", "b.md", "Arena Unikom ble arrangert høsten 2019.")
    _doc(tmp_path / "more-documents", "c.md", "Helseplattformen ble tatt i bruk i 2022.")
    (tmp_path / "sources.toml").write_text('sources = ["corpus"]\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _cli(capsys, *args):
    code = main([*map(str, args), "--index", "index", "--model", "hash", "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


def _documents(index_dir="index"):
    return set(read_manifest(Path(index_dir))["documents"])


# ------------------------------------------------------------------------- sources.toml


def test_sources_toml_lists_folders_and_web_sources(tmp_path):
    path = tmp_path / "conf" / "sources.toml"
    path.parent.mkdir()
    path.write_text(
        'sources = ["docs", "../shared", "https://WWW.Example.no/sitemap.xml#top"]\n'
        "max_removed_share = 0.5\n\n[web]\n"
        'contact = "https://example.no/kontakt"\nhosts = ["Filer.Example.no"]\n'
        "requests_per_second = 4\nconcurrency = 3\ntimeout = 5\nmax_megabytes = 2\n"
        "max_pages = 10\n",
        "utf-8",
    )
    config = load_sources_config(path)
    assert [s.location for s in config.sources] == [
        str(tmp_path / "conf" / "docs"),
        str(tmp_path / "shared"),
        "https://www.example.no/sitemap.xml",
    ]
    assert all(s.via == VIA_CONFIG for s in config.sources)
    assert config.sources[2].is_web and not config.sources[0].is_web
    assert config.max_removed_share == 0.5
    web = config.web
    assert web.user_agent.startswith("TRD30-boten/")
    assert web.user_agent.endswith("(+https://example.no/kontakt)")
    assert web.hosts == ("filer.example.no",)
    assert (web.requests_per_second, web.concurrency, web.timeout) == (4, 3, 5)
    assert (web.max_bytes, web.max_pages) == (2 * 2**20, 10)


def test_a_missing_sources_toml_is_empty_unless_asked_for(tmp_path):
    assert load_sources_config(tmp_path / "sources.toml").sources == ()
    with pytest.raises(SourcesConfigError, match="Fant ikke .*sources.toml"):
        load_sources_config(tmp_path / "sources.toml", required=True)


@pytest.mark.parametrize(
    "text, message",
    [
        ('sources = ["corpus"\n', "er ikke gyldig TOML (filen slutter før noe er lukket)"),
        ('sources = ["corpus"]\nweb contact\n', "er ikke gyldig TOML på linje 2, kolonne 5"),
        ('source = ["corpus"]\n', "ukjent innstilling «source». Mente du «sources»?"),
        ('sources = "corpus"\n', "«sources» må være en liste med mapper og nettadresser"),
        ('sources = ["ftp://example.no/filer"]\n', "verken en mappe eller en nettadresse"),
        ("max_removed_share = 2\n", "«max_removed_share» må være et tall fra 0 til 1"),
        ("[web]\nconcurrency = 0\n", "«web.concurrency» må være et heltall fra 1 til 16"),
        ('[web]\ntimeout = "lenge"\n', "«web.timeout» må være et tall"),
        ('[web]\nhosts = "example.no"\n', "«web.hosts» må være en liste med vertsnavn"),
        ('[web]\ncontact = "Bjørn"\n', "«web.contact» må være tekst uten æ, ø, å"),
        ("[web]\nrate = 1\n", "ukjent innstilling «web.rate»"),
        ("web = 1\n", "«web» må være en tabell"),
    ],
)
def test_a_bad_sources_toml_is_refused_in_norwegian(tmp_path, text, message):
    path = tmp_path / "sources.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(SourcesConfigError) as caught:
        load_sources_config(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_the_cli_reports_a_bad_sources_toml_in_one_line(project, capsys):
    (project / "sources.toml").write_text("sources = [corpus]\n", "utf-8")
    code, out, err = _cli(capsys)
    assert code == 1 and out == ""
    assert err.startswith("Feil: sources.toml er ikke gyldig TOML på linje 1, kolonne 12.")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (project / "index").exists()


def test_no_source_anywhere_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = _cli(capsys)
    assert code == 1
    assert "Ingen kilder å lese inn: sources.toml finnes ikke eller lister ingen" in err


# ------------------------------------------------------------------ the drop of the issue


def test_a_second_folder_is_no_longer_dropped_by_the_next_make_run(project, capsys):
    code, out, _ = _cli(capsys, "corpus", "more-documents/")
    assert code == 0 and "Nye: a.md, b.md, c.md" in out
    assert "Kilder: corpus, more-documents" in out
    # `make run` runs `python -m ingest --index index`: sources.toml (corpus) and the
    # sources the index recorded. Before, it re-ingested corpus only: "Fjernet: b.md, c.md".
    code, out, _ = _cli(capsys)
    assert code == 0
    assert "Fjernet" not in out and "uendret" in out
    assert _documents() == {"a.md", "b.md", "c.md"}
    manifest = read_manifest(project / "index")
    assert manifest["sources"] == [
        {"source": str(project / "corpus"), "via": VIA_CONFIG},
        {"source": str(project / "more-documents"), "via": VIA_COMMAND_LINE},
    ]
    entry = manifest["documents"]["b.md"]
    assert entry["origin"] == str(project / "more-documents") and entry["source"] == "b.md"
    assert entry["ingested"].endswith("Z")
    # and later runs still read the second folder: a change there is picked up ...
    _doc(project / "more-documents", "b.md", "Arena Unikom ble arrangert høsten 2020.")
    code, out, _ = _cli(capsys)
    assert code == 0 and "Endret: b.md" in out and "Fjernet" not in out
    # ... and a file deleted from it is removed, and only that one.
    (project / "more-documents" / "c.md").unlink()
    code, out, _ = _cli(capsys)
    assert code == 0 and "Fjernet: c.md" in out
    assert _documents() == {"a.md", "b.md"}


def test_ingesting_one_source_keeps_the_others_documents(project, capsys):
    assert _cli(capsys)[0] == 0  # corpus, from sources.toml
    code, out, _ = _cli(capsys, "more-documents")
    assert code == 0 and "Nye: b.md, c.md" in out and "Fjernet" not in out
    _doc(project / "corpus", "a.md", "Endret tekst om kombinerte stillinger.")
    code, out, _ = _cli(capsys, "more-documents")  # corpus is not read, so not changed
    assert "uendret" in out
    code, out, _ = _cli(capsys, "corpus")  # more-documents is kept, corpus read again
    assert "Endret: a.md" in out and "Fjernet" not in out
    assert _documents() == {"a.md", "b.md", "c.md"}
    first = read_manifest(project / "index")["documents"]["b.md"]["ingested"]
    assert _cli(capsys, "corpus")[0] == 0
    assert read_manifest(project / "index")["documents"]["b.md"]["ingested"] == first


def test_a_source_taken_out_of_sources_toml_is_removed(project, capsys):
    (project / "sources.toml").write_text('sources = ["corpus", "more-documents"]\n', "utf-8")
    assert _cli(capsys)[0] == 0 and _documents() == {"a.md", "b.md", "c.md"}
    (project / "sources.toml").write_text('sources = ["corpus"]\nmax_removed_share = 1\n')
    code, out, _ = _cli(capsys)
    assert code == 0 and "Kilder tatt ut: more-documents" in out and "Fjernet: b.md, c.md" in out
    assert _documents() == {"a.md"}


def test_forget_drops_a_command_line_source(project, capsys):
    assert _cli(capsys, "corpus", "more-documents")[0] == 0
    code, out, _ = _cli(capsys, "--forget", "more-documents", "--allow-removals")
    assert code == 0 and "Kilder tatt ut: more-documents" in out
    assert _documents() == {"a.md"}
    code, _, err = _cli(capsys, "--forget", "corpus")
    assert code == 1 and "corpus står i sources.toml: ta den ut der" in err
    code, _, err = _cli(capsys, "--forget", "nowhere")
    assert code == 1 and "nowhere er ikke en kilde i indeksen" in err


def test_a_missing_source_folder_keeps_its_documents(project, capsys):
    assert _cli(capsys, "corpus", "more-documents")[0] == 0
    (project / "more-documents").rename(project / "moved")
    code, out, _ = _cli(capsys)
    assert code == 0 and "Fjernet" not in out
    assert "Beholdt fra forrige innlesing (1):" in out
    assert "more-documents: finnes ikke; dokumentene herfra (2) fra forrige innlesing" in out
    assert _documents() == {"a.md", "b.md", "c.md"}


def test_two_sources_with_the_same_document_id(project, capsys):
    _doc(project / "more-documents", "a.md", "En annen a.")
    code, out, _ = _cli(capsys, "corpus", "more-documents")  # read together: the first wins
    assert code == 0 and "more-documents/a.md: har samme dokument-id som corpus/a.md" in out
    origin = read_manifest(project / "index")["documents"]["a.md"]["origin"]
    assert origin == str(project / "corpus")
    # read alone, a source's document replaces a kept one with the same id, and says so
    code, out, _ = _cli(capsys, "more-documents")
    assert code == 0 and "Endret: a.md" in out
    assert "corpus/a.md: erstattet av more-documents/a.md, som har samme dokument-id" in out
    origin = read_manifest(project / "index")["documents"]["a.md"]["origin"]
    assert origin == str(project / "more-documents")


def test_an_index_from_before_sources_were_recorded_keeps_the_second_folder(project, capsys):
    assert _cli(capsys, "corpus", "more-documents")[0] == 0
    # Rewrite the manifest as the previous version wrote it: no "sources", no "origin",
    # "source" the file's path as given on the command line.
    index_dir = project / "index"
    path = index_dir / (index_dir / CURRENT).read_text().strip() / MANIFEST
    manifest = json.loads(path.read_text("utf-8"))
    del manifest["sources"], manifest[integrity.MANIFEST_CHECKSUM]
    for doc_id, entry in manifest["documents"].items():
        folder = "corpus" if doc_id == "a.md" else "more-documents"
        entry["source"] = f"{folder}/{doc_id}"
        del entry["origin"], entry["ingested"]
    path.write_text(json.dumps(integrity.seal(manifest)), "utf-8")

    code, out, _ = _cli(capsys)  # make run
    assert code == 0 and "Fjernet" not in out
    assert _documents() == {"a.md", "b.md", "c.md"}
    recorded = read_manifest(index_dir)["sources"]
    assert {"source": str(project / "more-documents"), "via": "eldre-indeks"} in recorded
    # kept, not read: until it is given again, then it is a command-line source
    _doc(project / "more-documents", "b.md", "Ny tekst.")
    assert "Endret" not in _cli(capsys)[1]
    assert "Endret: b.md" in _cli(capsys, "more-documents")[1]
    assert "Endret" not in _cli(capsys)[1]
    assert {"source": str(project / "more-documents"), "via": VIA_COMMAND_LINE} in (
        read_manifest(index_dir)["sources"]
    )


def test_a_damaged_index_reads_the_kept_sources_too(project, capsys):
    assert _cli(capsys, "corpus", "more-documents")[0] == 0
    index_dir = project / "index"
    vectors = index_dir / (index_dir / CURRENT).read_text().strip() / "sentences.npy"
    vectors.write_bytes(b"\0" * vectors.stat().st_size)  # same size, wrong checksum
    code, out, _ = _cli(capsys, "more-documents")  # corpus is kept, but cannot be reused
    assert code == 0 and "bygd på nytt" in out and "Fjernet" not in out
    assert _documents() == {"a.md", "b.md", "c.md"}


def test_plan_sources_rules(tmp_path):
    corpus, more, old = (parse_source(str(tmp_path / n)) for n in ("corpus", "more", "old"))
    config = load_sources_config(tmp_path / "none.toml")
    config = type(config)(None, (Source(corpus.location, VIA_CONFIG),))
    recorded = [Source(corpus.location, VIA_CONFIG), Source(more.location, VIA_COMMAND_LINE),
                Source(old.location, "eldre-indeks")]  # fmt: skip
    plan = plan_sources(config, recorded)
    assert plan.read == (corpus, more) and plan.keep == (old,)
    plan = plan_sources(config, recorded, given=[more])
    assert plan.read == (more,) and plan.keep == (corpus, old)
    plan = plan_sources(config, recorded, forget=[more, old])
    assert plan.read == (corpus,) and plan.keep == ()


# --------------------------------------------------------------------- the removal guard


@pytest.fixture
def four(tmp_path):
    folder = tmp_path / "docs"
    for n in range(4):
        _doc(folder, f"d{n}.md", f"Dokument nummer {n} handler om tema {n}.")
    run_ingest([folder], tmp_path / "index", "hash", HashEmbedder)
    return folder


def test_the_guard_refuses_to_remove_most_documents_and_says_which(four, tmp_path):
    before = read_manifest(tmp_path / "index")["generation"]
    for n in range(3):
        (four / f"d{n}.md").unlink()
    with pytest.raises(TooManyRemovals) as caught:
        run_ingest([four], tmp_path / "index", "hash", HashEmbedder)
    message = str(caught.value)
    assert message.startswith("Innlesingen ville fjerne 3 av 4 dokumenter, mer enn grensen på 25 %")
    assert "\n  - d0.md\n  - d1.md\n  - d2.md\n" in message and "--allow-removals" in message
    assert read_manifest(tmp_path / "index")["generation"] == before  # nothing written
    report = run_ingest([four], tmp_path / "index", "hash", HashEmbedder, allow_removals=True)
    assert report.removed == ["d0.md", "d1.md", "d2.md"] and report.documents == 1


def test_the_guard_lets_one_document_and_the_allowed_share_go(four, tmp_path):
    (four / "d0.md").unlink()
    assert run_ingest([four], tmp_path / "index", "hash", HashEmbedder).removed == ["d0.md"]
    check_removals(["a", "b"], 8, 0.25)  # two of eight: within a quarter
    with pytest.raises(TooManyRemovals):
        check_removals(["a", "b", "c"], 8, 0.25)
    check_removals(["a", "b", "c"], 8, 0.5)


def test_the_cli_guard_with_and_without_allow_removals(project, capsys):
    assert _cli(capsys, "corpus", "more-documents")[0] == 0
    shutil.rmtree(project / "more-documents")
    (project / "more-documents").mkdir()  # there, but emptied
    code, out, err = _cli(capsys)
    assert code == 1 and out == ""
    assert "Feil: Innlesingen ville fjerne 2 av 3 dokumenter" in err
    assert "  - b.md\n  - c.md" in err and "kjør på nytt med --allow-removals" in err
    assert _documents() == {"a.md", "b.md", "c.md"}
    code, out, _ = _cli(capsys, "--allow-removals")
    assert code == 0 and "Fjernet: b.md, c.md" in out
    assert _documents() == {"a.md"}


# ------------------------------------------------------------- make run and the app


def test_the_shipped_sources_toml_builds_the_corpus(tmp_path):
    """What `make run` and the app's first start do: the shipped sources.toml (corpus/)."""
    config = load_sources_config(ROOT / "sources.toml", required=True)
    assert [s.location for s in config.sources] == [str(CORPUS)]
    report = configured_ingest(config, tmp_path / "index", "hash", HashEmbedder)
    assert report.status == "rebuilt" and report.added == ["hva-bidrar-trd30.md"]


def test_make_index_uses_sources_toml():
    dry = subprocess.run(["make", "-n", "-W", "pyproject.toml", "index", "INDEX=/tmp/x"],
                         cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    lines = [line for line in dry.stdout.splitlines() if "-m ingest" in line]
    assert lines and lines[-1].endswith("-m ingest --index /tmp/x")
