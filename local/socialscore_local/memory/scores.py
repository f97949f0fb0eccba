"""The scores table's aggregate items in a dict (pipeline.ports.ScoreStore), item for item as
the table holds them, by their domain key (domain.aggregates): `write` applies an item write as
DynamoDB applies the ledger transaction's (its condition, ADD, REMOVE, SET team, or the
delete), so the memory ledger (memory.ledger) leaves the items store.ledger leaves; `add` is a
profile's counted touch written alone. Profile items read back as the table's adapter reads
them (store.scores.profile_item)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, localcontext
from typing import Any

from socialscore.domain.aggregates import (
    CONTACT,
    TALLY,
    AggregateKey,
    ContactTotal,
    ItemWrite,
    ProfileTotal,
    is_stub,
)
from socialscore.domain.decay import STORED_DIGITS
from socialscore.domain.interaction import Category
from socialscore.domain.standing import ProfileItem
from socialscore.store.scores import profile_item, removed


class ConditionFailed(Exception):
    """An item write's condition failed: what the item held (DynamoDB's ALL_OLD)."""

    def __init__(self, item: dict[str, Any]) -> None:
        super().__init__("the item holds other counts than the write expects")
        self.item = item


class MemoryScoreStore:
    def __init__(self, items: dict[AggregateKey, dict[str, Any]] | None = None) -> None:
        self.items: dict[AggregateKey, dict[str, Any]] = {} if items is None else items
        self.ranking_ready = False  # the contacts' ranking's marker (stat#contact_ranking)

    def held(self, key: AggregateKey) -> dict[str, Any]:
        """The item as it is now ({} when absent): a copy."""
        return dict(self.items.get(key, {}))

    def write(self, key: AggregateKey, w: ItemWrite, team: str | None = None) -> None:
        item = self.held(key)
        if any(item.get(n) != v for n, v in w.expect.items()) or any(
            n not in item or item[n] <= v for n, v in w.above.items()
        ):
            raise ConditionFailed(item)
        if w.delete:
            self.items.pop(key, None)
            return
        with localcontext(STORED_DIGITS):  # as DynamoDB's ADD adds
            for name, amount in w.add.items():
                item[name] = item.get(name, Decimal(0)) + amount
        for name in removed(key, w):
            item.pop(name, None)
        if team is not None and w.add:
            item["team"] = team
        self.items[key] = item

    def add(
        self,
        profile: str,
        category: Category,
        units: Decimal,
        touches: int = 1,
        seller: str | None = None,
    ) -> None:
        """`seller`: whose post earned the touches (an organic item's tally counts them)."""
        self.write(ProfileTotal(profile, category), touch_write(category, units, touches, seller))

    def profile_units(self, profiles: list[str]) -> dict[tuple[str, Category], ProfileItem]:
        """A linked identity's stub reads as no item (store.scores)."""
        return {
            (p, c): profile_item(item)
            for p in profiles
            for c in Category
            if (item := self.items.get(ProfileTotal(p, c))) is not None and not is_stub(item)
        }

    def forget(self, profile: str) -> None:
        """A linked identity's item counting touches (a touch landed after the erasure's
        withdrawals) keeps them, losing its hot-lead flag only (store.scores)."""
        for category in Category:
            item = self.items.get(ProfileTotal(profile, category), {})
            if CONTACT in item and "touches" in item:
                item.pop("hot_since", None)
            else:
                self.items.pop(ProfileTotal(profile, category), None)

    def mark_hot(self, profiles: list[str], category: Category, at: str) -> None:
        """The first flag stays; a profile with no item gets one holding the flag alone, as the
        table's update makes it."""
        for profile in set(profiles):
            item = self.items.setdefault(ProfileTotal(profile, category), {})
            item.setdefault("hot_since", at)

    def top(self, n: int) -> list[tuple[str, Decimal]]:
        """The n profiles with the most organic units, most first, ties by profile
        (store.scores.Scores.top)."""
        return sorted(self.ranked(Category.ORGANIC), key=lambda pu: (-pu[1], pu[0]))[:n]

    def ranked(self, category: Category, page: int = 1000) -> Iterator[tuple[str, Decimal]]:
        """Every item of the category holding units, most first (store.scores.Scores.ranked)."""
        held = [
            (k.profile, item["units"])
            for k, item in self.items.items()
            if isinstance(k, ProfileTotal) and k.category is category and "units" in item
        ]
        return iter(sorted(held, key=lambda pu: -pu[1]))

    def ranked_contacts(self, page: int = 1000) -> Iterator[tuple[str, Decimal]]:
        """Every contact item with its units, most first (store.scores.Scores.ranked_contacts)."""
        held = [
            (k.contact_id, item["units"])
            for k, item in self.items.items()
            if isinstance(k, ContactTotal) and "units" in item
        ]
        return iter(sorted(held, key=lambda cu: -cu[1]))

    def contact_ranking_ready(self) -> bool:
        return self.ranking_ready

    def hot(self) -> list[tuple[str, str]]:
        """Every profile flagged hot with when, latest first (store.scores.Scores.hot)."""
        flagged = [
            (k.profile, str(item["hot_since"]))
            for k, item in self.items.items()
            if isinstance(k, ProfileTotal) and "hot_since" in item
        ]
        return sorted(flagged, key=lambda ph: (ph[1], ph[0]), reverse=True)


def touch_write(category: Category, units: Decimal, touches: int, seller: str | None) -> ItemWrite:
    """A profile item's write for touches counted alone: their units and count, and for organic
    touches on a seller's post, that seller's tally."""
    add = {"units": units, "touches": Decimal(touches)}
    if seller is not None and category is Category.ORGANIC:
        add[f"{TALLY}{seller}"] = Decimal(touches)
    return ItemWrite(add=add)
