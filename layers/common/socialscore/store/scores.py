"""The scores table (DynamoDB): aggregate items and their keys, how one is written, read back per
profile, post, seller.

Item keys: `profile#<network#user>#<category>` (decayed units, touches, hot-lead flag),
`post#<network#post>#shard#<n>` and `seller#<seller id>#shard#<n>` (counters). Only this module
knows them; everything else names an aggregate by its domain key.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from socialscore.aws import clients
from socialscore.aws.batch import chunks
from socialscore.domain.aggregates import AggregateKey, ItemWrite, PostCounter, ProfileTotal
from socialscore.domain.interaction import Category
from socialscore.domain.standing import ProfileItem
from socialscore.store import dynamo

_PROFILE = "profile#"
_SHARD = "#shard#"


def item_key(key: AggregateKey) -> str:
    if isinstance(key, ProfileTotal):
        return f"{_PROFILE}{key.profile}#{key.category}"
    if isinstance(key, PostCounter):
        return f"post#{key.post}{_SHARD}{key.shard}"
    return f"seller#{key.seller_id}{_SHARD}{key.shard}"


def _number(amount: Decimal) -> dict[str, str]:
    # Plain digits; a zero as 0 (moto refuses to ADD to a stored 0E-14).
    return {"N": format(amount, "f") if amount else "0"}


def item_write(
    table: str, key: AggregateKey, write: ItemWrite, team: str | None = None
) -> dict[str, Any]:
    """The transaction action of one aggregate item's write (domain.aggregates.settle): an
    Update that adds and removes counters (and sets a seller's team), or a Delete; conditioned
    on what it expects the item to hold, and returning the item when that fails (ALL_OLD), so
    the writer learns what it holds without a read."""
    # An update expression may hold ADD, REMOVE and SET together, each keyword once
    # (docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html);
    # a transaction's Update and Delete take a condition and return the item it failed on
    # (docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
    names: dict[str, str] = {}
    values: dict[str, Any] = {}

    def name(counter: str) -> str:
        names[f"#c{len(names)}"] = counter
        return f"#c{len(names) - 1}"

    def value(v: dict[str, str]) -> str:
        values[f":v{len(values)}"] = v
        return f":v{len(values) - 1}"

    action: dict[str, Any] = {"TableName": table, "Key": {"pk": {"S": item_key(key)}}}
    if not write.delete:
        clauses = []
        if write.add:
            adds = ", ".join(f"{name(n)} {value(_number(a))}" for n, a in write.add.items())
            clauses.append(f"ADD {adds}")
        if write.remove:
            clauses.append("REMOVE " + ", ".join(name(n) for n in sorted(write.remove)))
        if team is not None and write.add:
            clauses.append(f"SET {name('team')} = {value({'S': team})}")
        action["UpdateExpression"] = " ".join(clauses)
    if write.expect:
        action["ConditionExpression"] = " AND ".join(
            f"attribute_not_exists({name(n)})" if v is None else f"{name(n)} = {value(_number(v))}"
            for n, v in write.expect.items()
        )
        action["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    action["ExpressionAttributeNames"] = names
    if values:
        action["ExpressionAttributeValues"] = values
    return {"Delete" if write.delete else "Update": action}


def held(table: str, keys: list[AggregateKey]) -> dict[AggregateKey, dict[str, Any]]:
    """These aggregate items as they are now ({} for one that does not exist): a consistent
    read, for a write that takes a count down."""
    wanted = {item_key(k): k for k in keys}
    found = dynamo.batch_get(table, "pk", list(wanted), consistent=True)
    return {k: found.get(pk, {}) for pk, k in wanted.items()}


def profile_item(item: dict[str, Any]) -> ProfileItem:
    """A profile item as stored; a counter removed at 0 (domain.aggregates) reads as 0."""
    hot = item.get("hot_since")
    return ProfileItem(
        item.get("units", Decimal(0)), int(item.get("touches", 0)), str(hot) if hot else None
    )


@dataclass
class StoredScores:
    """The whole scores table, read once: profile items and summed counters."""

    profiles: dict[tuple[str, Category], dict[str, Any]] = field(default_factory=dict)
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    sellers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def profile_items(self) -> dict[tuple[str, Category], ProfileItem]:
        return {key: profile_item(item) for key, item in self.profiles.items()}


class Scores:
    def __init__(self, table: str) -> None:
        self._table = table

    def profile_units(self, profiles: list[str]) -> dict[tuple[str, Category], ProfileItem]:
        """(profile, category) -> its stored item (units, touches, hot_since)."""
        keys = {item_key(ProfileTotal(p, c)): (p, c) for p in profiles for c in Category}
        # Read right after this batch's transaction: consistent, or a crossing could be missed.
        found = dynamo.batch_get(self._table, "pk", list(keys), consistent=True)
        return {keys[k]: profile_item(v) for k, v in found.items()}

    def forget(self, profile: str) -> None:
        """Delete a profile's scores (both categories, hot-lead flags with them)."""
        dynamo.batch_write(
            self._table,
            [
                {"DeleteRequest": {"Key": {"pk": {"S": item_key(ProfileTotal(profile, c))}}}}
                for c in Category
            ],
        )

    def mark_hot(self, profiles: list[str], category: Category, at: str) -> None:
        """Flag these profiles hot, in one transaction per 100; a profile another batch flagged
        meanwhile keeps its first time (the others are then flagged one by one)."""
        client = clients.client("dynamodb")
        for chunk in chunks(sorted(set(profiles)), 100):
            updates = [
                {
                    "TableName": self._table,
                    "Key": {"pk": {"S": item_key(ProfileTotal(profile, category))}},
                    "UpdateExpression": "SET hot_since = :at",
                    "ConditionExpression": "attribute_not_exists(hot_since)",
                    "ExpressionAttributeValues": {":at": {"S": at}},
                }
                for profile in chunk
            ]
            try:
                client.transact_write_items(TransactItems=[{"Update": u} for u in updates])
            except client.exceptions.TransactionCanceledException:
                for update in updates:
                    with suppress(client.exceptions.ConditionalCheckFailedException):
                        client.update_item(**update)

    def read_all(self) -> StoredScores:
        """Every profile's item and every post's and seller's counters, shards summed, from one
        scan: a report's read."""
        stored = StoredScores()
        for item in dynamo.scan(self._table):
            pk: str = item.pop("pk")
            if pk.startswith(_PROFILE):
                profile, category = pk.removeprefix(_PROFILE).rsplit("#", 1)
                stored.profiles[(profile, Category(category))] = item
                continue
            kind, _, rest = pk.partition("#")
            if _SHARD not in rest or kind not in ("post", "seller"):
                continue
            totals = stored.posts if kind == "post" else stored.sellers
            merged = totals.setdefault(rest[: rest.rindex(_SHARD)], {})
            for counter, value in item.items():
                merged[counter] = (
                    merged.get(counter, Decimal(0)) + value if isinstance(value, Decimal) else value
                )
        return stored

    def every_profile(self) -> dict[tuple[str, Category], dict[str, Any]]:
        """Every profile's stored item, by (profile, category). A scan."""
        return self.read_all().profiles

    def post_counters(self) -> dict[str, dict[str, Any]]:
        """Every post's counters, shards summed: post key -> counter -> total. A scan."""
        return self.read_all().posts

    def seller_counters(self) -> dict[str, dict[str, Any]]:
        """Every seller's points, touches and team, shards summed. A scan."""
        return self.read_all().sellers
