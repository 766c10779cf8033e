"""The look of a Norwegian public service, in a real browser: the header with the owner,
Designsystemet's 18 px text and focus ring, the AI notice that stays by the question
box, the footer's links to the service's pages, the three languages of the page and of
each answer, a phone's first screen, and axe in every language on the chat and the
embedded chat. Screenshots of the main view (desktop and phone) and the embedded view go
to ARTIFACTS (the README's come from there).

A second app (TRD30_ROOT_PATH=/trd30, an owner and a logo) shows the logo and that the
footer's links hold under a path prefix.
"""

from __future__ import annotations

import re
import urllib.request

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from bot.page import words

from .helpers import answers, ask, last_reply, no_sideways_scroll, save_axe

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")
PREFIX = "/trd30"
OWNER = "Trondheim kommune"
LOGO = (b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
        b'<rect width="120" height="40" fill="#0062ba"/></svg>')  # fmt: skip
PAGES = ("om-tjenesten/", "personvern/", "tilgjengelighet/")


def ready(page):
    expect(page.locator("#sporsmal textarea")).to_be_visible()
    expect(page.locator(".trd-bunn")).to_be_visible()
    return page


def choose(page, language: str):
    """Chooses `language` in the header, as a visitor would (a click on its name)."""
    page.locator(f"#sprak input[value='{language}']").check()
    expect(page.locator(".trd-bunn")).to_have_attribute("data-trd-ui", language)


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=15) as response:
        return response.status, response.read().decode("utf-8")


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return (box is not None and box["y"] >= 0 and box["x"] >= 0
            and box["y"] + box["height"] <= size["height"]
            and box["x"] + box["width"] <= size["width"])  # fmt: skip


# --- the header, the type, the focus ---


def test_the_header_names_the_service_and_its_owner(app_url, open_page):
    page, _ = open_page(app_url + "/")
    header = ready(page).locator(".trd-topp")
    expect(header.locator("h1")).to_have_text("TRD3.0-boten")
    expect(header).to_contain_text("Universitetskommunen TRD3.0")
    expect(page.locator("h1")).to_have_count(1)
    page, _ = open_page(app_url + "/embed/", 380, 600)
    expect(ready(page).locator(".trd-topp h1")).to_have_text("TRD3.0-boten")
    expect(page.locator(".trd-eier-linje")).to_have_text(
        "En tjeneste fra Universitetskommunen TRD3.0"
    )


def test_body_text_is_18_px(app_url, open_page):
    page, _ = open_page(app_url + "/")
    ready(page)
    reply = ask(page, "Hva er KSF Helse?")
    sizes = page.evaluate(
        """() => ['.gradio-container', '#samtale .trd-velkomst p', '#sporsmal textarea',
                  '#samtale .trd-svar p'].map(s =>
            [s, getComputedStyle(document.querySelector(s)).fontSize])"""
    )
    assert all(size == "18px" for _, size in sizes), sizes
    assert reply.evaluate("el => getComputedStyle(el.querySelector('.trd-svar')).fontSize") == (
        "18px"
    )


def test_keyboard_focus_shows_designsystemets_two_colour_ring(app_url, open_page):
    page, _ = open_page(app_url + "/")
    box = ready(page).locator("#sporsmal textarea")
    box.focus()
    page.keyboard.press("Tab")  # to «Spør», by keyboard, so :focus-visible applies
    assert page.evaluate("document.activeElement.id") == "send"
    page.wait_for_function("document.activeElement.getAnimations().length === 0")
    ring = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return {style: s.outlineStyle, width: s.outlineWidth, colour: s.outlineColor,
                           offset: s.outlineOffset, shadow: s.boxShadow}; }"""
    )
    # The outer colour (#1f2c3d) 3 px outside the button, the inner (#ffffff) between.
    assert ring["style"] == "solid" and ring["width"] == "3px", ring
    assert ring["colour"] == "rgb(31, 44, 61)" and ring["offset"] == "3px", ring
    assert re.search(r"rgb\(255, 255, 255\) 0px 0px 0px 3px", ring["shadow"]), ring
    # The language choice draws the ring on the name of the focused language.
    page.locator("#sprak input[value='nb']").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    label = page.locator("#sprak label:has(input:focus-visible)")
    expect(label).to_have_count(1)
    assert label.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    assert label.evaluate("el => getComputedStyle(el).outlineWidth") == "3px"


# --- the AI notice and the footer ---


def test_the_ai_notice_stays_by_the_question_box_after_three_answers(app_url, open_page):
    page, _ = open_page(app_url + "/")
    notice = ready(page).locator(".trd-ki-merknad")
    expect(notice).to_contain_text("Svarene lages automatisk fra dokumentene til TRD3.0 og "
                                   "kan være feil.")  # fmt: skip
    expect(notice.locator("a")).to_have_attribute("href", "om-tjenesten/?lang=nb")
    assert page.locator("#samtale .trd-ki-merknad").count() == 0  # not a chat bubble
    for n, question in enumerate(("Hva er KSF Helse?", "Hva er Unikom?",
                                  "Hvordan definerer KS innovasjon?")):  # fmt: skip
        ask(page, question, previous=n)
    expect(answers(page)).to_have_count(3)
    expect(notice).to_be_visible()
    assert in_viewport(page, notice)
    gap = page.evaluate(
        """() => document.querySelector('.trd-ki-merknad').getBoundingClientRect().top
                 - document.querySelector('#sporsmal').getBoundingClientRect().bottom"""
    )
    assert 0 <= gap <= 40, gap  # right under the question box


@pytest.mark.parametrize("path", ["/", "/embed/"])
def test_the_footer_links_open_the_three_pages_in_the_pages_language(app_url, open_page, path):
    page, _ = open_page(app_url + path, 380 if path == "/embed/" else 1280, 600)
    ready(page)
    for language in ("nb", "en"):
        if language != "nb":
            choose(page, language)
        w = words(language)
        links = page.locator(".trd-bunn a")
        tab = f" {w['new_tab']}" if path == "/embed/" else ""  # said to screen readers
        expect(links).to_have_text([w[key] + tab for key in ("about", "privacy", "accessibility")])
        hrefs = links.evaluate_all("els => els.map(a => a.href)")
        assert hrefs == [f"{app_url}/{p}?lang={language}" for p in PAGES]
        for href in hrefs + [page.locator(".trd-ki-merknad a").evaluate("a => a.href")]:
            status, body = get(href)
            assert status == 200 and re.search(rf'<html[^>]*\blang="{language}"', body), href
    if path == "/embed/":  # from a frame, the pages open in a tab of their own
        expect(page.locator(".trd-bunn a").first).to_have_attribute("target", "_blank")


def test_the_web_components_links_lead_to_the_bot_not_the_host_site(
    app_url, examples_url, open_page
):
    page, _ = open_page(f"{examples_url}/embed.html?bot={app_url}", 380, 600)
    component = page.locator("#trd-komponent")
    component.scroll_into_view_if_needed()
    links = component.locator(".trd-bunn a")
    expect(links).to_have_count(3)
    expect(links.first).to_have_attribute("href", f"{app_url}/om-tjenesten/?lang=nb")
    hrefs = links.evaluate_all("els => els.map(a => a.href)")
    assert hrefs == [f"{app_url}/{p}?lang=nb" for p in PAGES]
    assert all(get(href)[0] == 200 for href in hrefs)
    assert page.evaluate("document.documentElement.lang") == "nb"  # the host page's own


# --- languages ---


@pytest.mark.parametrize("language", ["nn", "en"])
def test_choosing_a_language_changes_the_pages_words_and_its_lang(app_url, open_page, language):
    page, _ = open_page(app_url + "/")
    ready(page)
    reply = ask(page, "Hva er KSF Helse?")  # asked before the choice: it stays bokmål
    choose(page, language)
    w = words(language)
    assert page.evaluate("document.documentElement.lang") == language
    assert page.evaluate("new URL(location.href).searchParams.get('lang')") == language
    expect(page.locator("#sporsmal [data-testid='block-info']")).to_have_text(w["question"])
    expect(page.locator("#sporsmal textarea")).to_have_attribute("placeholder", w["placeholder"])
    expect(page.locator("#send")).to_have_text(w["send"])
    expect(page.locator("#eksempler-tittel")).to_have_text(w["examples_heading"])
    expect(page.locator("#eksempler button")).to_have_text(w["examples"])
    expect(page.locator(".trd-ki-merknad")).to_contain_text(w["notice"])
    expect(page.locator("#sprak [data-testid='block-info']")).to_have_text(w["language"])
    expect(page.locator("#samtale .trd-velkomst")).to_have_text(w["welcome"])
    expect(page.locator("#samtale [role='log']")).to_have_attribute("aria-label", w["conversation"])
    # The answer given before keeps its language, and the words around it.
    expect(reply).to_have_attribute("lang", "nb")
    expect(reply.locator(".trd-kilder-tittel")).to_have_text("Kilder")
    # A question asked now, from an example in the chosen language, is answered in it.
    page.locator("#eksempler button").first.click()
    expect(answers(page)).to_have_count(2)
    latest = last_reply(page)
    expect(latest).to_have_attribute("lang", language)
    expect(page.locator("#samtale [data-testid='user']").last).to_have_attribute("lang", language)
    expect(page.locator("#svar-status p")).to_have_attribute("lang", language)
    expect(page.locator("#svar-status")).to_contain_text(w["answer_number"].format(n=2))
    # The page's address keeps the choice: a reload opens in it.
    page.reload()
    ready(page)
    expect(page.locator(".trd-bunn")).to_have_attribute("data-trd-ui", language)
    expect(page.locator("#sporsmal textarea")).to_have_attribute("placeholder", w["placeholder"])
    assert page.evaluate("document.documentElement.lang") == language


def test_an_english_question_gets_english_words_around_its_answer(app_url, open_page):
    page, _ = open_page(app_url + "/")
    reply = ask(ready(page), "What is KSF Helse?")
    expect(reply).to_have_attribute("lang", "en")
    expect(reply).to_have_attribute("aria-label", "From TRD3.0-boten")
    expect(reply.locator(".trd-svar")).to_contain_text("According to")
    expect(reply.locator(".trd-kilder-tittel")).to_have_text("Sources")
    expect(reply.locator(".trd-kilder summary").first).to_contain_text("last updated")
    asked = page.locator("#samtale [data-testid='user']").last
    expect(asked).to_have_attribute("lang", "en")
    expect(asked).to_have_attribute("aria-label", "Your question")
    thumbs = page.locator("#samtale .message-buttons").last
    expect(thumbs).to_have_attribute("lang", "en")
    expect(thumbs.get_by_role("button", name="Dislike", exact=True)).to_be_visible()
    expect(thumbs.get_by_role("button", name="Like", exact=True)).to_be_visible()
    status = page.locator("#svar-status p")
    expect(status).to_have_attribute("lang", "en")
    expect(status).to_contain_text("Answer 1: According to")
    expect(status).to_contain_text("1 source below the answer.")
    assert page.evaluate("document.documentElement.lang") == "nb"  # the page stays bokmål
    expect(page.locator("#send")).to_have_text("Spør")


# --- a phone ---


def test_on_a_phone_the_examples_then_the_latest_answer_and_the_box_are_in_sight(
    app_url, open_page, artifacts
):
    page, _ = open_page(app_url + "/", 375, 667)
    ready(page)
    assert no_sideways_scroll(page)
    for part in ("#sporsmal textarea", "#eksempler-tittel", ".trd-ki-merknad"):
        assert in_viewport(page, page.locator(part)), part
    assert in_viewport(page, page.locator("#eksempler button").first)
    page.screenshot(path=artifacts / "look-mobile-start.png")
    reply = ask(page, "Hva er KSF Helse?")
    page.wait_for_timeout(400)  # app.js shows the answer from its start once laid out
    assert page.evaluate("window.scrollY") == 0
    assert in_viewport(page, page.locator("#sporsmal textarea"))
    log = page.locator("#samtale [role='log']").bounding_box()
    start = reply.bounding_box()
    assert log["y"] <= start["y"] <= log["y"] + log["height"] - 60, (log, start)
    assert in_viewport(page, page.locator("#samtale [data-testid='user']").last)
    assert no_sideways_scroll(page)
    page.screenshot(path=artifacts / "look-mobile.png")


# --- axe in every language ---


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
@pytest.mark.parametrize("view", ["main", "embed"])
def test_axe_finds_nothing_serious_in_any_language(app_url, open_page, artifacts, view, language):
    path, width, height = {"main": ("/", 1280, 900), "embed": ("/embed/", 380, 600)}[view]
    page, _ = open_page(f"{app_url}{path}?lang={language}", width, height)
    ready(page)
    expect(page.locator(".trd-bunn")).to_have_attribute("data-trd-ui", language)
    reply = ask(page, words(language)["examples"][2])
    reply.locator("summary").first.click()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    assert page.evaluate("document.documentElement.lang") == language
    result = save_axe(f"look-{view}-{language}", Axe().run(page).response)
    if language == "nb":
        page.screenshot(path=artifacts / f"look-{view}.png")
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
    assert blocking == [], blocking


# --- an owner with a logo, under a path prefix ---


@pytest.fixture(scope="module")
def owned_app(app_process, browser_index, model_cache, tmp_path_factory):
    """The app with TRD30_ROOT_PATH=/trd30, an owner and its logo; its URL with the prefix."""
    folder = tmp_path_factory.mktemp("owner")
    (folder / "logo.svg").write_bytes(LOGO)
    with app_process(browser_index, model_cache, folder / "app.log", TRD30_ROOT_PATH=PREFIX,
                     TRD30_OWNER_NAME=OWNER, TRD30_OWNER_LOGO=str(folder / "logo.svg"),
                     TRD30_DATA=str(folder / "data")) as url:  # fmt: skip
        yield url + PREFIX


def test_the_owners_logo_is_shown_with_its_name_and_the_links_hold_under_a_prefix(
    owned_app, open_page
):
    for path, width in (("/", 1280), ("/embed/", 380)):
        page, _ = open_page(owned_app + path, width, 600)
        logo = ready(page).locator(".trd-topp img.trd-logo")
        expect(logo).to_be_visible()
        expect(logo).to_have_attribute("alt", OWNER)
        assert logo.evaluate("img => img.complete && img.naturalWidth") == 120
        expect(page.locator(".trd-eier-linje")).to_have_text(f"En tjeneste fra {OWNER}")
        hrefs = page.locator(".trd-bunn a").evaluate_all("els => els.map(a => a.href)")
        assert hrefs == [f"{owned_app}/{p}?lang=nb" for p in PAGES]
        for href in hrefs:
            status, body = get(href)
            assert status == 200 and OWNER in body, href
