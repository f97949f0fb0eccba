"""The TransactWriteItems of one group of ledger changes (store.ledger): the entries' puts, the
marker checks, each aggregate item's write and the change mark, in that order, so a cancellation
reason's index says which failed; and what an aggregate item holds after the write, so a later
group of the same batch settles from it without reading it again."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, localcontext
from typing import Any

from socialscore.domain.aggregates import (
    CONTACT,
    AggregateKey,
    ItemWrite,
    ProfileTotal,
    linked_write,
    settle,
    with_contacts,
)
from socialscore.domain.decay import STORED_DIGITS
from socialscore.domain.interaction import Category
from socialscore.domain.ledger_rules import Change, Key, LedgerEntry, deltas
from socialscore.domain.rollups import ROLLUP_COUNTERS, RollupKey
from socialscore.store import dynamo
from socialscore.store.ledger_items import item_of, version_of
from socialscore.store.scores import item_write
from socialscore.store.sync_state import change_update


@dataclass(frozen=True)
class Tables:
    ledger: str
    scores: str
    sync: str | None  # where crm_sync learns which profiles changed; None: not marked


def marker_key(post: str) -> Key:
    return (f"deleted#{post}", "-")


def transaction(
    tables: Tables,
    changes: list[Change],
    checks: list[str],
    items: dict[AggregateKey, dict[str, Any]],
    guesses: Mapping[str, str] | None = None,
) -> tuple[list[dict[str, Any]], list[tuple[AggregateKey, ItemWrite]]]:
    """The transaction, and the aggregate items it writes in the order it writes them.
    Entry puts first, then marker checks, then aggregates (settled against `items`: what each
    held as read first, or as a refusal returned it), then the change mark: a cancellation
    reason's index says which failed. `guesses`: identity -> the contact resolve read for it;
    an organic item read (first, or returned by a refusal) says its contact itself."""
    actions: list[dict[str, Any]] = []
    for (profile, key), old, new in ((c.key, c.old, c.new) for c in changes):
        put: dict[str, Any] = {
            "TableName": tables.ledger,
            "Item": dynamo.to_item(item_of(profile, key, new)),
            "ExpressionAttributeNames": {"#v": "version"},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if old == LedgerEntry():
            put["ConditionExpression"] = "attribute_not_exists(#v)"
        else:
            put["ConditionExpression"] = "#v = :v"
            put["ExpressionAttributeValues"] = {":v": {"S": version_of(old)}}
        actions.append({"Put": put})
    for post in checks:
        profile, touch = marker_key(post)
        actions.append(
            {
                "ConditionCheck": {
                    "TableName": tables.ledger,
                    "Key": {"profile": {"S": profile}, "touch": {"S": touch}},
                    "ConditionExpression": "attribute_not_exists(#touch)",
                    "ExpressionAttributeNames": {"#touch": "touch"},
                }
            }
        )
    contact_of = contacts(items, guesses or {})
    agg = with_contacts(deltas(changes), contact_of)
    written: list[tuple[AggregateKey, ItemWrite]] = []
    for moved, delta in agg.counters.items():
        if (write := settled(moved, delta, items.get(moved))) is not None:
            if isinstance(moved, ProfileTotal) and moved.category is Category.ORGANIC:
                write = linked_write(write, items.get(moved), contact_of(moved.profile))
            actions.append(item_write(tables.scores, moved, write, agg.teams.get(moved)))
            written.append((moved, write))
    if tables.sync is not None:
        profiles = {c.key[0] for c in changes}
        now = datetime.now(UTC)
        actions.append({"Update": change_update(tables.sync, now, profiles)})
    return actions, written


def contacts(
    items: Mapping[AggregateKey, Mapping[str, Any]], guesses: Mapping[str, str]
) -> Callable[[str], str | None]:
    """An identity's contact as its organic item says when read (a stub or an item naming
    none), else as guessed (the link resolve read: right but for a link moved since, which the
    write's condition then refuses with the item)."""

    def contact_of(profile: str) -> str | None:
        held = items.get(ProfileTotal(profile, Category.ORGANIC))
        return guesses.get(profile) if held is None else held.get(CONTACT)

    return contact_of


def settled(
    key: AggregateKey, delta: dict[str, Decimal], held: dict[str, Any] | None
) -> ItemWrite | None:
    """The item's write: from what it holds when a count would reach 0 there (the counts
    removed, the item deleted, conditioned on the counts read); otherwise an ADD conditioned only
    on each count taken down staying over 0, which a concurrent ADD does not refuse."""
    exact = settle(key, delta, held) if held is not None else None
    if exact is not None and (exact.delete or exact.remove or _under(key, held or {}, exact)):
        return exact
    return settle(key, delta)


def _under(key: AggregateKey, held: dict[str, Any], write: ItemWrite) -> bool:
    """Whether the write takes a rollup's count under 0: a folded day's touches are on one shard
    (store.rollup_fold), so a retraction on another shard leaves it below 0, the day's sum
    right; written exactly (conditioned on the count as read), never refused for good."""
    return isinstance(key, RollupKey) and any(
        ROLLUP_COUNTERS.get(n, "") is None and held.get(n, Decimal(0)) + a < 0
        for n, a in write.add.items()
    )


def applied(held: dict[str, Any], write: ItemWrite) -> dict[str, Any]:
    """What an item holds after this transaction's write of it (as DynamoDB's ADD adds)."""
    if write.delete:
        return {}
    with localcontext(STORED_DIGITS):
        after = {n: v for n, v in held.items() if n not in write.remove}
        for n, amount in write.add.items():
            after[n] = after.get(n, Decimal(0)) + amount
    return after
