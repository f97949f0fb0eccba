"""The scores table's index reads (template.yaml): `by_units` ranks the profile items under
`rank` (`organic#<n>`, `paid#<n>`) and the contact items under `contacts#<n>`, sorted by `units`;
`by_day` holds the profiles flagged hot under `hot` (and the rollups under `rollup`,
store.rollups). store.scores.Scores reads them through this class; the keys are
store.contact_totals'.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from socialscore.aws import clients
from socialscore.domain.interaction import Category
from socialscore.store import dynamo
from socialscore.store.contact_totals import CONTACT_RANK, RANK_SHARDS, READY, contact_of_key

PROFILE = "profile#"  # a profile item's key: profile#<network#user>#<category>
ROLLUP = "rollup"  # a rollup item's `by_day` key: <date>#<dimension>
HOT = "hot"  # the `by_day` key of a profile flagged hot
RANK = "rank"  # an organic profile item's `by_units` key (store.contact_totals.rank_key)


def profile_of(pk: str) -> str:
    return pk.removeprefix(PROFILE).rsplit("#", 1)[0]


class ScoreIndexes:
    def __init__(self, table: str) -> None:
        self._table = table
        self.items_read = 0  # by the index reads, for bench/scale.py

    def top(self, n: int) -> list[tuple[str, Decimal]]:
        """The n profiles with the most organic units, most first, with their units: a Query of
        `by_units` per rank key, each its n best. As of any one moment every stored unit is
        decayed by the same factor (domain.decay: units are grown to the epoch), so this is the
        ranking by organic score now, exactly, per identity."""
        best: list[tuple[str, Decimal]] = []
        for shard in range(RANK_SHARDS):
            for item in self._index("by_units", RANK, f"organic#{shard}", limit=n):
                best.append((profile_of(item["pk"]), item["units"]))
        return sorted(best, key=lambda pu: (-pu[1], pu[0]))[:n]

    def ranked(self, category: Category, page: int = 1000) -> Iterator[tuple[str, Decimal]]:
        """Every profile item of the category with its units, most first: the `by_units` keys
        of the category, each read a page of `page` at a time, only when the reader gets that
        far (a top N reads N a key; the whole stream reads the index once, its keys and units
        only: the index projects nothing else, template.yaml)."""
        return self._merged(str(category), profile_of, page)

    def ranked_contacts(self, page: int = 1000) -> Iterator[tuple[str, Decimal]]:
        """Every contact item (store.contact_totals) with its units, most first: the contacts'
        `by_units` keys, paged and merged as `ranked` reads the profiles'."""
        return self._merged(CONTACT_RANK, contact_of_key, page)

    def contact_ranking_ready(self) -> bool:
        """Whether `socialscore rebuild` has made the contacts' ranking whole (its marker)."""
        found = dynamo.batch_get(self._table, "pk", [READY], consistent=True)
        return bool(found.get(READY, {}).get("ready"))

    def _merged(
        self, ranking: str, name_of: Callable[[str], str], page: int
    ) -> Iterator[tuple[str, Decimal]]:
        shards = [self._pages(f"{ranking}#{s}", name_of, page) for s in range(RANK_SHARDS)]
        return heapq.merge(*shards, key=lambda pu: -pu[1])

    def _pages(
        self, rank: str, name_of: Callable[[str], str], page: int
    ) -> Iterator[tuple[str, Decimal]]:
        query = self._query("by_units", RANK, rank)
        for found in dynamo.query(**query, PaginationConfig={"PageSize": page}):
            self.items_read += len(found)
            yield from ((name_of(i["pk"]), i["units"]) for i in found)

    def hot(self) -> list[tuple[str, str]]:
        """Every profile flagged hot with when, latest first: `by_day`'s `hot` key, whole."""
        flagged = [
            (profile_of(item["pk"]), str(item["hot_since"]))
            for item in self._index("by_day", ROLLUP, HOT)
        ]
        return sorted(flagged, key=lambda ph: (ph[1], ph[0]), reverse=True)

    def _index(
        self, index: str, key: str, value: str, limit: int | None = None
    ) -> list[dict[str, Any]]:
        query = self._query(index, key, value)
        if limit is not None:  # the first page holds the best `limit`
            found = clients.client("dynamodb").query(**query, Limit=limit)["Items"]
            self.items_read += len(found)
            return [dynamo.from_item(i) for i in found]
        items = [item for page in dynamo.query(**query) for item in page]
        self.items_read += len(items)
        return items

    def _query(self, index: str, key: str, value: str) -> dict[str, Any]:
        """A Query of the index's items whose `key` is `value`, highest sort key first. Eventually
        consistent, as every read of a global secondary index is (a ConsistentRead is refused:
        docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html):
        a write a moment old may be missing or stale here, never in the items it names."""
        return {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": "#k = :k",
            "ExpressionAttributeNames": {"#k": key},
            "ExpressionAttributeValues": {":k": {"S": value}},
            "ScanIndexForward": False,
        }
