"""Reading scores and counters back (DynamoDB): per profile, per contact, per post, per seller."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from socialscore.aws import clients, config
from socialscore.domain.interaction import Category
from socialscore.domain.scoring import profile_key
from socialscore.store import dynamo


class Scores:
    def __init__(self, table: str | None = None) -> None:
        self._table = table or config.required("SCORES_TABLE")

    def profile_units(self, profiles: list[str]) -> dict[tuple[str, Category], dict[str, Any]]:
        """(profile, category) -> its stored item (units, touches, hot_since)."""
        keys = {profile_key(p, c): (p, c) for p in profiles for c in Category}
        # Read right after this batch's transaction: consistent, or a crossing could be missed.
        found = dynamo.batch_get(self._table, "pk", list(keys), consistent=True)
        return {keys[k]: v for k, v in found.items()}

    def forget(self, profile: str) -> None:
        """Delete a profile's scores (both categories, hot-lead flags with them)."""
        dynamo.batch_write(
            self._table,
            [{"DeleteRequest": {"Key": {"pk": {"S": profile_key(profile, c)}}}} for c in Category],
        )

    def mark_hot(self, profile: str, category: Category, at: str) -> bool:
        """Flag a profile as hot once; False when it already was."""
        client = clients.client("dynamodb")
        try:
            client.update_item(
                TableName=self._table,
                Key={"pk": {"S": profile_key(profile, category)}},
                UpdateExpression="SET hot_since = :at",
                ConditionExpression="attribute_not_exists(hot_since)",
                ExpressionAttributeValues={":at": {"S": at}},
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def counters(self, prefix: str) -> dict[str, dict[str, Any]]:
        """Summed shards of every `prefix#<id>#shard#n` item: id -> counter -> total.

        A report's read: it scans the table. Numbers are summed; strings (a team) kept.
        """
        totals: dict[str, dict[str, Any]] = defaultdict(dict)
        for item in dynamo.scan(self._table):
            pk: str = item.pop("pk")
            if not pk.startswith(prefix + "#") or "#shard#" not in pk:
                continue
            merged = totals[pk[len(prefix) + 1 : pk.rindex("#shard#")]]
            for counter, value in item.items():
                merged[counter] = (
                    merged.get(counter, Decimal(0)) + value if isinstance(value, Decimal) else value
                )
        return dict(totals)
