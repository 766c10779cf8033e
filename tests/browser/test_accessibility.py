"""axe-core on each view after an answer or a search, screenshots, and local requests only.

The axe results (all impacts) go to ARTIFACTS/axe-results.json (helpers.py) and the summary;
the tests fail on any "serious" or "critical" violation.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .helpers import ask, save_axe

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")


def show_answer(page, open_source: bool = True):
    reply = ask(page, "Hva er KSF Helse?")
    if open_source:
        reply.locator("summary").first.click()
        expect(reply.locator("blockquote mark").first).to_be_visible()
    return reply


def show_search(page):
    field = page.locator("#sok-felt textarea, #sok-felt input").first
    field.fill("kombinerte stillinger")
    field.press("Enter")
    expect(page.locator("#sok-resultater blockquote mark").first).to_be_visible()


def show_iframe_answer(page):
    page.locator("iframe#trd-ramme").scroll_into_view_if_needed()
    ask(page.frame_locator("iframe#trd-ramme"), "Hva er KSF Helse?")


VIEWS = {
    # view: (address, width, height, colour scheme, what to do first, screenshot)
    "main": ("{app}/", 1280, 900, "light", show_answer, "main.png"),
    "embed": ("{app}/embed/", 380, 600, "light", show_answer, None),  # embed-*.png: test_embed
    "search": ("{app}/sok/", 1280, 900, "light", show_search, "search.png"),
    "main-dark": ("{app}/", 1280, 900, "dark", show_answer, "main-dark.png"),
    # The example host page itself (the chat in its iframe is the "embed" view).
    "embed-host": ("{examples}/embed.html?bot={app}", 380, 600, "light", show_iframe_answer, None),
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_axe_finds_no_serious_or_critical_violations(
    app_url, examples_url, open_page, artifacts, view
):
    address, width, height, scheme, prepare, screenshot = VIEWS[view]
    page, _ = open_page(address.format(app=app_url, examples=examples_url), width, height, scheme)
    prepare(page)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    result = save_axe(view, Axe().run(page).response)
    print(f"\naxe {view}:", [(v["id"], v["impact"], v["nodes"]) for v in result["violations"]])
    if screenshot:
        page.screenshot(path=artifacts / screenshot, full_page=True)
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
    assert blocking == [], blocking


def test_placeholder_and_focus_ring_have_enough_contrast(app_url, open_page):
    """What axe does not check: the placeholder text (4.5:1) and the focus ring (3:1)."""
    page, _ = open_page(app_url + "/")
    box = page.locator("#sporsmal textarea")
    expect(box).to_be_visible()
    colours = box.evaluate(
        """el => ({placeholder: getComputedStyle(el, '::placeholder').color,
                   background: getComputedStyle(el).backgroundColor})"""
    )
    assert contrast(colours["placeholder"], colours["background"]) >= 4.5, colours
    send = page.locator("#send")
    send.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies
    page.wait_for_function("document.activeElement.getAnimations().length === 0")  # 0.2 s fade
    ring = send.evaluate(
        """el => ({colour: getComputedStyle(el).outlineColor,
                   width: parseFloat(getComputedStyle(el).outlineWidth),
                   style: getComputedStyle(el).outlineStyle,
                   page: getComputedStyle(document.body).backgroundColor})"""
    )
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    assert contrast(ring["colour"], ring["page"]) >= 3, ring


def test_every_request_stays_on_this_machine(app_url, examples_url, open_page):
    """No fonts, scripts or analytics from elsewhere, from any view or the host page."""
    requested = []
    for path, prepare in (("/", show_answer), ("/embed/", show_answer), ("/sok/", show_search)):
        page, log = open_page(app_url + path)
        prepare(page)
        requested += log.requests
    page, log = open_page(f"{examples_url}/embed.html?bot={app_url}", 380, 600)
    page.locator("iframe#trd-ramme").scroll_into_view_if_needed()
    ask(page.frame_locator("iframe#trd-ramme"), "Hva er KSF Helse?")
    page.locator("#trd-komponent").scroll_into_view_if_needed()
    page.wait_for_timeout(1000)  # what the web component fetches once it is in view
    requested += log.requests
    assert requested
    elsewhere = sorted(
        {url for url in requested if not url.startswith(("data:", "blob:"))}
        - {url for url in requested if urlsplit(url).hostname == "127.0.0.1"}
    )
    assert elsewhere == []


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours (alpha over white)."""

    def rgb(css: str) -> tuple[float, ...]:
        parts = [float(p) for p in css[css.index("(") + 1 : -1].replace("/", ",").split(",")]
        r, g, b, a = (parts + [1.0])[:4]
        return tuple(c * a + 255 * (1 - a) for c in (r, g, b))

    def luminance(colour: tuple[float, ...]) -> float:
        def channel(c: float) -> float:
            c /= 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(c) for c in colour)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(rgb(foreground)), luminance(rgb(background))), reverse=True)
    return (light + 0.05) / (dark + 0.05)
