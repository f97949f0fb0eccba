"""Identity coverage (pure): how much of a period's organic engagement comes from profiles linked
to a CRM contact, and so can reach a seller's pipeline.

A touch counts for its profile's link as it is now (a profile linked today covers its touches of
the whole period, as its contact's score does). Organic touches only: paid ones are never
credited to a contact's organic score. Points are the touches' weights, as the report's days sum
them (before decay).

Kept without reading every touch: the totals are the rollups' (per day and network, per day and
seller), the linked part is what each contact contributes per day (`contributed`), kept by the
bucket tally with its contact (domain.bucket_tally) and summed per day; `rows` makes the rows
`coverage` would from those sums.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, localcontext

from socialscore.domain.decay import STORED_DIGITS, number
from socialscore.domain.interaction import Category
from socialscore.domain.touch import Touch

EVERY = "all"  # a row over every network, or every seller
NO_SELLER = "(no seller)"  # a touch of a post no registered seller wrote
# The days a contact's contribution is kept for, before the day of the run that works it out:
# the longest period (90 days, report.period.PERIODS) and the day before (a report as of a
# moment just before the run's, on the day before it). A touch dated the day after the run is kept
# too: one may lie up to a day ahead of its arrival (domain.interaction's CLOCK_SKEW), and it
# marks its profile, worked out by the run after it.
KEPT_DAYS = 90

Sums = dict[str, tuple[int, Decimal]]  # "n#<network>" / "s#<seller>" -> organic touches, points
Cover = Mapping[str, Sums]  # ISO day -> that day's sums


@dataclass(frozen=True)
class Coverage:
    network: str  # a network, or EVERY
    seller: str  # a seller id, NO_SELLER, or EVERY
    touches: int
    linked_touches: int
    points: Decimal
    linked_points: Decimal

    @property
    def touch_share(self) -> Decimal:
        """Linked touches over touches, 0 to 1 (0 with no touch)."""
        return _share(Decimal(self.linked_touches), Decimal(self.touches))

    @property
    def point_share(self) -> Decimal:
        return _share(self.linked_points, self.points)


@dataclass(frozen=True)
class Anonymous:
    """A profile linked to no contact, with its organic score now and its organic touches (all
    it has kept)."""

    profile: str  # network#user id: an id, never a handle
    score: float
    touches: int


def coverage(touches: Iterable[Touch], linked: set[str]) -> list[Coverage]:
    """The whole period's row first, then one per network, then one per seller (most points
    first)."""
    sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    with localcontext(STORED_DIGITS):  # as the rollups sum them
        for t in touches:
            if t.category is not Category.ORGANIC:
                continue
            points = number(t.weight)
            mine = t.profile in linked
            keys = ((EVERY, EVERY), (t.network.value, EVERY), (EVERY, t.seller_id or NO_SELLER))
            for key in keys:
                row = sums[key]
                row[0] += 1
                row[1] += 1 if mine else 0
                row[2] += points
                row[3] += points if mine else 0
    rows = [
        Coverage(network, seller, int(s[0]), int(s[1]), s[2], s[3])
        for (network, seller), s in sums.items()
    ]
    return _ordered(rows)


def network_key(network: str) -> str:
    return f"n#{network}"


def seller_key(seller: str) -> str:
    return f"s#{seller}"


def kept_days(as_of: datetime) -> tuple[date, date]:
    """The first and last day a contribution worked out at `as_of` keeps."""
    day = as_of.astimezone(UTC).date()
    return day - timedelta(days=KEPT_DAYS), day + timedelta(days=1)


def contributed(touches: Iterable[Touch], first: date, last: date) -> dict[str, Sums]:
    """Per day from first to last, these touches' organic touches and points per network and per
    seller (NO_SELLER for none): a linked contact's part of the coverage, over its identities'
    touches."""
    out: dict[str, Sums] = {}
    with localcontext(STORED_DIGITS):
        for t in touches:
            day = t.occurred_at.astimezone(UTC).date()
            if t.category is not Category.ORGANIC or not first <= day <= last:
                continue
            sums = out.setdefault(day.isoformat(), {})
            for key in (network_key(t.network.value), seller_key(t.seller_id or NO_SELLER)):
                n, points = sums.get(key, (0, Decimal(0)))
                sums[key] = (n + 1, points + number(t.weight))
    return out


def moved(old: Cover, new: Cover, first: date) -> dict[str, Sums]:
    """What the day sums move by when a contribution goes from `old` to `new`, on the days from
    `first` on (the days before are never read again); no zero left."""
    out: dict[str, Sums] = {}
    with localcontext(STORED_DIGITS):
        for day in sorted(set(old) | set(new)):
            if date.fromisoformat(day) < first:
                continue
            before, after = old.get(day, {}), new.get(day, {})
            sums: Sums = {}
            for key in sorted(set(before) | set(after)):
                n0, p0 = before.get(key, (0, Decimal(0)))
                n1, p1 = after.get(key, (0, Decimal(0)))
                if n1 != n0 or p1 != p0:
                    sums[key] = (n1 - n0, p1 - p0)
            if sums:
                out[day] = sums
    return out


def added(into: dict[str, Sums], more: Cover) -> None:
    """`more`'s day sums added into `into` (a rebuild's day items)."""
    for day, sums in more.items():
        into[day] = over([into.get(day, {}), sums])


def over(days: Iterable[Sums]) -> Sums:
    """Days' sums summed."""
    total: Sums = {}
    with localcontext(STORED_DIGITS):
        for sums in days:
            for key, (n, points) in sums.items():
                n0, p0 = total.get(key, (0, Decimal(0)))
                total[key] = (n0 + n, p0 + points)
    return total


def rows(networks: Sums, sellers: Sums, linked: Sums) -> list[Coverage]:
    """The rows `coverage` gives, from a period's totals per network and per registered seller
    (the rollups': NO_SELLER is what the networks hold beyond the sellers) and its linked sums.

    The totals are as of now, the linked sums as of crm_sync's last run: a linked profile's touch
    withdrawn or erased since is out of the totals but still in its linked part until the next
    run, so a row's linked part is capped at its total (a share never over 100 %)."""
    with localcontext(STORED_DIGITS):
        whole = (
            sum(n for n, _ in networks.values()),
            sum((p for _, p in networks.values()), Decimal(0)),
        )
        rest = (
            whole[0] - sum(n for n, _ in sellers.values()),
            whole[1] - sum((p for _, p in sellers.values()), Decimal(0)),
        )
        mine = [(n, p) for k, (n, p) in linked.items() if k.startswith("n#")]
        linked_whole = (sum(n for n, _ in mine), sum((p for _, p in mine), Decimal(0)))
    every = {(EVERY, EVERY): (whole, linked_whole)}
    zero = (0, Decimal(0))
    for name, sums in networks.items():
        every[(name, EVERY)] = (sums, linked.get(network_key(name), zero))
    for name, sums in [*sellers.items(), (NO_SELLER, rest)]:
        every[(EVERY, name)] = (sums, linked.get(seller_key(name), zero))
    found = [
        Coverage(
            network, seller, total[0], min(part[0], total[0]), total[1], min(part[1], total[1])
        )
        for (network, seller), (total, part) in every.items()
        if total[0] > 0
    ]
    return _ordered(found)


def _ordered(rows: list[Coverage]) -> list[Coverage]:
    """The whole period's row first, then the networks', then the sellers' (most points first)."""
    whole = [r for r in rows if r.network == EVERY and r.seller == EVERY]
    networks = sorted((r for r in rows if r.seller == EVERY and r.network != EVERY), key=_rank)
    sellers = sorted((r for r in rows if r.network == EVERY and r.seller != EVERY), key=_rank)
    return whole + networks + sellers


def _rank(row: Coverage) -> tuple[Decimal, str, str]:
    return (-row.points, row.network, row.seller)


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return part / whole if whole else Decimal(0)
