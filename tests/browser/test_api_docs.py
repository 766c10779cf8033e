"""The API reference (/api/docs) in a real browser, against the running app: it loads
offline (every request to the app itself), passes axe with no serious or critical
violation, breaks no rule of its own Content-Security-Policy, fits a phone's width, and
the keyboard reaches its skip link and its links with a visible focus ring."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .helpers import no_sideways_scroll, save_axe
from .test_accessibility import BLOCKING

pytestmark = pytest.mark.browser


def open_docs(open_page, app_url: str, width: int = 1280, height: int = 900):
    page, log = open_page("about:blank", width, height)
    page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    response = page.goto(f"{app_url}/api/docs")
    return page, log, response


def test_the_api_reference_loads_offline_and_passes_axe(app_url, open_page):
    page, log, response = open_docs(open_page, app_url)
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.locator("h1")).to_have_text("API for integrasjoner")
    expect(page.locator("#post-api-ask")).to_be_visible()
    result = save_axe("api-docs", Axe().run(page).response)
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
    assert blocking == [], blocking
    assert log.errors == [] and log.dialogs == []  # nothing refused by the page's policy
    assert all(url.startswith(app_url) or url.startswith("data:") for url in log.requests)
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "18px"


def test_the_api_reference_fits_a_phone_and_works_by_keyboard(app_url, open_page):
    page, _, _ = open_docs(open_page, app_url, 375, 667)
    assert no_sideways_scroll(page)
    page.keyboard.press("Tab")
    skip = page.locator("a.hopp")
    expect(skip).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # from the main content: its first link
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "openapi.json"
    page.keyboard.press("Enter")
    page.wait_for_url("**/api/openapi.json")
    assert '"/api/ask"' in page.content()
