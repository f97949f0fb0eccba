"""The identity links in a dict (pipeline.ports.IdentityLinks), item for item as the table keeps
them: the same rule makes an item from a link event (store.identities.link_item)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from socialscore.domain.interaction import Identify, link_basis
from socialscore.store.identities import Link, link_item


class MemoryIdentityLinks:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}  # identity -> its item

    def contacts_of(self, identities: list[str]) -> dict[str, str]:
        return {i: self.items[i]["contact_id"] for i in identities if i in self.items}

    def links(self, identities: list[str]) -> dict[str, Link]:
        return {
            i: Link(
                v["contact_id"], link_basis(v["consent_basis"]), v["linked_at"], v.get("owner_id")
            )
            for i in identities
            if (v := self.items.get(i)) is not None
        }

    def linked_at(self, identities: list[str]) -> dict[str, datetime]:
        return {
            i: datetime.fromisoformat(link.linked_at) for i, link in self.links(identities).items()
        }

    def owners_of(self, identities: list[str]) -> dict[str, str]:
        """Its own link's owner, else the latest owner a link of its contact named."""
        owners: dict[str, str] = {}
        for identity, link in self.links(identities).items():
            named = sorted(
                (v["linked_at"], v["owner_id"])
                for v in self.items.values()
                if v["contact_id"] == link.contact_id and v.get("owner_id")
            )
            if link.owner_id or named:
                owners[identity] = link.owner_id or named[-1][1]
        return owners

    def set_owner(self, identities: list[str], contact_id: str, owner_id: str) -> None:
        for identity in identities:
            item = self.items.get(identity)
            if item is not None and item["contact_id"] == contact_id:
                item["owner_id"] = owner_id

    def link(self, events: list[Identify]) -> None:
        for event in sorted(events, key=lambda e: e.occurred_at):
            item = link_item(event, self.items.get(event.identity))
            if item is not None:
                self.items[event.identity] = item

    def unlink(self, identities: list[str]) -> None:
        for identity in identities:
            self.items.pop(identity, None)

    def identities_of(self, contact_id: str) -> list[str]:
        return [i for i, v in self.items.items() if v["contact_id"] == contact_id]

    def all_contacts(self) -> dict[str, list[str]]:
        contacts: dict[str, list[str]] = {}
        for identity, item in self.items.items():
            contacts.setdefault(item["contact_id"], []).append(identity)
        return contacts

    def contacts_page(self, cursor: str, limit: int) -> tuple[dict[str, list[str]], str]:
        """Contacts in a fixed order, `limit` a page (the table's pages are of index items, so
        its page sizes differ; every contact comes once, whole, in both); the cursor is the last
        contact's id."""
        every = self.all_contacts()
        order = sorted(c for c in every if c > cursor)
        page = order[:limit]
        more = len(order) > limit
        return {c: every[c] for c in page}, page[-1] if more else ""
