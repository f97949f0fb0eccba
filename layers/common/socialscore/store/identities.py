"""Identity links (DynamoDB): a network user id belongs to a contact, with a consent basis.

Beside the links, the erasures' bars: `erased#<SHA-256 of the id>` items, one per contact or
identity erased, with the latest erasure's time (`erased_at`), never the id itself. They carry
no `contact_id`, so the by_contact index (a sparse index) never shows them.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialscore.aws import clients
from socialscore.domain.interaction import ConsentBasis, Identify, LinkBasis, link_basis
from socialscore.store import dynamo, identity_counts, link_writes
from socialscore.store.link_writes import link_item as link_item

BY_CONTACT_INDEX = "by_contact"


@dataclass(frozen=True)
class Link:
    contact_id: str
    consent_basis: ConsentBasis | LinkBasis
    linked_at: str  # ISO 8601, as the link event said
    owner_id: str | None = None  # the contact's CRM owner, as the link event said


def crm_owner(links: Iterable[Link]) -> str | None:
    """A contact's CRM owner, from its identities' links: the latest link's that named one (as
    `socialscore profile` and the report show it; routing looks at the acting identity's own
    link first)."""
    named = sorted((link.linked_at, link.owner_id) for link in links if link.owner_id)
    return named[-1][1] if named else None


class Identities:
    def __init__(
        self,
        table: str,
        set_cap: int = identity_counts.CAP,
        synced: Callable[[list[str]], None] | None = None,
    ) -> None:
        """`synced`: called with the identities of every link and unlink, after their writes
        (store.contact_sync: the contacts' ranking follows them); None for a reader."""
        self._table = table
        self._cap = set_cap  # the most hashes a contact's set holds (store.identity_counts)
        self._synced = synced

    def contacts_of(self, identities: list[str]) -> dict[str, str]:
        """identity -> contact id, for the identities that are linked."""
        found = dynamo.batch_get(self._table, "identity", identities)
        return {k: v["contact_id"] for k, v in found.items()}

    def links(self, identities: list[str]) -> dict[str, Link]:
        """identity -> its link as recorded, for those linked."""
        found = dynamo.batch_get(self._table, "identity", identities) if identities else {}
        return {
            k: Link(
                v["contact_id"], link_basis(v["consent_basis"]), v["linked_at"], v.get("owner_id")
            )
            for k, v in found.items()
        }

    def owners_of(self, identities: list[str]) -> dict[str, str]:
        """identity -> its contact's CRM owner, where a link of that contact named one (its own
        link first, else the contact's latest link that did): one read; for the contacts whose
        identity's own link named none, one read of their sets (store.identity_counts: a set of
        one holds only that identity, which named none), a query of each other's identities and
        one read of them all."""
        found = dynamo.batch_get(self._table, "identity", identities) if identities else {}
        owners = {k: v["owner_id"] for k, v in found.items() if v.get("owner_id")}
        contacts = sorted({v["contact_id"] for k, v in found.items() if k not in owners})
        sizes = identity_counts.bounds(self._table, contacts) if contacts else {}
        # A contact with no set (linked before the sets existed) may have others: queried.
        queried = {c: self.identities_of(c) for c in contacts if sizes.get(c, 2) > 1}
        siblings = sorted({i for found_ in queried.values() for i in found_} - found.keys())
        others = found | (dynamo.batch_get(self._table, "identity", siblings) if siblings else {})
        for contact, linked in queried.items():
            named = sorted(
                (v["linked_at"], v["owner_id"])
                for i in linked
                if (v := others.get(i, {})).get("owner_id")
            )
            if named:
                owners |= {k: named[-1][1] for k, v in found.items() if v["contact_id"] == contact}
        return owners

    def linked_at(self, identities: list[str]) -> dict[str, datetime]:
        """identity -> when it was linked to its contact, for those linked."""
        found = dynamo.batch_get(self._table, "identity", identities) if identities else {}
        return {k: datetime.fromisoformat(v["linked_at"]) for k, v in found.items()}

    def link(self, events: list[Identify]) -> int:
        """Record the links, oldest first; a replay of an older event never overwrites a newer
        one. A link to the same contact that names no CRM owner keeps the owner an earlier one
        named.

        One consistent read of every link the batch names, of their contacts' sets and of
        the bound, then transactions of up to 100 writes, only where a link or a set would
        change (store.link_writes): a batch retried after a failure half-way redoes only what did
        not land, so a batch of many links converges however often its calls fail.

        Each link's identity is in its contact's set, and the bound on any contact's identities
        counts that set, before or as the link is written (store.identity_counts): a reader that
        sees a link sees a bound that counts it.

        Returns how many links DynamoDB refused as invalid (each logged with its reason; the
        rest of the batch is written)."""
        invalid = link_writes.write(self._table, events, self._cap) if events else []
        self.sync(sorted({e.identity for e in events}))
        return len(invalid)

    def sync(self, identities: list[str]) -> None:
        """The contacts' ranking made to follow these identities' links as they are. Every
        link and unlink syncs every identity it names, changed or not, so a retry after a crash
        before the sync syncs; a caller whose retry no longer names them (crm_sync's next run
        finds them linked already) syncs them itself."""
        if self._synced is not None and identities:
            self._synced(identities)

    def most_identities(self) -> int | None:
        """The most identities any contact may have (a bound), None until `socialscore rebuild`
        made it ready (store.identity_counts)."""
        return identity_counts.most(self._table)

    def identity_bounds(self, contacts: list[str]) -> dict[str, int]:
        """contact -> the most identities it may have (its set's size), for those with a set;
        a bound only once most_identities() is ready."""
        return identity_counts.bounds(self._table, contacts)

    def rebuild_most(self) -> int | None:
        """Every link counted in its contact's set and the bound made ready (`socialscore
        rebuild`); returns the largest set, None when a contact's set is full (no bound: `top`
        reads the identities table whole)."""
        largest = identity_counts.rebuild(self._table, self._cap)
        return None if largest >= identity_counts.FULL else largest

    def set_owner(self, identities: list[str], contact_id: str, owner_id: str) -> None:
        """Record the contact's CRM owner on these links; a link since moved to another contact
        (or gone) is left alone."""
        dynamodb = clients.client("dynamodb")
        for identity in identities:
            try:
                dynamodb.update_item(
                    TableName=self._table,
                    Key={"identity": {"S": identity}},
                    UpdateExpression="SET owner_id = :o",
                    ConditionExpression="contact_id = :c",
                    ExpressionAttributeValues={":o": {"S": owner_id}, ":c": {"S": contact_id}},
                )
            except dynamodb.exceptions.ConditionalCheckFailedException:
                continue

    def unlink(self, identities: list[str]) -> None:
        dynamo.batch_write(
            self._table,
            [{"DeleteRequest": {"Key": {"identity": {"S": i}}}} for i in identities],
        )
        self.sync(sorted(set(identities)))

    def bar(self, ids: list[str], at: datetime) -> None:
        """Remember these erased contacts and identities with the erasure's time; an earlier
        erasure's time never overwrites a later one."""
        dynamodb = clients.client("dynamodb")
        for key in sorted({erased_key(i) for i in ids}):
            try:
                dynamodb.put_item(
                    TableName=self._table,
                    Item={"identity": {"S": key}, "erased_at": {"S": at.isoformat()}},
                    ConditionExpression="attribute_not_exists(erased_at) OR erased_at < :at",
                    ExpressionAttributeValues={":at": {"S": at.isoformat()}},
                )
            except dynamodb.exceptions.ConditionalCheckFailedException:
                continue

    def barred(self, ids: list[str]) -> dict[str, datetime]:
        """Those of `ids` erased, with when (a consistent read: a bar just written counts)."""
        keys = {erased_key(i): i for i in ids}
        found = dynamo.batch_get(self._table, "identity", sorted(keys), consistent=True)
        return {keys[k]: datetime.fromisoformat(v["erased_at"]) for k, v in found.items()}

    def identities_of(self, contact_id: str) -> list[str]:
        """Every identity the by_contact index shows linked to the contact: every page of the
        Query (one answers at most 1 MB, docs.aws.amazon.com/amazondynamodb/latest/
        developerguide/Query.Pagination.html)."""
        pages = dynamo.query(
            TableName=self._table,
            IndexName=BY_CONTACT_INDEX,
            KeyConditionExpression="contact_id = :c",
            ExpressionAttributeValues={":c": {"S": contact_id}},
        )
        return [item["identity"] for page in pages for item in page]

    def contacts_page(self, cursor: str, limit: int) -> tuple[dict[str, list[str]], str]:
        """A page of linked contacts, each with every identity, from `cursor` ("" for the first
        page): one Scan of at most `limit` items of the by_contact index, and one Query for the
        page's last contact, which may go on in the next page. Returns them and the next cursor
        ("" after the last page). A contact's items are together in the index (DynamoDB "stores
        items with the same partition key physically close together", docs.aws.amazon.com/
        amazondynamodb/latest/APIReference/API_GlobalSecondaryIndex.html), so the next page
        skips only the contact already completed here, which the cursor names."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BY_CONTACT_INDEX,
            "Limit": limit,
        }
        after = json.loads(cursor) if cursor else None
        if after:
            request["ExclusiveStartKey"] = {k: {"S": v} for k, v in after.items()}
        reply = clients.client("dynamodb").scan(**request)
        contacts: dict[str, list[str]] = defaultdict(list)
        for item in reply["Items"]:
            contact = item["contact_id"]["S"]
            if after is None or contact != after["contact_id"]:
                contacts[contact].append(item["identity"]["S"])
        last = reply.get("LastEvaluatedKey")
        if not last:
            return dict(contacts), ""
        end = last["contact_id"]["S"]
        contacts[end] = self.identities_of(end)
        return dict(contacts), json.dumps({k: v["S"] for k, v in last.items()}, sort_keys=True)

    def all_contacts(self) -> dict[str, list[str]]:
        """contact id -> its identities, for every linked contact."""
        contacts: dict[str, list[str]] = defaultdict(list)
        for item in dynamo.scan(self._table):
            if "contact_id" in item:  # not an erasure's bar
                contacts[item["contact_id"]].append(item["identity"])
        return dict(contacts)


def erased_key(erased: str) -> str:
    """The bar item's key of an erased contact or identity: its hash, never the id."""
    return "erased#" + hashlib.sha256(erased.encode()).hexdigest()
