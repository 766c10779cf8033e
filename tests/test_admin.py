"""The admin view: closed without a token, asks for it, shows what the bot knows."""

import base64
import datetime as dt

import pytest
from fastapi.testclient import TestClient

import app
from bot.admin import admin_page
from bot.service import Bot
from ingest.embedding import HashEmbedder
from ingest.pipeline import run_ingest

LOCAL = "http://localhost"
EMBEDDER = "https://www.trondheim.kommune.no"
TOKEN = "riktig-nøkkel-æøå"


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    root = tmp_path_factory.mktemp("admin")
    docs = root / "docs"
    docs.mkdir()
    (docs / "ny.md").write_text("---\ntitle: Ny plan\nupdated: 2026-10-01\n---\n\nEn ny plan.\n")
    (docs / "gammel.md").write_text(
        "---\ntitle: <b>Gammel</b> plan\nurl: https://www.trondheim.kommune.no/plan\n"
        "updated: 2021-03-05\n---\n\nEn gammel plan.\n"
    )
    (docs / "udatert.md").write_text("---\ntitle: Udatert\n---\n\nUten dato.\n")
    (docs / "tom.md").write_text("---\ntitle: Tom\n---\n\n")
    (docs / "borte.md").symlink_to(docs / "finnes-ikke.md")  # skipped before it is read
    run_ingest([docs], root / "index", "hash", HashEmbedder)
    return Bot.load(root / "index", root / "cache")


def serve(bot, token):
    server = app.create_server(bot, frame_ancestors=[EMBEDDER], admin_token=token)
    return TestClient(server, base_url=LOCAL)


def basic(password: str, user: str = "stab") -> dict:
    pair = f"{user}:{password}".encode()
    return {"authorization": "Basic " + base64.b64encode(pair).decode()}


def test_the_admin_view_is_closed_without_a_token(bot):
    with serve(bot, None) as client:
        response = client.get("/admin/", headers=basic(""))
    assert response.status_code == 403
    assert "TRD30_ADMIN_TOKEN" in response.json()["detail"]
    assert "Ny plan" not in response.text


@pytest.mark.parametrize("headers", [{}, basic("feil"), basic(TOKEN[:-1]), basic(TOKEN + "x"),
                                     {"authorization": "Bearer feil"},
                                     {"authorization": "Basic ikke-base64!"}])  # fmt: skip
def test_the_admin_view_asks_for_the_token_and_refuses_a_wrong_one(bot, headers):
    with serve(bot, TOKEN) as client:
        response = client.get("/admin/", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic realm=")
    assert response.json()["detail"].startswith("Skriv inn tilgangsnøkkelen")
    assert "Ny plan" not in response.text


@pytest.mark.parametrize("headers", [basic(TOKEN), basic(TOKEN, user=""),
                                     {"authorization": f"Bearer {TOKEN}".encode()}])  # fmt: skip
def test_the_admin_view_lists_documents_with_basic_or_bearer(bot, headers):
    with serve(bot, TOKEN) as client:
        response = client.get("/admin/", headers=headers)
    assert response.status_code == 200
    page = response.text
    assert '<html lang="nb">' in page and "Ny plan" in page and "Udatert" in page
    assert "&lt;b&gt;Gammel&lt;/b&gt; plan" in page and "<b>Gammel" not in page
    assert 'href="https://www.trondheim.kommune.no/plan"' in page
    assert bot.index.generation in page


def test_the_admin_view_can_never_be_framed_or_read_across_origins(bot):
    with serve(bot, TOKEN) as client:
        response = client.get("/admin/", headers={**basic(TOKEN), "origin": EMBEDDER})
        chat = client.get("/healthz", headers={"origin": EMBEDDER})
    assert response.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert response.headers["x-frame-options"] == "DENY"
    assert "access-control-allow-origin" not in response.headers
    assert chat.headers["access-control-allow-origin"] == EMBEDDER  # the embedder elsewhere
    assert EMBEDDER in chat.headers["content-security-policy"]


def test_old_and_undated_documents_are_marked_and_skipped_files_listed(bot):
    manifest = bot.index.manifest
    page = admin_page(manifest, "gen-x", 12, dt.date(2026, 12, 1))
    rows = {row.split("</th>")[0].rsplit(">", 1)[-1]: row for row in page.split("<tr>")[1:]}
    assert "Eldre enn 12 måneder" in rows["&lt;b&gt;Gammel&lt;/b&gt; plan"]
    assert "merke" not in rows["Ny plan"]
    assert "Mangler dato" in rows["Udatert"]
    assert "1 eldre enn 12 måneder (før 2025-12-01)" in page
    assert "tom.md" in page and "ingen tekst igjen etter rensing" in page
    assert "borte.md" in page and "2 filer ble hoppet over" in page
    later = admin_page(manifest, "gen-x", 2, dt.date(2026, 12, 31))
    assert "Eldre enn 2 måneder" in later.split("Ny plan")[1].split("</tr>")[0]  # 2026-10-01


def test_the_admin_view_shows_content_gaps_from_the_questions_asked(bot, tmp_path):
    from bot.store import Store

    store = Store(tmp_path / "data", retention_days=30, purge_every=None)
    server = app.create_server(bot, admin_token=TOKEN, store=store)
    with TestClient(server, base_url=LOCAL) as client:
        for question in ("Hva koster parkering på Lerkendal?", "Hva koster parkering på Lerkendal?",
                         "Når går bussen til Dragvoll?"):  # fmt: skip
            client.post("/api/ask", json={"question": question})
        answer = client.post("/api/ask", json={"question": "Hva er den nye planen?"}).json()
        client.post("/api/feedback", json={"id": answer["id"], "rating": "down",
                                           "reason": "Kildene passet ikke"})  # fmt: skip
        page = client.get("/admin/", headers=basic(TOKEN)).text
        csv = client.get("/admin/eksport/ubesvarte.csv", headers=basic(TOKEN))
        closed = client.get("/admin/eksport/ubesvarte.csv")
    gaps = page.split("<h2>Innholdshull</h2>")[1]
    assert "Hva koster parkering på Lerkendal?</td><td>2</td>" in gaps
    assert "Når går bussen til Dragvoll?" in gaps
    assert "Kildene passet ikke" in gaps and "Svarandel per dag" in gaps
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "Hva koster parkering på Lerkendal?" in csv.text
    assert closed.status_code == 401
