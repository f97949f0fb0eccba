"""The touch ledger and its aggregates (DynamoDB), written together, exactly once.

Each group of touches goes in one TransactWriteItems: a conditional Put per new ledger record
and one ADD per aggregate item. A touch already in the ledger fails its condition, the whole
transaction rolls back, and it is retried without that touch: whatever arrives twice is
counted once, and nothing is half-applied.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from socialscore import aws, dynamo, settings
from socialscore.interaction import Category, Kind, Network
from socialscore.scoring import Aggregates, Touch, coalesce

# Each touch writes at most 4 items (ledger, profile, post, seller): 25 fit TransactWriteItems' 100.
TOUCHES_PER_TRANSACTION = 25
_ATTEMPTS = 5


class Ledger:
    def __init__(self, ledger_table: str | None = None, scores_table: str | None = None) -> None:
        self.ledger_table = ledger_table or settings.required("LEDGER_TABLE")
        self.scores_table = scores_table or settings.required("SCORES_TABLE")

    def record(self, touches: list[Touch]) -> list[Touch]:
        """Apply the touches not yet in the ledger; returns those newly applied."""
        applied: list[Touch] = []
        for start in range(0, len(touches), TOUCHES_PER_TRANSACTION):
            applied += self._record_group(touches[start : start + TOUCHES_PER_TRANSACTION])
        return applied

    def _record_group(self, touches: list[Touch]) -> list[Touch]:
        pending = list(touches)
        conflicts = 0
        while pending:
            try:
                aws.client("dynamodb").transact_write_items(TransactItems=self._actions(pending))
                return pending
            except ClientError as err:
                if err.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = err.response.get("CancellationReasons", [])
                duplicate = {
                    i
                    for i, r in enumerate(reasons[: len(pending)])
                    if r.get("Code") == "ConditionalCheckFailed"
                }
                if duplicate:  # already counted: retry with the rest, which always shrinks
                    pending = [t for i, t in enumerate(pending) if i not in duplicate]
                    continue
                conflicts += 1  # a concurrent writer or throttling: back off, try again
                if conflicts >= _ATTEMPTS:
                    raise
                time.sleep(0.05 * 2**conflicts)
        return []

    def _actions(self, touches: list[Touch]) -> list[dict[str, Any]]:
        # Ledger puts come first so that a cancellation reason's index is the touch's index.
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.ledger_table,
                    "Item": dynamo.to_item(_record(t)),
                    "ConditionExpression": "attribute_not_exists(#touch)",
                    "ExpressionAttributeNames": {"#touch": "touch"},
                }
            }
            for t in touches
        ]
        actions += self._updates(coalesce(touches))
        return actions

    def _updates(self, agg: Aggregates) -> Iterator[dict[str, Any]]:
        for key, counters in agg.counters.items():
            names = {f"#c{n}": name for n, name in enumerate(counters)}
            values: dict[str, Any] = {
                f":c{n}": {"N": str(amount)} for n, amount in enumerate(counters.values())
            }
            expression = "ADD " + ", ".join(f"#c{n} :c{n}" for n in range(len(counters)))
            if key in agg.teams:
                expression += " SET #team = :team"
                names["#team"] = "team"
                values[":team"] = {"S": agg.teams[key]}
            yield {
                "Update": {
                    "TableName": self.scores_table,
                    "Key": {"pk": {"S": key}},
                    "UpdateExpression": expression,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }

    def touches_of(self, profile: str) -> list[Touch]:
        paginator = aws.client("dynamodb").get_paginator("query")
        pages = paginator.paginate(
            TableName=self.ledger_table,
            KeyConditionExpression="#profile = :p",
            ExpressionAttributeNames={"#profile": "profile"},
            ExpressionAttributeValues={":p": {"S": profile}},
        )
        return [_touch(dynamo.from_item(item)) for page in pages for item in page["Items"]]


def _record(t: Touch) -> dict[str, Any]:
    return {
        "profile": t.profile,
        "touch": t.dedupe_key,
        "interaction_id": t.interaction_id,
        "network": t.network.value,
        "kind": t.kind.value,
        "category": t.category.value,
        "weight": dynamo.number(t.weight),
        "units": t.units,
        "occurred_at": t.occurred_at.isoformat(),
        "post": t.post,
        "seller_id": t.seller_id,
        "team": t.team,
        "intent_hits": list(t.intent_hits),
        "model_version": t.model_version,
    }


def _touch(r: dict[str, Any]) -> Touch:
    return Touch(
        profile=r["profile"],
        dedupe_key=r["touch"],
        interaction_id=r["interaction_id"],
        network=Network(r["network"]),
        kind=Kind(r["kind"]),
        category=Category(r["category"]),
        weight=float(r["weight"]),
        units=Decimal(r["units"]),
        occurred_at=datetime.fromisoformat(r["occurred_at"]),
        post=r.get("post"),
        seller_id=r.get("seller_id"),
        team=r.get("team"),
        intent_hits=tuple(r.get("intent_hits", [])),
        model_version=r["model_version"],
    )
