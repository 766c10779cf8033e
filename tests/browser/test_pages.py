"""The pages about the service in a real browser: Om tjenesten, Personvern and
Tilgjengelighetserklæring, each in bokmål, nynorsk and English, against the running app.

Each of the nine loads, says its language, passes axe (no serious or critical
violation), and breaks no rule of its own Content-Security-Policy; the links between
languages and pages lead where they say; the keyboard reaches a link with a visible
focus ring; what the privacy page says of the browser holds after a question in the
chat. The bokmål pages are saved as screenshots (ARTIFACTS).
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from bot.pages import LANGUAGES, PAGES, words

from .helpers import TEST_DOC_TITLE, TEST_DOC_URL, ask, save_axe
from .test_accessibility import BLOCKING, contrast

# The app under TRD30_ROOT_PATH and nginx in front of it, as test_proxy starts them.
from .test_proxy import PREFIX, hosts, prefixed_app, proxied, redirect, visit  # noqa: F401

pytestmark = pytest.mark.browser

PATHS = {key: path for path, key in PAGES.items()}


def open_logged(open_page, url: str, width: int = 1280, height: int = 900):
    """open_page, also keeping the console's errors (a refused style says so there)."""
    page, log = open_page("about:blank", width, height)
    page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    response = page.goto(url)
    return page, log, response


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", list(PATHS))
def test_each_page_loads_in_each_language_and_passes_axe(
    app_url, open_page, artifacts, key, language
):
    page, log, response = open_logged(open_page, f"{app_url}/{PATHS[key]}/?lang={language}")
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("h1")).to_have_text(words(language)[key]["title"])
    font = page.evaluate("getComputedStyle(document.body).fontSize")
    assert font == "18px"
    result = save_axe(f"{PATHS[key]}-{language}", Axe().run(page).response)
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
    assert blocking == [], blocking
    assert log.errors == [] and log.dialogs == []  # nothing refused by the page's policy
    assert all(url.startswith(app_url) or url.startswith("data:") for url in log.requests)
    if language == "nb":  # for docs/screenshots/
        save_small_png(page.screenshot(full_page=True), artifacts / f"{PATHS[key]}.png")


def save_small_png(png: bytes, path) -> None:
    """A screenshot in 64 colours: text pages stay sharp, and the file a third the size."""
    from PIL import Image

    Image.open(io.BytesIO(png)).convert("RGB").quantize(64).save(path, optimize=True)


def test_the_language_links_and_the_page_links_lead_where_they_say(app_url, open_page):
    page, _ = open_page(app_url + "/om-tjenesten/")
    page.get_by_role("navigation", name="Språk").get_by_role("link", name="Norsk nynorsk").click()
    expect(page).to_have_url(app_url + "/om-tjenesten/?lang=nn")
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    footer = page.get_by_role("navigation", name="Sider om tenesta")
    footer.get_by_role("link", name="Personvern").click()
    expect(page).to_have_url(app_url + "/personvern/?lang=nn")
    expect(page.locator("h1")).to_have_text("Personvern")
    page.get_by_role("navigation", name="Sider om tenesta").get_by_role(
        "link", name="Tilgjengelegheitserklæring").click()  # fmt: skip
    expect(page).to_have_url(app_url + "/tilgjengelighet/?lang=nn")
    page.get_by_role("navigation", name="Språk").get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Accessibility statement")
    page.get_by_role("navigation", name="About the service").get_by_role(
        "link", name="To the chat").click()  # fmt: skip
    expect(page.locator("#sporsmal textarea")).to_be_visible()  # the chat itself


def test_the_page_without_its_slash_is_found(app_url, open_page):
    page, _ = open_page(app_url + "/tilgjengelighet?lang=en")
    expect(page).to_have_url(app_url + "/tilgjengelighet/?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_keyboard_reaches_a_link_with_a_visible_focus_ring(app_url, open_page):
    page, _ = open_page(app_url + "/personvern/")
    page.keyboard.press("Tab")  # first: the skip link, shown when it has focus
    skip = page.locator("a.hopp")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")  # the first link in the text: the contact, or a page's own
    focused = page.evaluate(
        """() => { const el = document.activeElement, s = getComputedStyle(el);
                   return {tag: el.tagName, inMain: !!el.closest('main'), style: s.outlineStyle,
                           width: parseFloat(s.outlineWidth), colour: s.outlineColor,
                           page: getComputedStyle(document.body).backgroundColor}; }"""
    )
    assert focused["tag"] == "A" and focused["inMain"], focused
    assert focused["style"] != "none" and focused["width"] >= 2, focused
    assert contrast(focused["colour"], focused["page"]) >= 3, focused


def test_the_pages_describe_this_installation(app_url, open_page):
    """The running app's own documents, retention days and (unset) contact."""
    page, _ = open_page(app_url + "/om-tjenesten/")
    table = page.get_by_role("table", name="Dokumentene boten svarer fra")
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=TEST_DOC_TITLE))
    expect(row.get_by_role("link", name=TEST_DOC_URL)).to_have_attribute("href", TEST_DOC_URL)
    expect(row.get_by_role("cell").last).to_have_text("5. mars 2024")
    page.goto(app_url + "/personvern/")
    expect(page.get_by_text("slettes når det er 30 dager gammelt")).to_be_visible()
    expect(page.locator("main")).to_contain_text("(TRD30_PRIVACY_CONTACT)")


def test_the_chat_keeps_nothing_in_the_browser(app_url, open_page):
    """What the privacy page says: no cookies, nothing stored in the browser."""
    page, _ = open_page(app_url + "/")
    ask(page, "Hva er KSF Helse?")  # (no thumbs: test_feedback counts the feedback kept)
    page.goto(app_url + "/personvern/")
    stored = page.evaluate(
        """async () => ({local: localStorage.length, session: sessionStorage.length,
                         databases: (await indexedDB.databases()).length,
                         caches: (await caches.keys()).length})"""
    )
    assert stored == {"local": 0, "session": 0, "databases": 0, "caches": 0}
    assert page.context.cookies() == []
    page.goto(app_url + "/")
    expect(page.locator("#sporsmal textarea")).to_be_visible()
    expect(page.locator("#samtale [data-testid='user']")).to_have_count(0)  # it is gone


@pytest.mark.parametrize("way", ["direct", "strips", "keeps"])
def test_the_pages_work_under_a_root_path(prefixed_app, proxied, visit, way):  # noqa: F811
    """TRD30_ROOT_PATH=/trd30, asked directly and through nginx (test_proxy's fixtures):
    the links between the pages and to the chat stay under the prefix and lead there."""
    bot = f"{prefixed_app}{PREFIX}" if way == "direct" else proxied[way]
    page, network = visit(f"{bot}/om-tjenesten/?lang=en")
    expect(page.locator("h1")).to_have_text("About the service")
    footer = page.get_by_role("navigation", name="About the service")
    footer.get_by_role("link", name="Privacy").click()
    expect(page).to_have_url(f"{bot}/personvern/?lang=en")
    languages = page.get_by_role("navigation", name="Language")
    languages.get_by_role("link", name="Norsk nynorsk").click()
    expect(page).to_have_url(f"{bot}/personvern/?lang=nn")
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    page.get_by_role("navigation", name="Sider om tenesta").get_by_role(
        "link", name="Til chatten").click()  # fmt: skip
    expect(page.locator("#sporsmal textarea")).to_be_visible()
    assert urlsplit(page.url).path == f"{PREFIX}/"
    assert redirect(f"{bot}/tilgjengelighet") == (308, f"{PREFIX}/tilgjengelighet/")
    assert network.failures == []
