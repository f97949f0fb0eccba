"""The rollups' reads in memory (store.rollups.RollupStore), recomputed on each read from the
touches that count (domain.rollups.recompute: the oracle the maintained rollups must equal)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from decimal import Decimal
from typing import Any

from socialscore.domain import aggregates
from socialscore.domain.rollups import Dimension, recompute
from socialscore.domain.touch import Touch

Counters = dict[str, dict[str, Any]]


class MemoryRollups:
    def __init__(self, counted: Callable[[], list[Touch]]) -> None:
        self._counted = counted  # the ledger's counted touches, as of each read

    def days(
        self, days: Iterable[str], dimension: Dimension, only: Collection[str] | None = None
    ) -> dict[str, Counters]:
        """As RollupStore.days: `only`, these counters alone (and a seller's team)."""
        wanted = set(days)
        out: dict[str, Counters] = {}
        touches = self._counted()
        teams = {t.seller_id: t.team for t in sorted(touches, key=lambda t: t.occurred_at)}
        for (day, d, name), counters in recompute(touches).items():
            if day in wanted and d is dimension:
                row: dict[str, Any] = {
                    n: v for n, v in counters.items() if only is None or n in only
                }
                if d is Dimension.SELLER:
                    row["team"] = teams[name]
                out.setdefault(day, {})[name] = row
        return out

    def period(
        self, days: Iterable[str], dimension: Dimension, only: Collection[str] | None = None
    ) -> Counters:
        out: Counters = {}
        for rows in self.days(days, dimension, only).values():
            for name, counters in rows.items():
                into = out.setdefault(name, {})
                for n, v in counters.items():
                    into[n] = into.get(n, Decimal(0)) + v if isinstance(v, Decimal) else v
        return out

    def all_time(self, dimension: Dimension, only: Collection[str] | None = None) -> Counters:
        """The score stage's all-time counters of every post (or seller), shards summed
        (`only`: as in days)."""
        agg = aggregates.coalesce(self._counted(), [], shard=0)
        out: Counters = {}
        for key, sums in agg.counters.items():
            kept = {n: v for n, v in sums.items() if only is None or n in only}
            if dimension is Dimension.POST and isinstance(key, aggregates.PostCounter):
                out[key.post] = kept
            elif dimension is Dimension.SELLER and isinstance(key, aggregates.SellerCounter):
                out[key.seller_id] = {**kept, "team": agg.teams[key]}
        return out
