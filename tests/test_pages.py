"""The pages about the service (bot.pages): Om tjenesten, Personvern, Tilgjengelighetserklæring.

Through the real server (create_server on a hash-embedder index) for what the server adds
(language, headers, redirects), and `render_page` alone for the variants of an installation.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import re
import string

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

import app
from bot.gate import Gate
from bot.masking import STORED
from bot.pages import (
    LANGUAGES,
    PAGES,
    WCAG_REQUIREMENTS,
    Installation,
    declaration,
    render_page,
    words,
)
from bot.service import Bot
from bot.store import Store
from ingest.config import settings_from_env
from ingest.embedding import HashEmbedder
from ingest.pipeline import run_ingest

pytestmark = pytest.mark.usefixtures("gradio_temp_dir")  # tests/conftest.py

LOCAL = "http://localhost"
EMBEDDER = "https://www.trondheim.kommune.no"
OWNER = "Trondheim kommune & NTNU"
CONTACT = "personvern@trondheim.kommune.no"
RETENTION = 7
PATHS = {key: f"/{path}/" for path, key in PAGES.items()}
# Each page's sections (h2), as keys of its part of the language files, in page order.
SECTIONS = {
    "about": ["what", "extractive", "limits", "documents", "owner"],
    "privacy": ["advice", "stored", "retention", "not_kept", "traffic", "logs", "contact"],
    "accessibility": ["status", "users", "deviations", "method", "feedback", "complaint", "dates"],
}


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    root = tmp_path_factory.mktemp("pages")
    docs = root / "docs"
    docs.mkdir()
    (docs / "plan.md").write_text(
        "---\ntitle: <b>Plan</b> & <script>alert(1)</script>\n"
        "url: https://www.trondheim.kommune.no/plan?a=1&b=2\nupdated: 2024-03-05\n---\n\n"
        "En plan for TRD3.0.\n",
        encoding="utf-8",
    )
    (docs / "english.md").write_text(
        "---\ntitle: Annual report\nlang: en\n---\n\nThe report of the year.\n", encoding="utf-8"
    )
    run_ingest([docs], root / "index", "hash", HashEmbedder)
    return Bot.load(root / "index", root / "cache")


@pytest.fixture(scope="module")
def client(bot, tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("data"), RETENTION, purge_every=None)
    pages = Installation(owner=OWNER, privacy_contact=CONTACT)
    server = app.create_server(bot, frame_ancestors=[EMBEDDER], store=store, pages=pages)
    with TestClient(server, base_url=LOCAL, follow_redirects=False) as client:
        yield client
    store.close()


def soup(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


def plain(text: str) -> str:
    """Page text as the page shows it: [label](address) links as their label."""
    return re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", list(PAGES.values()))
def test_each_page_in_each_language_has_its_language_heading_and_sections(client, page, language):
    response = client.get(PATHS[page], params={"lang": language})
    assert response.status_code == 200
    assert response.headers["content-language"] == language
    html = soup(response.text)
    assert html.html["lang"] == language
    own = words(language)[page]
    assert [h.get_text() for h in html.find_all("h1")] == [own["title"]]
    assert html.title.get_text() == f"{own['title']} – TRD3.0-boten"
    headings = [h.get_text() for h in html.find_all("h2")]
    assert headings == [own[key]["heading"] for key in SECTIONS[page]]
    levels = [int(h.name[1]) for h in html.find_all(re.compile(r"^h[1-6]$"))]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    for landmark in ("header", "main", "footer"):
        assert len(html.find_all(landmark)) == 1
    skip = html.body.find("a")  # the first link skips to the content
    assert skip["href"] == "#innhold" and html.main["id"] == "innhold"
    assert html.find("script") is None and "Object.defineProperty" not in response.text


@pytest.mark.parametrize("asked", ["de", "", "nb-NO", "<nn>", None])
def test_an_unknown_or_missing_language_gives_bokmal(client, asked):
    params = {} if asked is None else {"lang": asked}
    response = client.get("/personvern/", params=params)
    assert response.status_code == 200
    assert soup(response.text).html["lang"] == "nb"
    assert soup(response.text).h1.get_text() == "Personvern"


def test_the_language_may_be_given_in_capitals(client):
    assert soup(client.get("/personvern/?lang=EN").text).html["lang"] == "en"


def test_each_page_links_to_its_other_languages_the_other_pages_and_the_chat(client):
    html = soup(client.get("/personvern/?lang=en").text)
    language_links = html.find("nav", attrs={"aria-label": "Language"}).find_all("a")
    assert [(a["href"], a["hreflang"], a["lang"]) for a in language_links] == [
        ("?lang=nb", "nb", "nb"), ("?lang=nn", "nn", "nn"), ("?lang=en", "en", "en")]  # fmt: skip
    assert [a.get_text() for a in language_links] == ["Norsk bokmål", "Norsk nynorsk", "English"]
    assert [a.get("aria-current") for a in language_links] == [None, None, "true"]
    footer = html.footer.find("nav", attrs={"aria-label": "About the service"}).find_all("a")
    assert [a["href"] for a in footer] == ["../?lang=en", "../om-tjenesten/?lang=en",
                                           "../personvern/?lang=en",
                                           "../tilgjengelighet/?lang=en"]  # fmt: skip
    assert [a.get("aria-current") for a in footer] == [None, None, "page", None]
    alternates = {link["hreflang"]: link["href"] for link in html.find_all("link", rel="alternate")}
    assert alternates == {"nb": "?lang=nb", "nn": "?lang=nn", "en": "?lang=en"}


def test_in_bokmal_the_links_need_no_language(client):
    html = soup(client.get("/om-tjenesten/").text)
    footer = [a["href"] for a in html.footer.find_all("a")]
    assert footer == ["../", "../om-tjenesten/", "../personvern/", "../tilgjengelighet/"]
    inline = [a["href"] for a in html.main.find_all("a") if a["href"].startswith("../")]
    assert inline == ["../personvern/", "../tilgjengelighet/"]


def test_the_about_page_lists_the_documents_of_the_index_with_their_titles_escaped(client, bot):
    response = client.get("/om-tjenesten/")
    assert "<script>alert" not in response.text and "<b>Plan" not in response.text
    table = soup(response.text).find("table")
    assert table.caption.get_text() == "Dokumentene boten svarer fra"
    rows = [[cell.get_text() for cell in row.find_all(["th", "td"])]
            for row in table.tbody.find_all("tr")]  # fmt: skip
    assert rows == [
        ["<b>Plan</b> & <script>alert(1)</script>",
         "https://www.trondheim.kommune.no/plan?a=1&b=2", "5. mars 2024"],
        ["Annual report", "english.md", "Uten dato"],
    ]  # fmt: skip
    assert len(rows) == len(bot.index.manifest["documents"])
    link = table.find("a")
    assert link["href"] == "https://www.trondheim.kommune.no/plan?a=1&b=2"
    assert table.find("th", string="Annual report")["lang"] == "en"  # a title in English
    assert "2 i alt" in response.text


def test_the_about_page_gives_dates_in_the_pages_language(client):
    english = soup(client.get("/om-tjenesten/?lang=en").text).find("table")
    assert english.find(string="5 March 2024") is not None
    assert english.find("th", string="Annual report").get("lang") is None  # the page's own


def test_the_about_page_names_the_owner_and_says_it_quotes_and_can_be_wrong(client):
    html = soup(client.get("/om-tjenesten/").text)
    text = html.main.get_text(" ")
    assert f"Tjenesten eies av {OWNER}" in text
    assert "gjengir dem ordrett" in text and "kan ta feil" in text.lower()
    assert f"Levert av {OWNER}" in html.header.get_text()


def test_the_privacy_page_shows_the_stores_retention_days_and_the_contact(client):
    html = soup(client.get("/personvern/").text)
    retention = html.find("h2", string="Så lenge lagres det").parent.get_text()
    assert f"når det er {RETENTION} dager gammelt" in retention
    mail = html.find("a", href=f"mailto:{CONTACT}")
    assert mail is not None and mail.get_text() == CONTACT


def test_the_privacy_page_lists_every_kind_the_store_masks(client):
    html = soup(client.get("/personvern/?lang=nn").text)
    listed = [li.get_text() for li in html.find("h2", string="Dette blir lagra").parent.ul("li")]
    kinds = words("nn")["privacy"]["stored"]["kinds"]
    assert sorted(listed) == sorted(kinds[kind] for kind in STORED)
    assert set(kinds) == set(STORED)  # no kind described that is not masked


def test_the_privacy_page_says_what_it_does_not_keep_and_that_names_are_not_masked(client):
    text = soup(client.get("/personvern/").text).main.get_text(" ")
    assert "Navn blir ikke funnet og ikke maskert" in text
    assert "ingen informasjonskapsler" in text and "IP-adressen din" in text


def test_with_no_question_text_kept_the_privacy_page_says_so():
    page = soup(render_page("privacy", "nb", Installation(retention_days=0)))
    retention = page.find("h2", string="Så lenge lagres det").parent.get_text()
    assert "Spørsmålsteksten lagres ikke i det hele tatt" in retention
    assert "dager gammelt" not in page.get_text()


def test_with_no_store_the_privacy_page_says_nothing_is_kept():
    page = soup(render_page("privacy", "en", Installation(retention_days=None)))
    stored = page.find("h2", string="What is kept").parent
    assert stored.get_text() == "What is kept" + words("en")["privacy"]["stored"]["not_stored"][0]
    assert page.find("h2", string="How long it is kept") is None


@pytest.mark.parametrize("contact, shown", [
    ("personvern@example.no", '<a href="mailto:personvern@example.no">personvern@example.no</a>'),
    ("https://www.example.no/personvern",
     '<a class="trd-lenke" href="https://www.example.no/personvern" rel="noopener">'),
    ("Personvernombudet, tlf. 72 54 00 00", "Personvernombudet, tlf. 72 54 00 00"),
    ('<script>x</script> "ombud"', "&lt;script&gt;x&lt;/script&gt; &quot;ombud&quot;"),
    ("javascript:alert(1)", "javascript:alert(1)</p>"),  # text, never a link
])  # fmt: skip
def test_a_contact_is_a_mail_link_a_web_link_or_text(contact, shown):
    page = render_page("privacy", "nb", Installation(privacy_contact=contact, retention_days=1))
    assert shown in page
    assert 'href="javascript:' not in page


def test_an_unset_contact_says_the_owner_must_set_it():
    page = soup(render_page("accessibility", "nb", Installation(owner="Eieren AS")))
    feedback = page.find("h2", string="Meld gjerne fra om brudd på kravene").parent.get_text()
    assert "Eieren av tjenesten (Eieren AS) må sette den (TRD30_ACCESSIBILITY_CONTACT)" in feedback
    privacy = soup(render_page("privacy", "nn", Installation(retention_days=30)))
    assert "(TRD30_PRIVACY_CONTACT)" in privacy.find("h2", string="Kontakt og klage").parent.text


def test_the_contacts_are_read_from_the_settings():
    settings = settings_from_env({"TRD30_PRIVACY_CONTACT": " a@example.no ",
                                  "TRD30_ACCESSIBILITY_CONTACT": "uu@example.no"})  # fmt: skip
    assert settings.privacy_contact == "a@example.no"
    assert settings.accessibility_contact == "uu@example.no"
    unset = settings_from_env({"TRD30_PRIVACY_CONTACT": " "})
    assert unset.privacy_contact is None and unset.accessibility_contact is None


def test_the_accessibility_contact_is_its_own_or_else_the_privacy_contact():
    both = Installation(privacy_contact="a@example.no", accessibility_contact="uu@example.no")
    own = render_page("accessibility", "en", both)
    assert 'href="mailto:uu@example.no"' in own and "a@example.no" not in own
    default = render_page("accessibility", "en", Installation(privacy_contact="a@example.no"))
    assert 'href="mailto:a@example.no"' in default


def test_the_accessibility_statement_counts_its_deviations_and_names_standard_and_complaints(
    client,
):
    facts = declaration()
    criteria = {d["criterion"] for d in facts["deviations"]}
    html = soup(client.get("/tilgjengelighet/").text)
    status = html.find("p", class_="status").get_text()
    said = words("nb")["accessibility"]["status"]
    if criteria:
        assert status == (f"{said['partly']} Det er brudd på {len(criteria)} av "
                          f"{WCAG_REQUIREMENTS} krav.")  # fmt: skip
    else:  # none known, and not every criterion assessed: it does not claim to comply
        assert not facts["assessed_all"]
        assert status == said["unassessed"].format(total=WCAG_REQUIREMENTS)
    assert "WCAG 2.1 nivå A og AA" in html.main.get_text()
    found = [h.get_text() for h in html.find_all("h3")]
    assert found == [f"{d['criterion']} {d['nb']['name']} (nivå {d['level']})"
                     for d in facts["deviations"]]  # fmt: skip
    hrefs = {a["href"] for a in html.main.find_all("a")}
    assert {"https://www.uutilsynet.no/", "https://www.diskrimineringsnemnda.no/"} <= hrefs
    assert f"mailto:{CONTACT}" in hrefs  # the privacy contact, as none of its own is set
    dates = html.find("h2", string="Om erklæringen").parent.get_text()
    assert "2. desember 2026" in dates


DEVIATION = {
    "criterion": "1.4.11", "level": "AA", "users": ["limited_sight", "no_colour"],
    **{language: {"name": f"Navn {language}", "problem": "Problem <b>", "reason": "Grunn",
                  "instead": "I stedet"} for language in LANGUAGES},
}  # fmt: skip


def test_a_known_deviation_is_counted_and_described_with_the_users_it_affects(monkeypatch):
    second = {**DEVIATION, "criterion": "1.3.1", "level": "A", "users": ["no_sight"]}
    monkeypatch.setitem(declaration(), "deviations", [DEVIATION, second, DEVIATION])
    page = soup(render_page("accessibility", "nb", Installation()))
    assert page.find("p", class_="status").get_text() == (
        "Tjenesten er delvis i samsvar med kravene til universell utforming av IKT. "
        "Det er brudd på 2 av 47 krav.")  # fmt: skip
    users = page.find("h2", string="Hva betyr bruddene for brukerne?").parent
    assert [li.get_text() for li in users("li")] == ["Bruk uten syn", "Bruk med begrenset syn",
                                                     "Bruk uten fargesyn"]  # fmt: skip
    titles = [h.get_text() for h in page.find_all("h3")]
    assert titles[:2] == ["1.3.1 Navn nb (nivå A)", "1.4.11 Navn nb (nivå AA)"]  # in order
    listed = page.find("dl", class_="avvik")
    assert [dt.get_text() for dt in listed("dt")] == ["Problemet", "Årsaken", "Dette kan du gjøre"]
    assert listed.dd.get_text() == "Problem <b>"  # escaped


def test_with_no_known_deviations_the_statement_does_not_claim_more_than_was_assessed(
    monkeypatch,
):

    monkeypatch.setitem(declaration(), "deviations", [])
    monkeypatch.setitem(declaration(), "assessed_all", False)
    page = soup(render_page("accessibility", "nn", Installation()))
    status = page.find("p", class_="status").get_text()
    assert status.startswith("Vi kjenner ikkje til brot på nokon av dei 47 krava")
    assert "i samsvar med krava" not in status
    assert page.main.find("h3") is None and page.main.find("ul") is None
    assert words("nn")["accessibility"]["users"]["none"] in page.main.get_text()
    monkeypatch.setitem(declaration(), "assessed_all", True)  # every criterion assessed
    page = soup(render_page("accessibility", "nn", Installation()))
    assert page.find("p", class_="status").get_text().startswith("Tenesta er i samsvar")


def test_the_declaration_has_its_dates_and_describes_each_deviation_in_every_language():
    facts = declaration()
    assert isinstance(facts["created"], dt.date) and facts["created"] <= facts["updated"]
    assert isinstance(facts["assessed_all"], bool)
    groups = set(words("nb")["accessibility"]["users"]["groups"])
    for deviation in facts["deviations"]:
        assert re.fullmatch(r"\d\.\d{1,2}\.\d{1,2}", deviation["criterion"])
        assert deviation["level"] in ("A", "AA") and set(deviation["users"]) <= groups
        for language in LANGUAGES:
            assert set(deviation[language]) == {"name", "problem", "reason", "instead"}


def test_every_language_file_has_the_words_of_the_bokmal_one_with_the_same_blanks():
    def shape(value):
        if isinstance(value, dict):
            return {key: shape(v) for key, v in value.items()}
        if isinstance(value, list):
            return [shape(v) for v in value]
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name}
        return names, len(re.findall(r"\]\(", value))  # the same blanks and links

    for language in ("nn", "en"):
        assert shape(words(language)) == shape(words("nb")), language


def test_the_pages_allow_nothing_but_their_inlined_stylesheet(client):
    response = client.get("/tilgjengelighet/?lang=nn")
    policy = response.headers["content-security-policy"]
    css = soup(response.text).style.string
    assert "--ds-" in css and "font-size" in css  # web/pages.css, inlined
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
    assert policy.startswith("default-src 'none';") and "script-src" not in policy
    assert f"frame-ancestors 'self' {EMBEDDER}" in policy  # the embedded chat links here
    assert response.headers["x-content-type-options"] == "nosniff"


def test_only_get_and_head_are_answered(client):
    head = client.head("/om-tjenesten/")
    assert head.status_code == 200 and head.content == b""
    posted = client.post("/om-tjenesten/", json={})
    assert posted.status_code == 405 and posted.json()["detail"].startswith("Denne metoden")


@pytest.mark.parametrize("path", ["/om-tjenesten", "/personvern", "/tilgjengelighet"])
def test_without_the_slash_a_page_redirects_keeping_the_language(client, path):
    response = client.get(path, params={"lang": "nn"})
    assert response.status_code == 308
    assert response.headers["location"] == f"{path}/?lang=nn"
    assert client.get(path).headers["location"] == f"{path}/"


def test_under_a_root_path_the_redirect_keeps_the_prefix(bot):
    server = app.create_server(bot, root_path="/trd30")
    with TestClient(server, base_url=LOCAL, follow_redirects=False) as client:
        response = client.get("/personvern", params={"lang": "en"})
        assert response.headers["location"] == "/trd30/personvern/?lang=en"
        page = client.get("/personvern/", params={"lang": "en"})
    assert page.status_code == 200  # its links are relative: the prefix needs nothing
    assert all(not a["href"].startswith("/") for a in soup(page.text).find_all("a"))


def test_the_redirect_repeats_a_query_only_as_printable_ascii(client):
    sent = client.get("/personvern?lang=%C3%A6&x=%0d%0aSet-Cookie:a")  # percent-encoded
    assert sent.headers["location"] == "/personvern/?lang=%C3%A6&x=%0d%0aSet-Cookie:a"
    assert "set-cookie" not in sent.headers
    raw = asyncio.run(redirect_of(b"lang=\xe6 x\r\nSet-Cookie: a"))  # as raw bytes: dropped
    assert raw == b"/personvern/"


async def redirect_of(query: bytes) -> bytes:
    """The Location the gate sends for /personvern with this raw query string."""
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": "/personvern", "root_path": "",
             "query_string": query, "headers": [(b"host", b"localhost")]}  # fmt: skip
    await Gate(None, views=[])(scope, receive, send)
    return dict(sent[0]["headers"])[b"location"]
