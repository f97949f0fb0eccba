"""The same DynamoDB calls through a fresh moto, every answer's status and body as the client
received them (bytes, before botocore parses them). Run as a script, it prints the answers of a
moto without the local runtime's moto_costs fixes; test_moto_same_answers.py compares them with
its own, fixed, process's answers."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from socialscore_local import fidelity, moto_costs

# What the pipeline sends (its update expressions' shape: names and values numbered), the
# validators' refusals, and the answers that carry items: ALL_OLD on a failed condition, a
# cancelled transaction's reasons, old and new values, pages, projections, consumed capacity.
PAIR, SINGLE, NUMBERS = "Pairs", "Singles", "Numbers"
EVERY_KIND = {
    "s": {"S": "text"},
    "empty": {"S": ""},
    "n": {"N": "12.50"},
    "ss": {"SS": ["b", "a"]},
    "ns": {"NS": ["3", "1.5"]},
    "bin": {"B": b"\x00\x01"},
    "bins": {"BS": [b"\x02", b"\x03"]},
    "yes": {"BOOL": True},
    "no": {"BOOL": False},
    "nothing": {"NULL": True},
    "map": {"M": {"inner": {"L": [{"S": "x"}, {"M": {"deep": {"N": "1"}}}, {"NULL": True}]}}},
    "list": {"L": [{"N": "1"}, {"SS": ["z"]}, {"B": b"\x04"}, {"M": {}}]},
}
ADD_SET = "ADD #c0 :v0, #c1 :v1 SET #c2 = :v2"
NAMES = {"#c0": "units", "#c1": "touches", "#c2": "last"}


def key(pk: str, sk: str | None = None) -> dict[str, Any]:
    return {"pk": {"S": pk}} | ({"sk": {"S": sk}} if sk is not None else {})


def counted(units: str = "1", last: str = "2026-12-01") -> dict[str, Any]:
    return {":v0": {"N": units}, ":v1": {"N": "1"}, ":v2": {"S": last}}


def update(table: str, k: dict[str, Any], **extra: Any) -> dict[str, Any]:
    call = {"TableName": table, "Key": k, "UpdateExpression": ADD_SET}
    return (
        call | {"ExpressionAttributeNames": NAMES, "ExpressionAttributeValues": counted()} | extra
    )


def big(size: int) -> dict[str, Any]:
    """Two string attributes of `size` bytes each (with their 1-byte names)."""
    return {"a": {"S": "x" * size}, "b": {"S": "y" * size}}


def setting(table: str, k: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    values = {":v": {"S": "set"}, ":w": {"N": "2"}}
    call = {"TableName": table, "Key": k, "UpdateExpression": "SET #a = :v, #b = :w"}
    return call | {"ExpressionAttributeNames": names, "ExpressionAttributeValues": values}


def calls(ddb: Any) -> list[Callable[[], Any]]:
    total = {"ReturnConsumedCapacity": "TOTAL"}
    unless_new = {"ConditionExpression": "attribute_not_exists(pk)"}
    old_on_failure = {"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
    return [
        lambda: ddb.put_item(TableName=PAIR, Item=key("a", "1") | EVERY_KIND, **total),
        lambda: ddb.put_item(
            TableName=PAIR, Item=key("a", "1") | EVERY_KIND, ReturnValues="ALL_OLD"
        ),
        # moto's item size limit (405,000 bytes): refused at the attribute past it; one within
        # it stored (then deleted, to keep the answers below short).
        lambda: ddb.put_item(TableName=SINGLE, Item=key("big") | big(202_600)),
        lambda: ddb.put_item(TableName=SINGLE, Item=key("big") | big(202_490)),
        lambda: ddb.delete_item(TableName=SINGLE, Key=key("big")),
        lambda: ddb.update_item(**update(SINGLE, key("new"), ReturnValues="ALL_NEW"), **total),
        lambda: ddb.update_item(**update(SINGLE, key("new"), ReturnValues="UPDATED_OLD")),
        lambda: ddb.update_item(**update(SINGLE, key("new"), ReturnValues="UPDATED_NEW")),
        lambda: ddb.update_item(**update(SINGLE, key("new"), ReturnValues="ALL_OLD")),
        lambda: ddb.update_item(**update(SINGLE, key("new"), **unless_new, **old_on_failure)),
        lambda: ddb.update_item(**update(SINGLE, key("new"), **unless_new)),
        lambda: ddb.put_item(TableName=SINGLE, Item=key("text") | {"units": {"S": "x"}}),
        lambda: ddb.update_item(**update(SINGLE, key("text"))),  # ADD to a string: refused
        lambda: ddb.update_item(**update(SINGLE, key("new"), ReturnValues="ALL_NEW")),
        lambda: ddb.update_item(**update(SINGLE, key("x"), UpdateExpression="SET #c2 = = :v2")),
        lambda: ddb.update_item(**update(SINGLE, key("x"), UpdateExpression="SET #c2 = = :v2")),
        lambda: ddb.update_item(
            **update(SINGLE, key("x"), UpdateExpression=f"{ADD_SET} SET pk2 = :v2")
        ),
        lambda: ddb.update_item(
            TableName=SINGLE,
            Key=key("new"),
            UpdateExpression="SET pk = :v",  # a key attribute: refused
            ExpressionAttributeValues={":v": {"S": "moved"}},
        ),
        # One expression, other names or another table's key: each checked on its own.
        lambda: ddb.update_item(**setting(SINGLE, key("new"), {"#a": "last", "#b": "other"})),
        lambda: ddb.update_item(**setting(SINGLE, key("new"), {"#a": "pk", "#b": "other"})),
        lambda: ddb.update_item(**setting(SINGLE, key("new"), {"#a": "last", "#b": "last"})),
        lambda: ddb.update_item(**setting(SINGLE, key("new"), {"#a": "sk", "#b": "other"})),
        lambda: ddb.update_item(**setting(PAIR, key("a", "1"), {"#a": "sk", "#b": "other"})),
        lambda: ddb.update_item(
            TableName=PAIR,
            Key=key("a", "1"),
            UpdateExpression=(
                "SET #m.#i = list_append(#m.#i, :l), #n = if_not_exists(#n, :z) REMOVE ss"
            ),
            ExpressionAttributeNames={"#m": "map", "#i": "inner", "#n": "n"},
            ExpressionAttributeValues={":l": {"L": [{"BOOL": False}]}, ":z": {"N": "0"}},
            ReturnValues="ALL_NEW",
        ),
        # Every clause and operand the walkers dispatch on: arithmetic, a list index set and
        # removed, a set added to and taken from; then a sum of a number and a string (refused).
        lambda: ddb.update_item(
            TableName=PAIR,
            Key=key("a", "1"),
            UpdateExpression=(
                "SET #n = #n + :one, #l[1] = :s, #y = :one - #n REMOVE #l[3] ADD #s :more "
                "DELETE #ns :gone"
            ),
            ExpressionAttributeNames={"#n": "n", "#l": "list", "#y": "y", "#s": "ss", "#ns": "ns"},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":s": {"S": "x"},
                ":more": {"SS": ["c"]},
                ":gone": {"NS": ["3"]},
            },
            ReturnValues="UPDATED_NEW",
        ),
        lambda: ddb.update_item(
            TableName=PAIR,
            Key=key("a", "1"),
            UpdateExpression="SET #n = #n + :s",
            ExpressionAttributeNames={"#n": "n"},
            ExpressionAttributeValues={":s": {"S": "x"}},
        ),
        lambda: ddb.transact_write_items(
            TransactItems=[{"Update": update(SINGLE, key(f"t{n}"))} for n in range(5)]
            + [
                {"Put": {"TableName": PAIR, "Item": key("b", "2") | EVERY_KIND}},
                {
                    "ConditionCheck": {
                        "TableName": SINGLE,
                        "Key": key("new"),
                        "ConditionExpression": "units > :z",
                        "ExpressionAttributeValues": {":z": {"N": "0"}},
                    }
                },
            ],
            **total,
        ),
        lambda: ddb.transact_write_items(
            TransactItems=[
                {"Update": update(SINGLE, key("t0"))},
                {"Update": update(PAIR, key("a", "1"), **unless_new, **old_on_failure)},
                {"Update": update(SINGLE, key("new"), **unless_new, **old_on_failure)},
                {"Update": update(SINGLE, key("t9"), **unless_new)},
            ]
        ),
        lambda: ddb.transact_write_items(
            TransactItems=[
                {"Update": update(SINGLE, key("t1"))},
                {"Update": update(SINGLE, key("t1"))},
            ]
        ),
        lambda: ddb.get_item(TableName=PAIR, Key=key("a", "1"), **total),
        lambda: ddb.get_item(
            TableName=PAIR, Key=key("b", "2"), ProjectionExpression="map.inner, n, bin"
        ),
        lambda: ddb.query(
            TableName=PAIR,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "a"}},
            ReturnConsumedCapacity="INDEXES",
        ),
        lambda: ddb.scan(TableName=SINGLE, Limit=3, **total),
        lambda: ddb.scan(
            TableName=SINGLE,
            FilterExpression="touches >= :u",
            ExpressionAttributeValues={":u": {"N": "2"}},
        ),
        lambda: ddb.batch_get_item(
            RequestItems={
                SINGLE: {"Keys": [key("new"), key("t0"), key("none")]},
                PAIR: {"Keys": [key("b", "2")]},
            }
        ),
        lambda: ddb.batch_write_item(
            RequestItems={
                SINGLE: [
                    {"DeleteRequest": {"Key": key("t2")}},
                    {"PutRequest": {"Item": key("p") | EVERY_KIND}},
                ]
            },
            **total,
        ),
        lambda: ddb.delete_item(TableName=PAIR, Key=key("b", "2"), ReturnValues="ALL_OLD"),
        lambda: ddb.scan(TableName=SINGLE),
        *reads(ddb),
    ]


def number(value: str) -> dict[str, Any]:
    return {"N": value}


def reads(ddb: Any) -> list[Callable[[], Any]]:
    """Pages of Queries on a table and an index, and Scans, over number keys (numeric order,
    not text order), several partitions, items outside the index."""
    ids, ats = ("10", "9", "1.5", "100"), ("3", "20", "100", "0.5", "7")
    items = [
        {"id": number(i), "at": number(a), "v": {"S": f"{i}/{a}"}}
        | ({"g": {"S": "xy"[(n + m) % 2]}} if (n + m) % 3 else {})
        for n, i in enumerate(ids)
        for m, a in enumerate(ats)
    ]

    def pages(read: Callable[..., Any], **call: Any) -> None:
        for _ in range(len(items)):  # a moto that pages in circles stops here
            answer = read(**call)
            if "LastEvaluatedKey" not in answer:
                return
            call["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def on(i: str, **call: Any) -> Callable[[], Any]:
        keys = "id = :i" + (f" AND {call.pop('range')}" if "range" in call else "")
        values = {":i": number(i)} | call.pop("values", {})
        condition = {"KeyConditionExpression": keys, "ExpressionAttributeValues": values}
        return lambda: pages(ddb.query, TableName=NUMBERS, **condition, **call)

    return [
        *(
            (lambda batch=batch: ddb.batch_write_item(RequestItems={NUMBERS: batch}))
            for batch in (
                [{"PutRequest": {"Item": item}} for item in items[k : k + 10]]
                for k in range(0, len(items), 10)
            )
        ),
        on("10"),
        on("9", Limit=2),
        on("1.5", Limit=2, ScanIndexForward=False),
        on("100", range="at BETWEEN :a AND :b", values={":a": number("3"), ":b": number("20")}),
        on("11"),
        lambda: pages(
            ddb.query,
            TableName=NUMBERS,
            IndexName="by_group",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "x"}},
            Limit=3,
        ),
        lambda: pages(ddb.scan, TableName=NUMBERS, Limit=4),
        lambda: pages(ddb.scan, TableName=NUMBERS, IndexName="by_group", Limit=5),
        lambda: ddb.query(
            TableName=PAIR,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "none"}},
        ),
        lambda: ddb.query(
            TableName=SINGLE,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "new"}},
        ),
    ]


def answers(fixed: bool) -> list[dict[str, Any]]:
    """Each call's status and body; the moto_costs fixes only when `fixed`."""
    received: list[dict[str, Any]] = []

    def keep(response_dict: dict[str, Any], **_: Any) -> None:
        received.append(
            {"status": response_dict["status_code"], "body": response_dict["body"].decode()}
        )

    with mock_aws():
        fidelity.plain_dynamodb_numbers()  # what the runtime always runs moto with
        if fixed:
            moto_costs.install()
        session = boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1"
        )
        ddb = session.client("dynamodb", config=Config(retries={"max_attempts": 1}))
        for table, keys in ((PAIR, ("pk", "sk")), (SINGLE, ("pk",))):
            ddb.create_table(
                TableName=table,
                KeySchema=[
                    {"AttributeName": name, "KeyType": kind}
                    for name, kind in zip(keys, ("HASH", "RANGE"), strict=False)
                ],
                AttributeDefinitions=[
                    {"AttributeName": name, "AttributeType": "S"} for name in keys
                ],
                BillingMode="PAY_PER_REQUEST",
            )
        ddb.create_table(
            TableName=NUMBERS,
            KeySchema=[
                {"AttributeName": "id", "KeyType": "HASH"},
                {"AttributeName": "at", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": name, "AttributeType": kind}
                for name, kind in (("id", "N"), ("at", "N"), ("g", "S"))
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_group",
                    "KeySchema": [
                        {"AttributeName": "g", "KeyType": "HASH"},
                        {"AttributeName": "at", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.meta.events.register("before-parse.dynamodb", keep)
        for call in calls(ddb):
            with contextlib.suppress(ClientError):  # its answer is kept above, body and all
                call()
    return received


if __name__ == "__main__":
    json.dump(answers(fixed=False), sys.stdout)
