"""What a person reads: aligned tables, and a progress bar on stderr for long operations."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import TextIO


def cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float | Decimal):
        return f"{value:,.2f}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], empty: str = "(none)") -> str:
    """Columns as wide as their widest cell; numbers right-aligned."""
    if not rows:
        return empty
    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[n]) for r in cells)) for n, h in enumerate(headers)]
    numeric = [
        all(isinstance(row[n], int | float | Decimal) for row in rows) for n in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)])


class Progress:
    """`[#####-----] 512/1,000 items` on stderr, redrawn at most 10 times a second on a
    terminal; elsewhere (a log, CI) one line per tenth done."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self._stream = stream or sys.stderr  # the one of now, not of the import
        self._tty = self._stream.isatty()
        self._drawn = 0.0
        self._tenth = -1

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self._tty and (now - self._drawn >= 0.1 or self.done >= self.total):
            self._drawn = now
            self._stream.write("\r" + self._bar())
            self._stream.flush()
        elif not self._tty and (tenth := self._tenths()) > self._tenth:
            self._tenth = tenth
            self._stream.write(self._bar() + "\n")

    def close(self) -> None:
        if self._tty:
            self._stream.write("\r" + self._bar() + "\n")
            self._stream.flush()

    def _tenths(self) -> int:
        return 10 * self.done // self.total if self.total else 10

    def _bar(self) -> str:
        filled = 20 * self.done // self.total if self.total else 20
        return f"{self.label} [{'#' * filled}{'-' * (20 - filled)}] {self.done:,}/{self.total:,}"
