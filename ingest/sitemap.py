"""Read a sitemap (sitemaps.org): the page URLs of a `<urlset>`, or the sitemaps of a
`<sitemapindex>`. Gzipped sitemaps are unpacked (within a size limit).

Parsed with lxml without entities, DTDs or network access, so a hostile sitemap cannot
expand itself or make us fetch anything. Fetching, and deciding which URLs to follow, is
`ingest.web`'s job.
"""

from __future__ import annotations

import gzip
import io
import zlib

from lxml import etree

URLSET, SITEMAP_INDEX = "urlset", "sitemapindex"


def parse_sitemap(data: bytes, max_bytes: int) -> tuple[str, list[str]]:
    """(URLSET or SITEMAP_INDEX, the `<loc>` URLs in order). Raises ValueError with the
    reason in Norwegian for anything else."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.GzipFile(fileobj=io.BytesIO(data)).read(max_bytes + 1)
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError("ødelagt gzip-fil") from err
        if len(data) > max_bytes:
            raise ValueError("for stor når den er pakket ut")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, recover=False)  # fmt: skip
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as err:
        raise ValueError(f"ikke gyldig XML ({' '.join(str(err).split())[:80]})") from None
    kind = etree.QName(root).localname if isinstance(root.tag, str) else ""
    if kind not in (URLSET, SITEMAP_INDEX):
        raise ValueError(f"ikke en sitemap (rotelementet er <{kind}>, ikke <urlset>)")
    entry = "url" if kind == URLSET else "sitemap"
    urls = []
    for element in root:
        if not isinstance(element.tag, str) or etree.QName(element).localname != entry:
            continue
        for child in element:
            if isinstance(child.tag, str) and etree.QName(child).localname == "loc":
                text = (child.text or "").strip()
                if text:
                    urls.append(text)
    return kind, urls
