"""The link sync of the contacts' ranking (store.identities calls it after every link write):
each identity's organic item names its link's contact, and its units and touches are in that
contact's item (store.contact_totals).

Per identity whose item names another contact than its link (the links and the items read in
one consistent BatchGetItem across both tables, then the contact items they leave), in one
TransactWriteItems with as many others as 100 actions hold (no contact item twice):
- a ConditionCheck that the link is still what was read (a link moved meanwhile refuses it: its
  own writer's sync follows, and this one re-reads and follows that link);
- the organic item's `contact` set or removed, conditioned on the `contact`, `units` and
  `touches` read (a score write in between refuses it); a linked identity with no counters gets
  a stub `{pk, contact}`, an unlinked one's stub is deleted;
- its units and touches out of the old contact's item and into the new one's (settled like any
  aggregate: an item whose count reaches 0 is deleted).
Each transaction first checks that no `socialscore rebuild` is rewriting the ranking (the
marker's `rebuilding`, store.contact_totals): a sync landing between the rebuild's write of an
identity's item and its write of the contacts' items would be half overwritten (its contacts'
items set back to the links the rebuild read, its item's `contact` left moved). Refused for
that, the sync stands aside: the rebuild syncs every link written meanwhile when it ends (their
links were written before this sync, so before the rebuild reads them again).
A refusal returns the items it failed on (ALL_OLD): the sync settles the transaction's
identities again from them, re-reading only their links, and gives up after `_ATTEMPTS`
(raising: the link batch is retried, and a retry syncs again whether or not its links
change). TransactWriteItems spans tables, checks an item with a ConditionCheck and returns the
item of a failed condition when asked
(docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from socialscore.aws.http import backoff
from socialscore.domain.aggregates import (
    CONTACT,
    ContactTotal,
    ItemWrite,
    ProfileTotal,
    moved,
)
from socialscore.domain.interaction import Category
from socialscore.store import dynamo
from socialscore.store.contact_totals import RANKING_REBUILDING, READY
from socialscore.store.ledger_writes import applied
from socialscore.store.scores import item_key, item_write

_ATTEMPTS = 8
# A batch of links is synced in as few transactions as their limit allows (store.dynamo: 100
# actions, no two on one item; a new link with no touches: 2 actions, its link's check and its
# stub).
MAX_ACTIONS = dynamo.MAX_ACTIONS


@dataclass(frozen=True)
class _Move:
    """One identity's sync: its link now, its item as read, its contacts' writes, its actions
    (the link's check, the item's write, then the contacts')."""

    identity: str
    now: str | None
    held: dict[str, Any]
    writes: list[tuple[ContactTotal, ItemWrite]]
    actions: list[dict[str, Any]]


class ContactSync:
    def __init__(self, identities_table: str, scores_table: str) -> None:
        self._identities = identities_table
        self._scores = scores_table

    def sync(self, identities: list[str]) -> None:
        """Each identity's organic item and its contacts' items made to follow its link now."""
        pending = sorted(set(identities))
        if not pending:
            return
        keys = {item_key(ProfileTotal(i, Category.ORGANIC)): i for i in pending}
        found = dynamo.batch_get_tables(
            {self._scores: ("pk", list(keys)), self._identities: ("identity", pending)},
            consistent=True,
        )
        items = {keys[k]: v for k, v in found[self._scores].items()}
        links = _contacts(found[self._identities])
        contacts = self._left(items, links)
        for attempt in range(_ATTEMPTS):
            if attempt:
                time.sleep(backoff(0.05, attempt))  # a conflicting writer: let it land
                links = _contacts(
                    dynamo.batch_get(self._identities, "identity", pending, consistent=True)
                )
            queue = [i for i in pending if items.get(i, {}).get(CONTACT) != links.get(i)]
            refused: list[str] = []
            while queue:
                group, queue = self._group(queue, items, links, contacts)
                if (sent := self._sent(group, items, contacts)) is None:
                    return  # a rebuild runs: it syncs these links when it ends
                if not sent:
                    refused += [move.identity for move in group]
            if not refused:
                return
            pending = refused
        raise RuntimeError(f"contact sync of {len(pending)} identities refused {_ATTEMPTS} times")

    def _group(
        self,
        queue: list[str],
        items: dict[str, dict[str, Any]],
        links: dict[str, str],
        contacts: dict[ContactTotal, dict[str, Any]],
    ) -> tuple[list[_Move], list[str]]:
        """The next transaction's moves (at most MAX_ACTIONS actions, no contact item named
        twice: each settled from what the transactions before left) and the identities left."""
        group: list[_Move] = []
        named: set[ContactTotal] = set()
        rest: list[str] = []
        for identity in queue:
            move = self._move(identity, items.get(identity, {}), links.get(identity), contacts)
            size = 1 + sum(len(m.actions) for m in group) + len(move.actions)  # 1: _rebuilt
            if named & {key for key, _ in move.writes} or size > MAX_ACTIONS:
                rest.append(identity)
                continue
            group.append(move)
            named |= {key for key, _ in move.writes}
        return group, rest

    def _move(
        self,
        identity: str,
        held: dict[str, Any],
        now: str | None,
        contacts: dict[ContactTotal, dict[str, Any]],
    ) -> _Move:
        writes = moved(held, now, contacts)
        actions = [self._check(identity, now), self._item(identity, held, now)]
        actions += [item_write(self._scores, key, write) for key, write in writes]
        return _Move(identity, now, held, writes, actions)

    def _sent(
        self,
        group: list[_Move],
        items: dict[str, dict[str, Any]],
        contacts: dict[ContactTotal, dict[str, Any]],
    ) -> bool | None:
        """Whether the group's transaction landed (None: refused for a rebuild running); what
        it leaves (or, refused, what its failed conditions found: ALL_OLD) learnt into `items`
        and `contacts`."""
        actions = [self._rebuilt(), *(action for move in group for action in move.actions)]
        if (cancelled := dynamo.cancelled(actions)) is not None:
            reasons = iter(cancelled)
            if next(reasons, {"Code": ""}).get("Code") == "ConditionalCheckFailed":
                return None
            for move in group:  # the reasons are the actions', in order
                for n, reason in zip(range(len(move.actions)), reasons, strict=False):
                    if reason.get("Code") != "ConditionalCheckFailed":
                        continue
                    item = dynamo.from_item(reason.get("Item") or {})
                    if n == 1:
                        items[move.identity] = item
                    elif n >= 2:
                        contacts[move.writes[n - 2][0]] = item
            return False
        for move in group:
            for key, write in move.writes:  # what a later move settles from, if read
                if key in contacts:
                    contacts[key] = applied(contacts[key], write)
            items[move.identity] = (
                {**move.held, CONTACT: move.now} if move.now is not None else _unlinked(move.held)
            )
        return True

    def _left(
        self, items: dict[str, dict[str, Any]], links: dict[str, str]
    ) -> dict[ContactTotal, dict[str, Any]]:
        """The items of the contacts the identities leave, read together ({}: absent): taking
        an identity's touches out may bring a count to 0, written exactly from what it holds
        (a moved identity is often its old contact's only one)."""
        left = {
            item_key(ContactTotal(old)): ContactTotal(old)
            for identity, item in items.items()
            if (old := item.get(CONTACT)) is not None and old != links.get(identity)
        }
        if not left:
            return {}
        found = dynamo.batch_get(self._scores, "pk", list(left), consistent=True)
        return {key: found.get(pk, {}) for pk, key in left.items()}

    def _rebuilt(self) -> dict[str, Any]:
        """No rebuild is rewriting the ranking (the marker holds no `rebuilding`; absent: none)."""
        check = {
            "TableName": self._scores,
            "Key": {"pk": {"S": READY}},
            "ConditionExpression": "attribute_not_exists(#r)",
            "ExpressionAttributeNames": {"#r": RANKING_REBUILDING},
        }
        return {"ConditionCheck": check}

    def _check(self, identity: str, now: str | None) -> dict[str, Any]:
        """The link is still `now` (None: none)."""
        check: dict[str, Any] = {
            "TableName": self._identities,
            "Key": {"identity": {"S": identity}},
            "ExpressionAttributeNames": {"#c": "contact_id"},
        }
        if now is None:
            check["ConditionExpression"] = "attribute_not_exists(#c)"
        else:
            check["ConditionExpression"] = "#c = :c"
            check["ExpressionAttributeValues"] = {":c": {"S": now}}
        return {"ConditionCheck": check}

    def _item(self, identity: str, held: dict[str, Any], now: str | None) -> dict[str, Any]:
        """The organic item's `contact` set to `now` (removed: None), conditioned on what was
        read; a stub put or deleted where the item has no counters."""
        names = {"#c": CONTACT, "#t": "touches", "#u": "units"}
        values: dict[str, Any] = {}
        old = held.get(CONTACT)
        if old is None:
            conditions = ["attribute_not_exists(#c)"]
        else:
            conditions = ["#c = :old"]
            values[":old"] = {"S": old}
        for name, attribute in (("#t", "touches"), ("#u", "units")):
            if attribute in held:
                conditions.append(f"{name} = :{attribute}")
                values[f":{attribute}"] = {"N": format(held[attribute], "f")}
            else:
                conditions.append(f"attribute_not_exists({name})")
        action: dict[str, Any] = {
            "TableName": self._scores,
            "Key": {"pk": {"S": item_key(ProfileTotal(identity, Category.ORGANIC))}},
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": names,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if now is None and "touches" not in held:  # an unlinked stub: gone
            kind = "Delete"
        elif now is None:
            kind, action["UpdateExpression"] = "Update", "REMOVE #c"
        else:
            kind, action["UpdateExpression"] = "Update", "SET #c = :now"
            values[":now"] = {"S": now}
        if values:
            action["ExpressionAttributeValues"] = values
        return {kind: action}


def _contacts(links: dict[str, dict[str, Any]]) -> dict[str, str]:
    """identity -> its link's contact, from the link items read."""
    return {k: v["contact_id"] for k, v in links.items() if "contact_id" in v}


def _unlinked(held: dict[str, Any]) -> dict[str, Any]:
    return {} if "touches" not in held else {n: v for n, v in held.items() if n != CONTACT}
