"""The scores table (DynamoDB): aggregate items and their keys, how one is written, read back per
profile, post, seller.

Item keys: `profile#<network#user>#<category>` (decayed units, touches, hot-lead flag, and on
the organic item the tally of touches per seller), `post#<network#post>#shard#<n>` and
`seller#<seller id>#shard#<n>` (counters), `day#<date>#<dimension>#<name>#shard#<n>` (rollups,
domain.rollups). Only this module knows them; everything else names an aggregate by its domain
key.

Two sparse indexes spare the readers a scan (template.yaml): `by_day` holds the rollups under
`rollup` = `<date>#<dimension>` (a day's rows of one dimension are one Query), the all-time post
and seller counters under `all#post` and `all#seller`, and the profiles flagged hot under `hot`;
`by_units` the profile items under `rank` (`<category>#<n>`, n one of RANK_SHARDS values, from
the profile: so that no index partition takes every profile's writes) sorted by `units`; the
index reads are store.score_index's (Scores inherits them). CloudFormation adds one index to a
table per update (docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html):
hence the hot leads share `by_day` rather than their own.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from socialscore.aws import clients
from socialscore.aws.batch import chunks
from socialscore.domain.aggregates import (
    CONTACT,
    TALLY,
    AggregateKey,
    ContactTotal,
    ItemWrite,
    PostCounter,
    ProfileTotal,
    SellerCounter,
    is_stub,
)
from socialscore.domain.interaction import Category
from socialscore.domain.rollups import RollupKey
from socialscore.domain.standing import ProfileItem
from socialscore.store import dynamo
from socialscore.store.contact_totals import contact_key, contact_rank, rank_key
from socialscore.store.score_index import HOT as HOT
from socialscore.store.score_index import PROFILE as _PROFILE
from socialscore.store.score_index import RANK as RANK
from socialscore.store.score_index import ROLLUP as ROLLUP
from socialscore.store.score_index import ScoreIndexes

_SHARD = "#shard#"


def item_key(key: AggregateKey) -> str:
    if isinstance(key, ProfileTotal):
        return f"{_PROFILE}{key.profile}#{key.category}"
    if isinstance(key, PostCounter):
        return f"post#{key.post}{_SHARD}{key.shard}"
    if isinstance(key, RollupKey):
        return f"day#{key.day}#{key.dimension}#{key.name}{_SHARD}{key.shard}"
    if isinstance(key, ContactTotal):
        return contact_key(key.contact_id)
    return f"seller#{key.seller_id}{_SHARD}{key.shard}"


def rank_of(profile: str, category: Category = Category.ORGANIC) -> str:
    """The `by_units` key of a profile's item (`organic#<n>`, `paid#<n>`)."""
    return rank_key(str(category), profile)


ALL_TIME = "all"  # the `by_day` key of the all-time counters: all#post, all#seller


def index_attributes(
    key: AggregateKey, team: str | None = None, hot: bool = False
) -> dict[str, str]:
    """The attributes an item's write sets besides its counters: a seller's team (on its
    counters and its days' rollups), an index's key. A post's and a seller's all-time counters
    are under `by_day` too (all#post, all#seller): `posts` and the leaderboard read them there."""
    teams = {"team": team} if team is not None else {}
    if isinstance(key, RollupKey):
        return {ROLLUP: f"{key.day}#{key.dimension}"} | teams
    if isinstance(key, SellerCounter):
        return {ROLLUP: f"{ALL_TIME}#seller"} | teams
    if isinstance(key, PostCounter):
        return {ROLLUP: f"{ALL_TIME}#post"}
    if isinstance(key, ContactTotal):
        return {RANK: contact_rank(key.contact_id)}
    if key.category is Category.ORGANIC:  # `hot`: the item is flagged a hot lead
        return {RANK: rank_of(key.profile)} | ({ROLLUP: HOT} if hot else {})
    # A paid item is ranked too, under its own keys: the report counts the profiles with a paid
    # score and none organic from them, without a scan.
    return {RANK: rank_of(key.profile, key.category)}


# What a linked identity's stub never holds besides the counters its write removes
# (domain.aggregates.linked_write), whether or not the item was read with them: its ranks (a
# stub is in no index) and its hot-lead flag.
_STUB_FREE = frozenset({RANK, ROLLUP, "hot_since"})


def removed(key: AggregateKey, write: ItemWrite) -> frozenset[str]:
    """What the write removes from the item: its counters, and where it leaves an organic
    profile item counting nothing (a linked identity's stub), the item's ranks and flag."""
    if isinstance(key, ProfileTotal) and "touches" in write.remove and not write.add:
        return write.remove | _STUB_FREE
    return write.remove


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
            clauses.append("REMOVE " + ", ".join(name(n) for n in sorted(removed(key, write))))
        if write.add and (sets := index_attributes(key, team)):
            clauses.append(
                "SET " + ", ".join(f"{name(n)} = {value({'S': v})}" for n, v in sets.items())
            )
        action["UpdateExpression"] = " ".join(clauses)
    conditions = [
        f"attribute_not_exists({name(n)})"
        if v is None
        else f"{name(n)} = {value({'S': v} if isinstance(v, str) else _number(v))}"
        for n, v in write.expect.items()
    ]
    conditions += [f"{name(n)} > {value(_number(v))}" for n, v in write.above.items()]
    if conditions:
        action["ConditionExpression"] = " AND ".join(conditions)
        action["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    action["ExpressionAttributeNames"] = names
    if values:
        action["ExpressionAttributeValues"] = values
    return {"Delete" if write.delete else "Update": action}


def profile_item(item: dict[str, Any]) -> ProfileItem:
    """A profile item as stored; a counter removed at 0 (domain.aggregates) reads as 0."""
    hot = item.get("hot_since")
    tally = {n.removeprefix(TALLY): int(v) for n, v in item.items() if n.startswith(TALLY)}
    return ProfileItem(
        item.get("units", Decimal(0)),
        int(item.get("touches", 0)),
        str(hot) if hot else None,
        tally,
    )


@dataclass
class StoredScores:
    """The whole scores table, read once: profile items and summed counters."""

    profiles: dict[tuple[str, Category], dict[str, Any]] = field(default_factory=dict)
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    sellers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def profile_items(self) -> dict[tuple[str, Category], ProfileItem]:
        return {key: profile_item(item) for key, item in self.profiles.items()}


class Scores(ScoreIndexes):
    """The items by key, and (ScoreIndexes) the rankings and hot leads from the indexes."""

    def profile_units(self, profiles: list[str]) -> dict[tuple[str, Category], ProfileItem]:
        """(profile, category) -> its stored item (units, touches, hot_since)."""
        keys = {item_key(ProfileTotal(p, c)): (p, c) for p in profiles for c in Category}
        # Read right after this batch's transaction: consistent, or a crossing could be missed.
        found = dynamo.batch_get(self._table, "pk", list(keys), consistent=True)
        return {keys[k]: profile_item(v) for k, v in found.items() if not is_stub(v)}

    def forget(self, profile: str) -> None:
        """Delete a profile's scores (both categories, hot-lead flags with them), but for a
        linked identity's item that counts touches: one another score Lambda wrote after the
        erasure withdrew the person's, whose share its contact's item holds too (deleted, it
        would stay counted there). That item loses its hot-lead flag only; the erasure's unlink
        then takes its share out of the contact's (store.contact_sync)."""
        client = clients.client("dynamodb")
        for category in Category:
            key = {"pk": {"S": item_key(ProfileTotal(profile, category))}}
            names = {"#c": CONTACT, "#t": "touches"}
            try:
                client.delete_item(
                    TableName=self._table,
                    Key=key,
                    ConditionExpression="attribute_not_exists(#c) OR attribute_not_exists(#t)",
                    ExpressionAttributeNames=names,
                )
            except client.exceptions.ConditionalCheckFailedException:
                with suppress(client.exceptions.ConditionalCheckFailedException):
                    client.update_item(
                        TableName=self._table,
                        Key=key,
                        UpdateExpression="REMOVE hot_since, #r",
                        ConditionExpression="attribute_exists(#t)",
                        ExpressionAttributeNames={"#t": "touches", "#r": ROLLUP},
                    )

    def mark_hot(self, profiles: list[str], category: Category, at: str) -> None:
        """Flag these profiles hot, in one transaction per 100; a profile another batch flagged
        meanwhile keeps its first time (the others are then flagged one by one)."""
        client = clients.client("dynamodb")
        for chunk in chunks(sorted(set(profiles)), dynamo.MAX_ACTIONS):
            updates = [
                {
                    "TableName": self._table,
                    "Key": {"pk": {"S": item_key(ProfileTotal(profile, category))}},
                    "UpdateExpression": "SET hot_since = :at, #rank = :rank, #by_day = :hot",
                    "ConditionExpression": "attribute_not_exists(hot_since)",
                    "ExpressionAttributeNames": {"#rank": RANK, "#by_day": ROLLUP},
                    "ExpressionAttributeValues": {
                        ":at": {"S": at},
                        ":rank": {"S": rank_of(profile)},
                        ":hot": {"S": HOT},
                    },
                }
                for profile in chunk
            ]
            if dynamo.cancelled([{"Update": u} for u in updates]) is not None:
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
                if is_stub(item):  # a linked identity with no organic counters: no item
                    continue
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
