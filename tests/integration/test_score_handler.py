"""score on moto: exactly-once ledger and score items, categories apart, hot-lead events."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from socialscore.domain import scoring_model
from socialscore.domain.decay import units
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.messages import Resolved, Seller
from socialscore.domain.post import PostFacts
from tests.integration.support import (
    ANA,
    POST_A,
    POST_B,
    REPLY,
    Stack,
    interaction,
    permalink,
    resolved,
    sqs_event,
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


def ledger(stack: Stack) -> dict[str, dict[str, Any]]:
    """Ledger items by interaction id (unique in these tests)."""
    items = stack.scan("LedgerTable")
    by_id = {i["interaction_id"]: i for i in items}
    assert len(by_id) == len(items)
    return by_id


def totals(stack: Stack) -> dict[str, dict[str, Any]]:
    return summed(stack.scan("ScoresTable"))


def summed(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Score items by key, counter shards summed, counters that net to zero left out."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        item = dict(item)
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


def batch_one() -> list[Resolved]:
    return [
        resolved(1, kind=Kind.LIKE, actor="u1", post=POST_A, seller=ANA, contact="C-1", at=T),
        resolved(
            2,
            kind=Kind.COMMENT,
            actor="u1",
            post=POST_A,
            own_post=REPLY,
            intent_hits=["evaluating vendors"],
            seller=ANA,
            contact="C-1",
            at=T + MINUTE,
        ),
        resolved(3, kind=Kind.SHARE, actor="u2", post=POST_B, at=T + 2 * MINUTE),
        resolved(
            4, kind=Kind.CLICK, actor="u1", post=POST_B, category=Category.PAID, at=T + 3 * MINUTE
        ),
    ]


def test_a_batch_makes_ledger_and_profile_score_items(stack: Stack) -> None:
    score(stack, batch_one())

    touches = ledger(stack)
    assert {(t["profile"], i) for i, t in touches.items()} == {
        ("x#u1", "iid-1"),
        ("x#u1", "iid-2"),
        ("x#u2", "iid-3"),
        ("x#u1", "iid-4"),
    }
    comment = touches["iid-2"]
    assert (comment["kind"], comment["category"], comment["network"]) == ("comment", "organic", "x")
    assert comment["weight"] == ORGANIC[Kind.COMMENT] + MODEL.intent.bonus
    assert (comment["seller_id"], comment["team"]) == ("s-ana", "enterprise")
    assert comment["post"] == f"x#{POST_A}"
    assert comment["intent_hits"] == ["evaluating vendors"]
    assert comment["model_version"] == MODEL.version
    assert "seller_id" not in touches["iid-3"]
    assert touches["iid-4"]["category"] == "paid"

    organic = profile(stack, "u1", Category.ORGANIC)
    assert organic["touches"] == 2
    assert organic["units"] == u(ORGANIC[Kind.LIKE], T) + u(
        ORGANIC[Kind.COMMENT] + MODEL.intent.bonus, T + MINUTE
    )
    paid = profile(stack, "u1", Category.PAID)
    assert paid["touches"] == 1
    assert paid["units"] == u(PAID[Kind.CLICK], T + 3 * MINUTE)
    assert profile(stack, "u2", Category.ORGANIC)["units"] == u(ORGANIC[Kind.SHARE], T + 2 * MINUTE)
    assert f"profile#x#u2#{Category.PAID}" not in stack.by_key("ScoresTable", "pk")

    agg = totals(stack)
    assert agg[f"post#x#{POST_A}"] == {"organic_like": 1, "organic_comment": 1}
    assert agg[f"post#x#{POST_B}"] == {"organic_share": 1, "paid_click": 1}
    assert agg["seller#s-ana"] == {
        "organic_points": ORGANIC[Kind.LIKE] + ORGANIC[Kind.COMMENT] + MODEL.intent.bonus,
        "organic_touches": 2,
        "team": "enterprise",
    }


def test_the_same_batch_redelivered_changes_nothing(stack: Stack) -> None:
    score(stack, batch_one())
    before = (stack.scan("LedgerTable"), stack.scan("ScoresTable"))

    score(stack, batch_one())
    score(stack, list(reversed(batch_one())))

    assert (stack.scan("LedgerTable"), stack.scan("ScoresTable")) == before


def test_duplicates_inside_one_batch_count_once(stack: Stack) -> None:
    share = resolved(1, kind=Kind.SHARE, actor="u1", post=POST_B, at=T)
    comment = resolved(2, kind=Kind.COMMENT, actor="u1", post=POST_B, at=T + MINUTE)

    score(stack, [share, comment, share, share, comment])

    assert len(ledger(stack)) == 2
    organic = profile(stack, "u1", Category.ORGANIC)
    assert organic["touches"] == 2
    assert organic["units"] == u(ORGANIC[Kind.SHARE], T) + u(ORGANIC[Kind.COMMENT], T + MINUTE)
    assert totals(stack)[f"post#x#{POST_B}"] == {"organic_share": 1, "organic_comment": 1}


ORDERS = {  # how two likes of one post by one actor (different event ids) may arrive
    "later-first": [["later"], ["earlier"]],
    "earlier-first": [["earlier"], ["later"]],
    "same-batch": [["later", "earlier"]],
    "same-batch-reversed": [["earlier", "later"]],
}


def two_likes_in_every_order(stack: Stack) -> dict[str, dict[str, Any]]:
    """Each order played by its own actor; returns the ledger item each actor kept."""
    kept = {}
    for n, (order, batches) in enumerate(ORDERS.items()):
        actor = f"u{n}"
        likes = {
            "earlier": resolved(f"{n}-b", actor=actor, post=POST_A, seller=ANA, at=T),
            "later": resolved(f"{n}-a", actor=actor, post=POST_A, seller=ANA, at=T + 5 * MINUTE),
        }
        for batch in batches:
            score(stack, [likes[name] for name in batch])
        score(stack, list(likes.values()))  # late duplicates of both change nothing
        (item,) = [i for i in stack.scan("LedgerTable") if i["profile"] == f"x#{actor}"]
        kept[order] = item
    return kept


def test_two_likes_of_one_post_count_once_and_keep_the_same_one_whatever_the_order(
    stack: Stack,
) -> None:
    kept = two_likes_in_every_order(stack)

    assert len({(k["occurred_at"], k["units"], k["weight"]) for k in kept.values()}) == 1
    assert len({k["interaction_id"][-1] for k in kept.values()}) == 1  # the same one of the two
    for n in range(len(ORDERS)):
        organic = profile(stack, f"u{n}", Category.ORGANIC)
        assert organic["touches"] == 1
        assert organic["units"] in {u(ORGANIC[Kind.LIKE], T), u(ORGANIC[Kind.LIKE], T + 5 * MINUTE)}
    agg = totals(stack)
    assert agg[f"post#x#{POST_A}"] == {"organic_like": len(ORDERS)}  # one per actor
    assert agg["seller#s-ana"] == {
        "organic_points": ORGANIC[Kind.LIKE] * len(ORDERS),
        "organic_touches": len(ORDERS),
        "team": "enterprise",
    }


def test_two_likes_at_one_instant_under_two_interaction_ids_count_once(stack: Stack) -> None:
    first = resolved("same-0", actor="u1", post=POST_A, seller=ANA, at=T)
    second = resolved("same-1", actor="u1", post=POST_A, seller=ANA, at=T)

    score(stack, [first])
    score(stack, [second])  # the same like again: whichever is kept, nothing moves

    assert stack.rt.depth("ScoreDLQ") == 0
    assert len(ledger(stack)) == 1
    organic = profile(stack, "u1", Category.ORGANIC)
    assert organic["touches"] == 1
    assert organic["units"] == u(ORGANIC[Kind.LIKE], T)


def test_of_two_likes_of_one_post_the_latest_is_kept_whatever_the_order(stack: Stack) -> None:
    # The ledger keeps the latest act (and the latest retraction) per key: like, unlike, like
    # again must end as the second like, so of two likes the later one counts.
    kept = two_likes_in_every_order(stack)

    assert {order: k["interaction_id"][-1] for order, k in kept.items()} == dict.fromkeys(
        ORDERS, "a"
    )
    assert {datetime.fromisoformat(k["occurred_at"]) for k in kept.values()} == {T + 5 * MINUTE}
    for n in range(len(ORDERS)):
        assert profile(stack, f"u{n}", Category.ORGANIC)["units"] == u(
            ORGANIC[Kind.LIKE], T + 5 * MINUTE
        )


def test_organic_and_paid_land_in_separate_profile_items(stack: Stack) -> None:
    score(
        stack,
        [
            resolved(1, kind=Kind.SHARE, actor="u1", post=POST_B, at=T),
            resolved(2, kind=Kind.SHARE, actor="u1", post=POST_A, category=Category.PAID, at=T),
            resolved(3, kind=Kind.LIKE, actor="u1", post=POST_A, category=Category.PAID, at=T),
            resolved(4, kind=Kind.LIKE, actor="u1", post=POST_B, at=T),
        ],
    )

    organic = profile(stack, "u1", Category.ORGANIC)
    paid = profile(stack, "u1", Category.PAID)
    assert (organic["touches"], paid["touches"]) == (2, 2)
    assert organic["units"] == u(ORGANIC[Kind.SHARE], T) + u(ORGANIC[Kind.LIKE], T)
    assert paid["units"] == u(PAID[Kind.SHARE], T) + u(PAID[Kind.LIKE], T)
    assert {i: t["category"] for i, t in ledger(stack).items()} == {
        "iid-1": "organic",
        "iid-2": "paid",
        "iid-3": "paid",
        "iid-4": "organic",
    }


def test_poison_message_is_reported_and_the_rest_is_scored(stack: Stack) -> None:
    good = resolved(1, kind=Kind.SHARE, actor="u1", post=POST_B, at=T)
    event = sqs_event([good, '{"interaction": 1}'], stack.queue_arn("ScoreQueue"))

    answer = stack.rt.invoke(FN, event)

    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert len(ledger(stack)) == 1


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


def test_hot_lead_is_announced_once_when_the_organic_score_crosses_the_threshold(
    stack: Stack,
) -> None:
    captured = capture_hot_leads(stack)
    now = datetime.now(UTC)
    intent = ORGANIC[Kind.COMMENT] + MODEL.intent.bonus
    assert intent < MODEL.hot_lead_threshold <= 2 * intent * 0.99  # two comments cross it

    def comment(n: int, minutes_ago: int) -> Resolved:
        return resolved(
            n,
            kind=Kind.COMMENT,
            actor="u1",
            post=POST_A,
            own_post=REPLY,
            intent_hits=["evaluating vendors"],
            contact="C-1",
            seller=ANA,
            at=now - minutes_ago * MINUTE,
        )

    paid_burst = [
        resolved(f"paid-{n}", kind=Kind.SHARE, actor="u2", post=POST_B, category=Category.PAID)
        for n in range(10)
    ]
    score(stack, paid_burst)  # paid never makes a hot lead, whatever it adds up to
    score(stack, [comment(1, 30)])
    assert stack.take(captured) == []

    score(stack, [comment(2, 20)])

    (raw,) = stack.take(captured)
    event = json.loads(raw)
    assert (event["source"], event["detail-type"]) == ("socialscore", "HotLead")
    detail = event["detail"]
    assert detail["profile"] == "x#u1"
    assert detail["contact_id"] == "C-1"
    assert detail["organic_score"] >= MODEL.hot_lead_threshold
    assert detail["threshold"] == MODEL.hot_lead_threshold
    assert detail["model_version"] == MODEL.version
    assert "hot_since" in profile(stack, "u1", Category.ORGANIC)

    score(stack, [comment(3, 10), comment(4, 5)])  # hotter still
    score(stack, [comment(2, 20)])  # a redelivery of the crossing batch
    assert stack.take(captured) == []


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


# --- property: any delivery order gives one clean pass's items --------------------------------
KINDS = [Kind.LIKE, Kind.SHARE, Kind.COMMENT, Kind.CLICK]
spec = st.tuples(
    st.sampled_from(["a", "b"]),  # actor
    st.sampled_from(KINDS),
    st.sampled_from(["p1", "p2"]),  # post: p1 by a seller
    st.sampled_from([Category.ORGANIC, Category.PAID]),
    st.integers(0, 3),  # minute: ties happen, decided by interaction id
)


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[tuple[Any, ...]], list[list[int]]]:
    specs = draw(st.lists(spec, min_size=1, max_size=7))
    n = len(specs)
    copies = draw(st.lists(st.integers(0, n - 1), max_size=5))
    order = draw(st.permutations(list(range(n)) + copies))
    sizes = draw(st.lists(st.integers(1, 10), min_size=len(order), max_size=len(order)))
    batches, start = [], 0
    for size in sizes:
        if start >= len(order):
            break
        batches.append(order[start : start + size])
        start += size
    return specs, batches


def messages(ns: str, specs: list[tuple[Any, ...]]) -> list[Resolved]:
    """The scenario's interactions, every id in namespace `ns` so runs never share an item."""
    seller = Seller(seller_id=f"{ns}s1", team="enterprise")
    out = []
    for n, (actor, kind, post, category, minute) in enumerate(specs):
        i = interaction(
            f"{ns}-{n}",
            kind=kind,
            actor=f"{ns}{actor}",
            category=category,
            at=datetime(2026, 3, 1, 12, minute, tzinfo=UTC),
        )
        target = PostFacts(
            network=Network.X,
            post_id=f"{ns}{post}",
            author_id=f"{ns}author{post}",
            created_at=datetime(2026, 2, 1, tzinfo=UTC),
        )
        out.append(
            Resolved(
                interaction=i,
                target=target,
                seller=seller if post == "p1" else None,
                contact_id=f"{ns}contact-{actor}",
            )
        )
    return out


def state_of(
    ledger_items: list[dict[str, Any]], score_items: list[dict[str, Any]], ns: str
) -> tuple[list[Any], dict[str, Any]]:
    """One run's ledger items and summed score items, its namespace written as `NS`."""

    def plain(value: Any) -> Any:
        return value.replace(ns, "NS") if isinstance(value, str) else value

    entries = sorted(
        (
            {k: plain(v) for k, v in item.items()}
            for item in ledger_items
            if item["profile"].startswith(f"x#{ns}")
        ),
        key=lambda item: (item["profile"], item["touch"]),
    )
    scores = {
        plain(pk): {n: plain(v) for n, v in counters.items()}
        for pk, counters in summed([i for i in score_items if ns in i["pk"]]).items()
    }
    return entries, scores


def test_any_order_duplication_and_batching_gives_one_clean_pass(stack: Stack) -> None:
    namespaces = itertools.count()
    arn = stack.queue_arn("ScoreQueue")

    def deliver(batch: list[Resolved]) -> None:
        answer = stack.rt.invoke(FN, sqs_event(batch, arn))
        assert answer == {"batchItemFailures": []}

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
        # Each example costs a few moto transactions: report a failure as found, unshrunk.
        phases=[Phase.explicit, Phase.generate],
    )
    @given(deliveries())
    # Two identical likes under two interaction ids, one batch each: the second replaces the
    # first with a touch of equal units (found by this test; see test_two_likes_at_one_instant).
    @example(([("b", Kind.LIKE, "p2", Category.PAID, 1)] * 2, [[0], [1]]))
    def check(scenario: tuple[list[tuple[Any, ...]], list[list[int]]]) -> None:
        specs, batches = scenario
        clean_ns, messy_ns = f"c{next(namespaces)}x", f"m{next(namespaces)}x"
        deliver(messages(clean_ns, specs))
        messy = messages(messy_ns, specs)
        for batch in batches:
            deliver([messy[i] for i in batch])

        ledger_items, score_items = stack.scan("LedgerTable"), stack.scan("ScoresTable")
        clean_state = state_of(ledger_items, score_items, clean_ns)
        assert state_of(ledger_items, score_items, messy_ns) == clean_state
        assert clean_state[0], "the clean pass wrote its ledger"

    check()


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


def test_two_likes_sent_by_webhook_with_different_event_ids_count_once(stack: Stack) -> None:
    kept = two_likes_by_webhook(stack)

    assert len({k["occurred_at"] for k in kept.values()}) == 1
    assert totals(stack)[f"post#x#{POST_A}"] == {"organic_like": len(WEBHOOK_ORDERS)}


def test_two_likes_sent_by_webhook_keep_the_latest(stack: Stack) -> None:
    kept = two_likes_by_webhook(stack)

    for k in kept.values():
        assert datetime.fromisoformat(k["occurred_at"]) == LATER_LIKE
        assert profile(stack, k["profile"][2:], Category.ORGANIC)["units"] == u(
            ORGANIC[Kind.LIKE], LATER_LIKE
        )
