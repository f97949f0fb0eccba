"""The identity links in a dict (pipeline.ports.IdentityLinks), item for item as the table keeps
them: the same rule makes an item from a link event (store.identities.link_item).

A contact's identities are found as the table finds them, through its `by_contact` index, which
is eventually consistent (docs.aws.amazon.com/amazondynamodb/latest/developerguide/
GSI.html#GSI.Reading): with `index_lag`, `identities_of` and `contacts_page` see each identity
as it was linked that long ago (on `clock`), a link or unlink since then not yet shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from socialscore.aws.batch import chunks
from socialscore.domain.interaction import Identify, link_basis
from socialscore.store.identities import Link, erased_key, link_item
from socialscore.store.identity_counts import ADDED, CAP, FULL, member, members_key

# DynamoDB's limit on an item, names and values (docs.aws.amazon.com/amazondynamodb/latest/
# developerguide/ServiceQuotas.html#limits-items): a set item over it is refused.
ITEM_BYTES = 400 * 1024


class MemoryIdentityLinks:
    def __init__(
        self,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        index_lag: timedelta = timedelta(0),
        set_cap: int = CAP,
        synced: Callable[[list[str]], None] | None = None,
    ) -> None:
        """`synced`: called with the identities of every link and unlink after their writes
        (the contacts' ranking follows them: memory.contact_totals), as store.identities."""
        self.items: dict[str, dict[str, Any]] = {}  # identity -> its item
        self.synced = synced
        self.set_cap = set_cap
        self.clock = clock
        self.index_lag = index_lag
        # What reached the by_contact index, in order: (written at, identity, its contact or
        # None when unlinked).
        self.index: list[tuple[datetime, str, str | None]] = []
        self.bars: dict[str, datetime] = {}  # an erasure's bar item's key -> erased at
        # store.identity_counts' items: each contact's set of identity hashes (only added to),
        # the bound on their sizes (only raised) and whether a rebuild made it ready.
        self.members: dict[str, set[str]] = {}
        self.most: int | None = None
        self.most_ready = False

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

    def link(self, events: list[Identify]) -> int:
        largest = self._counted([(e.identity, e.contact_id) for e in events])
        if largest > 1:  # before the links, as the store raises it
            self._raise(largest)
        for event in sorted(events, key=lambda e: e.occurred_at):
            item = link_item(event, self.items.get(event.identity))
            if item is not None:
                self.items[event.identity] = item
                self.index.append((self.clock(), event.identity, item["contact_id"]))
        self.sync([e.identity for e in events])
        return 0  # memory refuses no link as invalid

    def sync(self, identities: list[str]) -> None:
        """The contacts' ranking made to follow these identities' links (store.identities)."""
        if self.synced is not None and identities:
            self.synced(sorted(set(identities)))

    def _counted(self, links: list[tuple[str, str]]) -> int:
        """As store.identity_counts.counted: a set holding set_cap already takes no more."""
        by_contact: dict[str, set[str]] = {}
        for identity, contact in links:
            by_contact.setdefault(contact, set()).add(member(identity))
        largest = 0
        for contact, hashes in by_contact.items():
            held = self.members.setdefault(contact, set())
            for added in chunks(sorted(hashes), ADDED):
                if len(held) >= self.set_cap:
                    largest = FULL
                    break
                size = len("identity") + len(members_key(contact)) + len("m")  # names, key
                if size + 32 * len(held | set(added)) > ITEM_BYTES:  # a member: 32 hex digits
                    raise ValueError("Item size has exceeded the maximum allowed size")
                held |= set(added)
                largest = max(largest, FULL if len(held) >= self.set_cap else len(held))
        return largest

    def _raise(self, n: int) -> None:
        self.most = max(n, self.most or 0)

    def most_identities(self) -> int | None:
        if not self.most_ready or (self.most or 0) >= FULL:
            return None
        return max(self.most or 1, 1)

    def identity_bounds(self, contacts: list[str]) -> dict[str, int]:
        return {c: len(self.members[c]) for c in contacts if c in self.members}

    def rebuild_most(self) -> int | None:
        largest = max(self._counted([(i, c) for i, c in self._indexed().items()]), 1)
        self._raise(largest)
        self.most_ready = True
        return None if largest >= FULL else largest

    def unlink(self, identities: list[str]) -> None:
        for identity in identities:
            if self.items.pop(identity, None) is not None:
                self.index.append((self.clock(), identity, None))
        self.sync(identities)

    def bar(self, ids: list[str], at: datetime) -> None:
        for key in {erased_key(i) for i in ids}:
            self.bars[key] = max(at, self.bars.get(key, at))

    def barred(self, ids: list[str]) -> dict[str, datetime]:
        return {i: self.bars[erased_key(i)] for i in ids if erased_key(i) in self.bars}

    def identities_of(self, contact_id: str) -> list[str]:
        return [i for i, c in self._indexed().items() if c == contact_id]

    def _indexed(self) -> dict[str, str]:
        """identity -> contact, as the by_contact index shows them now."""
        if not self.index_lag:
            return {i: v["contact_id"] for i, v in self.items.items()}
        shown: dict[str, str] = {}
        cutoff = self.clock() - self.index_lag
        for at, identity, contact in self.index:
            if at > cutoff:
                continue
            if contact is None:
                shown.pop(identity, None)
            else:
                shown[identity] = contact
        return shown

    def all_contacts(self) -> dict[str, list[str]]:
        contacts: dict[str, list[str]] = {}
        for identity, item in self.items.items():
            contacts.setdefault(item["contact_id"], []).append(identity)
        return contacts

    def contacts_page(self, cursor: str, limit: int) -> tuple[dict[str, list[str]], str]:
        """Contacts in a fixed order, `limit` a page (the table's pages are of index items, so
        its page sizes differ; every contact comes once, whole, in both); the cursor is the last
        contact's id."""
        every: dict[str, list[str]] = {}
        for identity, contact in self._indexed().items():
            every.setdefault(contact, []).append(identity)
        order = sorted(c for c in every if c > cursor)
        page = order[:limit]
        more = len(order) > limit
        return {c: every[c] for c in page}, page[-1] if more else ""
