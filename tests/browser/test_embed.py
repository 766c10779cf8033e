"""examples/embed.html on another origin: the chat in an iframe and as a web component."""

from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import expect

from .helpers import answers, ask, javascript_links, no_sideways_scroll

pytestmark = pytest.mark.browser


def host_page(open_page, examples_url, app_url, width):
    return open_page(f"{examples_url}/embed.html?bot={app_url}", width, 600)


@pytest.mark.parametrize("width", [380, 320])
def test_the_chat_works_in_an_iframe_on_another_site(
    app_url, examples_url, open_page, artifacts, width
):
    page, log = host_page(open_page, examples_url, app_url, width)
    assert page.evaluate("document.documentElement.lang") == "nb"
    iframe = page.locator("iframe#trd-ramme")
    expect(iframe).to_have_attribute("src", f"{app_url}/embed/")
    expect(iframe).to_have_attribute("title", "TRD3.0-boten – chat")
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
    assert box["width"] <= 380 and box["height"] == 600

    chat = page.frame_locator("iframe#trd-ramme")
    reply = ask(chat, "Hva er KSF Helse?")
    expect(reply.locator(".trd-svar")).to_contain_text("[1]")
    frame = iframe.element_handle().content_frame()
    assert frame.evaluate("document.documentElement.lang") == "nb"
    assert no_sideways_scroll(frame), f"the embedded chat scrolls sideways at {width} px"
    assert no_sideways_scroll(page), f"the host page scrolls sideways at {width} px"
    if width == 380:  # the whole chat fits its 380 x 600 box
        assert frame.evaluate(
            "document.documentElement.scrollHeight <= document.documentElement.clientHeight"
        )
    assert javascript_links(page) == 0
    assert log.dialogs == []
    iframe.screenshot(path=artifacts / f"embed-{width}.png")


def test_the_bot_address_comes_only_from_an_http_url(examples_url, open_page):
    page, _ = open_page(f"{examples_url}/embed.html?bot=javascript:alert(1)//", 380, 600)
    expect(page.locator("iframe#trd-ramme")).to_have_attribute(
        "src", "http://127.0.0.1:7860/embed/"
    )
    assert javascript_links(page) == 0


def gradio_js_allows(app_url: str, origin: str) -> bool:
    request = urllib.request.Request(f"{app_url}/gradio.js", headers={"Origin": origin})
    with urllib.request.urlopen(request, timeout=10) as response:
        allowed = response.headers.get("Access-Control-Allow-Origin")
    return allowed in (origin, "*")


def test_the_chat_works_as_a_web_component_on_another_site(
    app_url, examples_url, open_page, artifacts
):
    # A module script from another site needs CORS: the embedding site must be allowed.
    assert gradio_js_allows(app_url, examples_url)
    page, log = host_page(open_page, examples_url, app_url, 380)
    component = page.locator("#trd-komponent")
    component.scroll_into_view_if_needed()  # the component loads once it is in view
    reply = ask(component, "Hva er KSF Helse?")
    expect(reply.locator(".trd-svar")).to_contain_text("[1]")
    expect(answers(component)).to_have_count(1)
    assert page.evaluate("document.documentElement.lang") == "nb"
    assert no_sideways_scroll(page)
    assert javascript_links(page) == 0
    assert log.dialogs == []
    expect(component.locator("#svar-status")).to_have_attribute("aria-live", "polite")
    # The host page has its own <main>: the component's is a named region, not a second one.
    expect(component.locator("main")).to_have_attribute("role", "region")
    component.screenshot(path=artifacts / "embed-komponent.png")
