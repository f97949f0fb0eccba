"""A score batch reads its entries first, then writes: between the read and the write another
score Lambda may replace the same entries and move the same counters, and DynamoDB may cancel
the transaction for throttling or a conflicting transaction (no condition failed: nothing
written). The retry then finds the entries moved, plans again from what the refusal returns,
and the items left are those of one clean pass: nothing counted twice, nothing lost.

The cancellation is DynamoDB's answer, played at the SDK's boundary (botocore's before-call
event) on moto: a TransactionCanceledException whose reasons say ThrottlingError or
TransactionConflict, the codes the API reference lists for insufficient capacity and an ongoing
transaction on an item (docs.aws.amazon.com/amazondynamodb/latest/APIReference/
API_TransactWriteItems.html)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from socialscore.aws import clients
from socialscore.store import dynamo
from socialscore.store.ledger import Ledger
from tests.integration.moto_tables import moto_table
from tests.integration.test_ledger_calls import likes
from tests.integration.test_ledger_contract import KEPT, counters

__all__ = ["moto_table"]
ACTORS = 12


def cancelled(code: str, actions: int) -> tuple[AWSResponse, dict[str, Any]]:
    reasons = [{"Code": "None"}] * actions
    reasons[0] = {"Code": code, "Message": "cancelled"}
    parsed = {
        "Error": {"Code": "TransactionCanceledException", "Message": f"[{code}]"},
        "CancellationReasons": reasons,
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    return AWSResponse("https://dynamodb", 400, {}, None), parsed


@pytest.mark.parametrize("code", ["ThrottlingError", "TransactionConflict"])
@pytest.mark.parametrize("later", [True, False], ids=["other-later", "other-earlier"])
def test_a_transaction_cancelled_after_another_lambda_moved_its_entries_leaves_one_clean_pass(
    moto_table: Any, code: str, later: bool
) -> None:
    tables = moto_table("LedgerTable"), moto_table("ScoresTable"), moto_table("SyncStateTable")
    ours, theirs = Ledger(*tables), Ledger(*tables)
    assert ours.record(likes(0, "first", ACTORS)) == ACTORS
    mine, other = likes(2, "mine", ACTORS), likes(3 if later else 1, "other", ACTORS)
    state = {"calls": 0}

    def concurrent(params: dict[str, Any], **_: Any) -> Any:
        state["calls"] += 1
        if state["calls"] != 1:
            return None  # theirs, and our retry: to moto
        theirs.record(other)  # between our read and our write
        return cancelled(code, len(json.loads(params["body"])["TransactItems"]))

    events = clients.client("dynamodb").meta.events
    events.register("before-call.dynamodb.TransactWriteItems", concurrent, unique_id="cancel")
    try:
        ours.record(mine)
    finally:
        events.unregister("before-call.dynamodb.TransactWriteItems", unique_id="cancel")

    assert state["calls"] >= 3  # ours cancelled, theirs, ours again
    kept = other if later else mine  # each actor's latest like of the post
    assert {
        i.pop("pk"): {n: v for n, v in i.items() if not isinstance(v, str) or n in KEPT}
        for i in dynamo.scan(tables[1])
    } == counters(*kept)
    assert sorted(t.interaction_id for t in ours.every_touch()) == sorted(
        t.interaction_id for t in kept
    )
