"""Where crm_sync stands, between runs: its cursors over the three kinds of work, each moved
only past what landed in the CRM, so a run stopped anywhere (its time budget spent, a
`CrmStopped`, a crash) is resumed by the next.

- `checkpoint`: the newest modification of the CRM's changed opportunities taken so far (the
  CRM is read from it, inclusive: one sharing its time is read again, and its digest absorbs it).
- the change marks' window: `last_run` is where the next window starts; an open window (one the
  last run did not finish) also has its end (`marks_until`) and the last contact taken from it in
  contact id order (`marks_after`).
- the daily decay pass: `decay_day` is the UTC day of the last pass finished; an open pass has
  its day (`decay_pass`) and where it resumes over the linked contacts (`decay_cursor`, the
  identity store's page cursor, empty for the first page).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Cursors:
    checkpoint: datetime | None = None
    last_run: datetime | None = None
    marks_until: datetime | None = None
    marks_after: str = ""
    decay_day: str = ""
    decay_pass: str = ""
    decay_cursor: str = ""

    @classmethod
    def read(cls, marks: Mapping[str, str], crm: str) -> Cursors:
        return cls(
            checkpoint=_time(marks.get(f"checkpoint#{crm}")),
            last_run=_time(marks.get("last_run")),
            marks_until=_time(marks.get("marks_until")),
            marks_after=marks.get("marks_after", ""),
            decay_day=marks.get("decay_day", ""),
            decay_pass=marks.get("decay_pass", ""),
            decay_cursor=marks.get("decay_cursor", ""),
        )

    def bookmarks(self, crm: str) -> dict[str, str]:
        """What the store keeps; an empty value stands for none (a window or pass closed)."""
        marks = {
            "last_run": _text(self.last_run),
            "marks_until": _text(self.marks_until),
            "marks_after": self.marks_after,
            "decay_day": self.decay_day,
            "decay_pass": self.decay_pass,
            "decay_cursor": self.decay_cursor,
        }
        if self.checkpoint is not None:
            marks[f"checkpoint#{crm}"] = self.checkpoint.isoformat()
        return marks

    def decay_due(self, day: str) -> bool:
        """Whether a decay pass is to be worked on: one open, or none yet for `day`."""
        return bool(self.decay_pass) or self.decay_day != day


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _text(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""
