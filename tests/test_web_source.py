"""A website as a source, against a small site the tests serve on 127.0.0.1.

The site has pages with furniture, a sitemap index, robots.txt with a disallowed path, a
redirect, a 404, a slow page, a huge page, a picture, a PDF, a page on another host name
and a page that fails with 500. The server records every request, so a test can assert
what was never asked for.
"""

import gzip
import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from reportlab.pdfgen import canvas

from ingest.__main__ import main
from ingest.embedding import HashEmbedder
from ingest.errors import TooManyRemovals
from ingest.index import load_index, read_manifest
from ingest.pipeline import run_ingest
from ingest.sitemap import SITEMAP_INDEX, URLSET, parse_sitemap
from ingest.web import WebSettings, _free_path, http_date, mirror_folder

AGENT = "TRD30-boten/test (+mailto:drift@example.invalid)"
FAST = WebSettings(
    user_agent=AGENT, requests_per_second=1000, concurrency=2, timeout=0.5, max_bytes=64 * 1024
)
MODIFIED = "Tue, 12 Mar 2024 10:00:00 GMT"


class Site:
    """Pages by path: (status, content type, body, extra headers, seconds before answering)."""

    def __init__(self):
        self.pages: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0
        handler = type("Handler", (_Handler,), {"site": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(
        self,
        path,
        body="",
        status=200,
        kind="text/html; charset=utf-8",
        headers=None,
        delay=0.0,
        length=True,
    ):
        data = body.encode() if isinstance(body, str) else body
        self.pages[path] = {
            "status": status,
            "kind": kind,
            "body": data,
            "delay": delay,
            "headers": dict(headers or {}),
            "length": length,
        }

    def asked(self, path):
        return [r for r in self.requests if r["path"] == path]

    def statuses(self, status):
        return [r["path"] for r in self.requests if r["status"] == status]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, *args):
        pass

    def do_GET(self):
        site = self.site
        with site.lock:
            site.in_flight += 1
            site.most_in_flight = max(site.most_in_flight, site.in_flight)
        try:
            self._answer(site)
        finally:
            with site.lock:
                site.in_flight -= 1

    def _answer(self, site):
        page = site.pages.get(
            self.path,
            {
                "status": 404,
                "kind": "text/plain",
                "body": b"nei",
                "delay": 0,
                "headers": {},
                "length": True,
            },
        )
        status, headers = page["status"], page["headers"]
        etag = headers.get("ETag")
        if status == 200 and etag and self.headers.get("If-None-Match") == etag:
            status = 304
        record = {
            "path": self.path,
            "host": self.headers.get("Host"),
            "status": status,
            "agent": self.headers.get("User-Agent"),
            "if_none_match": self.headers.get("If-None-Match"),
            "at": time.monotonic(),
        }
        with site.lock:
            site.requests.append(record)
        time.sleep(page["delay"])
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status == 304:
                self.end_headers()
                return
            self.send_header("Content-Type", page["kind"])
            if page["length"]:
                self.send_header("Content-Length", str(len(page["body"])))
            self.end_headers()
            self.wfile.write(page["body"])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout or a size limit)


def _html(title, body, head="", footer=""):
    return f"""<!doctype html><html lang="nb"><head><meta charset="utf-8">
<title>{title} - Universitetskommunen</title>{head}</head><body>
<div class="cookie-banner">Vi bruker informasjonskapsler. Godta alle</div>
<header><nav><a href="/">Forsiden</a> <a href="/om-trd30">Om oss</a></nav></header>
<nav aria-label="Brødsmuler"><a href="/">Hjem</a> › {title}</nav>
<main><h1>{title}</h1>{body}</main>
<footer>Trondheim kommune, Postboks 2300 Torgarden. {footer}</footer></body></html>"""


def _pdf(text):
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setTitle("Årsrapport for TRD3.0")
    pdf.drawString(72, 750, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _urlset(*urls):
    entries = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'  # noqa: E501


def _unikom(year):
    return _html(
        "Arena Unikom",
        f"<p>Arena Unikom ble arrangert høsten {year} i Trondheim.</p>"
        "<p>Sist oppdatert: 3. februar 2025</p>",
    )


@pytest.fixture
def site():
    site = Site()
    b = site.base
    site.page("/robots.txt", "User-agent: *\nDisallow: /privat/\n", kind="text/plain")
    site.page(
        "/sitemap.xml",
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/'
        f'schemas/sitemap/0.9"><sitemap><loc>{b}/sitemaps/sider.xml</loc></sitemap>'
        f"<sitemap><loc>{b}/sitemaps/filer.xml.gz</loc></sitemap></sitemapindex>",
        kind="application/xml",
    )
    site.page(
        "/sitemaps/sider.xml",
        _urlset(
            f"{b}/om-trd30",
            f"{b}/nyheter/unikom",
            f"{b}/gammel-side",
            f"{b}/borte",
            f"{b}/treg",
            f"{b}/stor",
            f"{b}/privat/hemmelig",
            f"http://localhost:{site.server.server_port}/annen",
            f"{b}/feil",
        ),
        kind="application/xml",
    )
    site.page(
        "/sitemaps/filer.xml.gz",
        gzip.compress(_urlset(f"{b}/filer/rapport.pdf", f"{b}/bilde.png", f"{b}/lang").encode()),
        kind="application/gzip",
    )
    site.page(
        "/om-trd30",
        _html(
            "Om TRD3.0",
            "<p>Universitetskommunen TRD3.0 er et samarbeid mellom Trondheim kommune "
            "og NTNU.</p><p>Programmet varer fra 2019 til 2029.</p>",
            head=f'<link rel="canonical" href="{b}/om-trd30">'
            '<meta property="article:modified_time" content="2024-05-01T08:00:00+02:00">',
        ),
        headers={"ETag": '"om-1"', "Last-Modified": MODIFIED},
    )
    site.page(
        "/nyheter/unikom", _unikom(2019), headers={"ETag": '"unikom-1"', "Last-Modified": MODIFIED}
    )
    site.page("/gammel-side", status=301, headers={"Location": "/ny-side"})
    site.page(
        "/ny-side",
        _html("Ny side", "<p>Kombinerte stillinger deler tiden mellom NTNU og kommunen.</p>"),
        headers={"ETag": '"ny-1"', "Last-Modified": MODIFIED},
    )
    site.page("/treg", _html("Treg", "<p>Denne kommer for sent.</p>"), delay=2.0)
    site.page("/stor", _html("Stor", "<p>" + "Mye tekst her. " * 8000 + "</p>"))
    site.page("/lang", _html("Lang", "<p>" + "Mye tekst her. " * 8000 + "</p>"), length=False)
    site.page("/privat/hemmelig", _html("Hemmelig", "<p>Skal ikke hentes.</p>"))
    site.page("/feil", "Intern feil", status=500, kind="text/plain")
    site.page("/bilde.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, kind="image/png")
    report = _pdf("Årsrapporten beskriver Arena Unikom og Helseplattformen.")
    site.page("/filer/rapport.pdf", report, kind="application/pdf", headers={"ETag": '"pdf-1"'})
    yield site
    site.close()


class Counting(HashEmbedder):
    made: list = []

    def __init__(self):
        super().__init__()
        self.embedded = 0
        Counting.made.append(self)

    def embed_passages(self, texts, progress=False):
        self.embedded += len(texts)
        return super().embed_passages(texts, progress)


def _ingest(site, index_dir, **kw):
    Counting.made = []
    report = run_ingest(
        [f"{site.base}/sitemap.xml"], index_dir, "hash", Counting, web=kw.pop("web", FAST), **kw
    )
    return report


def _id(site, path):
    return f"127.0.0.1_{site.server.server_port}/{path}"


def _reasons(report):
    return dict(report.skipped)


def test_a_site_is_fetched_politely_and_its_pages_become_cited_documents(site, tmp_path):
    report = _ingest(site, tmp_path / "index")
    b = site.base
    om, unikom, ny, pdf = (
        _id(site, p)
        for p in ("om-trd30.html", "nyheter/unikom.html", "ny-side.html", "filer/rapport.pdf")
    )
    assert report.status == "rebuilt" and sorted(report.added) == sorted([om, unikom, ny, pdf])
    reasons = _reasons(report)
    assert reasons[f"{b}/borte"] == "finnes ikke (HTTP 404)"
    assert reasons[f"{b}/treg"] == "svarte ikke innen 0.5 s"
    assert reasons[f"{b}/stor"].startswith("for stor (")
    assert reasons[f"{b}/stor"].endswith("grensen er 64 KB)")
    assert reasons[f"{b}/lang"] == "for stor (mer enn 64 KB)"  # no Content-Length: cut off
    assert reasons[f"{b}/bilde.png"] == (
        "innholdstypen image/png leses ikke (bare HTML, PDF og Word)"
    )
    assert reasons[f"{b}/privat/hemmelig"] == "robots.txt tillater ikke at siden hentes"
    assert reasons[f"http://localhost:{site.server.server_port}/annen"].startswith(
        "ligger på en annen vert (localhost) enn kilden"
    )
    assert reasons[f"{b}/feil"] == "serveren svarte HTTP 500"

    # never asked for: the disallowed path, the other host; robots.txt once; who we are
    assert site.asked("/privat/hemmelig") == [] and site.asked("/annen") == []
    assert {r["host"] for r in site.requests} == {f"127.0.0.1:{site.server.server_port}"}
    assert len(site.asked("/robots.txt")) == 1
    assert {r["agent"] for r in site.requests} == {AGENT}

    manifest = read_manifest(tmp_path / "index")
    docs = manifest["documents"]
    assert docs[om]["url"] == f"{b}/om-trd30" and docs[om]["updated"] == "2024-05-01"
    assert docs[unikom]["updated"] == "2025-02-03"  # its "Sist oppdatert" line
    assert docs[unikom]["url"] == f"{b}/nyheter/unikom"
    # the redirect: the page it ended at is the document's URL; the sitemap's URL its source
    assert docs[ny]["url"] == f"{b}/ny-side" and docs[ny]["source"] == f"{b}/gammel-side"
    assert docs[ny]["updated"] == "2024-03-12"  # from Last-Modified, the page has no date
    assert docs[pdf]["url"] == f"{b}/filer/rapport.pdf" and docs[pdf]["title"]
    assert {d["origin"] for d in docs.values()} == {f"{b}/sitemap.xml"}
    assert manifest["skipped"][f"{b}/borte"]["reason"] == "finnes ikke (HTTP 404)"
    assert manifest["sources"] == [{"source": f"{b}/sitemap.xml", "via": "kommandolinjen"}]

    index = load_index(tmp_path / "index")
    cited = {(c.doc_id, c.url, c.updated) for c in index.chunks}
    assert (om, f"{b}/om-trd30", "2024-05-01") in cited
    assert (ny, f"{b}/ny-side", "2024-03-12") in cited
    text = " ".join(c.text for c in index.chunks)
    assert "samarbeid mellom Trondheim kommune og NTNU" in text and "Helseplattformen" in text
    for furniture in ("informasjonskapsler", "Forsiden", "Postboks 2300", "Hjem"):
        assert furniture not in text


def test_a_second_run_of_304s_embeds_nothing_and_a_changed_page_only_itself(site, tmp_path):
    first = _ingest(site, tmp_path / "index")
    site.requests.clear()
    again = _ingest(site, tmp_path / "index")
    assert again.status == "unchanged" and again.embedded == 0 and Counting.made == []
    assert again.generation == first.generation
    assert set(site.statuses(304)) == {
        "/filer/rapport.pdf",
        "/nyheter/unikom",
        "/ny-side",
        "/om-trd30",
    }
    assert site.asked("/om-trd30")[0]["if_none_match"] == '"om-1"'

    site.page("/nyheter/unikom", _unikom(2020), headers={"ETag": '"unikom-2"'})
    changed = _ingest(site, tmp_path / "index")
    unikom = _id(site, "nyheter/unikom.html")
    assert changed.status == "updated" and changed.changed == [unikom] and changed.added == []
    chunks = read_manifest(tmp_path / "index")["documents"][unikom]["chunks"]
    assert changed.embedded == chunks
    assert Counting.made[0].embedded == chunks + changed.embedded_sentences
    assert any("høsten 2020" in c.text for c in load_index(tmp_path / "index").chunks)


def test_a_page_that_went_away_is_removed(site, tmp_path):
    _ingest(site, tmp_path / "index")
    mirror = mirror_folder(tmp_path / "index", f"{site.base}/sitemap.xml")
    om = _id(site, "om-trd30.html")
    assert (mirror / om).is_file()
    site.page("/om-trd30", "Borte", status=410, kind="text/plain")
    report = _ingest(site, tmp_path / "index")
    assert report.removed == [om] and _reasons(report)[f"{site.base}/om-trd30"] == (
        "finnes ikke (HTTP 410)"
    )
    assert not (mirror / om).exists()
    assert om not in read_manifest(tmp_path / "index")["documents"]
    # and a page no longer in the sitemap goes too
    site.page("/sitemaps/sider.xml", _urlset(f"{site.base}/nyheter/unikom"), kind="text/xml")
    report = _ingest(site, tmp_path / "index")
    assert report.removed == [_id(site, "ny-side.html")]


def test_a_failing_or_slow_page_is_kept_and_reported(site, tmp_path):
    first = _ingest(site, tmp_path / "index")
    site.page("/nyheter/unikom", "Feil", status=503, kind="text/plain")
    site.page("/ny-side", _html("Ny side", "<p>Treg nå.</p>"), delay=2.0)
    report = _ingest(site, tmp_path / "index")
    kept = dict(report.kept)
    assert kept[f"{site.base}/nyheter/unikom"] == (
        "serveren svarte HTTP 503; forrige versjon beholdes"
    )
    assert kept[f"{site.base}/gammel-side"] == "svarte ikke innen 0.5 s; forrige versjon beholdes"
    assert report.status == "unchanged" and report.generation == first.generation
    assert report.removed == [] and report.documents == 4


def test_a_sitemap_that_cannot_be_read_keeps_every_page(site, tmp_path):
    _ingest(site, tmp_path / "index")
    site.page("/sitemaps/sider.xml", "<html>Vedlikehold</html>", status=503, kind="text/html")
    report = _ingest(site, tmp_path / "index")
    ((where, reason),) = report.kept
    assert where == f"{site.base}/sitemap.xml" and "HTTP 503" in reason
    assert "alle sidene fra forrige innlesing beholdes" in reason
    assert report.status == "unchanged" and report.documents == 4
    site.page("/sitemap.xml", _urlset(), kind="application/xml")  # lists nothing
    report = _ingest(site, tmp_path / "index")
    assert "lister ingen sider" in report.kept[0][1] and report.documents == 4


def test_the_removal_guard_covers_a_half_empty_sitemap_and_changes_nothing(site, tmp_path):
    first = _ingest(site, tmp_path / "index")
    mirror = mirror_folder(tmp_path / "index", f"{site.base}/sitemap.xml")
    files = sorted(p for p in mirror.rglob("*") if p.is_file())
    listing = site.pages["/sitemaps/sider.xml"]
    site.page("/sitemaps/sider.xml", _urlset(), kind="application/xml")
    with pytest.raises(TooManyRemovals, match="ville fjerne 3 av 4 dokumenter"):
        _ingest(site, tmp_path / "index")
    assert sorted(p for p in mirror.rglob("*") if p.is_file()) == files  # nothing deleted
    assert read_manifest(tmp_path / "index")["generation"] == first.generation
    site.pages["/sitemaps/sider.xml"] = listing
    site.requests.clear()
    report = _ingest(site, tmp_path / "index")  # back: 304s, nothing to embed
    assert report.status == "unchanged" and Counting.made == []
    assert set(site.statuses(304)) >= {"/om-trd30", "/ny-side", "/nyheter/unikom"}
    site.page("/sitemaps/sider.xml", _urlset(), kind="application/xml")
    report = _ingest(site, tmp_path / "index", allow_removals=True)
    assert len(report.removed) == 3 and report.documents == 1
    assert sorted(p.name for p in mirror.rglob("*") if p.is_file()) == [
        ".lock",
        ".state.json",
        "rapport.pdf",
    ]


def test_the_pace_obeys_crawl_delay_and_the_concurrency(site, tmp_path):
    b = site.base
    site.page(
        "/robots.txt", "User-agent: TRD30-boten\nCrawl-delay: 1\nDisallow:\n", kind="text/plain"
    )
    site.page("/sitemap.xml", _urlset(f"{b}/om-trd30", f"{b}/ny-side"), kind="application/xml")
    _ingest(site, tmp_path / "index")
    times = [r["at"] for r in site.requests]  # robots.txt, sitemap, two pages
    assert len(times) == 4 and all(b - a >= 0.8 for a, b in zip(times, times[1:], strict=False))

    site.requests.clear()
    site.page("/robots.txt", "User-agent: *\nDisallow:\n", kind="text/plain")
    pages = [f"/side{n}" for n in range(6)]
    for path in pages:
        site.page(path, _html(f"Side {path}", f"<p>Innhold på {path}.</p>"), delay=0.2)
    site.page("/sitemap.xml", _urlset(*(b + p for p in pages)), kind="application/xml")
    site.most_in_flight = 0
    _ingest(site, tmp_path / "index2")
    assert site.most_in_flight == 2  # FAST.concurrency


def test_the_cli_and_sources_toml_read_a_site(site, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources.toml").write_text(
        f'sources = ["{site.base}/sitemap.xml"]\n[web]\ncontact = "mailto:drift@example.invalid"'
        "\nrequests_per_second = 1000\ntimeout = 0.5\nmax_megabytes = 0.0625\n",
        "utf-8",
    )
    args = ["--index", "index", "--model", "hash", "--quiet"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"Kilder: {site.base}/sitemap.xml" in out and "Dokumenter: 4" in out
    assert f"  - {site.base}/borte: finnes ikke (HTTP 404)" in out
    assert all(r["agent"].endswith("(+mailto:drift@example.invalid)") for r in site.requests)
    site.page("/feil", "Feil", status=500, kind="text/plain")
    site.page("/om-trd30", "Feil", status=500, kind="text/plain")
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "uendret" in out and "Beholdt fra forrige innlesing (1):" in out
    assert f"  - {site.base}/om-trd30: serveren svarte HTTP 500; forrige versjon beholdes" in out


# ------------------------------------------------------------------ the parts, alone


def test_sitemaps_are_read_without_entities_or_network():
    kind, urls = parse_sitemap(
        gzip.compress(_urlset("https://a.no/x", "https://a.no/y").encode()), 1 << 20
    )
    assert (kind, urls) == (URLSET, ["https://a.no/x", "https://a.no/y"])
    index = b"<sitemapindex><sitemap><loc> https://a.no/s.xml </loc></sitemap></sitemapindex>"
    assert parse_sitemap(index, 1 << 20) == (SITEMAP_INDEX, ["https://a.no/s.xml"])
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><urlset><url><loc>&b;</loc></url>'
        b"</urlset>"
    )
    kind, urls = parse_sitemap(bomb, 1 << 20)
    assert "aaaa" not in "".join(urls)
    with pytest.raises(ValueError, match="ikke en sitemap"):
        parse_sitemap(b"<html><body>Hei</body></html>", 1 << 20)
    with pytest.raises(ValueError, match="ikke gyldig XML"):
        parse_sitemap(b"<urlset><url>", 1 << 20)


def test_mirror_paths_stay_inside_and_are_never_hidden():
    taken = set()
    assert _free_path("https://a.no/", ".html", taken) == "a.no/index.html"
    assert _free_path("https://a.no/om/", ".html", taken) == "a.no/om/index.html"
    assert _free_path("https://a.no/../../etc/passwd", ".html", taken) == "a.no/etc/passwd.html"
    assert _free_path("https://a.no/.skjult/fil", ".pdf", taken) == "a.no/_.skjult/fil.pdf"
    assert _free_path("https://a.no/rapport.PDF", ".pdf", taken) == "a.no/rapport.PDF"
    assert _free_path("https://a.no/side.htm", ".html", taken) == "a.no/side.htm"
    assert _free_path("https://a.no/blåbær%20og%20ost", ".html", taken) == "a.no/blåbær_og_ost.html"
    query = _free_path("https://a.no/sok?q=1", ".html", taken)
    assert query.startswith("a.no/sok-") and query.endswith(".html")
    taken.add("a.no/om.html")
    assert _free_path("https://a.no/om", ".html", taken) != "a.no/om.html"
    assert http_date(MODIFIED) == "2024-03-12" and http_date("i går") == ""


def test_a_mirror_that_cannot_be_written_is_one_clear_error(site, tmp_path, capsys):
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    (index_dir / ".web").write_text("not a folder")
    assert main([f"{site.base}/sitemap.xml", "--index", str(index_dir), "--model", "hash",
                 "--quiet"]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert err.startswith(f"Feil: Kunne ikke lagre sidene fra {site.base}/sitemap.xml i ")
    assert "Traceback" not in err
