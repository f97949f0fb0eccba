"""How many items a table holds, without reading them: DescribeTable's ItemCount, which DynamoDB
updates about every six hours (recent changes may be missing):
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html
One call, no read units (the function's role needs dynamodb:DescribeTable on the table)."""

from __future__ import annotations

from socialscore.aws import clients


def item_count(table: str) -> int:
    found = clients.client("dynamodb").describe_table(TableName=table)["Table"]
    return int(found.get("ItemCount", 0))
