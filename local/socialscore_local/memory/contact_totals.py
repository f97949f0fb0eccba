"""The link sync of the contacts' ranking on the memory scores store (store.contact_sync): each
identity's organic item names its link's contact, its units and touches in that contact's
item; applied at once, as the table's transaction applies them."""

from __future__ import annotations

from collections.abc import Callable

from socialscore.domain.aggregates import CONTACT, ContactTotal, ProfileTotal, moved
from socialscore.domain.interaction import Category
from socialscore_local.memory.scores import MemoryScoreStore


class MemoryContactSync:
    def __init__(
        self, scores: MemoryScoreStore, links: Callable[[list[str]], dict[str, str]]
    ) -> None:
        """`links`: identity -> its contact now (the identity links' `contacts_of`)."""
        self.scores = scores
        self.links = links
        self.synced: list[str] = []  # every identity synced, in order (tests count them)

    def sync(self, identities: list[str]) -> None:
        links = self.links(sorted(set(identities)))
        for identity in sorted(set(identities)):
            self.synced.append(identity)
            key = ProfileTotal(identity, Category.ORGANIC)
            held, now = self.scores.held(key), links.get(identity)
            if held.get(CONTACT) == now:
                continue
            named = [ContactTotal(str(c)) for c in (held.get(CONTACT), now) if c is not None]
            for contact, write in moved(held, now, {c: self.scores.held(c) for c in named}):
                self.scores.write(contact, write)
            if now is not None:
                self.scores.items[key] = held | {CONTACT: now}
            elif "touches" in held:
                self.scores.items[key] = {n: v for n, v in held.items() if n != CONTACT}
            else:
                self.scores.items.pop(key, None)
