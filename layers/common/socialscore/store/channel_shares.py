"""The algorithmic attribution's results (DynamoDB, in crm_sync's SyncStateTable).

Each run's result is kept under `channels#<version>` (the as-of date and the scoring model
version: a retried or repeated run of the same slot overwrites its own version, never another
day's), and `channels#latest` holds a copy of the newest, so a reader needs one GetItem. The
copy moves only forward in as-of time: a backfill of an older day leaves it alone.
"""

from __future__ import annotations

import json
from contextlib import suppress
from typing import Any

from socialscore.aws import clients
from socialscore.store import dynamo

PREFIX = "channels#"
LATEST = f"{PREFIX}latest"


class ChannelShares:
    def __init__(self, table: str) -> None:
        self._table = table

    def save(self, version: str, as_of: str, result: dict[str, Any]) -> None:
        # The result travels as a JSON string: floats would need Decimals to be DynamoDB
        # numbers, and nobody queries inside it.
        body = json.dumps(result, sort_keys=True)
        client = clients.client("dynamodb")
        client.put_item(
            TableName=self._table,
            Item=dynamo.to_item(
                {"key": f"{PREFIX}{version}", "version": version, "as_of": as_of, "result": body}
            ),
        )
        # After the version itself: `latest` never names a version that is not stored.
        with suppress(client.exceptions.ConditionalCheckFailedException):
            client.put_item(
                TableName=self._table,
                Item=dynamo.to_item(
                    {"key": LATEST, "version": version, "as_of": as_of, "result": body}
                ),
                ConditionExpression="attribute_not_exists(#k) OR #a <= :a",
                ExpressionAttributeNames={"#k": "key", "#a": "as_of"},
                ExpressionAttributeValues={":a": {"S": as_of}},
            )

    def get(self, version: str = "latest") -> dict[str, Any] | None:
        key = f"{PREFIX}{version}"
        item = dynamo.batch_get(self._table, "key", [key]).get(key)
        return None if item is None else dict(json.loads(item["result"]))
