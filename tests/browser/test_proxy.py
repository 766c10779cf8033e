"""TRD30_ROOT_PATH=/trd30 in a browser: the app asked directly, and behind Debian's nginx.

One app for the module (TRD30_ROOT_PATH=/trd30) is asked directly and through one nginx
process that runs the README's `location /trd30/` block twice: as written (it strips the
prefix) and with `proxy_pass` without its last slash (it keeps the prefix). nginx runs as
this user on free ports of 127.0.0.1, with its files in a temporary folder.

The host pages: examples/embed.html, and a page holding nothing but the README's two
embedding snippets (no script of its own), served from a site the app lists in
TRD30_FRAME_ANCESTORS and from one it does not. The browser's language is en-US.
"""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from support import wait_for_health

from .helpers import ROOT, TIMEOUT_MS, ask, serving

pytestmark = pytest.mark.browser

README = (ROOT / "README.md").read_text("utf-8")
PREFIX = "/trd30"
SNIPPET_BOT = "https://bot.example.no/trd30"  # the bot's address in the README's snippets
README_UPSTREAM = "proxy_pass http://127.0.0.1:7860/;"  # the app in the README's block
OPEN_BOT = "Åpne TRD3.0-boten i et nytt vindu"
UNREACHABLE = "Chatten med TRD3.0-boten kan ikke vises akkurat nå."
NGINX_START_S = 30
NGINX_CONF = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 128; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{strips_port};
{strips}
    }}
    server {{
        listen 127.0.0.1:{keeps_port};
{keeps}
    }}
}}
"""
HOST_PAGE = """<!DOCTYPE html>
<html lang="nb">
<head><meta charset="utf-8"><title>Kommunens side</title><link rel="icon" href="data:,"></head>
<body><main><h1>Kommunens side med TRD3.0-boten</h1>
{snippets}
</main></body>
</html>
"""


def readme_block(language: str, marker: str) -> str:
    """The one ```language block of the README that holds `marker`."""
    blocks = [b for b in re.findall(rf"```{language}\n(.*?)```", README, re.DOTALL) if marker in b]
    assert len(blocks) == 1, f"README: expected one {language} block with {marker!r}"
    return blocks[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_executable() -> str:
    path = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(path).exists():
        pytest.fail("Fant ikke nginx, som proxytestene trenger. Installer den med "
                    "`apt-get install nginx-light` (det gjør `make test` som root).",
                    pytrace=False)  # fmt: skip
    return path


def redirect(url: str) -> tuple[int, str | None]:
    """The status and Location of a GET of `url`, not followed."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path)
        reply = connection.getresponse()
        return reply.status, reply.getheader("location")
    finally:
        connection.close()


def snippets(bot: str) -> str:
    """The README's iframe and web-component snippets, pointed at `bot`."""
    html = readme_block("html", "<iframe") + readme_block("html", "<gradio-app")
    return html.replace(SNIPPET_BOT, bot)


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    """A folder of host pages (written by the fixtures that know the addresses), served
    from two sites: `allowed` may embed the chat, `foreign` may not."""
    folder = tmp_path_factory.mktemp("host-pages")
    with serving(folder) as allowed, serving(folder) as foreign:
        yield SimpleNamespace(folder=folder, allowed=allowed, foreign=foreign)


@pytest.fixture(scope="module")
def prefixed_app(app_process, browser_index, model_cache, examples_url, hosts,
                 tmp_path_factory):  # fmt: skip
    """`python app.py` with TRD30_ROOT_PATH=/trd30; examples/ and `hosts.allowed` may
    embed it. Its URL without the prefix."""
    log_path = tmp_path_factory.mktemp("prefixed-app") / "app.log"
    with app_process(browser_index, model_cache, log_path, TRD30_ROOT_PATH=PREFIX,
                     TRD30_FRAME_ANCESTORS=f"{examples_url} {hosts.allowed}",
                     TRD30_DATA=str(tmp_path_factory.mktemp("prefixed-data"))) as url:  # fmt: skip
        yield url


@pytest.fixture(scope="module")
def proxied(prefixed_app, tmp_path_factory):
    """nginx in front of the app with the README's block: {"strips": URL, "keeps": URL},
    each the bot's public address (http://127.0.0.1:PORT/trd30)."""
    block = readme_block("nginx", "proxy_buffering off")
    assert README_UPSTREAM in block
    upstream = f"127.0.0.1:{urlsplit(prefixed_app).port}"
    strips = block.replace(README_UPSTREAM, f"proxy_pass http://{upstream}/;")
    keeps = block.replace(README_UPSTREAM, f"proxy_pass http://{upstream};")
    prefix = tmp_path_factory.mktemp("nginx")
    ports = {"strips": free_port(), "keeps": free_port()}
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, strips=strips, keeps=keeps,
                                      strips_port=ports["strips"],
                                      keeps_port=ports["keeps"]))  # fmt: skip
    nginx = subprocess.Popen([nginx_executable(), "-p", str(prefix), "-c", str(conf),
                              "-g", "daemon off;"], stderr=subprocess.PIPE)  # fmt: skip
    urls = {name: f"http://127.0.0.1:{port}{PREFIX}" for name, port in ports.items()}
    try:
        started = time.monotonic()
        for url in urls.values():
            wait_for_health(
                url,
                nginx,
                NGINX_START_S - (time.monotonic() - started),
                0.2,
                lambda: f"nginx stoppet: {nginx.stderr.read().decode()[-2000:]}",
                lambda url=url: f"nginx svarte ikke på {url}/healthz",
            )
        yield urls
    finally:
        nginx.terminate()
        nginx.wait(10)


class Network:
    """What a page asked for, and what failed: a reply of 400 or more, or a request that
    got none (but Gradio's own streams, which its page closes itself)."""

    STREAMS = ("/gradio_api/queue/data", "/gradio_api/heartbeat/")

    def __init__(self):
        self.requests: list[str] = []
        self.failures: list[str] = []
        self.websockets: list[str] = []

    def replied(self, response) -> None:
        if response.status >= 400:
            self.failures.append(f"{response.status} {response.url}")

    def failed(self, request) -> None:
        closed = request.failure == "net::ERR_ABORTED" and any(
            stream in request.url for stream in self.STREAMS
        )
        if not closed:
            self.failures.append(f"{request.failure} {request.url}")


@pytest.fixture
def visit(browser):
    """visit(url) -> (page, network), in a fresh en-US context that records the network."""
    contexts = []

    def visit_(url: str, width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="en-US")  # fmt: skip
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        network = Network()
        context.on("request", lambda request: network.requests.append(request.url))
        context.on("response", network.replied)
        context.on("requestfailed", network.failed)
        page = context.new_page()
        page.on("websocket", lambda socket: network.websockets.append(socket.url))
        page.goto(url)
        return page, network

    yield visit_
    for context in contexts:
        context.close()


def paths_at(network: Network, origin: str) -> list[str]:
    return [urlsplit(url).path for url in network.requests if url.startswith(origin + "/")]


def test_the_app_serves_its_views_under_the_root_path_itself(prefixed_app, visit):
    page, network = visit(f"{prefixed_app}{PREFIX}/")
    reply = ask(page, "Hva er KSF Helse?")
    expect(reply.locator(".trd-svar")).to_contain_text("[1]")
    assert network.failures == []
    paths = paths_at(network, prefixed_app)
    assert any("/assets/" in path for path in paths)
    assert all(path.startswith(f"{PREFIX}/") for path in paths), paths
    assert redirect(f"{prefixed_app}{PREFIX}/embed") == (308, f"{PREFIX}/embed/")

    page, network = visit(f"{prefixed_app}{PREFIX}/embed/", 380, 600)
    expect(ask(page, "Hva er KSF Helse?").locator(".trd-svar")).to_contain_text("[1]")
    assert network.failures == []


@pytest.mark.parametrize("proxy", ["strips", "keeps"])
def test_the_chat_works_behind_nginx(proxied, proxy, visit):
    bot = proxied[proxy]
    origin = bot.removesuffix(PREFIX)
    for view, size in (("/", (1280, 900)), ("/embed/", (380, 600))):
        page, network = visit(f"{bot}{view}", *size)
        expect(ask(page, "Hva er KSF Helse?").locator(".trd-svar")).to_contain_text("[1]")
        assert page.evaluate("document.documentElement.lang") == "nb"
        assert network.failures == []
        assert all(path.startswith(f"{PREFIX}/") for path in paths_at(network, origin))
        assert network.websockets == []  # the README says nginx needs no Upgrade headers
    assert redirect(f"{bot}/embed") == (308, f"{PREFIX}/embed/")
    assert redirect(f"{bot}/sok") == (308, f"{PREFIX}/sok/")


@pytest.mark.parametrize("proxy", ["strips", "keeps"])
def test_the_example_page_embeds_the_chat_through_nginx(proxied, proxy, examples_url, visit):
    bot = proxied[proxy]
    page, network = visit(f"{examples_url}/embed.html?bot={bot}", 1280, 900)
    frame = page.frame_locator("iframe#trd-ramme")
    expect(ask(frame, "Hva er KSF Helse?").locator(".trd-svar")).to_contain_text("[1]")
    component = page.locator("#trd-komponent")
    component.scroll_into_view_if_needed()  # it loads once it is in view
    expect(ask(component, "Hva er KSF Helse?").locator(".trd-svar")).to_contain_text("[1]")
    assert page.evaluate("document.documentElement.lang") == "nb"
    assert network.failures == []


def test_the_readme_snippet_keeps_the_host_pages_lang_in_an_english_browser(
    proxied, hosts, visit, artifacts
):
    (hosts.folder / "snippets.html").write_text(
        HOST_PAGE.format(snippets=snippets(proxied["strips"])), encoding="utf-8"
    )
    page, network = visit(f"{hosts.allowed}/snippets.html", 1280, 1400)
    component = page.locator("gradio-app")
    component.scroll_into_view_if_needed()
    reply = ask(component, "Hva er KSF Helse?")
    expect(reply.locator(".trd-svar")).to_contain_text("[1]")
    assert page.evaluate("document.documentElement.lang") == "nb"
    # the browser's language is the page's scripts' again once Gradio has read it
    assert page.evaluate("navigator.language") == "en-US"
    # the chat is there: the link inside the snippet has gone, the one under the frame stays
    expect(component.get_by_role("link", name=OPEN_BOT)).to_have_count(0)
    expect(page.get_by_role("link", name=OPEN_BOT)).to_have_count(1)
    # Gradio's stylesheet came from under the prefix (its own loader asks the site root)
    assert not [p for p in paths_at(network, proxied["strips"].removesuffix(PREFIX))
                if not p.startswith(f"{PREFIX}/")]  # fmt: skip
    assert network.failures == []
    component.screenshot(path=artifacts / "embed-snippet-komponent.png")


def opens_the_chat(page, link, bot: str) -> None:
    """`link` goes to the bot's main view, in a new window, where the chat works."""
    expect(link).to_have_attribute("href", f"{bot}/")
    expect(link).to_have_attribute("target", "_blank")
    with page.context.expect_page() as opened:
        link.click()
    chat = opened.value
    expect(chat.locator("#sporsmal textarea")).to_be_visible()
    assert chat.url == f"{bot}/"
    chat.close()


def test_a_site_not_allowed_to_embed_the_chat_shows_a_link_to_it(proxied, hosts, visit):
    bot = proxied["strips"]
    (hosts.folder / "snippets-elsewhere.html").write_text(
        HOST_PAGE.format(snippets=snippets(bot)), encoding="utf-8"
    )
    page, network = visit(f"{hosts.foreign}/snippets-elsewhere.html", 1280, 1400)
    page.wait_for_load_state("networkidle")  # the loader and the frame have been refused
    assert any(f"{bot}/gradio.js" in failure for failure in network.failures)
    component = page.locator("gradio-app")
    expect(component.locator(".gradio-container")).to_have_count(0)
    opens_the_chat(page, component.get_by_role("link", name=OPEN_BOT), bot)
    under_frame = page.locator("iframe + p").get_by_role("link", name=OPEN_BOT)
    opens_the_chat(page, under_frame, bot)


def test_a_bot_that_is_down_leaves_the_link(hosts, visit):
    down = f"http://127.0.0.1:{free_port()}{PREFIX}"  # nothing listens there
    (hosts.folder / "snippets-down.html").write_text(
        HOST_PAGE.format(snippets=snippets(down)), encoding="utf-8"
    )
    page, network = visit(f"{hosts.allowed}/snippets-down.html", 1280, 1400)
    page.wait_for_load_state("networkidle")
    assert any(f"{down}/gradio.js" in failure for failure in network.failures)
    link = page.locator("gradio-app").get_by_role("link", name=OPEN_BOT)
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", f"{down}/")
    expect(page.locator("iframe + p").get_by_role("link", name=OPEN_BOT)).to_be_visible()


def test_the_loader_says_so_when_the_chat_does_not_answer(proxied, hosts, visit):
    bot = proxied["strips"]
    down = f"http://127.0.0.1:{free_port()}{PREFIX}"
    # the loader from the bot, the chat's own address somewhere that does not answer
    html = readme_block("html", "<gradio-app").replace(f"{SNIPPET_BOT}/gradio.js",
                                                       f"{bot}/gradio.js")  # fmt: skip
    (hosts.folder / "chat-down.html").write_text(
        HOST_PAGE.format(snippets=html.replace(SNIPPET_BOT, down)), encoding="utf-8"
    )
    page, _ = visit(f"{hosts.allowed}/chat-down.html")
    component = page.locator("gradio-app")
    notice = component.get_by_role("status").filter(has_text=UNREACHABLE)
    expect(notice).to_be_visible()
    expect(component.get_by_role("link", name=OPEN_BOT)).to_have_count(1)  # the notice's
    opens_the_chat(page, notice.get_by_role("link", name=OPEN_BOT), bot)
    assert page.evaluate("document.documentElement.lang") == "nb"
