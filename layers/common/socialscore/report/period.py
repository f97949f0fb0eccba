"""The report's period: the last 7, 30 or 90 days up to its as-of moment, beside the same number
of days before them. Read from serve's URL (`/report?as_of=2026-11-20&period=30`), the report
function's event (`{"as_of": ..., "period": 30}`) or the CLI's options; anything else is refused
with a message that says what is accepted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs

from socialscore.domain.rollups import days_between

PERIODS = (7, 30, 90)
# Where the rollup fold of a stack with no progress starts (wiring.fold): the longest period and
# the same number of days before it (the posts with reactions then), and the two days not closed.
FOLD_BACK = 2 * max(PERIODS) + 2
DEFAULT_PERIOD = 30
MAX_QUERY = 200  # characters: two short parameters, and nothing a page could be made to echo


class BadPeriod(ValueError):
    """A period or an as-of the report cannot show; the message says what it accepts."""


@dataclass(frozen=True)
class Period:
    """[start, end): `days` days ending at `end` (the report's as-of, excluded)."""

    end: datetime
    days: int

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=self.days)

    @property
    def previous(self) -> Period:
        """The same number of days just before."""
        return Period(self.start, self.days)

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def label(self) -> str:
        """`Oct 23 to Nov 21, 2026`: its first and last days (UTC); an as-of at midnight ends
        the period on the day before it."""
        first = self.start.astimezone(UTC)
        last = (self.end - timedelta(microseconds=1)).astimezone(UTC)
        year = "" if first.year == last.year else f", {first.year}"
        return f"{first:%b %d}{year} to {last:%b %d, %Y}"

    @classmethod
    def ending(cls, as_of: datetime, days: int) -> Period:
        """`days` whole UTC days, the as-of's own the last (an as-of at midnight ends it on the
        day before): whole days, so the rollups answer it."""
        return cls(midnight_after(as_of), days)


def midnight_after(moment: datetime) -> datetime:
    """The moment itself when it is a UTC midnight, else the next one."""
    utc = moment.astimezone(UTC)
    midnight = datetime.combine(utc.date(), time(), UTC)
    return midnight if midnight == utc else midnight + timedelta(days=1)


def whole_days(since: datetime | None, until: datetime | None, now: datetime) -> list[str] | None:
    """The UTC days from since to until when both fall on midnight (None for until: up to the
    day after `now`, the latest a touch can bear with a clock a little ahead); None when a
    bound falls within a day, which only the touches can cut."""
    last = until or midnight_after(now) + timedelta(days=1)
    if since is None or midnight_after(since) != since or midnight_after(last) != last:
        return None
    first, end = since.astimezone(UTC).date(), (last - timedelta(days=1)).astimezone(UTC).date()
    return days_between(first, end)


def period_days(value: object) -> int:
    """7, 30 or 90 (as a number or its digits); None: the default, 30."""
    if value is None or value == "":
        return DEFAULT_PERIOD
    text = str(value).strip()
    if isinstance(value, bool) or not text.isascii() or not text.isdigit():
        raise BadPeriod(f"period must be one of {_choices()} (days), not {_shown(value)}")
    days = int(text)
    if days not in PERIODS:
        raise BadPeriod(f"period must be one of {_choices()} (days), not {days}")
    return days


def as_of(value: object, now: datetime) -> datetime:
    """A date (2026-11-20: midnight UTC) or an ISO 8601 moment, UTC unless it says otherwise;
    None or empty: now."""
    if value is None or value == "":
        return now
    try:
        found = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise BadPeriod(f"as_of must be a date such as 2026-11-20, not {_shown(value)}") from None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def from_query(query: str, now: datetime) -> tuple[datetime, int]:
    """(as-of, period days) from a URL's query string: `as_of=2026-11-20&period=30`, both
    optional; an unknown or repeated parameter is refused rather than silently ignored."""
    if len(query) > MAX_QUERY:
        raise BadPeriod(f"the query string is over {MAX_QUERY} characters")
    try:
        params = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise BadPeriod("the query string is not name=value pairs") from None
    unknown = sorted(set(params) - {"as_of", "period"})
    if unknown:
        shown = _shown(unknown[0])
        raise BadPeriod(f"unknown parameter {shown}: the report takes as_of and period")
    repeated = sorted(k for k, v in params.items() if len(v) > 1)
    if repeated:
        raise BadPeriod(f"{repeated[0]} is given more than once")
    one = {k: v[0] for k, v in params.items()}
    return as_of(one.get("as_of"), now), period_days(one.get("period"))


def as_of_text(query: str) -> str:
    """The as_of parameter as the URL gave it ("" for none): what links to the other periods
    keep. Read after from_query accepted the query."""
    return parse_qs(query).get("as_of", [""])[0]


def from_event(event: Mapping[str, Any], now: datetime) -> tuple[datetime, int]:
    """(as-of, period days) from the report function's event: EventBridge Scheduler's input,
    `{"as_of": "<aws.scheduler.scheduled-time>", "period": 30}`, each optional."""
    return as_of(event.get("as_of"), now), period_days(event.get("period"))


def moment_of(stamp: str | None) -> datetime:
    """A stored ISO 8601 moment (UTC unless it says otherwise); one that cannot be read is
    the earliest moment, in no period."""
    try:
        found = datetime.fromisoformat(stamp or "")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _choices() -> str:
    return ", ".join(map(str, PERIODS[:-1])) + f" or {PERIODS[-1]}"


def _shown(value: object) -> str:
    """A refused value as the message repeats it: short, ASCII, and never markup."""
    text = str(value)
    cut = text[:40] + ("..." if len(text) > 40 else "")
    return repr("".join(c if c.isascii() and (c.isalnum() or c in "-:+._ ") else "?" for c in cut))
