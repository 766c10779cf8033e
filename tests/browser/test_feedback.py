"""Feedback in a real browser: thumbs down on an answer by keyboard, a reason, and what
the real database kept of it (masked)."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import expect

from bot.store import DB_NAME

from .helpers import ask

pytestmark = pytest.mark.browser


def test_a_thumbs_down_with_a_reason_reaches_the_database_masked(app_url, app_data, open_page):
    page, log = open_page(app_url + "/")
    ask(page, "Hva er KSF Helse?")
    conversation = page.locator("#samtale")
    down = conversation.get_by_role("button", name="Liker ikke").last
    expect(down).to_be_visible()
    down.focus()
    page.keyboard.press("Enter")  # by keyboard
    why = page.locator("#grunn")  # the reasons, shown after a thumbs down
    expect(why).to_be_visible()
    expect(page.locator("#svar-status")).to_contain_text("Si gjerne hva som var galt")
    page.get_by_label("Kildene passet ikke").check()
    page.locator("#grunn-tekst textarea").fill("Ring meg på 912 34 567")
    page.get_by_role("button", name="Send tilbakemelding").click()
    expect(page.locator("#svar-status")).to_contain_text("Takk for tilbakemeldingen!")
    expect(why).to_be_hidden()
    assert log.errors == []

    db = sqlite3.connect(app_data / DB_NAME)
    rows = db.execute("SELECT q.question, f.rating, f.reason, f.free_text FROM feedback f "
                      "JOIN questions q ON q.id = f.question_id").fetchall()  # fmt: skip
    assert [(q, r, why) for q, r, why, _ in rows] == [("Hva er KSF Helse?", "down",
                                                       "Kildene passet ikke")]  # fmt: skip
    assert "912" not in (rows[0][3] or "") and "Ring meg" in rows[0][3]
