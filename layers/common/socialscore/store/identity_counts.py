"""A bound on how many identities any contact has, kept in the identities table beside the links,
so `socialscore top` can stop reading the ranking without reading every link
(report.top_bounded.top's stopping rule).

Two kinds of item, neither with a `contact_id` (so the sparse by_contact index never shows
them, and the links' readers skip them):
- `members#<SHA-256 of the contact id>`: `m`, a string set of the SHA-256 (32 hex digits) of
  every identity ever linked to that contact (never an id itself). A link's identity is ADDed
  before, or in the same transaction as, the link's write (store.link_writes): a set ADD is
  idempotent and commutes, so retries, replays and parallel Lambdas all leave the union, and a
  rebuild's ADDs and a link's ADDs cannot undo one another. Nothing is taken out (an unlink, a
  move to another contact): the set only has to hold at least the contact's identities, so its
  size bounds their number.
- `stat#most_identities`: `n`, at least the largest set's size, raised (never lowered: the
  raise is conditioned on `n` being lower) by each writer with the size it knows its ADD left.
  The rebuild's ADD returns the set as updated (ALL_NEW), whole. A link batch's ADD goes in a
  transaction, which returns nothing: it is conditioned instead on the set's size as the writer
  read it (consistently), so it lands only on that set, which it leaves holding the read hashes
  and its own: the size is exact. Of two writers adding to one set, the second to land is
  refused (its size no longer matches, or DynamoDB cancels the conflicting transaction), learns
  the set as it now is (ALL_OLD, or a read) and adds again: its raise covers both. The raise
  goes in the same transaction as the ADD, or in one before it, so a reader that sees a link
  sees a bound that counts it. `ready` once `socialscore rebuild` has put every existing link
  in a set. Readers trust `n` only when `ready`: a stack linked before this existed has
  contacts no set holds yet.

A set bounds its contact while it holds fewer than `CAP` hashes: an item is at most 400 KB,
names and values (docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
#limits-items), and an ADD past it would fail its whole batch of links, batch after batch. A
set that reaches `CAP` is full: a link to its contact adds nothing more (a condition on the
set's size), and whoever finds it full raises `n` to `FULL`: no set bounds that contact any
more, so readers take `n` as unknown (most() None) and read the identities table whole, as
before the bound existed; the links themselves are written as always.

DynamoDB: ADD of a set to a set attribute adds its elements, creating the attribute when missing
(docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html
#Expressions.UpdateExpressions.ADD); `ReturnValues: ALL_NEW` returns the item as
updated (docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html); a
comparison with a missing attribute is false, hence `attribute_not_exists(n) OR n < :n`, and
`size()` of a set is its number of elements
(docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from contextlib import suppress
from typing import Any

from socialscore.aws import clients
from socialscore.aws.batch import chunks
from socialscore.store import dynamo

MOST = "stat#most_identities"
# 10,000 hashes of 32 bytes: 320 KB, and a call adds at most ADDED: a set stays under 400 KB.
CAP = 10_000
ADDED = 1_000
FULL = 1_000_000_000  # `n` once a set is full: no bound


def members_key(contact_id: str) -> str:
    return "members#" + hashlib.sha256(contact_id.encode()).hexdigest()


def member(identity: str) -> str:
    """An identity as its contact's set holds it: a hash, never the id."""
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def counted(table: str, links: Iterable[tuple[str, str]], cap: int = CAP) -> int:
    """Add each (identity, contact) to its contact's set; returns the largest set size seen,
    FULL once a set holds `cap` (one UpdateItem a contact, ADDED hashes a call)."""
    by_contact: dict[str, set[str]] = {}
    for identity, contact in links:
        by_contact.setdefault(contact, set()).add(member(identity))
    largest = 0
    dynamodb = clients.client("dynamodb")
    for contact, hashes in sorted(by_contact.items()):
        for added in chunks(sorted(hashes), ADDED):
            try:
                reply = dynamodb.update_item(
                    TableName=table,
                    Key={"identity": {"S": members_key(contact)}},
                    UpdateExpression="ADD m :m",
                    ConditionExpression="attribute_not_exists(m) OR size(m) < :cap",
                    ExpressionAttributeValues={":m": {"SS": added}, ":cap": {"N": str(cap)}},
                    ReturnValues="ALL_NEW",
                )
            except dynamodb.exceptions.ConditionalCheckFailedException:
                largest = FULL  # full: this contact has no bound any more
                break
            size = len(reply["Attributes"]["m"]["SS"])
            largest = max(largest, FULL if size >= cap else size)
    return largest


def add_action(table: str, contact: str, hashes: list[str], seen: int) -> dict[str, Any]:
    """A transaction's ADD of `hashes` to the contact's set, conditioned on the set holding
    `seen` hashes as read (0: no set): the set it leaves holds exactly the read ones and these.
    Refused, it returns the set (ALL_OLD)."""
    update: dict[str, Any] = {
        "TableName": table,
        "Key": {"identity": {"S": members_key(contact)}},
        "UpdateExpression": "ADD m :m",
        "ConditionExpression": "size(m) = :seen" if seen else "attribute_not_exists(m)",
        "ExpressionAttributeValues": {":m": {"SS": hashes}}
        | ({":seen": {"N": str(seen)}} if seen else {}),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    return {"Update": update}


def raise_action(table: str, n: int) -> dict[str, Any]:
    """A transaction's raise of the bound to `n`, refused (returning the bound: ALL_OLD) when
    it is as high already."""
    update = {
        "TableName": table,
        "Key": {"identity": {"S": MOST}},
        "UpdateExpression": "SET n = :n",
        "ConditionExpression": "attribute_not_exists(n) OR n < :n",
        "ExpressionAttributeValues": {":n": {"N": str(n)}},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    return {"Update": update}


def raise_most(table: str, n: int, ready: bool = False) -> None:
    """The bound at least `n` (never lowered); `ready`: every link is in a set (the rebuild)."""
    dynamodb = clients.client("dynamodb")
    # refused: already as high, another writer's bound covers this one
    with suppress(dynamodb.exceptions.ConditionalCheckFailedException):
        dynamodb.update_item(**raise_action(table, n)["Update"])
    if ready:
        dynamodb.update_item(
            TableName=table,
            Key={"identity": {"S": MOST}},
            UpdateExpression="SET ready = :t",
            ExpressionAttributeValues={":t": {"BOOL": True}},
        )


def most(table: str) -> int | None:
    """The bound on any contact's identities, or None until a rebuild made it ready and once a
    set is full (a consistent read: BatchGetItem, which every reader of the links may call)."""
    found = dynamo.batch_get(table, "identity", [MOST], consistent=True).get(MOST, {})
    n = int(found.get("n", 1))
    return max(n, 1) if found.get("ready") and n < FULL else None


def bounds(table: str, contacts: list[str]) -> dict[str, int]:
    """contact -> its set's size, for those with a set: a consistent BatchGetItem (100 keys a
    call; consistent: a set is added to before its link is written, so a set read after a link
    holds it), the key and the set alone."""
    keys = {members_key(c): c for c in contacts}
    found = dynamo.batch_get(
        table, "identity", sorted(keys), consistent=True, attributes=["identity", "m"]
    )
    return {keys[k]: len(v.get("m", ())) for k, v in found.items()}


def rebuild(table: str, cap: int = CAP) -> int:
    """Every link in its contact's set, then the bound raised to the largest set and made ready:
    the by_contact index scanned a page at a time (keys only), one UpdateItem a contact a page
    (a contact split over two pages is ADDed twice: the union). Links written meanwhile add and
    raise themselves. Returns the largest set (FULL: a set is full)."""
    largest = 0
    request = {"IndexName": "by_contact", "ProjectionExpression": "#i, contact_id"}
    names = {"ExpressionAttributeNames": {"#i": "identity"}}
    for page in dynamo.scan_pages(table, **request, **names):
        found = counted(table, ((i["identity"], i["contact_id"]) for i in page), cap)
        largest = max(largest, found)
    raise_most(table, max(largest, 1), ready=True)
    return max(largest, 1)
