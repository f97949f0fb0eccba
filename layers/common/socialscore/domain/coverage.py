"""Identity coverage (pure): how much of a period's organic engagement comes from profiles linked
to a CRM contact, and so can reach a seller's pipeline; and the anonymous profiles that earned the
most points, the ones worth identifying next.

A touch counts for its profile's link as it is now (a profile linked today covers its touches of
the whole period, as its contact's score does). Organic touches only: paid ones are never
credited to a contact's organic score. Points are the touches' weights, as the report's days sum
them (before decay).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from socialscore.domain.interaction import Category
from socialscore.domain.touch import Touch

EVERY = "all"  # a row over every network, or every seller
NO_SELLER = "(no seller)"  # a touch of a post no registered seller wrote


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
    profile: str  # network#user id: an id, never a handle
    points: Decimal
    touches: int


def coverage(touches: Iterable[Touch], linked: set[str]) -> list[Coverage]:
    """The whole period's row first, then one per network, then one per seller (most points
    first)."""
    sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    for t in touches:
        if t.category is not Category.ORGANIC:
            continue
        points = Decimal(str(t.weight))
        mine = t.profile in linked
        for key in ((EVERY, EVERY), (t.network.value, EVERY), (EVERY, t.seller_id or NO_SELLER)):
            row = sums[key]
            row[0] += 1
            row[1] += 1 if mine else 0
            row[2] += points
            row[3] += points if mine else 0
    rows = [
        Coverage(network, seller, int(s[0]), int(s[1]), s[2], s[3])
        for (network, seller), s in sums.items()
    ]
    whole = [r for r in rows if r.network == EVERY and r.seller == EVERY]
    networks = sorted((r for r in rows if r.seller == EVERY and r.network != EVERY), key=_rank)
    sellers = sorted((r for r in rows if r.network == EVERY and r.seller != EVERY), key=_rank)
    return whole + networks + sellers


def anonymous(touches: Iterable[Touch], linked: set[str], limit: int = 10) -> list[Anonymous]:
    """The profiles linked to no contact with the most organic points, best first."""
    points: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for t in touches:
        if t.category is Category.ORGANIC and t.profile not in linked:
            points[t.profile] += Decimal(str(t.weight))
            counts[t.profile] += 1
    best = sorted(points, key=lambda p: (-points[p], p))[:limit]
    return [Anonymous(p, points[p], counts[p]) for p in best]


def _rank(row: Coverage) -> tuple[Decimal, str, str]:
    return (-row.points, row.network, row.seller)


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return part / whole if whole else Decimal(0)
