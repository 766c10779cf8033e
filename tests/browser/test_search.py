"""Staff search ("Søk i dokumentene") in a real browser: marked words, document filter."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import TEST_DOC_TITLE, no_sideways_scroll

pytestmark = pytest.mark.browser

CORPUS_TITLE = "Hva bidrar TRD 3.0 til?"


def test_search_marks_the_words_and_filters_by_document(app_url, open_page):
    page, log = open_page(app_url + "/sok/")
    assert page.evaluate("document.documentElement.lang") == "nb"
    expect(page.locator("h1")).to_have_text("Søk i dokumentene")
    field = page.locator("#sok-felt textarea, #sok-felt input").first
    field.fill("kombinerte stillinger")
    field.press("Enter")

    results = page.locator("#sok-resultater ol.trd-treff > li")
    expect(results.first).to_be_visible()
    sources = page.locator("#sok-resultater .trd-treff-kilde")
    expect(sources.filter(has_text=f"«{CORPUS_TITLE}»").first).to_be_visible()
    expect(sources.filter(has_text=f"«{TEST_DOC_TITLE}»").first).to_be_visible()
    marked = page.locator("#sok-resultater blockquote mark").all_inner_texts()
    assert marked, "no word is marked"
    assert {m.lower() for m in marked} >= {"kombinerte", "stillinger"}
    assert all(re.match(r"(?i)(kombiner|stilling)", m) for m in marked), marked
    # The number of hits is a status message for screen readers.
    count = page.locator("#sok-resultater .trd-sok-antall").inner_text()
    expect(page.locator("#sok-resultater [role='status']")).to_have_text(count)

    # Only the test document: choose it in the "Dokument" dropdown.
    dropdown = page.locator("#sok-dokument input").first
    expect(dropdown).to_have_value("Alle dokumenter")
    dropdown.click()
    page.get_by_role("option", name=TEST_DOC_TITLE).click()
    expect(sources.filter(has_text=f"«{CORPUS_TITLE}»")).to_have_count(0)
    expect(sources.first).to_contain_text(f"«{TEST_DOC_TITLE}»")
    assert all(f"«{TEST_DOC_TITLE}»" in s for s in sources.all_inner_texts())
    expect(page.locator("#sok-resultater blockquote mark").first).to_be_visible()
    assert no_sideways_scroll(page)
    assert log.dialogs == []
