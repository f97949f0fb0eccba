"""A batch of identity links on moto (store.link_writes): one read and a transaction per 100
writes however many links the batch holds; an older event refused inside a transaction leaves
its batch-mates written; two writers adding to one contact's set leave a bound that counts both;
a batch that failed half-way converges when retried. The other writer runs at the SDK's
boundary (botocore's before-call event), between this writer's read and its transaction."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from socialscore.store import dynamo
from socialscore.store.contact_sync import ContactSync
from socialscore.store.identities import Identities
from tests.integration.moto_tables import moto_table
from tests.integration.support import link
from tests.session_hooks import dynamodb_calls, hooked

__all__ = ["moto_table"]
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TX = "before-call.dynamodb.TransactWriteItems"
identify = partial(link, since=T0)


def test_a_batch_of_links_costs_a_read_and_a_transaction_per_100_writes(
    moto_table: Callable[[str], str],
) -> None:
    """120 links of 60 contacts: 181 keys read (the links, the sets, the bound), 181 writes (the
    bound's raise, 60 sets' ADDs, 120 puts): 2 reads and 2 transactions, where each link once
    cost a put and each contact an UpdateItem (180 calls)."""
    links = Identities(moto_table("IdentitiesTable"))
    batch = [identify(f"{n}", f"003C{n // 2:03d}") for n in range(120)]
    with dynamodb_calls() as calls:
        links.link(batch)
    assert Counter(calls) == {"BatchGetItem": 2, "TransactWriteItems": 2}
    assert links.contacts_of([e.identity for e in batch]) == {
        e.identity: e.contact_id for e in batch
    }
    assert links.identity_bounds(["003C000", "003C059"]) == {"003C000": 2, "003C059": 2}
    with dynamodb_calls() as calls:
        links.link(batch)
    assert Counter(calls) == {"BatchGetItem": 2}  # again: nothing to write


def test_an_older_event_refused_in_a_transaction_leaves_its_batch_mates_written(
    moto_table: Callable[[str], str],
) -> None:
    table = moto_table("IdentitiesTable")
    links, other = Identities(table), Identities(table)
    sent: list[int] = []

    def newer_link_lands(params: dict[str, Any], **_: Any) -> None:
        sent.append(len(json.loads(params["body"])["TransactItems"]))
        if len(sent) == 1:  # another Lambda links x#2 later, after this batch read it
            other.link([identify("2", "003B", 10)])

    batch = [identify("1", "003A", 1), identify("2", "003A", 1), identify("3", "003A", 1)]
    with hooked(TX, newer_link_lands):
        links.link(batch)
    # ours refused (its put of x#2 found the newer link), the other's, ours without x#2's put
    assert sent == [5, 2, 4]
    stored = links.links(["x#1", "x#2", "x#3"])
    assert {i: (v.contact_id, v.linked_at) for i, v in stored.items()} == {
        "x#1": ("003A", "2026-11-20T09:01:00+00:00"),
        "x#2": ("003B", "2026-11-20T09:10:00+00:00"),
        "x#3": ("003A", "2026-11-20T09:01:00+00:00"),
    }


def test_a_link_dynamodb_refuses_as_invalid_is_counted_and_leaves_its_batch_mates_written(
    moto_table: Callable[[str], str], caplog: pytest.LogCaptureFixture
) -> None:
    """DynamoDB cancels the transaction for x#2's put alone (a `ValidationError` reason: an item
    too large, say; moto raises such errors for the whole call instead, so the answer is
    DynamoDB's documented one, given at the SDK's boundary): x#1 and x#3 are written by the next
    transaction, x#2 is counted and logged with its reason, never its id."""
    links = Identities(moto_table("IdentitiesTable"))
    sent: list[int] = []

    def refuses_x2(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        actions = json.loads(params["body"])["TransactItems"]
        sent.append(len(actions))
        if len(sent) > 1:
            return None
        # docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
        reasons = [
            {
                "Code": "ValidationError",
                "Message": "Item size has exceeded the maximum allowed size",
            }
            if a.get("Put", {}).get("Item", {}).get("identity") == {"S": "x#2"}
            else {"Code": "None"}
            for a in actions
        ]
        error = {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}
        return AWSResponse("", 400, {}, None), {"Error": error, "CancellationReasons": reasons}

    batch = [identify("1", "003A", 1), identify("2", "003A", 1), identify("3", "003A", 1)]
    with hooked(TX, refuses_x2), caplog.at_level("WARNING"):
        assert links.link(batch) == 1
    assert sent == [5, 4]  # the bound's raise, the set's ADD, 3 puts; then without x#2's
    assert sorted(links.contacts_of(["x#1", "x#2", "x#3"])) == ["x#1", "x#3"]
    refused = [r for r in caplog.records if r.getMessage() == "identity link refused"]
    assert [getattr(r, "reason", None) for r in refused] == ["ValidationError"]
    assert not any("x#2" in str(r.__dict__) for r in caplog.records)


def test_a_long_batch_refused_now_and_then_is_written_whole(
    moto_table: Callable[[str], str],
) -> None:
    """A CRM sync's page of 450 new links (9 transactions of 50 contacts' ADD and put) while
    another Lambda links one identity of each transaction later: DynamoDB refuses each
    transaction once for that put (ConditionalCheckFailed, the newer link returned: ALL_OLD)
    and takes it again without it. 9 refusals in all, one in a row: the batch is written. The
    transactions are answered at the SDK's boundary in DynamoDB's documented shapes (moto copies
    every table for each transaction: about 9 s for this batch); the reads are moto's."""
    links = Identities(moto_table("IdentitiesTable"))
    written: dict[str, str] = {}  # identity -> contact, as the transactions that landed left it
    firsts: set[str] = set()
    refused: set[str] = set()

    def dynamodb(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        actions = json.loads(params["body"])["TransactItems"]
        puts = [a["Put"]["Item"] for a in actions if "Put" in a]
        if puts[0]["identity"]["S"] in firsts:  # sent again after its refusal: it lands
            written.update({p["identity"]["S"]: p["contact_id"]["S"] for p in puts})
            return AWSResponse("", 200, {}, None), {}
        firsts.add(puts[0]["identity"]["S"])
        refused.add(puts[-1]["identity"]["S"])
        newer = puts[-1] | {"contact_id": {"S": "003Z"}, "linked_at": {"S": "2026-12-01"}}
        # docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
        failed = {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
        # The stored item comes back only to a Put that asked for it (API_Put.html's
        # ReturnValuesOnConditionCheckFailure: ALL_OLD; NONE, the default, returns nothing).
        asked = next(a["Put"] for a in reversed(actions) if "Put" in a)  # puts[-1]'s
        if asked.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD":
            failed["Item"] = newer
        reasons = [
            failed if a.get("Put", {}).get("Item") == puts[-1] else {"Code": "None"}
            for a in actions
        ]
        error = {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}
        return AWSResponse("", 400, {}, None), {"Error": error, "CancellationReasons": reasons}

    batch = [identify(f"{n}", f"003C{n:03d}") for n in range(450)]
    with hooked(TX, dynamodb):
        links.link(batch)
    assert len(firsts) == len(refused) == 9
    # every link but the 9 a newer one refused, each to its contact
    assert written == {e.identity: e.contact_id for e in batch if e.identity not in refused}


def test_two_writers_adding_to_one_set_leave_a_bound_that_counts_both(
    moto_table: Callable[[str], str],
) -> None:
    """The other writer's two identities land between this one's read of the set (empty) and
    its transaction: this ADD is refused, learns the set and adds again; the bound is 3, not the
    1 this writer read nor the 2 the other one saw."""
    table = moto_table("IdentitiesTable")
    links, other = Identities(table), Identities(table)
    links.rebuild_most()  # the bound ready: 1
    sent: list[int] = []

    def others_land(params: dict[str, Any], **_: Any) -> None:
        sent.append(len(json.loads(params["body"])["TransactItems"]))
        if len(sent) == 1:
            other.link([identify("2", "003A", 1), identify("3", "003A", 1)])

    with hooked(TX, others_land):
        links.link([identify("1", "003A")])
    assert links.identity_bounds(["003A"]) == {"003A": 3}
    assert links.most_identities() == 3
    assert sorted(links.identities_of("003A")) == ["x#1", "x#2", "x#3"]


def test_a_writer_that_read_a_lower_bound_never_lowers_it(
    moto_table: Callable[[str], str],
) -> None:
    """Another writer raises the bound to 3 between this one's read (1) and its transaction,
    which would raise it to 2: the raise is refused, learns 3 and the link is written without
    it. A bound lowered to 2 would let `socialscore top` stop before 003B's third identity."""
    table = moto_table("IdentitiesTable")
    links, other = Identities(table), Identities(table)
    links.rebuild_most()
    links.link([identify("1", "003A")])
    sent: list[int] = []

    def others_land(params: dict[str, Any], **_: Any) -> None:
        sent.append(len(json.loads(params["body"])["TransactItems"]))
        if len(sent) == 1:
            other.link([identify(n, "003B", 1) for n in ("2", "3", "4")])

    with hooked(TX, others_land):
        links.link([identify("5", "003A", 1)])
    assert links.most_identities() == 3
    assert links.contacts_of(["x#5"]) == {"x#5": "003A"}


def test_a_batch_that_failed_half_way_writes_the_rest_when_retried(
    moto_table: Callable[[str], str],
) -> None:
    links = Identities(moto_table("IdentitiesTable"))
    links.rebuild_most()
    batch = [identify(f"{n}", f"003C{n // 2:03d}") for n in range(120)]
    sent = Counter[str]()

    def dies_at_the_second(params: dict[str, Any], **_: Any) -> None:
        sent["tx"] += 1
        if sent["tx"] == 2:
            raise RuntimeError("the Lambda timed out between the batch's transactions")

    with hooked(TX, dies_at_the_second), pytest.raises(RuntimeError):
        links.link(batch)
    landed = links.contacts_of([e.identity for e in batch])
    assert 0 < len(landed) < 120  # the first transaction's links, and theirs alone
    held = Counter(landed.values())  # each landed link's identity is in its contact's set
    bounds = links.identity_bounds(sorted(held))
    assert all(bounds[contact] >= n for contact, n in held.items())
    with dynamodb_calls() as calls:
        links.link(batch)
    assert Counter(calls) == {"BatchGetItem": 2, "TransactWriteItems": 1}
    assert len(links.contacts_of([e.identity for e in batch])) == 120
    assert links.most_identities() == 2


def test_a_batch_s_sync_reads_its_items_and_links_in_one_call(
    moto_table: Callable[[str], str],
) -> None:
    """A new identity's sync (store.contact_sync) reads its organic item (scores table) and its
    link (identities table) in one BatchGetItem across both: the batch costs the links' read and
    transaction, then that read and the sync's transaction, whose stubs name the contacts."""
    identities, scores = moto_table("IdentitiesTable"), moto_table("ScoresTable")
    links = Identities(identities, synced=ContactSync(identities, scores).sync)
    batch = [identify(f"{n}", f"003C{n:03d}") for n in range(10)]
    with dynamodb_calls() as calls:
        links.link(batch)
    assert Counter(calls) == {"BatchGetItem": 2, "TransactWriteItems": 2}
    stubs = dynamo.batch_get(scores, "pk", [f"profile#x#{n}#organic" for n in range(10)])
    assert {k: v["contact"] for k, v in stubs.items()} == {
        f"profile#x#{n}#organic": f"003C{n:03d}" for n in range(10)
    }
