"""Readers: every file type becomes a clean `Document`, and bad files a clear error."""

import hashlib
import io
import random
import unicodedata
from pathlib import Path

import docx
import pytest
from reportlab.pdfgen import canvas

import ingest.cleaning as cleaning
from ingest.cleaning import drop_photo_credits
from ingest.errors import UnreadableDocument
from ingest.readers import SUPPORTED_SUFFIXES, find_sources, read_document

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def _read(folder: Path, name: str, content: str | bytes):
    return read_document(_write(folder, name, content), folder)


def _section(document, path: tuple[str, ...]):
    matches = [s for s in document.sections if s.path == path]
    assert matches, f"no section {path}; have {[s.path for s in document.sections]}"
    return matches[0]


def _unreadable_reason(folder: Path, name: str, content: str | bytes) -> str:
    with pytest.raises(UnreadableDocument) as caught:
        _read(folder, name, content)
    assert caught.value.path == str(folder / name)
    return caught.value.reason


# ---------------------------------------------------------------------------------- HTML

FURNITURE_WORDS = [
    "Hopp til hovedinnhold",
    "informasjonskapsler",
    "Godta alle",
    "Kommunelogo",
    "Menypunkt",
    "Søkeskjema",
    "Smulelenke",
    "Fjesboka",
    "Skriv ut denne",
    "Sidepanel",
    "Bunntekstveien",
    "sporingskode",
    "skriptinnhold",
    "color:red",
    "Skjult avsnitt",
    "Ikonbeskrivelse",
    "Fant du det du lette etter",
    "Gå til toppen",
    "arrow_upward",
]


def _page(with_main: bool) -> str:
    content = """
      <ol class="breadcrumb"><li><a href="/">Forside</a></li><li>Smulelenke</li></ol>
      <h1>Kombinerte stillinger</h1>
      <p>Kombinerte stillinger er et <strong>viktig</strong>
         virkemiddel for å redusere avstanden mellom praksis og forskning.</p>
      <div class="share-buttons"><a href="#">Del på Fjesboka</a></div>
      <a class="print-link" href="#">Skriv ut denne siden</a>
      <h2>Modeller</h2>
      <p>Det er beskrevet ulike modeller for delte stillinger.</p>
      <ul><li>Femti prosent i kommunen</li><li>Femti prosent ved NTNU</li></ul>
      <h3>Fysioterapi</h3>
      <p>På enhet for fysioterapi prøves delte stillinger ut.</p>
      <div hidden>Skjult avsnitt</div>
      <span aria-hidden="true">Ikonbeskrivelse</span>
      <aside>Relatert: Sidepanel med tips</aside>
      <h2>Fant du det du lette etter?</h2>
      <p><span class="material-icons">arrow_upward</span> Gå til toppen</p>
      <p>Sist oppdatert: 12.08.2022</p>
    """
    if with_main:
        content = f"<main id='innhold'>{content}</main>"
    return f"""<!DOCTYPE html>
<html lang="nb-NO">
<head>
  <meta charset="utf-8">
  <title>Kombinerte stillinger - Trondheim kommune</title>
  <link rel="canonical" href="https://www.trondheim.kommune.no/trd3/kombinerte/">
  <meta property="article:modified_time" content="2022-08-12T09:30:00+02:00">
  <script>var sporing = "sporingskode";</script>
  <style>.x {{color:red}}</style>
</head>
<body>
  <a class="skip" href="#innhold">Hopp til hovedinnhold</a>
  <div id="cookie-banner">Vi bruker informasjonskapsler. <button>Godta alle</button></div>
  <header><div class="logo">Kommunelogo</div>
    <nav><ul><li><a href="/">Menypunkt barnehage</a></li></ul></nav>
    <form><label>Søkeskjema</label><input name="q"></form>
  </header>
  {content}
  <footer>Postadresse Bunntekstveien 1</footer>
  <script>console.log("skriptinnhold")</script>
</body>
</html>"""


@pytest.mark.parametrize("with_main", [True, False], ids=["main", "body-fallback"])
def test_html_keeps_main_content_without_furniture(tmp_path, with_main):
    document = _read(tmp_path, "sub/kombinerte.html", _page(with_main))

    everything = document.title + "\n".join(
        f"{section.heading}\n{section.text}" for section in document.sections
    )
    for word in FURNITURE_WORDS:
        assert word not in everything
    assert document.title == "Kombinerte stillinger"
    assert document.doc_id == "sub/kombinerte.html"
    intro = _section(document, ())
    assert "Kombinerte stillinger er et viktig virkemiddel for å redusere" in intro.text
    models = _section(document, ("Modeller",))
    assert models.text == (
        "Det er beskrevet ulike modeller for delte stillinger.\n\n"
        "- Femti prosent i kommunen\n- Femti prosent ved NTNU"
    )
    physio = _section(document, ("Modeller", "Fysioterapi"))
    assert "fysioterapi prøves delte stillinger" in physio.text
    assert "Sist oppdatert: 12.08.2022" in document.text


def test_html_metadata(tmp_path):
    document = _read(tmp_path, "side.html", _page(with_main=True))
    assert document.url == "https://www.trondheim.kommune.no/trd3/kombinerte/"
    assert document.updated == "2022-08-12"
    assert document.lang == "nb"
    assert document.source == str(tmp_path / "side.html")
    raw = (tmp_path / "side.html").read_bytes()
    assert document.content_hash == hashlib.sha256(raw).hexdigest()


def test_html_title_from_title_tag_and_url_from_og(tmp_path):
    page = """<html><head><title>Om samarbeidet | NTNU</title>
      <link rel="canonical" href="/relativ/side">
      <meta property="og:url" content="https://www.ntnu.no/om-samarbeidet"></head>
      <body><article><h2>Bakgrunn</h2><p>NTNU og kommunen samarbeider om forskning.</p>
      </article></body></html>"""
    document = _read(tmp_path, "om.htm", page)
    assert document.title == "Om samarbeidet"
    assert document.url == "https://www.ntnu.no/om-samarbeidet"
    assert [s.path for s in document.sections] == [("Bakgrunn",)]


@pytest.mark.parametrize(
    "line",
    [
        "Sist oppdatert 12. august 2022",
        "Sist endret: 2022-08-12",
        "Publisert 12.08.2022",
        "Publisert 01.02.2020, sist oppdatert 12. aug. 2022",
    ],
)
def test_html_date_from_text_line(tmp_path, line):
    page = f"<html><body><main><h1>Side</h1><p>Tekst om samarbeid.</p><p>{line}</p></main>"
    document = _read(tmp_path, "dato.html", page)
    assert document.updated == "2022-08-12"
    assert line in document.text


def test_html_date_from_meta_tags_and_no_invalid_dates(tmp_path):
    page = """<html><head><meta name="dcterms.modified" content="2022-08-12"></head>
      <body><p>Publisert 31.02.2021</p><p>Tekst.</p></body></html>"""
    assert _read(tmp_path, "meta.html", page).updated == "2022-08-12"
    invalid = "<html><body><p>Sist oppdatert 31.02.2021</p><p>Tekst.</p></body></html>"
    assert _read(tmp_path, "ugyldig.html", invalid).updated == ""


def test_html_date_from_page_footer_outside_main(tmp_path):
    page = """<html><body><main><h1>Side</h1><p>Tekst om samarbeid.</p></main>
      <footer><p>Sist oppdatert: <time datetime="2022-08-12">12.08.2022</time></p>
      <p>Bunntekstveien 1</p></footer></body></html>"""
    document = _read(tmp_path, "bunn.html", page)
    assert document.updated == "2022-08-12"
    assert document.text == "Tekst om samarbeid."


def test_html_language_from_attribute_or_guess(tmp_path):
    nynorsk = "<p>Kva er visjonen? Det er ikkje berre forsking, men òg innovasjon.</p>"
    english = "<p>What is the vision? It is about research and the city.</p>"
    page = "<html lang='{}'><body><h1>Side</h1>{}</body></html>"
    assert _read(tmp_path, "a.html", page.format("nn-NO", english)).lang == "nn"
    assert _read(tmp_path, "b.html", page.format("en-GB", nynorsk)).lang == "en"
    assert _read(tmp_path, "c.html", page.format("", english)).lang == "en"
    # "no" only says Norwegian: the text decides between bokmål and nynorsk.
    assert _read(tmp_path, "d.html", page.format("no", nynorsk)).lang == "nn"
    assert _read(tmp_path, "e.html", page.format("no", "<p>Hva er det?</p>")).lang == "nb"


def test_html_in_windows_1252(tmp_path):
    page = (
        "<html><head><meta charset='windows-1252'></head><body><h1>Blåbærsyltetøy</h1>"
        "<p>Syltetøy fra Ærø og Østfold.</p></body></html>"
    )
    document = _read(tmp_path, "gammel.html", page.encode("cp1252"))
    assert document.title == "Blåbærsyltetøy"
    assert document.text == "Syltetøy fra Ærø og Østfold."


def test_html_wrapper_whose_class_mentions_cookie_is_kept(tmp_path):
    page = """<html><body><div class="page has-cookie-banner">
      <div class="cookie-notice">Vi bruker informasjonskapsler.</div>
      <h1>Forsiden</h1><p>Velkommen til universitetskommunen.</p></div></body></html>"""
    document = _read(tmp_path, "wrapper.html", page)
    assert document.text == "Velkommen til universitetskommunen."


def test_html_with_only_furniture_is_unreadable(tmp_path):
    page = "<html><body><nav>Meny</nav><footer>Kontakt oss</footer></body></html>"
    assert _unreadable_reason(tmp_path, "tom.html", page) == "ingen tekst igjen etter rensing"


# ------------------------------------------------------------------------------ photo credits


@pytest.mark.parametrize(
    ("line", "cleaned"),
    [
        # at the end of a paragraph, with and without an agency
        ("Han er interessert i 19-åringen. Foto: LEONHARD FOEGER / REUTERS",
         "Han er interessert i 19-åringen."),
        ("Bildet viser Brattøra. Foto: Trondheim kommune", "Bildet viser Brattøra."),
        ("Foto: Ørn E. Borgen / NTB scanpix", ""),
        ("Foto: JOHAN AXELSSON,BILDBYRÅN", ""),
        ("Foto: HANDOUT / Norges Volleyballforbund", ""),
        # before the text it would otherwise run into
        ("FOTO: Fredrik Hagen / NTB scanpix En mann med øks ble skutt.",
         "En mann med øks ble skutt."),
        ("Elin i Presseforbundet. Foto: Fredrik Hagen / NTB scanpix Arne i Redaktørforeningen.",
         "Elin i Presseforbundet. Arne i Redaktørforeningen."),
        # in brackets, or closed by one whose opening was lost
        ("Bilder fra Alunorte i Brasil. (Foto: Adrian Hansen / NTB scanpix)",
         "Bilder fra Alunorte i Brasil."),
        ("Foto: Tommy Ellingsen) Bilder fra Alunorte i Brasil.", "Bilder fra Alunorte i Brasil."),
        ("Foto: Kirsty Wigglesworth / AP / NTB scanpix (Foto: Kirsty Wigglesworth)", ""),
    ],
)  # fmt: skip
def test_photo_credits_are_dropped(line, cleaned):
    assert drop_photo_credits(line) == cleaned


@pytest.mark.parametrize(
    "line",
    [
        "Foto: se nettsiden vår for flere bilder av anlegget, som åpnet i fjor og fikk mye ros.",
        "FOTO: En ødelagt fiskebåt i Ormoc etter tyfonen Phanfone.",
        "Kommunen tok bilder: de ble publisert i mai.",
        "Fotografen sa: nei.",
    ],
)
def test_text_that_only_looks_like_a_credit_stays(line):
    assert drop_photo_credits(line) == line


def test_markdown_news_article_loses_its_credits_not_its_sentences(tmp_path):
    article = (
        "# Ny bru over Nidelva\n\n"
        "Brua ble åpnet i går. Foto: Kari Nordmann / NTB scanpix\n\n"
        "FOTO: Ola Hansen / Adresseavisen Ordføreren klippet snoren klokka 12.\n\n"
        "Den koster 40 millioner kroner. (Foto: Privat)\n"
    )
    document = _read(tmp_path, "bru.md", article)
    text = " ".join(section.text for section in document.sections)
    for credit in ("Foto", "FOTO", "scanpix", "Adresseavisen", "Privat", "Nordmann"):
        assert credit not in text
    for sentence in ("Brua ble åpnet i går.", "Ordføreren klippet snoren klokka 12.",
                     "Den koster 40 millioner kroner."):  # fmt: skip
        assert sentence in text


# ------------------------------------------------------------------------------ Markdown

MARKDOWN = """---
title: Samarbeid i praksis
url: https://www.trondheim.kommune.no/samarbeid/
updated: 2023-01-05
lang: nb
---

# Samarbeid i praksis

Innledende tekst med **uthevet** ord og en [lenke](https://example.org).

## Nye måter å samarbeide på

### Kombinerte og delte stillinger

Kombinerte stillinger er et _viktig_ virkemiddel.

- Første punkt
- Andre punkt

## Tom overskrift

## Avslutning

Fant du det du lette etter?

Siste avsnitt.
"""


def test_markdown_front_matter_and_sections(tmp_path):
    document = _read(tmp_path, "samarbeid.md", MARKDOWN)
    assert document.title == "Samarbeid i praksis"
    assert document.url == "https://www.trondheim.kommune.no/samarbeid/"
    assert document.updated == "2023-01-05"
    assert document.lang == "nb"
    assert [s.path for s in document.sections] == [
        (),
        ("Nye måter å samarbeide på", "Kombinerte og delte stillinger"),
        ("Avslutning",),
    ]
    assert document.sections[0].text == "Innledende tekst med uthevet ord og en lenke."
    assert document.sections[1].text == (
        "Kombinerte stillinger er et viktig virkemiddel.\n\n- Første punkt\n- Andre punkt"
    )
    assert document.sections[2].text == "Siste avsnitt."


def test_markdown_without_front_matter(tmp_path):
    text = (
        "# Tittel fra overskrift\n\nTekst her.\n\n## Del\n\nMer tekst.\n\n"
        "Sist oppdatert: 3. mars 2021\n"
    )
    document = _read(tmp_path, "uten.markdown", text)
    assert document.title == "Tittel fra overskrift"
    assert [s.path for s in document.sections] == [(), ("Del",)]
    assert document.updated == "2021-03-03"


def test_markdown_h1_that_is_not_the_title_stays_in_the_path(tmp_path):
    text = "---\ntitle: Annen tittel\n---\n# Første del\n\nTekst.\n\n## Underdel\n\nMer.\n"
    document = _read(tmp_path, "h1.md", text)
    assert document.title == "Annen tittel"
    assert [s.path for s in document.sections] == [
        ("Første del",),
        ("Første del", "Underdel"),
    ]


def test_markdown_markup_is_simplified(tmp_path):
    text = (
        "# Tabeller og lister\n\n| Kommune | Antall |\n|---|:---:|\n| Trondheim | 2 |\n\n"
        "* første\n* andre\n\n```\n# ikke en overskrift\n```\n\n"
        "> Sitat med ![bilde](x.png)snake_case_ord\n\n[ref]: https://example.org\n"
    )
    document = _read(tmp_path, "markup.md", text)
    assert [s.path for s in document.sections] == [()]
    assert document.text == (
        "| Kommune | Antall |\n| Trondheim | 2 |\n\n- første\n- andre\n\n"
        "# ikke en overskrift\n\nSitat med snake_case_ord"
    )


def test_markdown_text_is_nfc(tmp_path):
    decomposed = unicodedata.normalize("NFD", "# Blåbær\n\nPå Ærø går det bra.\n")
    document = _read(tmp_path, "nfd.md", decomposed)
    assert document.title == "Blåbær"
    assert document.text == "På Ærø går det bra."


def test_corpus_document(tmp_path):
    document = read_document(CORPUS / "hva-bidrar-trd30.md", CORPUS)
    assert document.doc_id == "hva-bidrar-trd30.md"
    assert document.title == "Hva bidrar TRD 3.0 til?"
    assert document.updated == "2022-08-12"
    assert document.lang == "nb"
    section = _section(document, ("Nye måter å samarbeide på", "Kombinerte og delte stillinger"))
    assert section.text.startswith("Kombinerte stillinger er et viktig virkemiddel")
    assert "\n- De fem prosjektlederne" in section.text
    assert all(section.text for section in document.sections)
    assert all("Hva bidrar TRD 3.0 til?" not in s.path for s in document.sections)


# ---------------------------------------------------------------------------------- text

NORWEGIAN_TEXT = """Blåbærsyltetøy på Ærø

Innledning

Det var en gang en syltetøyfabrikk på Ærø. Æ, ø og å må overleve.

Bildet viser fabrikken. Illustrasjon.

Gå til toppen

Historikk

Fabrikken ble grunnlagt for lenge siden, og den lager fortsatt blåbærsyltetøy.
"""


def test_text_in_windows_1252(tmp_path):
    document = _read(tmp_path, "gammel.txt", NORWEGIAN_TEXT.encode("cp1252"))
    assert document.title == "Blåbærsyltetøy på Ærø"
    assert [s.path for s in document.sections] == [("Innledning",), ("Historikk",)]
    assert document.sections[0].text == (
        "Det var en gang en syltetøyfabrikk på Ærø. Æ, ø og å må overleve."
    )
    assert "Illustrasjon" not in document.text
    assert "Gå til toppen" not in document.text
    assert "Blåbærsyltetøy på Ærø" not in document.text


def test_page_furniture_and_date_words_come_from_the_data_file():
    """Every furniture line, illustration word, date label and month of
    ingest/data/page_furniture.toml is what the cleaning acts on."""
    import tomllib

    data = tomllib.loads(cleaning.FURNITURE_FILE.read_text("utf-8"))
    for line in data["lines"]:
        assert cleaning.clean_text(f"Brua er ferdig.\n{line.upper()}.") == "Brua er ferdig."
    for word in data["illustration"]:
        assert cleaning.clean_text(f"Brua er ferdig.\nBildet viser brua. {word.title()}.") == (
            "Brua er ferdig."
        )
    for label in data["date_labels"]:
        assert cleaning.dates_in_lines([f"{label.title()}: 3. mars 2025"]) != ("", "")
    for number, names in enumerate(data["months"], start=1):
        for name in names:
            assert cleaning.parse_date(f"7. {name[:3]}. 2024") == f"2024-{number:02d}-07"
    assert cleaning.clean_text("Brua er ferdig.\nGå til brua.") == "Brua er ferdig.\nGå til brua."


def test_the_cleaning_fingerprint_follows_the_furniture_data(tmp_path, monkeypatch):
    before = cleaning.cleaning_fingerprint()
    changed = tmp_path / "page_furniture.toml"
    text = cleaning.FURNITURE_FILE.read_text("utf-8")
    changed.write_text(text.replace('"skriv ut",', '"skriv ut",\n    "del på facebook",'), "utf-8")
    monkeypatch.setattr(cleaning, "FURNITURE_FILE", changed)
    assert cleaning.cleaning_fingerprint() != before
    changed.write_text("# only a comment more\n" + text, "utf-8")
    assert cleaning.cleaning_fingerprint() == before


def test_short_windows_1252_text(tmp_path):
    document = _read(tmp_path, "kort.txt", "Blåbærsyltetøy på Ærø\n\nGodt.\n".encode("cp1252"))
    assert document.title == "Blåbærsyltetøy på Ærø"
    assert document.text == "Godt."


def test_text_in_utf8_with_bom(tmp_path):
    raw = "\ufeffTittel med æøå\n\nBrødtekst på bokmål.\n".encode()
    document = _read(tmp_path, "bom.txt", raw)
    assert document.title == "Tittel med æøå"
    assert document.text == "Brødtekst på bokmål."
    assert "\ufeff" not in document.title + document.text


def test_text_with_a_single_line_keeps_it_as_text(tmp_path):
    document = _read(tmp_path, "en-linje.txt", "Bare én linje med innhold")
    assert document.text == "Bare én linje med innhold"
    assert document.title == "En linje"


def test_text_in_utf16_with_bom(tmp_path):
    document = _read(tmp_path, "utf16.txt", "Tittel\n\nBlåbær på Ærø.\n".encode("utf-16"))
    assert (document.title, document.text) == ("Tittel", "Blåbær på Ærø.")


def test_text_with_long_first_line_keeps_it_and_uses_the_file_name(tmp_path):
    first = "Dette er en lang første linje " * 6
    document = _read(tmp_path, "lang-tekst.txt", f"{first}\n\nMer tekst.\n")
    assert document.title == "Lang tekst"
    assert document.text.startswith("Dette er en lang første linje")


# ----------------------------------------------------------------------------------- PDF


def _pdf(pages: list[str], title: str | None = None) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    if title:
        pdf.setTitle(title)
    for text in pages:
        for number, line in enumerate(text.split("\n")):
            pdf.drawString(72, 750 - 16 * number, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_pdf_pages_become_sections(tmp_path):
    raw = _pdf(
        [
            "Rapport om blåbær\nSide én handler om syltetøy på Ærø.",
            "Side to: kombinerte stillinger.",
        ]
    )
    document = _read(tmp_path, "rapport.pdf", raw)
    assert [(s.path, s.page) for s in document.sections] == [((), 1), ((), 2)]
    assert "syltetøy på Ærø" in document.sections[0].text
    assert "kombinerte stillinger" in document.sections[1].text
    assert "kombinerte" not in document.sections[0].text
    assert document.title == "Rapport om blåbær"


def test_pdf_title_from_metadata(tmp_path):
    document = _read(tmp_path, "m.pdf", _pdf(["Første linje\nTekst."], title="Årsrapport"))
    assert document.title == "Årsrapport"


def _with_dates(raw: bytes, **dates: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    writer.metadata = {f"/{name}": value for name, value in dates.items()}
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_date_from_its_metadata_when_the_text_names_none(tmp_path):
    raw = _with_dates(_pdf(["Planen\nTekst uten dato."]), ModDate="D:20240315120000+01'00'",
                      CreationDate="D:20230101000000Z")  # fmt: skip
    assert _read(tmp_path, "a.pdf", raw).updated == "2024-03-15"
    created_only = _with_dates(_pdf(["Planen\nTekst uten dato."]), CreationDate="D:20230102")
    assert _read(tmp_path, "b.pdf", created_only).updated == "2023-01-02"
    garbled = _with_dates(_pdf(["Planen\nTekst uten dato."]), ModDate="D:2024xx")
    assert _read(tmp_path, "c.pdf", garbled).updated == ""
    dated_text = _with_dates(_pdf(["Planen\nSist oppdatert 2. februar 2022"]),
                             ModDate="D:20240315120000")  # fmt: skip
    assert _read(tmp_path, "d.pdf", dated_text).updated == "2022-02-02"


def test_broken_pdf_is_unreadable(tmp_path):
    noise = random.Random(7).randbytes(3000)
    assert _unreadable_reason(tmp_path, "broken.pdf", b"%PDF-1.7\n" + noise)
    whole = _pdf(["Tekst som blir kuttet."])
    assert _unreadable_reason(tmp_path, "truncated.pdf", whole[: len(whole) // 2])


def test_pdf_without_text_is_unreadable(tmp_path):
    reason = _unreadable_reason(tmp_path, "skannet.pdf", _pdf([""]))
    assert reason == "ingen tekst å hente ut (skannet PDF?)"


def test_encrypted_pdf_is_unreadable(tmp_path):
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt="hemmelig")
    pdf.drawString(72, 750, "Hemmelig tekst")
    pdf.showPage()
    pdf.save()
    assert "kryptert" in _unreadable_reason(tmp_path, "låst.pdf", buffer.getvalue())


# ---------------------------------------------------------------------------------- DOCX


def test_docx_headings_become_section_paths(tmp_path):
    word = docx.Document()
    word.add_heading("Rapport om samarbeid", 0)
    word.add_paragraph("Innledning om æøå.")
    word.add_heading("Bakgrunn", 1)
    word.add_paragraph("Samarbeidet startet i 2018.")
    word.add_heading("Detaljer", 2)
    word.add_paragraph("Første punkt", style="List Bullet")
    word.add_paragraph("Andre punkt", style="List Bullet")
    table = word.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Kommune"
    table.rows[0].cells[1].text = "Trondheim"
    path = tmp_path / "rapport.docx"
    word.save(path)

    document = read_document(path, tmp_path)
    assert document.title == "Rapport om samarbeid"
    assert [s.path for s in document.sections] == [
        (),
        ("Bakgrunn",),
        ("Bakgrunn", "Detaljer"),
    ]
    assert document.sections[0].text == "Innledning om æøå."
    assert document.sections[2].text == "- Første punkt\n- Andre punkt\n\nKommune | Trondheim"


def test_docx_title_from_core_properties(tmp_path):
    word = docx.Document()
    word.core_properties.title = "Tittel fra egenskaper"
    word.add_heading("Kapittel", 1)
    word.add_paragraph("Tekst.")
    path = tmp_path / "egenskaper.docx"
    word.save(path)
    document = read_document(path, tmp_path)
    assert document.title == "Tittel fra egenskaper"
    assert [s.path for s in document.sections] == [("Kapittel",)]


def test_broken_docx_is_unreadable(tmp_path):
    assert _unreadable_reason(tmp_path, "broken.docx", b"PK\x03\x04 ikke en zip")


# --------------------------------------------------------------------- unusable files


@pytest.mark.parametrize("name", ["tom.txt", "tom.md", "tom.html", "tom.pdf", "tom.docx"])
def test_empty_file(tmp_path, name):
    assert _unreadable_reason(tmp_path, name, b"") == "tom fil"


def test_whitespace_only_file(tmp_path):
    assert _unreadable_reason(tmp_path, "blank.md", "\ufeff \n\n\t\n") == "tom fil"


@pytest.mark.parametrize("name", ["bilde.txt", "bilde.md", "bilde.html"])
def test_binary_file(tmp_path, name):
    raw = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    assert _unreadable_reason(tmp_path, name, raw) == "binær fil, ikke tekst"


def test_unsupported_suffix_and_missing_file(tmp_path):
    assert "støttes ikke" in _unreadable_reason(tmp_path, "data.csv", "a,b\n1,2\n")
    with pytest.raises(UnreadableDocument):
        read_document(tmp_path / "finnes-ikke.md", tmp_path)


# ---------------------------------------------------------------------------- find_sources


def test_find_sources(tmp_path):
    corpus = tmp_path / "corpus"
    for name in ["b.md", "a.html", "sub/c.txt", "sub/deep/d.PDF", ".skjult.md", ".git/x.md"]:
        _write(corpus, name, "tekst")
    _write(corpus, "sub/bilde.png", b"\x89PNG")
    _write(corpus, "LESMEG", "tekst")
    single = _write(tmp_path / "annet", "enkel.docx", b"PK")

    found, skipped = find_sources([corpus, single, tmp_path / "mangler"])

    assert found == [
        (corpus / "a.html", corpus),
        (corpus / "b.md", corpus),
        (corpus / "sub/c.txt", corpus),
        (corpus / "sub/deep/d.PDF", corpus),
        (single, single.parent),
    ]
    assert dict(skipped) == {
        str(corpus / "LESMEG"): "filtypen støttes ikke (ingen filendelse)",
        str(corpus / "sub/bilde.png"): "filtypen .png støttes ikke",
        str(tmp_path / "mangler"): "finnes ikke",
    }


def test_find_sources_single_unsupported_file_and_duplicates(tmp_path):
    note = _write(tmp_path, "notat.rtf", "tekst")
    page = _write(tmp_path, "side.html", "<p>tekst</p>")
    found, skipped = find_sources([note, page, tmp_path])
    assert found == [(page, tmp_path)]
    assert [path for path, _ in skipped] == [str(note), str(note)]


def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == {".html", ".htm", ".md", ".markdown", ".txt", ".pdf", ".docx"}


def test_doc_id_is_relative_posix_path(tmp_path):
    document = _read(tmp_path, "a/b/notat.txt", "Tittel\n\nTekst om noe.\n")
    assert document.doc_id == "a/b/notat.txt"
    assert document.title == "Tittel"


def test_hard_wrapped_pdf_and_text_lines_are_joined_into_sentences(tmp_path):
    page = (
        "Årsrapport 2023\n"
        "I 2023 ble det gjennomført 14 forskningsprosjekter i samarbeid mellom\n"
        "kommunen og NTNU. Arbeidet med samarbeids-\n"
        "og finansieringsmodellen fortsatte, og forsk-\n"
        "ningen ble styrket.\n"
        "- Helse og velferd\n"
        "- Oppvekst og utdanning"
    )
    pdf = _read(tmp_path, "rapport.pdf", _pdf([page]))
    text = _read(tmp_path, "rapport.txt", page + "\n\nSiste avsnitt.").text
    for body in (pdf.text, text):
        assert ("I 2023 ble det gjennomført 14 forskningsprosjekter i samarbeid mellom "
                "kommunen og NTNU.") in body  # fmt: skip
        assert "samarbeids- og finansieringsmodellen" in body
        assert "forskningen ble styrket." in body
        assert "\n- Helse og velferd\n- Oppvekst og utdanning" in body
