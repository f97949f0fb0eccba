"""The local runtime's moto keeps DynamoDB's and SQS's answers while it stops copying tables
and keeping every object: a failed transaction leaves exactly what was there, item by item; and
its pollers skip the receive on a queue only when it holds no visible message."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from socialscore_local import demo, moto_queues
from socialscore_local.runtime import LocalRuntime


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    with demo.runtime(tmp_path_factory.mktemp("moto-costs")) as runtime:
        yield runtime


def put(table: str, profile: str, touch: str, **extra: str) -> dict[str, Any]:
    item = {"profile": {"S": profile}, "touch": {"S": touch}}
    item |= {k: {"S": v} for k, v in extra.items()}
    return {"Put": {"TableName": table, "Item": item}}


def add(table: str, pk: str, amount: int, condition: str | None = None) -> dict[str, Any]:
    update: dict[str, Any] = {
        "TableName": table,
        "Key": {"pk": {"S": pk}},
        "UpdateExpression": "ADD units :u",
        "ExpressionAttributeValues": {":u": {"N": str(amount)}},
    }
    if condition:
        update["ConditionExpression"] = condition
    return {"Update": update}


def items(rt: LocalRuntime, table: str) -> list[dict[str, Any]]:
    pages = rt.client("dynamodb").get_paginator("scan").paginate(TableName=table)
    return sorted((i for p in pages for i in p["Items"]), key=repr)


def test_a_cancelled_transaction_leaves_every_item_as_it_was(rt: LocalRuntime) -> None:
    ddb = rt.client("dynamodb")
    ledger, scores = rt.table("LedgerTable"), rt.table("ScoresTable")
    ddb.transact_write_items(
        TransactItems=[put(ledger, "p1", "t1", note="before"), add(scores, "total#a", 5)]
    )
    ddb.put_item(TableName=scores, Item={"pk": {"S": "other"}, "units": {"N": "1"}})
    before = {t: items(rt, t) for t in (ledger, scores)}

    with pytest.raises(ClientError) as cancelled:
        ddb.transact_write_items(
            TransactItems=[
                put(ledger, "p1", "t1", note="after"),  # replaces an item
                put(ledger, "p2", "t9"),  # creates one
                add(scores, "total#a", 7),  # moves a number
                add(scores, "total#new", 3),  # creates one
                add(scores, "other", 1, condition="attribute_not_exists(pk)"),  # fails last
            ]
        )

    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "None", "ConditionalCheckFailed"]
    assert {t: items(rt, t) for t in (ledger, scores)} == before


def test_a_refused_transaction_leaves_every_item_as_it_was(rt: LocalRuntime) -> None:
    ddb = rt.client("dynamodb")
    scores = rt.table("ScoresTable")
    ddb.put_item(TableName=scores, Item={"pk": {"S": "twice"}, "units": {"N": "2"}})
    before = items(rt, scores)

    with pytest.raises(ClientError) as refused:  # the same item twice: refused as a whole
        ddb.transact_write_items(
            TransactItems=[
                add(scores, "fresh", 1),
                add(scores, "twice", 1),
                add(scores, "twice", 1),
            ]
        )

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert items(rt, scores) == before


def test_a_transaction_copies_no_table(rt: LocalRuntime) -> None:
    """moto's own rollback swapped in a deep copy of every table named, made before each
    action: a transaction cost the size of the tables (timed in bench/e2e.py)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    ddb = rt.client("dynamodb")
    tables = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables
    scores = rt.table("ScoresTable")
    table = tables[scores]
    ddb.transact_write_items(TransactItems=[add(scores, "copied", 1)])
    with pytest.raises(ClientError):
        ddb.transact_write_items(
            TransactItems=[add(scores, "copied", 1, condition="attribute_not_exists(pk)")]
        )

    assert tables[scores] is table


def test_moto_keeps_no_copy_of_what_it_wrote(rt: LocalRuntime) -> None:
    from moto.dynamodb.models.dynamo_type import Item
    from moto.sqs.models import Message

    ddb, sqs = rt.client("dynamodb"), rt.client("sqs")
    for n in range(50):
        ddb.put_item(TableName=rt.table("ScoresTable"), Item={"pk": {"S": f"kept{n}"}})
    sqs.send_message(QueueUrl=rt.queue_url("ScoreQueue"), MessageBody="{}")

    assert list(Item.instances_tracked) == []  # type: ignore[attr-defined]
    assert list(Message.instances_tracked) == []  # type: ignore[attr-defined]


def test_a_queue_holding_no_visible_message_is_polled_without_a_receive(
    rt: LocalRuntime,
) -> None:
    """A poller skips the receive on a queue with no visible message (moto's would return and
    change nothing): empty, or its messages in flight; a visible message is received."""
    sqs, url = rt.client("sqs"), rt.queue_url("ResolveQueue")
    receives: list[str] = []
    resolve = rt.functions["ResolveFunction"]
    source = next(s for s in resolve.queue_sources if s.queue == "ResolveQueue")
    event = "before-call.sqs.ReceiveMessage"
    sqs.meta.events.register(event, lambda **_: receives.append(url), unique_id="count")
    try:
        assert moto_queues.holds_no_visible_message(url)
        assert (rt.poll(resolve, source), receives) == (0, [])

        sqs.send_message(QueueUrl=url, MessageBody="{}")
        assert not moto_queues.holds_no_visible_message(url)
        taken = sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)["Messages"]
        assert moto_queues.holds_no_visible_message(url)  # in flight only
        assert not moto_queues.holds_no_message(url)  # yet still the queue's: its depth is 1
        assert rt.poll(resolve, source) == 0
        assert len(receives) == 1  # the test's own: the poller's would have found nothing

        handle = taken[0]["ReceiptHandle"]
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
        assert not moto_queues.holds_no_visible_message(url)  # visible again: received
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
        assert moto_queues.holds_no_message(url)
    finally:
        sqs.meta.events.unregister(event, unique_id="count")


def test_a_queue_depth_counts_what_sqs_counts(rt: LocalRuntime) -> None:
    """Visible and in-flight messages, told without a call when the queue holds none."""
    sqs, url = rt.client("sqs"), rt.queue_url("RehydrateDLQ")
    assert rt.depth("RehydrateDLQ") == 0
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    assert rt.depth("RehydrateDLQ") == 2
    taken = sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)["Messages"]
    assert rt.depth("RehydrateDLQ") == 2  # one visible, one in flight
    sqs.delete_message(QueueUrl=url, ReceiptHandle=taken[0]["ReceiptHandle"])
    assert rt.depth("RehydrateDLQ") == 1


def test_dynamodb_and_sqs_calls_go_unsigned_and_s3_calls_signed(rt: LocalRuntime) -> None:
    """moto checks no signature on DynamoDB and SQS (the runtime saves signing them), but
    answers an unsigned S3 request as an anonymous one: S3 stays signed, its objects readable."""
    signed: dict[str, bool] = {}
    clients = [rt.client(s) for s in ("dynamodb", "sqs", "s3")]
    for client in clients:
        name = client.meta.service_model.service_name

        def seen(request: Any, name: str = name, **_: Any) -> None:
            signed[name] = "Authorization" in request.headers

        client.meta.events.register("before-send", seen, unique_id="seen")
    try:
        clients[0].describe_table(TableName=rt.table("ScoresTable"))
        clients[1].get_queue_attributes(QueueUrl=rt.queue_url("ScoreQueue"))
        bucket = rt.physical["ReportBucket"]["Ref"]
        clients[2].put_object(Bucket=bucket, Key="signed.txt", Body=b"read back")
        assert clients[2].get_object(Bucket=bucket, Key="signed.txt")["Body"].read() == b"read back"
    finally:
        for client in clients:
            client.meta.events.unregister("before-send", unique_id="seen")

    assert signed == {"dynamodb": False, "sqs": False, "s3": True}
