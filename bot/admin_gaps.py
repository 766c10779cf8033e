"""The admin view's "Innholdshull" section: what people asked that the documents could not
answer, answers rated down, the answer rate per day and the documents cited most and
never, from the database (`bot.gaps` computes; this renders, all values escaped), and
the CSV export of each.

It reads only the database: it keeps nothing and changes nothing.
"""

from __future__ import annotations

import html

from . import gaps

EXPORTS = ("ubesvarte", "tommel-ned", "svarandel", "sitert")


def _e(value) -> str:
    return html.escape(str(value if value is not None else ""))


def _table(caption: str, heads: tuple[str, ...], rows: list[tuple], empty: str) -> str:
    if not rows:
        return f"<p>{_e(empty)}</p>"
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in heads)
    body = "".join("<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>"
                   for row in rows)  # fmt: skip
    return (f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")  # fmt: skip


def reports(store, embed, doc_ids) -> dict[str, list]:
    """Each export's rows (dataclasses of bot.gaps)."""
    cited = gaps.citations(store, doc_ids)
    never = [gaps.DocumentCitations(d, 0) for d in cited.never]
    return {"ubesvarte": gaps.unanswered_groups(store, embed),
            "tommel-ned": gaps.thumbs_down(store),
            "svarandel": gaps.answer_rate_by_day(store),
            "sitert": list(cited.most) + never}  # fmt: skip


def gaps_html(store, embed, doc_ids) -> str:
    """The section, or a line saying the database is not in use."""
    if store is None or not store.available:
        return ("<h2>Innholdshull</h2><p>Databasen over spørsmål er ikke i bruk, så det "
                "finnes ingen innholdshull å vise.</p>")  # fmt: skip
    r = reports(store, embed, doc_ids)
    unanswered = [(g.question, g.count, "; ".join(g.variants[1:4]), g.last_asked)
                  for g in r["ubesvarte"]]  # fmt: skip
    down = [(t.hour, t.question or "–", t.reason or "–") for t in r["tommel-ned"]]
    days = [(d.day, d.asked, d.answered, d.refused, d.errors, f"{d.rate:.0%}")
            for d in r["svarandel"]]  # fmt: skip
    cited = [(c.doc_id, c.citations) for c in r["sitert"]]
    links = " · ".join(f'<a href="eksport/{name}.csv">{name}.csv</a>' for name in EXPORTS)
    return (
        "<h2>Innholdshull</h2>"
        + _table("Spørsmål dokumentene ikke svarte på, de vanligste først",
                 ("Spørsmål", "Antall", "Andre formuleringer", "Sist stilt (UTC)"),
                 unanswered, "Ingen ubesvarte spørsmål er lagret.")
        + _table("Svar som fikk tommel ned", ("Time (UTC)", "Spørsmål", "Grunn"), down,
                 "Ingen svar har fått tommel ned.")
        + _table("Svarandel per dag", ("Dag (UTC)", "Spurt", "Besvart", "Ikke besvart",
                                       "Feil", "Andel besvart"), days, "Ingen spørsmål er lagret.")
        + _table("Dokumenter etter hvor ofte de er sitert (0: aldri)", ("Dokument", "Sitert"),
                 cited, "Ingen dokumenter.")
        + f"<p>Last ned som CSV: {links}</p>"
    )  # fmt: skip
