"""A batch of identity links written (store.identities.link) in as few calls as DynamoDB allows:
one consistent BatchGetItem of the links, the contacts' sets and the bound (store.
identity_counts), then TransactWriteItems of up to 100 actions, each holding the bound's raise
(when a set outgrows it), each contact's set's ADD and the puts of its links, in that order.

What a reader may rely on, as when each write was its own call:
- A link is never visible before its identity is in its contact's set and the bound counts that
  set: the ADD and the raise go in the link's own transaction or an earlier one (all of a
  transaction's actions land together or none does).
- The sizes the bound is raised to are exact: each ADD is conditioned on the set's size as read,
  so it lands only on the set that was read, which then holds the read set and the ADDed hashes,
  no more. Two writers adding to one set: the one whose transaction lands second is refused
  (its size condition fails, or DynamoDB cancels it for the conflict), learns the set as it now
  is and raises the bound from that. The raise itself is conditioned on the bound being lower,
  so a bound is never lowered; refused, the writer learns the higher bound and leaves it out.
- A newer link is never overwritten by an older event: each put is conditioned on the stored
  link being no newer. A refused put is that identity's alone: the refusal returns the items its
  failed conditions found (ALL_OLD), what was stored is learnt from them, and the next
  transaction holds the rest of the batch again, without the put a newer link refused.
- A batch retried after a failure half-way redoes only what did not land (each round writes only
  what differs from what it knows is stored); a throttled or conflicting transaction is sent
  again after a re-read. `_ATTEMPTS` refusals in a row are raised (SQS delivers the batch
  again); a transaction that lands starts the count again, so a long batch (a CRM sync's page
  of 2,000 contacts) racing other writers now and then is written whole.
- A full set (CAP hashes) takes no more: its contact's links are written, the bound goes to FULL.

TransactWriteItems: up to 100 actions on distinct items, a failed condition's item returned with
ReturnValuesOnConditionCheckFailure ALL_OLD, the reasons of a cancellation listed in the order
of the actions (docs.aws.amazon.com/amazondynamodb/latest/APIReference/
API_TransactWriteItems.html); BatchGetItem reads 100 keys a call, consistently when asked
(docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from socialscore.aws.http import backoff
from socialscore.aws.logs import logger
from socialscore.domain.interaction import Identify
from socialscore.store import dynamo, identity_counts
from socialscore.store.identity_counts import ADDED, FULL, MOST, member, members_key

_ATTEMPTS = 8
MAX_ACTIONS = dynamo.MAX_ACTIONS


@dataclass
class _Known:
    """What the table holds, as read and as the transactions since left it."""

    links: dict[str, dict[str, Any]]  # identity -> its stored link item
    sets: dict[str, set[str]]  # contact -> its set's hashes
    most: int  # the bound's `n` (0: none)


@dataclass(frozen=True)
class _Action:
    kind: str  # "raise", "add" or "put"
    subject: str  # the contact ("add"), the identity ("put"), "" ("raise")
    request: dict[str, Any]  # the transaction's item
    value: Any  # what it leaves: the bound, the hashes added, the link item


def write(table: str, events: list[Identify], cap: int) -> list[str]:
    """Record the links (store.identities.link's rules); returns the identities whose link
    DynamoDB refused as invalid (logged with its reason, not written; their batch-mates are)."""
    identities = sorted({e.identity for e in events})
    contacts = sorted({e.contact_id for e in events})
    known = _read(table, identities, contacts)
    dropped: set[str] = set()  # identities whose put DynamoDB refused as invalid
    refusals = 0
    while actions := _plan(table, events, known, cap, dropped)[:MAX_ACTIONS]:
        if refusals == _ATTEMPTS:
            raise RuntimeError(f"identity links refused {_ATTEMPTS} times in a row")
        reasons = dynamo.cancelled([action.request for action in actions])
        if reasons is None:
            _landed(actions, known)
            refusals = 0
            continue
        refusals += 1
        if not _learnt(reasons, actions, known, dropped):
            time.sleep(backoff(0.05, refusals))  # a conflicting writer: let it land, read again
            known = _read(table, identities, contacts)
    return sorted(dropped)


def _read(table: str, identities: list[str], contacts: list[str]) -> _Known:
    keys = [*identities, *(members_key(c) for c in contacts), MOST]
    found = dynamo.batch_get(table, "identity", keys, consistent=True)
    return _Known(
        {i: found[i] for i in identities if i in found},
        {c: set(found.get(members_key(c), {}).get("m", ())) for c in contacts},
        int(found.get(MOST, {}).get("n", 0)),
    )


def _plan(
    table: str, events: list[Identify], known: _Known, cap: int, dropped: set[str]
) -> list[_Action]:
    """The writes still to make, in the order a transaction may cut them: the raise, then each
    contact's ADD (at most ADDED hashes) before the puts of its links (only those whose hash its
    set holds after the ADD, or whose set is full)."""
    by_contact: dict[str, set[str]] = defaultdict(set)
    latest: dict[str, dict[str, Any] | None] = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        by_contact[event.contact_id].add(member(event.identity))
        was = latest.get(event.identity, known.links.get(event.identity))
        latest[event.identity] = link_item(event, was) or was
    changed: dict[str, list[dict[str, Any]]] = defaultdict(list)  # contact -> its links to put
    for identity, item in sorted(latest.items()):
        if item is not None and item != known.links.get(identity) and identity not in dropped:
            changed[item["contact_id"]].append(item)
    largest = 0
    writes: list[_Action] = []
    for contact, hashes in sorted(by_contact.items()):
        held = known.sets.get(contact, set())
        full = len(held) >= cap
        added = [] if full else sorted(hashes - held)[:ADDED]
        after = held | set(added)
        largest = max(largest, FULL if full or len(after) >= cap else len(after))
        if added:
            request = identity_counts.add_action(table, contact, added, len(held))
            writes.append(_Action("add", contact, request, added))
        writes += [
            _Action("put", item["identity"], _put(table, item), item)
            for item in changed[contact]
            if full or member(item["identity"]) in after
        ]
    if largest > max(known.most, 1):  # a contact of one identity is within any bound
        writes.insert(
            0, _Action("raise", "", identity_counts.raise_action(table, largest), largest)
        )
    return writes


def link_item(event: Identify, stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """The item the link event makes over the one stored (None: none), or None when the stored
    link is newer (the in-memory links apply the same rule)."""
    at = event.occurred_at.isoformat()
    if stored is not None and stored.get("linked_at", "") > at:
        return None
    same = stored is not None and stored.get("contact_id") == event.contact_id
    owner = event.owner_id or (stored.get("owner_id") if stored is not None and same else None)
    return {
        "identity": event.identity,
        "contact_id": event.contact_id,
        "consent_basis": event.consent_basis.value,
        "linked_at": at,
        "source_event": f"{event.source}:{event.event_id}",
    } | ({"owner_id": str(owner)} if owner else {})


def _put(table: str, item: dict[str, Any]) -> dict[str, Any]:
    put = {
        "TableName": table,
        "Item": dynamo.to_item(item),
        "ConditionExpression": "attribute_not_exists(linked_at) OR linked_at <= :at",
        "ExpressionAttributeValues": {":at": {"S": item["linked_at"]}},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    return {"Put": put}


def _landed(actions: list[_Action], known: _Known) -> None:
    for action in actions:
        if action.kind == "raise":
            known.most = max(known.most, action.value)
        elif action.kind == "add":
            known.sets.setdefault(action.subject, set()).update(action.value)
        else:
            known.links[action.subject] = action.value


def _learnt(
    reasons: list[dict[str, Any]], actions: list[_Action], known: _Known, dropped: set[str]
) -> bool:
    """Whether the cancellation was for what the items hold (then learnt from the items its
    failed conditions returned, and puts refused as invalid dropped), not a conflict or
    throttling (then nothing is learnt: the caller reads again). The reasons are one per action,
    in the request's order, a null code where that action did not fail
    (docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CancellationReason.html)."""
    codes = {reason.get("Code", "None") for reason in reasons}
    if not codes <= {"None", "ConditionalCheckFailed", "ValidationError"}:
        return False
    for action, reason in zip(actions, reasons, strict=False):
        code = reason.get("Code", "None")
        if code == "ValidationError" and action.kind == "put":
            logger().warning("identity link refused", extra={"reason": code})
            dropped.add(action.subject)
        elif code == "ValidationError":
            return False
        elif code == "ConditionalCheckFailed":
            old = dynamo.from_item(reason.get("Item") or {})
            if action.kind == "raise":
                known.most = int(old.get("n", 0))
            elif action.kind == "add":
                known.sets[action.subject] = set(old.get("m", ()))
            else:
                known.links[action.subject] = old
    return True
