"""Ingest's replay memory: which signed deliveries (Standard Webhooks' webhook-id) were seen,
with which body, and whether their messages are queued. One item per delivery in the
DeliveriesTable, deleted by DynamoDB's TTL once no replay of it can pass the timestamp check.

TTL deletes lazily (typically within days: https://docs.aws.amazon.com/amazondynamodb/latest/
developerguide/howitworks-ttl.html), so an item past its `expires_at` counts as absent here.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from socialscore.aws import clients
from socialscore.domain.delivery import Claim

PENDING, QUEUED = "pending", "queued"


class DeliveriesTable:
    def __init__(self, table: str) -> None:
        self._table = table

    def claim(self, key: str, digest: str, expires_at: int, now: int) -> Claim:
        """A first sight is one conditional PutItem; a repeat, that refused put and one
        consistent read."""
        dynamodb = clients.client("dynamodb")
        try:
            dynamodb.put_item(
                TableName=self._table,
                Item={
                    "delivery": {"S": key},
                    "digest": {"S": digest},
                    "state": {"S": PENDING},
                    "expires_at": {"N": str(expires_at)},
                },
                ConditionExpression="attribute_not_exists(delivery) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
            return Claim.NEW
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        found = dynamodb.get_item(
            TableName=self._table, Key={"delivery": {"S": key}}, ConsistentRead=True
        ).get("Item")
        if found is None:  # expired and deleted in between: seen by nobody now
            return self.claim(key, digest, expires_at, now)
        if found["digest"]["S"] != digest:
            return Claim.CONFLICT
        # Seen with this body but not queued (its 503, or a crash before the queue took it):
        # this attempt queues it.
        return Claim.QUEUED if found["state"]["S"] == QUEUED else Claim.NEW

    def queued(self, key: str, digest: str) -> None:
        try:
            clients.client("dynamodb").update_item(
                TableName=self._table,
                Key={"delivery": {"S": key}},
                UpdateExpression="SET #state = :queued",
                ConditionExpression="digest = :digest",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":queued": {"S": QUEUED}, ":digest": {"S": digest}},
            )
        except ClientError as err:
            # Gone (expired) or taken over by another body since: nothing of ours to mark, and
            # the messages are queued all the same.
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
