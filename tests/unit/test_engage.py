"""The engage-now ranking: each reason weighs what the model says, recency halves the rank every
half-life, expired acts leave, and the top is the top however few buckets are worked out."""

from __future__ import annotations

import json
import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from socialscore.domain.engage import answerable, rank
from socialscore.domain.engage_rules import Engage, EngageWeights
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.scoring_model import InvalidScoringModel, bundled, parse
from socialscore.domain.touch import Touch

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
RULES = Engage(
    expire_hours=48,
    half_life_hours=12,
    weights=EngageWeights(
        score=1, intent=10, complaint=20, reach=5, buckets={"likely_buyer": 15, "influencer": 10}
    ),
)


def act(n: int, hours_ago: float, kind: Kind = Kind.COMMENT, **kw: object) -> Touch:
    t = Touch(
        profile=f"x#u{n}",
        dedupe_key=f"i#{n}",
        interaction_id=str(n),
        network=Network.X,
        kind=kind,
        category=Category.ORGANIC,
        weight=4.0,
        units=Decimal(4),
        occurred_at=NOW - timedelta(hours=hours_ago),
        post="x#100",
        own_post=f"x#{1000 + n}",
        seller_id="s-ana",
        team="enterprise",
        intent_hits=(),
        model_version="m",
    )
    return replace(t, **kw)  # type: ignore[arg-type]


def no_buckets(profile: str) -> tuple[str, ...]:
    return ()


def test_each_reason_adds_its_weight_and_recency_halves_every_half_life() -> None:
    acts = [
        act(1, 0, intent_hits=("pricing", "demo")),  # 2 keywords: 20
        act(2, 0, complaint_hits=("worst",)),  # a complaint: 20
        act(3, 0, actor_followers=9_999),  # log10(10,000) * 5 = 20
        act(4, 12),  # score 40, half a day old: 20
        act(5, 0),  # score 19.5: last
    ]
    scores = {"x#u4": 40.0, "x#u5": 19.5}
    top = rank(acts, scores, no_buckets, RULES, NOW, 10)

    assert [round(e.rank, 6) for e in top] == [20.0, 20.0, 20.0, 20.0, 19.5]
    by_actor = {e.touch.profile: e for e in top}
    assert by_actor["x#u1"].factors["intent"] == 20
    assert by_actor["x#u2"].factors == {
        "score": 0.0,
        "intent": 0.0,
        "complaint": 20.0,
        "reach": 0.0,
        "buckets": 0.0,
    }
    assert math.isclose(by_actor["x#u3"].factors["reach"], 20.0)
    assert by_actor["x#u4"].recency == 0.5
    assert by_actor["x#u4"].expires_at == NOW + timedelta(hours=36)
    # Equal ranks: the latest act first (u4 is twelve hours older than the others).
    assert top[3].touch.profile == "x#u4"


def test_buckets_weigh_per_bucket_and_the_model_can_reorder_the_queue() -> None:
    acts = [act(1, 1), act(2, 1, intent_hits=("pricing",))]
    buyers = {"x#u1": ("likely_buyer", "influencer")}
    top = rank(acts, {}, lambda p: buyers.get(p, ()), RULES, NOW, 10)
    assert [e.touch.profile for e in top] == ["x#u1", "x#u2"]
    assert top[0].factors["buckets"] == 25
    assert top[0].buckets == ("likely_buyer", "influencer")

    words_first = RULES.model_copy(update={"weights": EngageWeights(intent=30, buckets={})})
    top = rank(acts, {}, lambda p: buyers.get(p, ()), words_first, NOW, 10)
    assert [e.touch.profile for e in top] == ["x#u2", "x#u1"]


def test_expired_acts_and_kinds_the_model_leaves_out_are_not_in_the_queue() -> None:
    acts = [act(1, 47.9), act(2, 48.1), act(3, 1, kind=Kind.MENTION), act(4, -0.1)]
    only_replies = RULES.model_copy(update={"kinds": [Kind.COMMENT]})
    assert [e.touch.profile for e in rank(acts, {}, no_buckets, RULES, NOW, 10)] == [
        "x#u3",
        "x#u1",
    ]  # u2 expired, u4 is in the future
    assert [e.touch.profile for e in rank(acts, {}, no_buckets, only_replies, NOW, 10)] == ["x#u1"]


def test_the_top_is_exact_with_buckets_worked_out_for_few_actors() -> None:
    rng = random.Random(7)
    acts = [
        act(
            n,
            rng.uniform(0, 47),
            intent_hits=("pricing",) * rng.randint(0, 2),
            actor_followers=rng.choice([None, 50, 20_000]),
        )
        for n in range(300)
    ]
    scores = {f"x#u{n}": rng.uniform(0, 60) for n in range(300)}
    membership = {f"x#u{n}": ("likely_buyer",) for n in range(0, 300, 3)}
    asked: list[str] = []

    def buckets_of(profile: str) -> tuple[str, ...]:
        asked.append(profile)
        return membership.get(profile, ())

    top = rank(acts, scores, buckets_of, RULES, NOW, 10)
    every = rank(acts, scores, lambda p: membership.get(p, ()), RULES, NOW, 300)

    assert [e.touch for e in top] == [e.touch for e in every[:10]]
    assert [e.rank for e in top] == sorted((e.rank for e in top), reverse=True)
    assert len(asked) < 100  # of 300 actors
    assert rank(acts, scores, buckets_of, RULES, NOW, 0) == []


def test_only_organic_replies_quotes_and_mentions_with_a_post_can_be_answered() -> None:
    assert answerable(act(1, 0))
    assert answerable(act(1, 0, kind=Kind.QUOTE))
    assert not answerable(act(1, 0, kind=Kind.SHARE))
    assert not answerable(act(1, 0, own_post=None))
    assert not answerable(act(1, 0, category=Category.PAID))


def test_the_bundled_model_ranks_and_a_bad_engage_section_is_refused() -> None:
    model = bundled()
    assert set(model.engage.weights.buckets) <= {b.name for b in model.buckets}
    raw = json.loads(model.model_dump_json())
    raw["engage"]["weights"]["buckets"] = {"vip": 5}
    with pytest.raises(InvalidScoringModel, match=r"engage\.weights\.buckets names no bucket: vip"):
        parse(json.dumps(raw))
    raw["engage"] = {"kinds": ["like"]}
    with pytest.raises(InvalidScoringModel, match=r"engage\.kinds"):
        parse(json.dumps(raw))
    raw["engage"] = {"expire_hours": 0}
    with pytest.raises(InvalidScoringModel, match=r"engage\.expire_hours"):
        parse(json.dumps(raw))
