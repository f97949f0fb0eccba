"""score on moto: the hot-lead flags of a batch in one write, and two likes from the signed
webhook to the ledger. The stage's rules (exactly-once items, categories apart, the latest like
kept, hot-lead events, any order giving one clean pass) are proven in memory:
tests/unit/test_score_stage.py; the handler's parsing (a poison message failed alone) on the
fakes: tests/unit/test_score_handle.py."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from socialscore.domain import scoring_model
from socialscore.domain.decay import units
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.messages import Resolved
from tests.integration.support import (
    POST_A,
    REPLY,
    Stack,
    permalink,
    resolved,
)

FN = "ScoreFunction"
MODEL = scoring_model.bundled()
HALF_LIFE = MODEL.half_life_seconds
ORGANIC = MODEL.categories[Category.ORGANIC].weights
PAID = MODEL.categories[Category.PAID].weights
T = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def score(stack: Stack, messages: Sequence[Resolved | str]) -> None:
    """Put one batch on the score queue and let the score function take it."""
    assert len(messages) <= 10
    stack.send("ScoreQueue", messages)
    assert stack.poll(FN) == 1
    assert stack.rt.depth("ScoreQueue") == 0


def u(weight: float, at: datetime) -> Decimal:
    return units(weight, at, HALF_LIFE)


def totals(stack: Stack) -> dict[str, dict[str, Any]]:
    return summed(stack.scan("ScoresTable"))


def summed(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Score items by key, counter shards summed, counters that net to zero left out; the
    indexes' keys (store.scores: rollup, rank) left out too."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        item = {n: v for n, v in item.items() if n not in ("rollup", "rank")}
        key = item.pop("pk").split("#shard#")[0]
        merged = out.setdefault(key, {})
        for name, value in item.items():
            merged[name] = merged.get(name, 0) + value if isinstance(value, Decimal) else value
    return {
        k: {n: v for n, v in counters.items() if v != 0}
        for k, counters in out.items()
        if any(v != 0 for v in counters.values() if isinstance(v, Decimal))
    }


def profile(stack: Stack, actor: str, category: Category) -> dict[str, Any]:
    item: dict[str, Any] = stack.by_key("ScoresTable", "pk")[f"profile#x#{actor}#{category}"]
    return item


# --- hot leads --------------------------------------------------------------------------------
def capture_hot_leads(stack: Stack) -> str:
    """A queue subscribed, through a rule on the default bus, to every socialscore event."""
    sqs, events = stack.rt.client("sqs"), stack.rt.client("events")
    url: str = sqs.create_queue(QueueName="hot-lead-capture")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="socialscore-capture",
        EventBusName="default",
        EventPattern=json.dumps({"source": ["socialscore"]}),
    )
    events.put_targets(
        Rule="socialscore-capture", EventBusName="default", Targets=[{"Id": "q", "Arn": arn}]
    )
    return url


def test_profiles_crossing_together_are_flagged_together_and_an_earlier_flag_stands(
    stack: Stack,
) -> None:
    now = datetime.now(UTC)
    actors = [f"h{n}" for n in range(5)]
    # One of them flagged already, as a concurrent batch would have: its time stays.
    stack.rt.client("dynamodb").put_item(
        TableName=stack.rt.table("ScoresTable"),
        Item={"pk": {"S": "profile#x#h0#organic"}, "hot_since": {"S": "2026-01-01T00:00:00"}},
    )
    crossing = [
        resolved(
            f"{actor}-{k}",
            kind=Kind.COMMENT,
            actor=actor,
            post=POST_A,
            own_post=f"{REPLY}{n}{k}",
            intent_hits=["evaluating vendors"],
            at=now - k * MINUTE,
        )
        for n, actor in enumerate(actors)
        for k in range(2)
    ]
    stack.rt.calls.clear()

    score(stack, crossing)

    flags = {a: profile(stack, a, Category.ORGANIC).get("hot_since") for a in actors}
    assert flags["h0"] == "2026-01-01T00:00:00"
    assert all(flags[a] not in (None, "2026-01-01T00:00:00") for a in actors[1:])
    # The four new flags in the batch's one write of flags, not one UpdateItem each.
    assert stack.rt.calls[("ScoreFunction", "UpdateItem")] == 0


# --- the same through the whole pipeline, from the webhook ------------------------------------
WEBHOOK_ORDERS = {"one-webhook": [["later", "earlier"]], "two-webhooks": [["later"], ["earlier"]]}
EARLIER_LIKE = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
LATER_LIKE = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def two_likes_by_webhook(stack: Stack) -> dict[str, dict[str, Any]]:
    """Two likes of one post by one actor, SMMS event ids apart; each order by its own actor."""
    kept = {}
    for n, (order, deliveries) in enumerate(WEBHOOK_ORDERS.items()):
        actor = f"70{n}"

        def like(event_id: str, at: datetime, actor: str = actor) -> dict[str, Any]:
            return {
                "type": "interaction",
                "id": event_id,
                "network": "x",
                "kind": "like",
                "actor_id": actor,
                "target_permalink": permalink(POST_A),
                "occurred_at": at.isoformat(),
            }

        likes = {
            "later": like(f"evt-{n}-a", LATER_LIKE),
            "earlier": like(f"evt-{n}-b", EARLIER_LIKE),
        }
        for delivery in deliveries:
            assert stack.webhook([likes[name] for name in delivery]).status == 202
            stack.rt.drain()
        (item,) = [i for i in stack.scan("LedgerTable") if i["profile"] == f"x#{actor}"]
        kept[order] = item
        assert profile(stack, actor, Category.ORGANIC)["touches"] == 1
        assert item["seller_id"] == "s-ana"
    return kept


def test_two_likes_sent_by_webhook_with_different_event_ids_count_once_and_keep_the_latest(
    stack: Stack,
) -> None:
    kept = two_likes_by_webhook(stack)

    assert totals(stack)[f"post#x#{POST_A}"] == {"organic_like": len(WEBHOOK_ORDERS)}
    for k in kept.values():
        assert datetime.fromisoformat(k["occurred_at"]) == LATER_LIKE
        assert profile(stack, k["profile"][2:], Category.ORGANIC)["units"] == u(
            ORGANIC[Kind.LIKE], LATER_LIKE
        )
