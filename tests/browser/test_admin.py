"""The admin view in a real browser: it asks for the token, then shows what it knows and
the content gaps of the questions this test asked, and reads well by keyboard (axe)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .helpers import ADMIN_TOKEN, TIMEOUT_MS, save_axe

pytestmark = pytest.mark.browser


def admin_page(browser, credentials=None):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US",
                                  http_credentials=credentials)  # fmt: skip
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def test_the_admin_view_refuses_a_browser_without_the_token(browser, app_url):
    context, _ = admin_page(browser)  # headless Chromium cannot show the login dialog:
    response = context.request.get(app_url + "/admin/")  # the browser's own request
    assert response.status == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert "Dokumentene boten svarer fra" not in response.text()
    wrong = context.request.get(app_url + "/admin/", headers={"authorization": "Bearer feil"})
    assert wrong.status == 401 and "Dokumentene" not in wrong.text()
    context.close()


def test_the_admin_view_lists_the_documents_passes_axe_and_works_by_keyboard(browser, app_url):
    context, page = admin_page(browser, {"username": "stab", "password": ADMIN_TOKEN})
    gap = "Hvor mye koster et årskort på bussen i Trondheim?"  # not in the documents
    for _ in range(2):
        asked = context.request.post(app_url + "/api/ask", data={"question": gap})
        assert asked.json()["status"] == "no_answer"
    response = page.goto(app_url + "/admin/")
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    table = page.get_by_role("table", name="Dokumentene boten svarer fra")
    expect(table.get_by_role("row")).not_to_have_count(1)  # a header row and documents
    expect(page.get_by_role("rowheader", name="Hva bidrar TRD 3.0 til?")).to_be_visible()
    gaps = page.get_by_role("table", name="Spørsmål dokumentene ikke svarte på, de vanligste først")
    expect(gaps.get_by_role("row").filter(has_text=gap).locator("td").nth(1)).to_have_text("2")
    result = save_axe("admin", Axe().run(page).response)
    blocking = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert blocking == [], blocking
    page.keyboard.press("Tab")  # the first stop: back to the chat, with a visible ring
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Til TRD3.0-boten"
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring != "none"
    page.keyboard.press("Enter")
    expect(page).to_have_url(app_url + "/")
    context.close()
