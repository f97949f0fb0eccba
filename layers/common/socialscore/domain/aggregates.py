"""Aggregates of touches, coalesced per batch: one write per aggregate item (hot keys), and the
same items whatever the order the touches arrive in.

A viral post or a star seller takes thousands of touches a minute, and one DynamoDB item about
1,000 writes a second: a batch's deltas are summed per item before they are written, and post and
seller counters are spread over `COUNTER_SHARDS` items. A touch's shard is its own (from its
ledger key), so the touch and its later withdrawal move the same item, and a shard holds the same
counts whichever batches the touches came in. How an aggregate is keyed in storage is the store's
business; here a key says only what it aggregates.

An item holds only what counts: a count that falls to 0 is removed with the sums that follow it
(a profile's `units` follow its `touches`, a seller's `<category>_points` its
`<category>_touches`), and an item left with no count is deleted. So an act taken back, or
replaced by a later report in the other category, leaves the items one clean pass without it
leaves: none where nothing counts, never a 0. Counts are whole numbers, so the rule never depends
on a sum of decimals landing exactly on 0.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext
from typing import Any

from socialscore.domain import rollups
from socialscore.domain.decay import STORED_DIGITS, number
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.rollups import ROLLUP_COUNTERS, RollupKey
from socialscore.domain.touch import Touch

COUNTER_SHARDS = 8


@dataclass(frozen=True, order=True)
class ProfileTotal:
    """A profile's decayed units and touch count in one category."""

    profile: str
    category: Category


@dataclass(frozen=True, order=True)
class PostCounter:
    """One shard of a post's counters (`<category>_<kind>`)."""

    post: str
    shard: int


@dataclass(frozen=True, order=True)
class SellerCounter:
    """One shard of a seller's points and touches per category."""

    seller_id: str
    shard: int


@dataclass(frozen=True, order=True)
class ContactTotal:
    """A contact's organic units and touch count: the sum of the organic items of every identity
    linked to it now (the contacts' ranking)."""

    contact_id: str


AggregateKey = ProfileTotal | PostCounter | SellerCounter | RollupKey | ContactTotal

# A profile's organic touches per seller whose post earned them (`seller#<id>`: counts, on its
# organic item), so the score stage routes a hot lead or complaint without reading the ledger.
TALLY = "seller#"

# Each item's counters, and the count each follows (None: it is a count).
PROFILE_COUNTERS: dict[str, str | None] = {"touches": None, "units": "touches"}
POST_COUNTERS: dict[str, str | None] = {f"{c}_{k}": None for c in Category for k in Kind}
SELLER_COUNTERS: dict[str, str | None] = {
    f"{c}_{n}": None if n == "touches" else f"{c}_touches"
    for c in Category
    for n in ("touches", "points")
}


def counters_of(key: AggregateKey, names: Iterable[str] = ()) -> dict[str, str | None]:
    """The item's counters; a profile's are its fixed ones and, of `names` (what the item
    holds, what a delta moves), its tally's."""
    if isinstance(key, ProfileTotal):
        tally: dict[str, str | None] = {n: None for n in names if n.startswith(TALLY)}
        return PROFILE_COUNTERS | tally if tally else PROFILE_COUNTERS
    if isinstance(key, RollupKey):
        return ROLLUP_COUNTERS
    if isinstance(key, ContactTotal):
        return PROFILE_COUNTERS
    return POST_COUNTERS if isinstance(key, PostCounter) else SELLER_COUNTERS


@dataclass
class Aggregates:
    """All aggregate deltas of a group of touches."""

    counters: dict[AggregateKey, dict[str, Decimal]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    teams: dict[AggregateKey, str] = field(default_factory=dict)  # a seller's, on its items

    def add(self, key: AggregateKey, name: str, amount: Decimal) -> None:
        with localcontext(STORED_DIGITS):
            self.counters[key][name] = self.counters[key].get(name, Decimal(0)) + amount


def shard_of(t: Touch) -> int:
    """The counter shard of a touch: fixed by its ledger key, so every report of the act and its
    withdrawal land on the same item."""
    digest = hashlib.sha256(f"{t.profile}\n{t.dedupe_key}".encode()).hexdigest()
    return int(digest, 16) % COUNTER_SHARDS


def first_shard(touches: list[Touch]) -> int:
    """Where a batch starts its walk round the shards (see store.ledger_groups): concurrent
    batches of one hot post start apart, so they seldom write the same item at once."""
    seed = "".join(sorted(t.dedupe_key + t.profile for t in touches))
    return int(hashlib.sha256(seed.encode()).hexdigest(), 16) % COUNTER_SHARDS


def coalesce(adds: list[Touch], removes: list[Touch], shard: int | None = None) -> Aggregates:
    """The aggregate deltas of adding some touches and taking others back out, each on its own
    shard of each post and seller (`shard_of`), or all on `shard` (a reader's whole sums)."""
    agg = Aggregates()
    for sign, touches in ((Decimal(1), adds), (Decimal(-1), removes)):
        for t in touches:
            on = shard_of(t) if shard is None else shard % COUNTER_SHARDS
            profile = ProfileTotal(t.profile, t.category)
            agg.add(profile, "units", sign * t.units)
            agg.add(profile, "touches", sign)
            if t.category is Category.ORGANIC and t.seller_id is not None:  # as owners counts
                agg.add(profile, f"{TALLY}{t.seller_id}", sign)
            if t.post is not None:
                agg.add(PostCounter(t.post, on), f"{t.category}_{t.kind}", sign)
            if t.seller_id is not None and t.team is not None:
                seller = SellerCounter(t.seller_id, on)
                agg.add(seller, f"{t.category}_points", sign * number(t.weight))
                agg.add(seller, f"{t.category}_touches", sign)
                agg.teams[seller] = t.team
            for day in rollups.keys_of(t, on):
                for name, amount in rollups.counters(t, sign).items():
                    agg.add(day, name, amount)
                if day.dimension is rollups.Dimension.SELLER and t.team is not None:
                    agg.teams[day] = t.team
    return agg


@dataclass(frozen=True)
class ItemWrite:
    """How one aggregate item moves: `add` these amounts and `remove` these counters, or
    `delete` the item; written only while the item holds `expect` (a counter's value as read, an
    organic profile item's `contact` id, None: absent) and while each count in `above` is over
    its amount. With neither, a plain ADD, right whatever the item holds."""

    add: dict[str, Decimal] = field(default_factory=dict)
    remove: frozenset[str] = frozenset()
    delete: bool = False
    expect: dict[str, Decimal | str | None] = field(default_factory=dict)
    above: dict[str, Decimal] = field(default_factory=dict)


def _moved(key: AggregateKey, delta: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """The counters a delta writes: those it changes, and a sum whose count it changes even when
    the sum itself does not move (a touch of weight 0 still gives its profile `units`)."""
    family = counters_of(key, delta)
    counts = {n for n, a in delta.items() if family.get(n) is None and a}
    return {n: a for n, a in delta.items() if a or family.get(n) in counts}


def shrinks(key: AggregateKey, delta: Mapping[str, Decimal]) -> bool:
    """Whether this delta takes a count down: only then can a count reach 0, and only then does
    writing it need what the item holds."""
    family = counters_of(key, delta)
    return any(family.get(n) is None and a < 0 for n, a in delta.items())


def settle(
    key: AggregateKey, delta: Mapping[str, Decimal], held: Mapping[str, Any] | None = None
) -> ItemWrite | None:
    """The write that moves an item by `delta`; None when it moves nothing.

    A delta that takes a count down, without `held`, is an ADD written only while every count
    it takes down stays over 0 (`above`): most do, and need no read. When one would reach 0 the
    write is refused with the item as it is (the store's ALL_OLD), and settled again with it as
    `held` ({} when absent): the write then removes the counts it brings to 0 (and their sums),
    deletes an item left with none, and expects every count it takes down to be as read, so two
    writers that read the same count cannot both take it down (and no ADD that came in between
    is lost)."""
    family = counters_of(key, [*delta, *(held or {})])
    moved = _moved(key, delta)
    if not moved:
        return None
    if not shrinks(key, moved):
        return ItemWrite(add=moved)
    if held is None:
        floors = {n: -a for n, a in moved.items() if family.get(n) is None and a < 0}
        return ItemWrite(add=moved, above=floors)
    with localcontext(STORED_DIGITS):  # as DynamoDB's ADD adds
        after = {
            n: held.get(n, Decimal(0)) + moved.get(n, Decimal(0))
            for n in family
            if n in held or n in moved
        }
    gone = {n for n, v in after.items() if family[n] is None and v == 0}
    # A sum goes with its count; a day rollup's only when it is 0 too: on a folded day
    # (store.rollup_fold) a shard's count can reach 0 while its points do not (a retraction
    # left it below 0, another touch brought it back).
    gone |= {
        n for n in after if family[n] in gone and (after[n] == 0 or not isinstance(key, RollupKey))
    }
    if not set(after) - gone:
        counts = [n for n, count in family.items() if count is None]
        return ItemWrite(delete=True, expect={n: held.get(n) for n in counts})
    down = {n for n, a in moved.items() if family[n] is None and a < 0}
    return ItemWrite(
        add={n: a for n, a in moved.items() if n not in gone},
        remove=frozenset(gone & held.keys()),
        expect={n: held.get(n) for n in sorted(down | (gone & held.keys())) if family[n] is None},
    )


# The contacts' ranking. An organic profile item of a linked identity names its contact
# (`CONTACT`); each of its writes expects that contact, and moves the contact's item by the same
# units and touches in the same write (`with_contacts`), so a contact's item is always the sum
# of its identities' items. A linked identity whose counts reach 0 keeps a stub holding only its
# `CONTACT` (`linked_write`): the next write knows its contact without reading the links.
CONTACT = "contact"
_SUMMED = ("units", "touches")  # what a contact's item sums (not the sellers' tally)


def with_contacts(agg: Aggregates, contact_of: Callable[[str], str | None]) -> Aggregates:
    """`agg` with each contact's item moved by the sum of its identities' organic deltas
    (`contact_of`: an identity's contact, None when not linked): one delta a contact, however
    many of its identities move (a transaction names an item once)."""
    for key, delta in list(agg.counters.items()):
        if isinstance(key, ProfileTotal) and key.category is Category.ORGANIC:
            contact = contact_of(key.profile)
            if contact is not None:
                for name in _SUMMED:
                    if name in delta:
                        agg.add(ContactTotal(contact), name, delta[name])
    return agg


def linked_write(
    write: ItemWrite, held: Mapping[str, Any] | None, contact: str | None
) -> ItemWrite:
    """An organic profile item's write expecting the item's contact (None: none), so a link moved
    meanwhile refuses it; one that would delete a linked identity's item removes its counters
    instead (all of them: the store then keeps only its key and `CONTACT`, store.scores)."""
    expect = write.expect | {CONTACT: contact}
    if write.delete and contact is not None:
        tally = {n for n in held or {} if n.startswith(TALLY)}
        return ItemWrite(remove=frozenset(PROFILE_COUNTERS) | tally, expect=expect)
    return replace(write, expect=expect)


def summed(item: Mapping[str, Any], sign: int = 1) -> dict[str, Decimal]:
    """What an identity's organic item adds to its contact's (taken out: sign -1)."""
    return {n: sign * Decimal(item[n]) for n in _SUMMED if n in item}


def moved(
    held: Mapping[str, Any],
    now: str | None,
    contacts: Mapping[ContactTotal, Mapping[str, Any]],
) -> list[tuple[ContactTotal, ItemWrite]]:
    """The contact items' writes of a link sync: the identity's organic item (`held`, counts
    and `CONTACT`) leaves its old contact's item and joins `now`'s; `contacts`: those items as
    a refusal returned them (read exactly; else written as ADDs kept above 0)."""
    writes = []
    old = held.get(CONTACT)
    for contact, sign in ((old, -1), (now, 1)):
        if contact is not None and (delta := summed(held, sign)):
            key = ContactTotal(str(contact))
            if (write := settle(key, delta, contacts.get(key))) is not None:
                writes.append((key, write))
    return writes


def is_stub(item: Mapping[str, Any]) -> bool:
    """A linked identity's organic item with no counts: read as no item."""
    return "touches" not in item and CONTACT in item
