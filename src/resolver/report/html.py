"""Building blocks of resolver's HTML reports: one self-contained page (inline CSS, inline
SVG charts, no script, nothing fetched from the network), escaped text, tables and cards."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from resolver.version import __version__

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;
 color:#1d232a;background:#f6f7f9;font-size:14px;line-height:1.4}
header{background:#1f3a5f;color:#fff;padding:16px 28px}
header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#c9d6e8;font-size:13px}
main{padding:8px 28px 40px;max-width:1300px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;margin:18px 0;padding:14px 18px}
h2{font-size:17px;margin:0 0 10px}h3{font-size:14px;margin:14px 0 6px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #dde1e6;border-radius:6px;padding:8px 12px;min-width:130px;background:#fbfcfd}
.card .v{font-size:22px;font-weight:600}.card .l{font-size:12px;color:#5b6570}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border-bottom:1px solid #e8eaed;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600;font-size:12px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.muted{color:#6b7580;font-size:12px}.pos{color:#1a7f37}.neg{color:#b42318}
.tag{display:inline-block;border-radius:3px;padding:0 5px;font-size:11px;font-weight:600}
.tag.match{background:#fde2e1;color:#8a1c14}.tag.suppressed{background:#e4e7eb;color:#39424c}
.tag.confirmed{background:#fbe7c6;color:#7a4b00}
details{margin:6px 0}summary{cursor:pointer}
ul.sp{margin:0;padding-left:18px}
"""


def esc(value: object) -> str:
    """Text as HTML (None as an empty string)."""
    return "" if value is None else html.escape(str(value), quote=True)


def number(value: object, digits: int | None = None) -> str:
    """A count with thousands separators, a float with ``digits`` decimals, else the text."""
    if isinstance(value, bool) or value is None:
        return esc(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits if digits is not None else 4}f}"
    return esc(value)


def cards(items: Iterable[tuple[str, object]]) -> str:
    """Summary figures as a row of cards (label under the value)."""
    body = "".join(
        f'<div class="card"><div class="v">{number(v)}</div><div class="l">{esc(k)}</div></div>'
        for k, v in items
    )
    return f'<div class="cards">{body}</div>'


def table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Iterable[int] = ()
) -> str:
    """A table; cells are escaped unless they are ``Raw`` HTML; ``numeric`` columns align right."""
    right = set(numeric)

    def cell(tag: str, i: int, value: object) -> str:
        cls = ' class="n"' if i in right else ""
        text = value.html if isinstance(value, Raw) else number(value)
        return f"<{tag}{cls}>{text}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class Raw:
    """HTML that ``table`` puts in a cell as is (already escaped by its maker)."""

    def __init__(self, html_text: str):
        self.html = html_text


def section(title: str, body: str, anchor: str = "") -> str:
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return f"<section{ident}><h2>{esc(title)}</h2>{body}</section>"


def shown(n_shown: int, n_total: int, what: str) -> str:
    """A note on how many of the rows a section shows."""
    if n_shown >= n_total:
        return f'<p class="muted">{n_total:,} {esc(what)}.</p>'
    return f'<p class="muted">Showing {n_shown:,} of {n_total:,} {esc(what)}; the CSV has all.</p>'


def page(title: str, subtitle: str, sections: Sequence[str]) -> str:
    """The whole report as one HTML document."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{esc(title)}</h1><p>{esc(subtitle)} · resolver {esc(__version__)} · "
        f"{stamp}</p></header><main>{''.join(sections)}</main></body></html>\n"
    )
