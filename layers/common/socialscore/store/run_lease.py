"""crm_sync's run lease: one item in the sync-state table (`lease#crm_sync`) naming the run that
holds it and until when, so two runs never push at once (a scheduled run, its retry, a
`socialscore sync` by hand): CRM tasks have no unique key, and two runs that both find no task
would both open one.

Taking it is one conditional PutItem: it succeeds when no lease exists, the one there has
expired, or the same run holds it (a retry of a run that was cut off, under its request id);
otherwise DynamoDB refuses it with ConditionalCheckFailedException and one consistent read says
until when the other holds it. Releasing is a DeleteItem conditional on the owner, so a run
whose lease expired and was taken by another never deletes the other's:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
"""

from __future__ import annotations

from datetime import UTC, datetime

from botocore.exceptions import ClientError

from socialscore.aws import clients

LEASE = "lease#crm_sync"
_REFUSED = "ConditionalCheckFailedException"


def take(table: str, owner: str, now: datetime, until: datetime) -> datetime | None:
    """None when `owner` now holds the lease until `until`; else when the other's ends."""
    dynamodb = clients.client("dynamodb")
    try:
        dynamodb.put_item(
            TableName=table,
            Item={
                "key": {"S": LEASE},
                "owner": {"S": owner},
                "expires_at": {"N": str(until.timestamp())},
            },
            ConditionExpression="attribute_not_exists(#k) OR expires_at < :now OR #o = :owner",
            ExpressionAttributeNames={"#k": "key", "#o": "owner"},
            ExpressionAttributeValues={
                ":now": {"N": str(now.timestamp())},
                ":owner": {"S": owner},
            },
        )
        return None
    except ClientError as err:
        if err.response["Error"]["Code"] != _REFUSED:
            raise
    found = dynamodb.get_item(TableName=table, Key=_key(), ConsistentRead=True).get("Item")
    if found is None:  # released in between: free again
        return take(table, owner, now, until)
    return datetime.fromtimestamp(float(found["expires_at"]["N"]), UTC)


def release(table: str, owner: str) -> None:
    try:
        clients.client("dynamodb").delete_item(
            TableName=table,
            Key=_key(),
            ConditionExpression="#o = :owner",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":owner": {"S": owner}},
        )
    except ClientError as err:
        # Expired and taken by another run (or gone): not ours to delete.
        if err.response["Error"]["Code"] != _REFUSED:
            raise


def _key() -> dict[str, dict[str, str]]:
    return {"key": {"S": LEASE}}
