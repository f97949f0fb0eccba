"""The report sections' building blocks: a table whose every value is escaped and whose numbers
carry their exact value in data-value (money's: JSON, currency -> amount), with its rows as a
CSV file to download; the note of how many rows more there are, the note of nothing yet, and a
chart beside its table."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from urllib.parse import quote

from socialscore.report.charts import fmt
from socialscore.report.rows import money_text

Col = tuple[str, int | None]  # a header, and a number's decimal places (None: text)
# A spreadsheet runs a cell that starts with one of these as a formula: OWASP's CSV injection
# advice is to start such a cell with a single quote (https://owasp.org/www-community/attacks/CSV_Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Link:
    """A cell that opens a post: its text, and its link when one can be made (links.py)."""

    text: str
    href: str | None


def table(cols: Sequence[Col], rows: Iterable[Sequence[object]], csv_name: str) -> str:
    """Every cell escaped; a number right-aligned, rounded, its exact value in data-value; a
    link opens in a new tab and tells the network nothing of the report. Above it, its rows as
    `socialscore-<csv_name>.csv`, a data: link (the page runs no script)."""
    head = "".join(f"<th{' class=n' if p is not None else ''}>{escape(h)}</th>" for h, p in cols)
    out, kept = [], []
    for row in rows:
        cells = []
        kept.append(row)
        for (_, places), value in zip(cols, row, strict=True):
            if places is not None and isinstance(value, dict):  # Money
                exact = json.dumps({c: str(a) for c, a in value.items()})
                cells.append(
                    f'<td class=n data-value="{escape(exact)}">{escape(money_text(value))}'
                )
            elif places is not None and isinstance(value, Decimal | float | int):
                shown = fmt(value, 0 if isinstance(value, int) else places)  # a count is whole
                cells.append(f'<td class=n data-value="{escape(str(value))}">{shown}')
            elif isinstance(value, Link) and value.href:
                cells.append(
                    f'<td><a href="{escape(value.href)}" target="_blank" '
                    f'rel="noopener noreferrer">{escape(value.text)}</a>'
                )
            elif isinstance(value, Link):
                cells.append(f"<td>{escape(value.text)}")
            else:
                cells.append(f"<td>{escape('-' if value is None else str(value))}")
        out.append("<tr>" + "</td>".join(cells) + "</td></tr>")
    download = (
        f'<a class=csv download="socialscore-{escape(csv_name)}.csv" '
        f'href="data:text/csv;charset=utf-8,{quote(csv_text(cols, kept), safe="")}">'
        "Download CSV</a>"
    )
    rows_html = "".join(out)
    return (
        f"{download}<div class=scroll><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{rows_html}</tbody></table></div>"
    )


def csv_text(cols: Sequence[Col], rows: Iterable[Sequence[object]]) -> str:
    """The table as CSV: exact numbers (no thousands separator), amounts as `18500.00 EUR`
    (`;` between currencies), a link cell as its link, and no text cell a spreadsheet would
    run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180's line break
    writer.writerow([_cell(h) for h, _ in cols])
    for row in rows:
        writer.writerow(
            _csv_value(value, places) for (_, places), value in zip(cols, row, strict=True)
        )
    return "\ufeff" + out.getvalue()  # the BOM: Excel then reads the file as UTF-8


def _csv_value(value: object, places: int | None) -> str:
    if isinstance(value, dict):
        return _cell("; ".join(f"{amount} {c}" for c, amount in value.items()))
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{places if places is not None else 2}f}"
    if isinstance(value, Link):
        return _cell(value.href or value.text)
    return _cell(str(value))


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def more(total: int, shown: int, what: str) -> str:
    return f"<p class=more>and {total - shown:,} more {escape(what)}</p>" if total > shown else ""


def none(what: str) -> str:
    return f"<p class=more>No {escape(what)} yet.</p>"


def pair(chart: str, table: str, over: bool = False) -> str:
    """A chart beside its table; `over`: the chart over a table that needs the page's width
    (long ids, money in several currencies, a column per model)."""
    return f"<div class='pair{' over' if over else ''}'><div>{chart}</div><div>{table}</div></div>"
