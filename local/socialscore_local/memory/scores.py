"""The profile items of the scores table in a dict (pipeline.ports.ScoreStore). `add` is what
the ledger's writes do to a profile's item when a touch counts (store.ledger moves the item in
the same transaction as the touch)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from socialscore.domain.interaction import Category
from socialscore.domain.standing import ProfileItem


class MemoryScoreStore:
    def __init__(self) -> None:
        self.items: dict[tuple[str, Category], ProfileItem] = {}

    def add(self, profile: str, category: Category, units: Decimal, touches: int = 1) -> None:
        held = self.items.get((profile, category), ProfileItem(Decimal(0), 0))
        self.items[(profile, category)] = replace(
            held, units=held.units + units, touches=held.touches + touches
        )

    def profile_units(self, profiles: list[str]) -> dict[tuple[str, Category], ProfileItem]:
        return {
            (p, c): self.items[(p, c)] for p in profiles for c in Category if (p, c) in self.items
        }

    def forget(self, profile: str) -> None:
        for category in Category:
            self.items.pop((profile, category), None)

    def mark_hot(self, profiles: list[str], category: Category, at: str) -> None:
        """The first flag stays; a profile with no item gets one holding the flag alone, as the
        table's update makes it."""
        for profile in set(profiles):
            held = self.items.get((profile, category), ProfileItem(Decimal(0), 0))
            if held.hot_since is None:
                self.items[(profile, category)] = replace(held, hot_since=at)
