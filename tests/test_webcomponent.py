"""GET /gradio.js, the web component's loader: Gradio's files found, the words put in.

Fast: no model and no app. What the loader does in a browser (the host page's lang, the
stylesheet under a sub-path, the fallback) is tested in tests/browser/test_proxy.py.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.webcomponent import WORDS, gradio_files, loader_script, web_component_router

ROOT = Path(__file__).resolve().parent.parent
LOADER = ROOT / "web" / "embed.js"


def frontend() -> Path:
    import gradio

    return Path(gradio.__file__).parent / "templates" / "frontend"


def constants(script: str) -> dict:
    found = dict(re.findall(r"^const (GRADIO|WORDS) = (.*);$", script, re.MULTILINE))
    return {name: json.loads(value) for name, value in found.items()}


def test_gradios_entry_script_and_stylesheet_are_found_in_the_installed_gradio():
    files = gradio_files(frontend())
    for kind, suffix in (("script", ".js"), ("css", ".css")):
        assert files[kind].startswith("./assets/index-") and files[kind].endswith(suffix)
        assert (frontend() / files[kind]).is_file()


def test_another_gradio_page_is_one_clear_error(tmp_path):
    (tmp_path / "index.html").write_text("<html><body>ingen skript</body></html>")
    with pytest.raises(RuntimeError, match="Gradio-versjonen"):
        gradio_files(tmp_path)


def test_the_loader_gets_gradios_files_and_every_languages_words():
    script = loader_script(frontend(), LOADER)
    found = constants(script)
    assert found["GRADIO"] == gradio_files(frontend())
    assert found["WORDS"] == tomllib.loads(WORDS.read_text("utf-8"))
    assert set(found["WORDS"]) == {"nb", "nn", "en"}
    assert found["WORDS"]["nb"]["open"] == "Åpne TRD3.0-boten i et nytt vindu"
    for words in found["WORDS"].values():
        assert set(words) == {"gradio", "unreachable", "open"}
    assert script.endswith(LOADER.read_text("utf-8"))


def test_gradio_js_is_the_loader_as_javascript_that_is_never_run_from_a_stored_copy():
    app = FastAPI()
    app.include_router(web_component_router(frontend(), LOADER))
    reply = TestClient(app).get("/gradio.js")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "text/javascript; charset=utf-8"
    assert reply.headers["cache-control"] == "no-cache"
    assert reply.text == loader_script(frontend(), LOADER)
    assert "Åpne TRD3.0-boten i et nytt vindu" in reply.content.decode("utf-8")
