"""How the score stage cuts a batch's ledger changes into transactions (store.ledger_groups): every
change in exactly one group, and each group's transaction (store.ledger_writes) exactly as many
actions as counted, never more than the limit: a group counted short would be refused by
DynamoDB (100 actions at most) and halved, one counted long would waste a call. And how an
aggregate item read first is written (store.ledger_writes.settled): from what it holds only
where a count reaches 0, so no transaction is cancelled for it, nor for a concurrent ADD."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings

from socialscore.domain.aggregates import (
    ContactTotal,
    ItemWrite,
    PostCounter,
    settle,
    with_contacts,
)
from socialscore.domain.decay import EPOCH
from socialscore.domain.interaction import Kind
from socialscore.domain.ledger_rules import Change, Key, LedgerEntry, deltas, entries, plan
from socialscore.domain.touch import Touch, Withdrawal
from socialscore.store.ledger_groups import cut
from socialscore.store.ledger_writes import Tables, applied, settled, transaction
from socialscore_local.memory.scores import MemoryScoreStore
from tests.unit.test_aggregate_items import ANA
from tests.unit.test_scoring import deliveries, touch

TABLES = Tables("LedgerTable", "ScoresTable", "SyncStateTable")
LIMIT = 20  # above any one change's writes (13 at most: a replacement on another day and category)


def writes(group: list[Change]) -> int:
    """What a group's transaction must hold, counted from the group as a whole: a put per
    change, a marker check per own post, a write per item the group's summed deltas move (a
    touch replaced by one that counts the same on an item moves nothing there), the mark."""
    checks = {t.own_post for c in group if (t := c.new.touch) and t.own_post}
    moved = [k for k, d in deltas(group).counters.items() if settle(k, d) is not None]
    return len(group) + len(checks) + len(moved) + 1


# test_scoring's identities, two of them one contact's: a transaction writes that contact's
# item once for both (the contacts' ranking).
LINKS = {"x#1001": "c-1", "linkedin#1001": "c-1", "x#1002": "c-2"}


def linked_writes(group: list[Change], links: dict[str, str]) -> int:
    """`writes`, and one per contact whose item the group's organic deltas move."""
    contacts = with_contacts(deltas(group), links.get).counters.items()
    return writes(group) + sum(
        isinstance(k, ContactTotal) and settle(k, d) is not None for k, d in contacts
    )


@pytest.mark.parametrize("links", [{}, LINKS], ids=["anonymous", "linked"])
@settings(max_examples=150, deadline=None)
@given(delivery=deliveries())
def test_each_group_s_transaction_holds_the_actions_counted_and_no_more_than_the_limit(
    links: dict[str, str],
    delivery: tuple[list[Touch | Withdrawal], list[list[Touch | Withdrawal]]],
) -> None:
    """Linked identities' groups count their contacts' items too (one per contact, once)."""
    _, batches = delivery
    stored: dict[Key, LedgerEntry] = {}
    for batch in batches:
        changes = plan(entries(batch), stored)
        groups = cut(changes, LIMIT, first=len(batch) % 8, contacts=links)
        assert sorted(c.key for g in groups for c in g) == sorted(c.key for c in changes)
        for group in groups:
            checks = sorted({t.own_post for c in group if (t := c.new.touch) and t.own_post})
            actions, _ = transaction(TABLES, group, checks, {}, links)
            assert len(actions) == linked_writes(group, links) <= LIMIT
            scores = [a for a in actions if a.get("Update", {}).get("TableName") == "ScoresTable"]
            named = [a["Update"]["Key"]["pk"]["S"] for a in scores]
            assert len(named) == len(set(named))  # a transaction names an item once
        # Full: a group was closed only when the next change would have taken it past the limit.
        for group, after in pairwise(groups):
            assert linked_writes([*group, after[0]], links) > LIMIT
        stored |= {c.key: c.new for c in changes}


def test_a_seller_s_likes_of_one_day_share_their_counters_and_rollups_in_a_transaction() -> None:
    at = EPOCH + timedelta(hours=10)
    likes = [touch(Kind.LIKE, iid=f"l{a}", actor=f"a{a}", seller=ANA, at=at) for a in range(40)]
    groups = cut(plan(entries(likes), {}), 100)
    sizes = [writes(g) for g in groups]
    # 40 puts and 40 profile items; on each of the 8 shards the post's and the seller's counters
    # and the day's network, post and seller rollups, written once for all the shard's likes
    # (once a like would be 200); a change mark a transaction. The shard cut between the two
    # transactions has its 5 items written in both.
    assert sizes == [100, 27]
    assert sum(sizes) == 40 + 40 + 8 * 5 + 5 + 2


def test_a_count_read_above_what_it_loses_is_taken_down_without_expecting_the_read() -> None:
    # Read first, a post shard holds 3 likes and loses one: written as an ADD kept over 0, so a
    # like another batch adds between the read and the write does not cancel the transaction.
    key = PostCounter("x#100", 5)
    table = MemoryScoreStore({key: {"organic_like": Decimal(3)}})
    down = {"organic_like": Decimal(-1)}
    write = settled(key, down, table.held(key))
    assert write == ItemWrite(add=down, above={"organic_like": Decimal(1)})
    table.write(key, ItemWrite(add={"organic_like": Decimal(1)}))  # the other batch's like
    table.write(key, write)
    assert table.items == {key: {"organic_like": Decimal(3)}}


def test_a_count_read_at_what_it_loses_goes_and_a_later_group_settles_from_what_is_left() -> None:
    # One like left on the shard, taken back by this batch's first group; its second group
    # takes back a comment on the same item, settled from the item as the first left it.
    key = PostCounter("x#100", 5)
    table = MemoryScoreStore({key: {"organic_like": Decimal(1), "organic_comment": Decimal(1)}})
    held = table.held(key)
    first = settled(key, {"organic_like": Decimal(-1)}, held)
    assert first is not None
    assert first.remove == {"organic_like"}
    table.write(key, first)
    second = settled(key, {"organic_comment": Decimal(-1)}, applied(held, first))
    assert second is not None
    assert second.delete
    table.write(key, second)  # as read: no refusal, no second try
    assert table.items == {}
