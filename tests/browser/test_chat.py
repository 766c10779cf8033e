"""The chat page in a real browser: bokmål, keyboard use, sources, no-answer, and XSS."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import (
    PAYLOADS,
    TEST_DOC_DATE,
    TEST_DOC_TITLE,
    TEST_DOC_URL,
    answers,
    ask,
    javascript_links,
    last_reply,
    no_sideways_scroll,
)

pytestmark = pytest.mark.browser

MAX_TABS = 15
DOC_QUESTION = "Hvor mange sensorer bruker prosjektet Smart snørydding?"


def focus_in(page, selector: str) -> bool:
    return page.evaluate(f"!!document.activeElement?.closest({selector!r})")


def test_page_language_is_bokmal_even_for_an_english_browser(app_url, open_page):
    page, _ = open_page(app_url + "/")  # the browser context's locale is en-US
    expect(page.locator("#sporsmal textarea")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "nb"
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("main, [role='main']").first).to_be_visible()


def test_ask_and_open_a_source_with_the_keyboard_only(app_url, open_page):
    page, _ = open_page(app_url + "/")
    expect(page.locator("#sporsmal textarea")).to_be_visible()
    # Start from the top of the page, with nothing focused (the box has autofocus).
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.locator("h1").click()
    for _ in range(MAX_TABS):
        if focus_in(page, "#sporsmal"):
            break
        page.keyboard.press("Tab")
    assert focus_in(page, "#sporsmal"), f"the question box is not reached in {MAX_TABS} tabs"
    assert page.evaluate("document.activeElement.tagName") in ("TEXTAREA", "INPUT")

    page.keyboard.type("Hva er KSF Helse?")
    page.keyboard.press("Enter")
    expect(answers(page)).to_have_count(1)
    reply = last_reply(page)
    expect(reply.locator(".trd-svar")).to_contain_text("[1]")
    assert focus_in(page, "#sporsmal"), "focus left the question box after the answer"

    # Back from the question box to the first source's summary, then open it.
    summary = reply.locator(".trd-kilder li").first.locator("summary")
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab")
        if summary.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the first source's summary is not reached by Shift+Tab")
    passage = reply.locator(".trd-kilder li").first.locator("blockquote")
    expect(passage).to_be_hidden()
    page.keyboard.press("Enter")
    expect(reply.locator(".trd-kilder details").first).to_have_attribute("open", "")
    expect(passage).to_be_visible()
    expect(passage.locator("mark").first).to_be_visible()
    expect(passage.locator("mark").first).not_to_be_empty()
    # The focus ring is drawn (an outline) on the focused summary.
    outline = summary.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"


def test_a_cited_document_with_a_url_gets_a_link(app_url, open_page):
    page, log = open_page(app_url + "/")
    reply = ask(page, DOC_QUESTION)
    sources = reply.locator(".trd-kilder")
    expect(sources.locator("summary").first).to_contain_text(f"«{TEST_DOC_TITLE}»")
    expect(sources.locator("summary").first).to_contain_text(f"sist oppdatert {TEST_DOC_DATE}")
    link = sources.locator(f'a[href="{TEST_DOC_URL}"]')
    expect(link).to_have_count(1)
    expect(link).to_have_text(TEST_DOC_URL)
    assert all(
        href.startswith(("https://", "http://"))
        for href in sources.locator("a").evaluate_all("els => els.map(a => a.href)")
    )
    assert javascript_links(page) == 0
    assert log.dialogs == []


def test_a_question_the_documents_do_not_answer_gets_the_no_answer_text(app_url, open_page):
    page, _ = open_page(app_url + "/")
    reply = ask(page, "Når går neste buss fra Lerkendal til sentrum?")
    expect(reply).to_contain_text("Jeg finner ikke svar på dette")
    expect(reply.locator(".trd-kilder")).to_have_count(0)
    expect(page.locator("#samtale .trd-kilder, #samtale details")).to_have_count(0)


def test_markup_in_a_question_shows_as_text_and_never_runs(app_url, open_page):
    page, log = open_page(app_url + "/")
    question = "<img src=x onerror=alert(1)> <script>alert(2)</script> [x](javascript:alert(3))"
    ask(page, question)
    asked = page.locator("#samtale [data-testid='user']").last
    expect(asked).to_have_text(question)
    page.wait_for_timeout(500)  # time for an injected handler to fire, if there were one
    assert log.dialogs == []
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#samtale img, #samtale script").count() == 0
    assert javascript_links(page) == 0
    assert log.errors == []


def test_markup_in_a_document_shows_as_text_and_never_runs(app_url, open_page):
    page, log = open_page(app_url + "/")
    reply = ask(page, DOC_QUESTION)
    source = reply.locator(".trd-kilder li").first
    source.locator("summary").click()
    passage = source.locator("blockquote")
    expect(passage).to_be_visible()
    for payload in PAYLOADS:
        expect(passage).to_contain_text(payload)
    page.wait_for_timeout(500)
    assert log.dialogs == []
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#samtale img, #samtale script").count() == 0
    assert javascript_links(page) == 0
    # The screen-reader copy of the answer is the answer and a source count, as text.
    status = page.locator("#svar-status")
    expect(status).to_contain_text("1 kilde under svaret")
    assert status.locator("img, script, a").count() == 0


def test_the_answer_is_announced_once_by_one_live_region(app_url, open_page):
    page, _ = open_page(app_url + "/")
    status = page.locator("#svar-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_attribute("role", "status")
    ask(page, "Hva er KSF Helse?")
    expect(status).to_contain_text("KSF er en samarbeids- og finansieringsmodell")
    expect(status).to_contain_text("Svar 1:")
    expect(status).not_to_contain_text("En slik struktur")  # the passage is not read out
    # The live text is for screen readers only: visually hidden, but not display:none.
    hidden = status.locator(".trd-skjult")
    box = hidden.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1
    # The chat's own live regions (raw HTML, English) are silenced, and relabelled.
    live = page.locator(
        "#samtale :is([aria-live], [role='log'], [role='status'], [role='alert'])"
        ":not([aria-live='off'])"
    )
    expect(live).to_have_count(0)
    log = page.locator("#samtale [role='log']")
    expect(log).to_have_attribute("aria-label", "Samtale")
    expect(log).to_have_attribute("tabindex", "0")  # it scrolls: the keyboard can scroll it
    # Each message is a group named in bokmål, not "bot's message: <p>…" (HTML, English).
    labels = page.locator("#samtale [data-testid='bot'], #samtale [data-testid='user']")
    names = labels.evaluate_all("els => els.map(el => el.getAttribute('aria-label'))")
    assert names == ["Fra TRD3.0-boten", "Ditt spørsmål", "Fra TRD3.0-boten"]


def test_the_main_view_has_no_sideways_scrolling_at_320_px(app_url, open_page, artifacts):
    page, _ = open_page(app_url + "/", 320, 700)
    reply = ask(page, "Hva er KSF Helse?")
    reply.locator("summary").first.click()
    expect(reply.locator("blockquote").first).to_be_visible()
    assert no_sideways_scroll(page)
    page.screenshot(path=artifacts / "main-320.png", full_page=True)
