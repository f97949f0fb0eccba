"""The touch ledger and its aggregates (DynamoDB), written together, exactly once.

Each group of touches goes in one TransactWriteItems: a conditional Put per ledger record and
one ADD per aggregate item. The condition says what the writer believed the ledger held for
that key (nothing, or a given touch). When it held something else, the transaction rolls back,
those keys are read, and the group is planned again: a duplicate is skipped, and a touch that
precedes the stored one for its key (an earlier like of the same post) replaces it, its
aggregates moved by the difference. Whatever arrives twice, late or out of order, the stored
numbers are those of one clean pass, and nothing is ever half-applied.
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
from socialscore.scoring import Aggregates, Touch, coalesce, precedes

# A touch writes at most 4 items (ledger, profile, post, seller), and a replacement touches the
# same ones: 25 touches always fit TransactWriteItems' 100 actions.
TOUCHES_PER_TRANSACTION = 25
_ATTEMPTS = 5

Key = tuple[str, str]  # (profile, dedupe key)


class Ledger:
    def __init__(self, ledger_table: str | None = None, scores_table: str | None = None) -> None:
        self.ledger_table = ledger_table or settings.required("LEDGER_TABLE")
        self.scores_table = scores_table or settings.required("SCORES_TABLE")

    def record(self, touches: list[Touch]) -> list[Touch]:
        """Apply the touches that count (new, or preceding the stored one); returns them.

        `touches` must hold one touch per key (see scoring.unique).
        """
        applied: list[Touch] = []
        for start in range(0, len(touches), TOUCHES_PER_TRANSACTION):
            applied += self._record_group(touches[start : start + TOUCHES_PER_TRANSACTION])
        return applied

    def _record_group(self, touches: list[Touch]) -> list[Touch]:
        stored: dict[Key, Touch] = {}  # what the ledger holds, for the keys seen to be taken
        conflicts = 0
        while True:
            plan = [
                (t, stored.get(_key(t)))
                for t in touches
                if _key(t) not in stored or precedes(t, stored[_key(t)])
            ]
            if not plan:
                return []
            try:
                aws.client("dynamodb").transact_write_items(TransactItems=self._actions(plan))
                return [t for t, _ in plan]
            except ClientError as err:
                if err.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = err.response.get("CancellationReasons", [])
                taken = [
                    plan[i][0]
                    for i, r in enumerate(reasons[: len(plan)])
                    if r.get("Code") == "ConditionalCheckFailed"
                ]
                if taken:  # the ledger moved under us: learn what it holds and plan again
                    for t in taken:
                        stored.pop(_key(t), None)
                    stored |= self._stored(taken)
                    continue
                conflicts += 1  # a concurrent writer or throttling: back off, try again
                if conflicts >= _ATTEMPTS:
                    raise
                time.sleep(0.05 * 2**conflicts)

    def _stored(self, touches: list[Touch]) -> dict[Key, Touch]:
        keys = [{"profile": t.profile, "touch": t.dedupe_key} for t in touches]
        items = dynamo.batch_get_keys(self.ledger_table, keys)
        return {(item["profile"], item["touch"]): _touch(item) for item in items}

    def _actions(self, plan: list[tuple[Touch, Touch | None]]) -> list[dict[str, Any]]:
        # Ledger puts come first so that a cancellation reason's index is the plan's index.
        actions: list[dict[str, Any]] = []
        for touch, replaced in plan:
            put: dict[str, Any] = {
                "TableName": self.ledger_table,
                "Item": dynamo.to_item(_record(touch)),
                "ExpressionAttributeNames": {"#touch": "touch"},
            }
            if replaced is None:
                put["ConditionExpression"] = "attribute_not_exists(#touch)"
            else:
                put["ConditionExpression"] = "interaction_id = :replaced"
                put["ExpressionAttributeValues"] = {":replaced": {"S": replaced.interaction_id}}
                del put["ExpressionAttributeNames"]
            actions.append({"Put": put})
        removed = [r for _, r in plan if r is not None]
        actions += self._updates(coalesce([t for t, _ in plan], removed))
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


def _key(t: Touch) -> Key:
    return (t.profile, t.dedupe_key)


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
