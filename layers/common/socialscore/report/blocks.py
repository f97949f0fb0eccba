"""The report sections' building blocks: a table whose every value is escaped and whose numbers
carry their exact value in data-value (money's: JSON, currency -> amount), the note of how many
rows more there are, the note of nothing yet, and a chart beside its table."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from html import escape

from socialscore.report.charts import fmt
from socialscore.report.rows import money_text

Col = tuple[str, int | None]  # a header, and a number's decimal places (None: text)


def table(cols: Sequence[Col], rows: Iterable[Sequence[object]]) -> str:
    """Every cell escaped; a number right-aligned, rounded, its exact value in data-value."""
    head = "".join(f"<th{' class=n' if p is not None else ''}>{escape(h)}</th>" for h, p in cols)
    out = []
    for row in rows:
        cells = []
        for (_, places), value in zip(cols, row, strict=True):
            if places is not None and isinstance(value, dict):  # Money
                exact = json.dumps({c: str(a) for c, a in value.items()})
                cells.append(
                    f'<td class=n data-value="{escape(exact)}">{escape(money_text(value))}'
                )
            elif places is not None and isinstance(value, Decimal | float | int):
                shown = fmt(value, 0 if isinstance(value, int) else places)  # a count is whole
                cells.append(f'<td class=n data-value="{escape(str(value))}">{shown}')
            else:
                cells.append(f"<td>{escape('-' if value is None else str(value))}")
        out.append("<tr>" + "</td>".join(cells) + "</td></tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(out)}</tbody></table>"


def more(total: int, shown: int, what: str) -> str:
    return f"<p class=more>and {total - shown:,} more {escape(what)}</p>" if total > shown else ""


def none(what: str) -> str:
    return f"<p class=more>No {escape(what)} yet.</p>"


def pair(chart: str, table: str, over: bool = False) -> str:
    """A chart beside its table; `over`: the chart over a table that needs the page's width
    (long ids, money in several currencies, a column per model)."""
    return f"<div class='pair{' over' if over else ''}'><div>{chart}</div><div>{table}</div></div>"
