"""The rollups' reads (DynamoDB): a period's days of one dimension, and the all-time counters of
posts and sellers, each from the scores table's `by_day` index (store.scores), a Query per day,
never a scan: the items read are the days' rows times their shards, whatever the number of
profiles and touches.

The index is eventually consistent (docs.aws.amazon.com/amazondynamodb/latest/developerguide/
GSI.html#GSI.Reading): a touch written a moment ago may be missing from a report, never counted
twice.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from decimal import Decimal, localcontext
from typing import Any

from socialscore.domain.decay import STORED_DIGITS
from socialscore.domain.rollups import ROLLUP_COUNTERS, Dimension
from socialscore.store import dynamo
from socialscore.store.scores import ALL_TIME, ROLLUP

BY_DAY_INDEX = "by_day"
Counters = dict[str, dict[str, Any]]  # name -> counter -> total (and a seller's team)
Held = frozenset[str] | None  # the counters a read asked for (None: every one)
# What the all-time items hold, the names their keys carry (store.scores.item_key).
_ALL_TIME = {Dimension.POST: "post#", Dimension.SELLER: "seller#"}


class RollupStore:
    def __init__(self, table: str) -> None:
        self._table = table
        self.items_read = 0  # what the reads cost, for bench/scale.py
        # (days, dimension) -> the counters read (None: all) and the period's sums
        self._periods: dict[tuple[tuple[str, ...], Dimension], tuple[Held, Counters]] = {}

    def days(
        self, days: Iterable[str], dimension: Dimension, only: Collection[str] | None = None
    ) -> dict[str, Counters]:
        """day -> name -> its counters that day, shards summed (no counter at 0); `only`: these
        counters alone are read (and a seller's team), the others left in the table."""
        out: dict[str, Counters] = {}
        for day in days:
            rows: Counters = {}
            self._add_day(day, dimension, only, rows)
            if rows := _counting(rows):
                out[day] = rows
        return out

    def period(
        self, days: Iterable[str], dimension: Dimension, only: Collection[str] | None = None
    ) -> Counters:
        """name -> its counters summed over these days (`only`: these alone, as in days).
        Read once for a later read of the same days and dimension asking for no other counter
        (the report's sellers, then its identity coverage): the sums are shared, never to be
        changed by a caller."""
        key = (tuple(days), dimension)
        if (held := self._periods.get(key)) is not None and _covers(held[0], only):
            return held[1]
        out: Counters = {}
        for day in key[0]:  # summed as read (as ADD sums: 38 digits), no day's rows held
            self._add_day(day, dimension, only, out)
        out = _counting(out)
        self._periods[key] = (None if only is None else frozenset(only), out)
        return out

    def _add_day(
        self, day: str, dimension: Dimension, only: Collection[str] | None, into: Counters
    ) -> None:
        """Add each shard of each name's item that day into `into`, by name."""
        prefix = f"day#{day}#{dimension}#"
        for item in self._query(f"{day}#{dimension}", _wanted(only)):
            name = item["pk"].removeprefix(prefix).rsplit("#shard#", 1)[0]
            _add(into.setdefault(name, {}), item, ROLLUP_COUNTERS if only is None else only)

    def all_time(self, dimension: Dimension, only: Collection[str] | None = None) -> Counters:
        """Every post's (or seller's) all-time counters, shards summed: the counters the score
        stage keeps (domain.aggregates), under `all#post` / `all#seller` (`only`: as in days)."""
        prefix = _ALL_TIME[dimension]
        out: Counters = {}
        for item in self._query(f"{ALL_TIME}#{dimension}", _wanted(only)):
            name = item["pk"].removeprefix(prefix).rsplit("#shard#", 1)[0]
            _add(out.setdefault(name, {}), item, None)
        return _counting(out)

    def _query(self, key: str, attributes: list[str] | None) -> Iterable[dict[str, Any]]:
        """The items under `key`: their `pk` and `attributes` alone when given (every attribute
        when None). A projection reads the same units (docs.aws.amazon.com/amazondynamodb/
        latest/developerguide/Query.ReadConsumption.html: the size of the items, not of what is
        returned) but what is not returned is never sent nor parsed."""
        names = {"#k": ROLLUP}
        request: dict[str, Any] = {}
        if attributes is not None:
            wanted = {f"#a{n}": a for n, a in enumerate(["pk", *attributes])}
            names |= wanted
            request["ProjectionExpression"] = ", ".join(wanted)
        for page in dynamo.query(
            TableName=self._table,
            IndexName=BY_DAY_INDEX,
            KeyConditionExpression="#k = :k",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={":k": {"S": key}},
            **request,
        ):
            self.items_read += len(page)
            yield from page


def _covers(held: Held, only: Collection[str] | None) -> bool:
    """Whether counters read as `held` hold those asked for."""
    return held is None or (only is not None and held.issuperset(only))


def _wanted(only: Collection[str] | None) -> list[str] | None:
    return None if only is None else [*only, "team"]


def _add(into: dict[str, Any], item: dict[str, Any], names: Collection[str] | None) -> None:
    """Add an item's counters (those named, or every number) into `into`; a team is kept."""
    with localcontext(STORED_DIGITS):
        for name, value in item.items():
            if name == "team":
                into["team"] = value
            elif isinstance(value, Decimal) and (names is None or name in names):
                into[name] = into.get(name, Decimal(0)) + value


def _counting(rows: Counters) -> Counters:
    """The rows without a counter at 0, nor a name whose counters all were: a day folded into
    one shard (store.rollup_fold) and a retraction after it leave a count's shards summing to 0
    (1 and -1), which no shard held before."""
    out: Counters = {}
    for name, row in rows.items():
        kept = {n: v for n, v in row.items() if not isinstance(v, Decimal) or v}
        if len(kept) == len(row) or any(isinstance(v, Decimal) for v in kept.values()):
            out[name] = kept
    return out
