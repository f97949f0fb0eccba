"""Scoring: decayed units, touches, once-per-post, categories, and exactly-once aggregates."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.domain.aggregates import (
    AggregateKey,
    Aggregates,
    ContactTotal,
    PostCounter,
    ProfileTotal,
    SellerCounter,
    coalesce,
    shard_of,
)
from socialscore.domain.decay import EPOCH, score_at, units
from socialscore.domain.interaction import Category, Interaction, Kind, Network
from socialscore.domain.ledger_rules import Key, LedgerEntry, deltas, entries, plan
from socialscore.domain.messages import Resolved, Seller
from socialscore.domain.post import PostFacts
from socialscore.domain.rollups import Dimension, RollupKey
from socialscore.domain.scoring_model import ScoringModel, bundled
from socialscore.domain.touch import Touch, Withdrawal, touch_of

MODEL = bundled()
HALF_LIFE = MODEL.half_life_seconds
DAY = timedelta(days=1)


def resolved(
    kind: Kind,
    *,
    iid: str = "i1",
    actor: str = "actor1",
    post_id: str | None = "100",
    author: str = "author1",
    category: Category = Category.ORGANIC,
    network: Network = Network.X,
    at: datetime = EPOCH,
    seller: Seller | None = None,
    intent_hits: Iterable[str] = (),
) -> Resolved:
    has_post = post_id is not None and kind is not Kind.FOLLOW
    interaction = Interaction(
        interaction_id=iid,
        source="smms",
        network=network,
        kind=kind,
        category=category,
        actor_id=actor,
        target_permalink=f"https://x.com/{author}/status/{post_id}" if has_post else None,
        target_user_id=author if kind is Kind.FOLLOW else None,
        tags=["paid"] if category is Category.PAID else [],
        occurred_at=at,
    )
    target = (
        PostFacts(network=network, post_id=post_id, author_id=author, created_at=EPOCH - DAY)
        if has_post and post_id is not None
        else None
    )
    return Resolved(
        interaction=interaction, target=target, intent_hits=list(intent_hits), seller=seller
    )


def touch(kind: Kind, model: ScoringModel = MODEL, **kwargs: object) -> Touch:
    return touch_of(resolved(kind, **kwargs), model)  # type: ignore[arg-type]


Total = ProfileTotal | ContactTotal | tuple[str, str]  # a profile's total, or (kind, id)


def unshard(key: AggregateKey) -> Total:
    if isinstance(key, PostCounter):
        return ("post", key.post)
    if isinstance(key, SellerCounter):
        return ("seller", key.seller_id)
    if isinstance(key, RollupKey):
        return (f"{key.day}#{key.dimension}", key.name)
    return key


def organic(profile: str = "x#actor1") -> ProfileTotal:
    return ProfileTotal(profile, Category.ORGANIC)


def totals(aggregates: Iterable[Aggregates]) -> dict[Total, dict[str, Decimal]]:
    """What the scores table holds after ADDing every aggregate; shards summed as a reader does.

    A counter that nets out to zero reads the same as one never written, so zeros are dropped.
    """
    out: dict[Total, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for agg in aggregates:
        for key, counters in agg.counters.items():
            for name, amount in counters.items():
                out[unshard(key)][name] += amount
    nonzero = {k: {n: a for n, a in v.items() if a != 0} for k, v in out.items()}
    return {k: v for k, v in nonzero.items() if v}


def unique(events: list[Touch | Withdrawal]) -> list[Touch]:
    """The touches that count once these events are merged per ledger key."""
    return [t for e in entries(events).values() if (t := e.counted) is not None]


def apply_in_batches(
    batches: Iterable[list[Touch | Withdrawal]],
) -> dict[Total, dict[str, Decimal]]:
    """The score stage and the ledger, as ledger.Ledger.record applies them: per batch, the
    ledger's plan against what it stores, and the aggregates moved by its deltas."""
    ledger: dict[Key, LedgerEntry] = {}
    aggregates = []
    for batch in batches:
        changes = plan(entries(batch), ledger)
        ledger |= {c.key: c.new for c in changes}
        aggregates.append(deltas(changes))
    return totals(aggregates)


def clean_pass(events: list[Touch | Withdrawal]) -> dict[Total, dict[str, Decimal]]:
    return totals([coalesce(unique(events), [])])


# --- units and score_at ---------------------------------------------------------------------


@pytest.mark.parametrize("weight", [0.5, 1.0, 4.0, 14.0, 1000.0])
@pytest.mark.parametrize("offset_days", [-200, -30, 0, 17, 365])
def test_a_touch_scores_its_weight_when_it_happens_and_half_one_half_life_later(
    weight: float, offset_days: int
) -> None:
    at = EPOCH + offset_days * DAY
    u = units(weight, at, HALF_LIFE)
    assert score_at(u, at, HALF_LIFE) == pytest.approx(weight, rel=1e-12)
    later = at + timedelta(seconds=HALF_LIFE)
    assert score_at(u, later, HALF_LIFE) == pytest.approx(weight / 2, rel=1e-12)
    assert score_at(u, later + timedelta(seconds=HALF_LIFE), HALF_LIFE) == pytest.approx(
        weight / 4, rel=1e-12
    )


def test_units_at_the_epoch_equal_the_weight_exactly() -> None:
    assert units(3, EPOCH, HALF_LIFE) == Decimal(3)
    assert units(3, EPOCH + timedelta(seconds=HALF_LIFE), HALF_LIFE) == Decimal(6)


def test_scores_of_several_touches_add_up() -> None:
    a = units(1, EPOCH + 10 * DAY, HALF_LIFE)
    b = units(5, EPOCH + 40 * DAY, HALF_LIFE)
    at = EPOCH + 40 * DAY
    assert score_at(a + b, at, HALF_LIFE) == pytest.approx(5 + 0.5, rel=1e-12)


# --- touches ----------------------------------------------------------------------------------


def test_a_touch_records_who_did_what_to_which_post_for_which_seller() -> None:
    seller = Seller(seller_id="s-1", team="emea")
    t = touch(Kind.SHARE, actor="42", post_id="555", seller=seller, at=EPOCH + DAY)
    assert t.profile == "x#42"
    assert t.post == "x#555"
    assert t.kind is Kind.SHARE
    assert t.category is Category.ORGANIC
    assert t.weight == 5
    assert (t.seller_id, t.team) == ("s-1", "emea")
    assert t.model_version == MODEL.version


def test_two_likes_by_one_actor_on_one_post_share_a_dedupe_key() -> None:
    first = touch(Kind.LIKE, iid="like-a")
    second = touch(Kind.LIKE, iid="like-b", at=EPOCH + DAY)
    assert first.interaction_id != second.interaction_id
    assert first.dedupe_key == second.dedupe_key
    assert len(unique([first, second])) == 1


def test_likes_by_different_actors_or_on_different_posts_do_not_share_a_dedupe_key() -> None:
    base = touch(Kind.LIKE, iid="a")
    other_post = touch(Kind.LIKE, iid="b", post_id="101")
    other_actor = touch(Kind.LIKE, iid="c", actor="actor2")
    assert base.dedupe_key != other_post.dedupe_key
    assert (base.profile, base.dedupe_key) != (other_actor.profile, other_actor.dedupe_key)
    assert len(unique([base, other_post, other_actor])) == 3


def test_two_comments_by_one_actor_on_one_post_both_count() -> None:
    first = touch(Kind.COMMENT, iid="comment-a")
    second = touch(Kind.COMMENT, iid="comment-b")
    assert first.dedupe_key != second.dedupe_key
    assert len(unique([first, second])) == 2


def test_the_same_comment_delivered_twice_counts_once() -> None:
    t = touch(Kind.COMMENT, iid="comment-a")
    assert unique([t, t, touch(Kind.COMMENT, iid="comment-a")]) == [t]


def test_paid_and_organic_weights_differ() -> None:
    organic = touch(Kind.SHARE, iid="o")
    paid = touch(Kind.SHARE, iid="p", category=Category.PAID)
    assert organic.weight != paid.weight
    assert organic.weight == MODEL.categories[Category.ORGANIC].weights[Kind.SHARE]
    assert paid.weight == MODEL.categories[Category.PAID].weights[Kind.SHARE]


def test_paid_and_organic_are_never_summed_into_one_key() -> None:
    organic = touch(Kind.COMMENT, iid="o")
    paid = touch(Kind.CLICK, iid="p", category=Category.PAID)
    agg = coalesce(unique([organic, paid]), [], shard=0)  # whole, on one shard
    paid_total = ProfileTotal("x#actor1", Category.PAID)
    profile_keys = sorted(k for k in agg.counters if isinstance(k, ProfileTotal))
    assert profile_keys == [ProfileTotal("x#actor1", Category.ORGANIC), paid_total]
    assert agg.counters[ProfileTotal("x#actor1", Category.ORGANIC)]["units"] == organic.units
    assert agg.counters[paid_total]["units"] == paid.units
    [post_key] = [k for k in agg.counters if isinstance(k, PostCounter)]
    assert agg.counters[post_key] == {"organic_comment": 1, "paid_click": 1}


def test_one_like_is_one_act_whether_a_source_calls_it_paid_or_not() -> None:
    organic = touch(Kind.LIKE, iid="o")
    paid = touch(Kind.LIKE, iid="p", category=Category.PAID)
    assert organic.dedupe_key == paid.dedupe_key
    assert unique([organic, paid]) == unique([paid, organic])
    assert len(unique([organic, paid])) == 1


def test_a_re_sent_act_counts_as_its_latest_report() -> None:
    organic = touch(Kind.LIKE, iid="o", at=EPOCH)
    paid_same_instant = touch(Kind.LIKE, iid="p", category=Category.PAID, at=EPOCH)
    assert unique([organic, paid_same_instant]) == [paid_same_instant]
    assert unique([paid_same_instant, organic]) == [paid_same_instant]
    organic_later = touch(Kind.LIKE, iid="o2", at=EPOCH + DAY)
    assert unique([organic_later, paid_same_instant]) == [organic_later]
    stored = apply_in_batches([[organic], [paid_same_instant]])
    assert ProfileTotal("x#actor1", Category.ORGANIC) not in stored
    assert stored[ProfileTotal("x#actor1", Category.PAID)]["touches"] == 1


def test_the_intent_bonus_applies_to_organic_touches_only() -> None:
    plain = touch(Kind.COMMENT, iid="a")
    organic = touch(Kind.COMMENT, iid="b", intent_hits=["pricing"])
    paid_plain = touch(Kind.COMMENT, iid="c", category=Category.PAID)
    paid = touch(Kind.COMMENT, iid="d", category=Category.PAID, intent_hits=["pricing"])
    assert MODEL.intent.bonus > 0
    assert organic.weight == plain.weight + MODEL.intent.bonus
    assert paid.weight == paid_plain.weight
    assert organic.intent_hits == ("pricing",)


def test_the_intent_bonus_is_added_once_however_many_keywords_hit() -> None:
    one = touch(Kind.COMMENT, iid="a", intent_hits=["pricing"])
    three = touch(Kind.COMMENT, iid="b", intent_hits=["pricing", "demo", "rfp"])
    assert one.weight == three.weight


def test_network_multipliers_apply() -> None:
    x = touch(Kind.SHARE, iid="a")
    linkedin = touch(Kind.SHARE, iid="b", network=Network.LINKEDIN)
    assert linkedin.weight == x.weight * 1.5


def test_a_follow_counts_for_the_profile_without_a_post() -> None:
    t = touch(Kind.FOLLOW, iid="f", post_id=None)
    assert t.post is None
    agg = coalesce([t], [])
    # no post's or seller's counter: the profile's item, and its network's day (domain.rollups)
    day = RollupKey("2026-01-01", Dimension.NETWORK, "x", shard_of(t))
    assert list(agg.counters) == [organic(), day]
    assert agg.counters[organic()] == {"units": t.units, "touches": 1}


def test_seller_counters_get_points_touches_and_team() -> None:
    seller = Seller(seller_id="s-1", team="emea")
    touches = [
        touch(Kind.SHARE, iid="a", seller=seller),
        touch(Kind.COMMENT, iid="b", seller=seller),
        touch(Kind.LIKE, iid="c", seller=seller, category=Category.PAID),
    ]
    agg = coalesce(touches, [], shard=0)  # whole, on one shard
    [key] = [k for k in agg.counters if isinstance(k, SellerCounter) and k.seller_id == "s-1"]
    assert agg.counters[key] == {
        "organic_points": Decimal(9),
        "organic_touches": 2,
        "paid_points": Decimal("0.5"),
        "paid_touches": 1,
    }
    assert agg.teams[key] == "emea"


# --- exactly-once: any order, any duplication, any batching ------------------------------------

ACTORS = ["1001", "1002"]
# The seller credited is the author of the post (or the account followed), so it follows the post.
POSTS = [
    ("500", Seller(seller_id="s-1", team="emea")),
    ("501", Seller(seller_id="s-2", team="amer")),
    ("502", None),
]


@dataclass(frozen=True)
class Spec:
    actor: int
    post: int
    kind: Kind
    paid: bool
    minutes: int
    intent: bool
    network: Network


specs = st.builds(
    Spec,
    actor=st.integers(0, len(ACTORS) - 1),
    post=st.integers(0, len(POSTS) - 1),
    # Likes are over-represented so that repeated likes of one post (one dedupe key) are common.
    kind=st.one_of(st.just(Kind.LIKE), st.sampled_from(list(Kind))),
    paid=st.booleans(),
    # From three months before the epoch to 300 days after it (before today: no future acts).
    minutes=st.integers(-90 * 24 * 60, 300 * 24 * 60),
    intent=st.booleans(),
    network=st.sampled_from([Network.X, Network.LINKEDIN]),
)


def touch_of_spec(n: int, s: Spec) -> Touch:
    post_id, seller = POSTS[s.post]
    return touch(
        s.kind,
        iid=f"i{n:03d}",
        actor=ACTORS[s.actor],
        post_id=post_id,
        author=f"author{s.post}",
        category=Category.PAID if s.paid else Category.ORGANIC,
        network=s.network,
        at=EPOCH + timedelta(minutes=s.minutes),
        seller=seller,
        intent_hits=["pricing"] if s.intent and s.kind is Kind.COMMENT else [],
    )


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[Touch | Withdrawal], list[list[Touch | Withdrawal]]]:
    """Distinct events (a like may be repeated with a new event id, an act may be retracted),
    and the same events duplicated, shuffled and cut into batches as SQS and retrying senders
    deliver them."""
    pool = draw(st.lists(specs, min_size=1, max_size=25))
    touches = [touch_of_spec(n, s) for n, s in enumerate(pool)]
    retracted = draw(st.lists(st.sampled_from(touches), max_size=len(touches) // 2 + 1))
    shifts = draw(st.lists(st.integers(-30, 30), min_size=len(retracted), max_size=len(retracted)))
    events: list[Touch | Withdrawal] = [*touches]
    events += [
        Withdrawal(t.profile, t.dedupe_key, t.occurred_at + timedelta(days=shift))
        for t, shift in zip(retracted, shifts, strict=True)
    ]
    repeats = draw(st.lists(st.sampled_from(events), max_size=2 * len(events)))
    arrival = draw(st.permutations(events + repeats))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(arrival) - 1)), max_size=8)))
    edges = [0, *cuts, len(arrival)]
    batches = [arrival[a:b] for a, b in itertools.pairwise(edges) if a < b]
    return events, batches


@settings(max_examples=150, deadline=None)
@given(deliveries())
def test_any_order_duplication_and_batching_give_the_sums_of_one_clean_pass(
    delivery: tuple[list[Touch | Withdrawal], list[list[Touch | Withdrawal]]],
) -> None:
    events, batches = delivery
    once = clean_pass(events)
    stored = apply_in_batches(batches)
    assert stored == once
    # The same numbers, so the same scores, at any time.
    at = EPOCH + 400 * DAY
    for key, counters in once.items():
        if isinstance(key, ProfileTotal):
            assert score_at(stored[key]["units"], at, HALF_LIFE) == score_at(
                counters["units"], at, HALF_LIFE
            )


@settings(max_examples=150, deadline=None)
@given(deliveries())
def test_per_profile_sums_equal_the_sum_over_the_touches_that_count(
    delivery: tuple[list[Touch | Withdrawal], list[list[Touch | Withdrawal]]],
) -> None:
    events, batches = delivery
    # Independently of entries/coalesce: per (profile, dedupe key) the latest act counts,
    # unless a retraction at or after it took it back.
    latest: dict[tuple[str, str], Touch] = {}
    retracted: dict[tuple[str, str], datetime] = {}
    for e in events:
        key = (e.profile, e.dedupe_key)
        if isinstance(e, Withdrawal):
            retracted[key] = max(retracted.get(key, e.at), e.at)
        else:
            rank = (e.occurred_at, e.category, e.interaction_id)
            held = latest.get(key)
            if held is None or rank > (held.occurred_at, held.category, held.interaction_id):
                latest[key] = e
    expected: dict[Total, Decimal] = defaultdict(Decimal)
    counts: dict[Total, int] = defaultdict(int)
    for key, t in latest.items():
        if key in retracted and retracted[key] >= t.occurred_at:
            continue
        expected[ProfileTotal(t.profile, t.category)] += t.units
        counts[ProfileTotal(t.profile, t.category)] += 1
    got = apply_in_batches(batches)
    profiles = {k: v for k, v in got.items() if isinstance(k, ProfileTotal)}
    assert {k: v["units"] for k, v in profiles.items()} == {
        k: v for k, v in expected.items() if v != 0
    }
    assert {k: v["touches"] for k, v in profiles.items()} == dict(counts)


def test_a_repeated_like_counts_once_and_the_latest_wins_whatever_the_order() -> None:
    # One actor likes a post, then (a month later, with a new event id) likes it again.
    early = touch(Kind.LIKE, iid="like-2", at=EPOCH)
    late = touch(Kind.LIKE, iid="like-1", at=EPOCH + 30 * DAY)
    in_order = apply_in_batches([[early], [late]])
    assert in_order[organic()] == {"units": late.units, "touches": 1}
    assert apply_in_batches([[late], [early]]) == in_order
    assert apply_in_batches([[late, early]]) == in_order
    assert apply_in_batches([[early, late], [late], [early]]) == in_order
    assert unique([late, early]) == [late]


def test_of_two_simultaneous_likes_the_same_one_wins_in_either_order() -> None:
    a = touch(Kind.LIKE, iid="a")
    b = touch(Kind.LIKE, iid="b")
    assert unique([b, a]) == unique([a, b]) == [b]


def test_like_unlike_like_counts_the_second_like_in_any_order() -> None:
    first = touch(Kind.LIKE, iid="like-1", at=EPOCH)
    unlike = Withdrawal(first.profile, first.dedupe_key, EPOCH + DAY)
    again = touch(Kind.LIKE, iid="like-2", at=EPOCH + 2 * DAY)
    expected = {organic(): {"units": again.units, "touches": 1}}
    events: list[Touch | Withdrawal] = [first, unlike, again]
    for order in itertools.permutations(events):
        got = apply_in_batches([[e] for e in order])
        assert {k: v for k, v in got.items() if isinstance(k, ProfileTotal)} == expected


def test_an_unlike_takes_the_like_back_even_when_it_arrives_first() -> None:
    like = touch(Kind.LIKE, at=EPOCH)
    unlike = Withdrawal(like.profile, like.dedupe_key, EPOCH + DAY)
    assert apply_in_batches([[unlike], [like]]) == {}
    assert apply_in_batches([[like], [unlike], [unlike]]) == {}
