"""The page around the chat: its words in three languages, the header, the AI notice, the
footer and the owner's logo (bot.page), and what app.py builds from them."""

import base64
import json
import re

import pytest
from support import Page

import app
from bot.answer import no_answer
from bot.feedback import reason_choices
from bot.page import (
    DEFAULT_OWNER,
    LANGUAGES,
    MAX_LOGO_BYTES,
    Owner,
    feedback_reasons,
    footer_html,
    header_html,
    language_choices,
    language_of,
    load_owner,
    notice_html,
    script_words,
    words,
)
from bot.webpage import PIN_ENGLISH, PIN_LANGUAGE

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'


class FailingBot:
    def ask(self, question, history=()):
        raise RuntimeError("noe inni")


def test_every_language_has_every_word_and_as_many_reasons_as_feedback_keeps():
    keys = set(words("nb"))
    for language in LANGUAGES:
        assert set(words(language)) == keys, language
        assert len(words(language)["examples"]) == len(app.EXAMPLES)
        assert [kept for _, kept in feedback_reasons(language, reason_choices())] == list(
            reason_choices()
        )
    assert words("nb")["reasons"] == list(reason_choices())  # bokmål shows what is kept
    assert words("xx") == words("nb") and language_of("de") == "nb" and language_of(None) == "nb"


def test_the_languages_are_named_in_themselves():
    assert language_choices() == [("Norsk bokmål", "nb"), ("Norsk nynorsk", "nn"),
                                  ("English", "en")]  # fmt: skip
    assert [code for _, code in language_choices(short=True)] == list(LANGUAGES)


def test_the_header_names_the_service_and_the_owner():
    page = Page(header_html(Owner()))
    assert page.all("h1") == [{"class": "trd-tittel"}]
    assert "TRD3.0-boten" in page.text and DEFAULT_OWNER in page.text
    assert page.all("img") == []
    compact = Page(header_html(Owner(), compact=True))
    assert compact.all("h1") == [{"class": "trd-tittel-liten"}]
    assert DEFAULT_OWNER not in compact.text  # the compact footer names the owner


def test_a_logo_is_shown_with_the_owners_name_as_its_text(tmp_path):
    logo = tmp_path / "logo.svg"
    logo.write_bytes(SVG)
    owner = load_owner("Trondheim kommune", logo)
    assert owner.name == "Trondheim kommune"
    assert owner.logo == "data:image/svg+xml;base64," + base64.b64encode(SVG).decode()
    for compact in (False, True):
        (img,) = Page(header_html(owner, compact)).all("img")
        assert img["alt"] == "Trondheim kommune" and img["src"] == owner.logo


def test_a_logo_that_cannot_be_shown_stops_the_start_with_a_message(tmp_path):
    assert load_owner("", None) == Owner(DEFAULT_OWNER, "")
    with pytest.raises(ValueError, match="må være et bilde"):
        load_owner("X", tmp_path / "logo.exe")
    with pytest.raises(ValueError, match="Fant ikke logoen"):
        load_owner("X", tmp_path / "borte.png")
    big = tmp_path / "stor.png"
    big.write_bytes(b"\x89PNG" + b"0" * MAX_LOGO_BYTES)
    with pytest.raises(ValueError, match="for stor"):
        load_owner("X", big)


def test_the_owners_name_is_text_never_markup():
    owner = Owner('<script>alert(1)</script> & "Co"')
    for html in (header_html(owner), footer_html(owner, "nb")):
        assert "<script>" not in html
        assert '<script>alert(1)</script> & "Co"' in Page(html).text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_ai_notice_says_answers_can_be_wrong_and_links_to_the_page_about_the_service(
    language,
):
    page = Page(notice_html(language))
    assert ("p", {"class": "trd-ki-merknad", "lang": language}) in page.tags
    assert words(language)["notice"] in page.text
    (link,) = page.all("a")
    assert link["href"] == f"om-tjenesten/?lang={language}"
    assert "target" not in link


def test_the_notice_and_footer_of_the_embedded_view_link_up_a_level_in_a_new_tab():
    (link,) = Page(notice_html("en", "../", new_tab=True)).all("a")
    assert link["href"] == "../om-tjenesten/?lang=en"
    assert link["target"] == "_blank" and link["rel"] == "noopener"
    assert "(opens in a new tab)" in Page(notice_html("en", "../", new_tab=True)).text
    hrefs = [a["href"] for a in Page(footer_html(Owner(), "nn", "../", True)).all("a")]
    assert hrefs == ["../om-tjenesten/?lang=nn", "../personvern/?lang=nn",
                     "../tilgjengelighet/?lang=nn"]  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_footer_links_the_three_pages_in_the_language_and_names_the_owner(language):
    w = words(language)
    page = Page(footer_html(Owner("Trondheim kommune"), language))
    links = [(a["href"], a_text) for a, a_text in zip(page.all("a"), (w["about"], w["privacy"],
             w["accessibility"]), strict=True)]  # fmt: skip
    assert links == [(f"om-tjenesten/?lang={language}", w["about"]),
                     (f"personvern/?lang={language}", w["privacy"]),
                     (f"tilgjengelighet/?lang={language}", w["accessibility"])]  # fmt: skip
    for text in (w["about"], w["privacy"], w["accessibility"]):
        assert text in page.text
    assert w["owner"].format(owner="Trondheim kommune") in page.text
    footer = page.all("footer")[0]
    assert footer["lang"] == language and footer["data-trd-ui"] == language
    assert page.all("nav") == [{"aria-label": w["footer_label"]}]


def test_the_script_gets_its_words_in_every_language():
    script = app.chat_script()
    assert "__TRD_WORDS__" not in script
    table = json.loads(script_words())
    assert set(table) == set(LANGUAGES)
    assert table["en"]["dislike"] == "Dislike" and table["nn"]["asked"] == "Spørsmålet ditt"
    assert script_words() in script


def test_the_chats_tokens_are_on_its_own_container_not_on_the_host_pages_root():
    css = app.chat_css()
    assert ":root" not in css
    assert ".gradio-container {\n  /* Colours, light */" in css
    assert "--ds-body-md-font-size: 1.125rem" in css  # 18 px body text


def test_the_live_region_reads_an_english_answer_in_english():
    turns = app.respond(type("Bot", (), {"ask": lambda self, q, h=(): no_answer(q, "en")})(),
                        "What is the weather?", [])  # fmt: skip
    spoken = Page(app.status_text(turns))
    assert spoken.all("p") == [{"class": "trd-skjult", "lang": "en"}]
    assert spoken.text.startswith("Answer 1: I can't find")


def test_a_failure_is_told_in_the_questions_language():
    (turn,) = app.respond(FailingBot(), "What is Unikom and who takes part in it?", [])
    assert turn[3] == "en"
    assert Page(turn[1]).all("div") == [{"class": "trd-svar", "lang": "en"}]
    assert words("en")["error"] in Page(turn[1]).text
    (turn,) = app.respond(FailingBot(), "", [], language="nn")  # nothing to tell it by
    assert words("nn")["error"] in Page(turn[1]).text


def test_a_bad_logo_setting_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TRD30_OWNER_LOGO", str(tmp_path / "mangler.png"))
    assert app.main(["--index", str(tmp_path / "index")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Feil: Fant ikke logoen i TRD30_OWNER_LOGO") and "\n" not in err
    assert not (tmp_path / "index").exists()  # it stopped before building anything


def test_the_chats_page_says_the_language_its_address_asks_for():
    from fastapi.testclient import TestClient

    class Bot:
        def documents(self):
            return {}

    with TestClient(app.create_server(Bot()), base_url="http://localhost") as client:
        pages = {lang: client.get(f"/embed/?lang={lang}").text for lang in ("nn", "en", "de")}
        default = client.get("/").text
    assert re.search(r'<html\s+lang="nb"', default)
    assert re.search(r'<html\s+lang="nn"', pages["nn"]) and PIN_LANGUAGE in pages["nn"]
    assert re.search(r'<html\s+lang="en"', pages["en"]) and PIN_ENGLISH in pages["en"]
    assert re.search(r'<html\s+lang="nb"', pages["de"])  # not one of ours: bokmål
