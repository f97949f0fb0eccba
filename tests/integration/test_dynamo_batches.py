"""store.dynamo's batched reads against what DynamoDB documents and moto never does: a
BatchGetItem may answer part of its keys and name the rest in `UnprocessedKeys`, shaped as its
RequestItems ("If DynamoDB returns any unprocessed items, you should retry the batch operation on
those items", docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from socialscore.store import dynamo
from tests.integration.moto_tables import moto_table
from tests.session_hooks import hooked

__all__ = ["moto_table"]


def test_keys_left_unprocessed_are_asked_again_until_every_item_is_read(
    moto_table: Callable[[str], str],
) -> None:
    """The first call across two tables answers one item of each and leaves the others
    unprocessed: they alone are asked again (moto answers), and every item is returned."""
    links, scores = moto_table("IdentitiesTable"), moto_table("ScoresTable")
    client = boto3.client("dynamodb")
    for n in range(3):
        client.put_item(TableName=links, Item={"identity": {"S": f"x#{n}"}})
        client.put_item(TableName=scores, Item={"pk": {"S": f"profile#x#{n}"}})
    asked: list[dict[str, Any]] = []

    def partly(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        request = json.loads(params["body"])["RequestItems"]
        asked.append(request)
        if len(asked) > 1:
            return None  # moto's answer
        answered = {t: [r["Keys"][0]] for t, r in request.items()}
        left = {t: r | {"Keys": r["Keys"][1:]} for t, r in request.items() if r["Keys"][1:]}
        return AWSResponse("", 200, {}, None), {"Responses": answered, "UnprocessedKeys": left}

    with hooked("before-call.dynamodb.BatchGetItem", partly):
        found = dynamo.batch_get_tables(
            {links: ("identity", ["x#0", "x#1", "x#2"]), scores: ("pk", ["profile#x#0"])},
            consistent=True,
        )
    assert {t: sorted(items) for t, items in found.items()} == {
        links: ["x#0", "x#1", "x#2"],
        scores: ["profile#x#0"],
    }
    assert asked[1] == {
        links: {
            "Keys": [{"identity": {"S": "x#1"}}, {"identity": {"S": "x#2"}}],
            "ConsistentRead": True,
        }
    }
    assert len(asked) == 2
