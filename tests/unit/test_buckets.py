"""Buckets: every default rule with known answers at the edges of `at_least` and `within_days`,
a profile in several, `otherwise`, a bucket defined in JSON alone, the model's refusals, and two
properties: a touch added never takes a profile out of a counted bucket, and nothing changes
before stable_until says it may."""

from __future__ import annotations

import copy
import itertools
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialscore.domain.buckets import buckets, facts, stable_until
from socialscore.domain.decay import EPOCH
from socialscore.domain.interaction import Category, Interaction, Kind, Network
from socialscore.domain.messages import Resolved, Seller
from socialscore.domain.post import PostFacts
from socialscore.domain.scoring_model import InvalidScoringModel, ScoringModel, bundled, parse
from socialscore.domain.touch import Touch, touch_of

MODEL = bundled()
AS_OF = datetime.fromisoformat("2026-11-22T00:00:00+00:00")
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
ids = itertools.count()


def touch(
    kind: Kind,
    at: datetime,
    *,
    seller: str | None = "s-ana",
    category: Category = Category.ORGANIC,
    intent: tuple[str, ...] = (),
    complaint: tuple[str, ...] = (),
) -> Touch:
    """A counted touch as the score stage makes it: `seller`, the account that wrote the post."""
    n = next(ids)
    interaction = Interaction(
        interaction_id=f"i{n}",
        source="smms",
        network=Network.X,
        kind=kind,
        category=category,
        actor_id="actor1",
        target_permalink=f"https://x.com/author1/status/{100 + n}",
        tags=["paid"] if category is Category.PAID else [],
        occurred_at=at,
    )
    target = PostFacts(
        network=Network.X, post_id=str(100 + n), author_id="author1", created_at=EPOCH
    )
    item = Resolved(
        interaction=interaction,
        target=target,
        intent_hits=list(intent),
        complaint_hits=list(complaint),
        seller=Seller(seller_id=seller, team="t") if seller else None,
    )
    return touch_of(item, MODEL)


def raw() -> dict[str, Any]:
    return copy.deepcopy(MODEL.model_dump(mode="json"))


def with_buckets(*rules: dict[str, Any]) -> ScoringModel:
    model = raw()
    model["buckets"] = list(rules)
    # The engage-now queue may weigh only buckets the model has.
    names = {r["name"] for r in rules}
    weights = model["engage"]["weights"]
    weights["buckets"] = {k: v for k, v in weights["buckets"].items() if k in names}
    return parse(json.dumps(model))


def of(touches: list[Touch], organic: float = 0.0, paid: float = 0.0, **kw: Any) -> list[str]:
    return buckets(MODEL, facts(touches, organic, paid, AS_OF, **kw))


# --- the default rules ------------------------------------------------------------------------
def test_the_bundled_model_has_the_four_buckets_in_order() -> None:
    assert [b.name for b in MODEL.buckets] == ["likely_buyer", "advocate", "influencer", "prospect"]


def test_likely_buyer_needs_the_score_and_an_intent_touch_in_the_last_30_days() -> None:
    asked = touch(Kind.COMMENT, AS_OF - 30 * DAY + SECOND, intent=("pricing",))
    assert of([asked], organic=20) == ["likely_buyer"]  # at_least: 20 is enough
    assert of([asked], organic=19.999) == ["prospect"]
    # the window is (as_of - 30 days, as_of]: its open end out, as_of itself in, later out
    assert of([touch(Kind.COMMENT, AS_OF - 30 * DAY, intent=("demo",))], 50) == ["prospect"]
    assert of([touch(Kind.COMMENT, AS_OF, intent=("demo",))], 50) == ["likely_buyer"]
    assert of([touch(Kind.COMMENT, AS_OF + SECOND, intent=("demo",))], 50) == ["prospect"]
    # intent is an organic touch's: a paid one with words is none, and words are needed
    paid = touch(Kind.COMMENT, AS_OF - DAY, category=Category.PAID, intent=("demo",))
    assert of([paid], organic=50) == ["prospect"]
    assert of([touch(Kind.COMMENT, AS_OF - DAY)], organic=50) == ["prospect"]


def test_advocate_needs_three_amplifications_of_a_seller_s_posts_in_30_days() -> None:
    two = [touch(Kind.SHARE, AS_OF - DAY), touch(Kind.QUOTE, AS_OF - 29 * DAY)]
    assert of(two) == ["prospect"]
    assert of([*two, touch(Kind.SHARE, AS_OF - 30 * DAY + SECOND)]) == ["advocate"]
    assert of([*two, touch(Kind.SHARE, AS_OF - 30 * DAY)]) == ["prospect"]  # just out
    # none of these is an amplification of a seller's or brand's post
    others = [
        touch(Kind.SHARE, AS_OF - DAY, seller=None),  # a post no registered account wrote
        touch(Kind.SHARE, AS_OF - DAY, category=Category.PAID),
        touch(Kind.LIKE, AS_OF - DAY),
        touch(Kind.COMMENT, AS_OF - DAY),
    ]
    assert of([*two, *others]) == ["prospect"]


def test_influencer_needs_a_known_audience_and_an_amplification_in_90_days() -> None:
    shared = [touch(Kind.SHARE, AS_OF - 90 * DAY + SECOND)]
    assert of(shared) == ["prospect"]  # no follower count known: the condition fails
    assert of(shared, followers=9_999) == ["prospect"]
    assert of(shared, followers=10_000) == ["influencer"]
    assert of([touch(Kind.SHARE, AS_OF - 90 * DAY)], followers=10**6) == ["prospect"]
    assert of([touch(Kind.LIKE, AS_OF - DAY)], followers=10**6) == ["prospect"]


def test_a_profile_can_be_in_several_buckets_in_the_model_s_order() -> None:
    touches = [
        touch(Kind.QUOTE, AS_OF - DAY, intent=("shortlist",)),
        touch(Kind.SHARE, AS_OF - 2 * DAY),
        touch(Kind.SHARE, AS_OF - 3 * DAY),
    ]
    assert of(touches, organic=40, followers=50_000) == ["likely_buyer", "advocate", "influencer"]


def test_otherwise_is_for_scored_profiles_in_no_other_bucket() -> None:
    assert of([]) == []  # not scored: in no bucket at all
    assert of([touch(Kind.LIKE, AS_OF - 400 * DAY)]) == ["prospect"]
    assert of([touch(Kind.CLICK, AS_OF - DAY, category=Category.PAID)], paid=1) == ["prospect"]
    no_otherwise = with_buckets(
        {"name": "fan", "label": "Fan", "all": [{"fact": "touches", "at_least": 2}]}
    )
    assert buckets(no_otherwise, facts([touch(Kind.LIKE, AS_OF)], 1, 0, AS_OF)) == []
    # where the model puts it, it comes there
    first = with_buckets(
        {"name": "rest", "label": "Rest", "otherwise": True},
        {"name": "fan", "label": "Fan", "all": [{"fact": "touches", "at_least": 1}]},
    )
    assert buckets(first, facts([touch(Kind.LIKE, AS_OF)], 1, 0, AS_OF)) == ["fan"]
    paid_only = facts([touch(Kind.CLICK, AS_OF, category=Category.PAID)], 0, 1, AS_OF)
    assert buckets(first, paid_only) == ["rest"]


def test_a_model_without_buckets_puts_no_one_anywhere() -> None:
    assert buckets(with_buckets(), facts([touch(Kind.LIKE, AS_OF)], 1, 0, AS_OF)) == []


# --- new buckets are data ---------------------------------------------------------------------
def test_a_bucket_written_only_in_json_works() -> None:
    model = with_buckets(
        {
            "name": "complainer",
            "label": "Complainer",
            "all": [{"fact": "complaint_touches", "at_least": 1, "within_days": 14}],
        },
        {
            "name": "paid_clicker",
            "label": "Clicks ads",
            "all": [{"fact": "paid_score", "at_least": 2.5}],
        },
        {
            "name": "regular",
            "label": "Regular",
            "all": [
                {"fact": "touches", "at_least": 4, "within_days": 7},
                {"fact": "organic_score", "at_least": 3},
            ],
        },
    )
    # a complaint counts organic or paid; its window is (as_of - 14 days, as_of]
    recent = touch(Kind.COMMENT, AS_OF - 14 * DAY + SECOND, complaint=("refund",))
    paid = touch(Kind.COMMENT, AS_OF - DAY, category=Category.PAID, complaint=("outage",))
    stale = touch(Kind.COMMENT, AS_OF - 14 * DAY, complaint=("refund",))
    assert buckets(model, facts([recent], 4, 0, AS_OF)) == ["complainer"]
    assert buckets(model, facts([paid], 0, 0, AS_OF)) == ["complainer"]
    assert buckets(model, facts([stale, touch(Kind.COMMENT, AS_OF)], 4, 0, AS_OF)) == []
    likes = [touch(Kind.LIKE, AS_OF - n * DAY) for n in range(4)]
    assert buckets(model, facts(likes, organic=4, paid=2.5, as_of=AS_OF)) == [
        "paid_clicker",
        "regular",
    ]
    assert buckets(model, facts(likes[:3], organic=4, paid=2.4, as_of=AS_OF)) == []


@pytest.mark.parametrize(
    ("rules", "said"),
    [
        (
            [
                {
                    "name": "a",
                    "label": "A",
                    "otherwise": True,
                    "all": [{"fact": "touches", "at_least": 1}],
                }
            ],
            "buckets.0: Value error, give either conditions (`all`) or `otherwise: true`",
        ),
        ([{"name": "a", "label": "A"}], "buckets.0: Value error, give either conditions"),
        (
            [
                {"name": "a", "label": "A", "otherwise": True},
                {"name": "b", "label": "B", "otherwise": True},
            ],
            "buckets: Value error, at most one bucket may be `otherwise`",
        ),
        (
            [
                {"name": "a", "label": "A", "all": [{"fact": "touches", "at_least": 1}]},
                {"name": "a", "label": "A again", "otherwise": True},
            ],
            "buckets: Value error, bucket names used more than once: a",
        ),
        (
            [
                {
                    "name": "a",
                    "label": "A",
                    "all": [{"fact": "organic_score", "at_least": 1, "within_days": 7}],
                }
            ],
            "buckets.0.all.0: Value error, within_days applies to counted facts only, "
            "not organic_score",
        ),
        (
            [{"name": "a", "label": "A", "all": [{"fact": "likes", "at_least": 1}]}],
            "buckets.0.all.0.fact: Input should be",
        ),
        (
            [{"name": "a", "label": "A", "all": [{"fact": "touches", "at_least": -1}]}],
            "buckets.0.all.0.at_least: Input should be greater than or equal to 0",
        ),
        ([{"name": "Big Fans", "label": "A", "otherwise": True}], "buckets.0.name: String"),
    ],
)
def test_a_bad_bucket_is_refused_naming_it(rules: list[dict[str, Any]], said: str) -> None:
    model = raw()
    model["buckets"] = rules
    with pytest.raises(InvalidScoringModel) as refused:
        parse(json.dumps(model))
    assert said in str(refused.value)


# --- properties -------------------------------------------------------------------------------
KINDS = st.sampled_from(list(Kind))
TOUCHES = st.builds(
    lambda kind, hours, seller, paid, words: touch(
        kind,
        AS_OF - timedelta(hours=hours),
        seller="s-ana" if seller else None,
        category=Category.PAID if paid else Category.ORGANIC,
        intent=("demo",) if words == "intent" else (),
        complaint=("refund",) if words == "complaint" else (),
    ),
    KINDS,
    st.integers(min_value=-48, max_value=24 * 120),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["none", "intent", "complaint"]),
)
# The defaults, and rules over each counted fact with and without a window.
COUNTED = with_buckets(
    *MODEL.model_dump(mode="json")["buckets"][:3],
    *(
        {
            "name": f"{fact}_{n}",
            "label": fact,
            "all": [{"fact": fact, "at_least": n, **({"within_days": n * 5} if n % 2 else {})}],
        }
        for fact in ("touches", "intent_touches", "complaint_touches", "amplifications")
        for n in (1, 2, 3)
    ),
    {"name": "rest", "label": "Rest", "otherwise": True},
)


@given(
    st.lists(TOUCHES, max_size=12),
    TOUCHES,
    st.floats(min_value=0, max_value=60),
    st.sampled_from([None, 0, 10_000]),
)
def test_a_touch_added_never_takes_a_profile_out_of_a_counted_bucket(
    touches: list[Touch], added: Touch, organic: float, followers: int | None
) -> None:
    before = buckets(COUNTED, facts(touches, organic, 1.0, AS_OF, followers))
    after = buckets(COUNTED, facts([*touches, added], organic, 1.0, AS_OF, followers))
    assert set(before) - {"rest"} <= set(after)


@given(
    st.lists(TOUCHES, min_size=1, max_size=12),
    st.floats(min_value=0, max_value=60),
    st.floats(min_value=0, max_value=1),
)
def test_no_bucket_changes_before_stable_until(
    touches: list[Touch], organic: float, part: float
) -> None:
    now = facts(touches, organic, 0.0, AS_OF, 10_000)
    until = stable_until(COUNTED, now)
    horizon = until if until is not None else AS_OF + 400 * DAY
    # strictly before it, by a second: a score's fall is computed in floats
    later = min(AS_OF + (horizon - AS_OF) * part, horizon - SECOND)
    if later < AS_OF:
        return  # a change due now: nothing is promised
    decayed = organic * 2 ** (-(later - AS_OF).total_seconds() / COUNTED.half_life_seconds)
    then = facts(touches, decayed, 0.0, later, 10_000)
    assert buckets(COUNTED, then) == buckets(COUNTED, now)


def test_stable_until_is_when_a_score_decays_or_a_touch_leaves_its_window() -> None:
    asked = touch(Kind.COMMENT, AS_OF - 10 * DAY, intent=("rfp",))
    # likely_buyer holds: the intent touch leaves its 30 days in 20, the score (40, half-life
    # 30 days) falls to 20 in 30: the window first
    assert stable_until(MODEL, facts([asked], 40, 0, AS_OF)) == AS_OF + 20 * DAY
    assert stable_until(MODEL, facts([asked], 25, 0, AS_OF)) == AS_OF + timedelta(
        seconds=MODEL.half_life_seconds * 0.32192809488736235  # log2(25 / 20)
    )
    # advocate: the third newest amplification leaves first; a fourth changes nothing then
    shares = [touch(Kind.SHARE, AS_OF - n * DAY) for n in (1, 2, 5, 9)]
    assert stable_until(MODEL, facts(shares, 0, 0, AS_OF)) == AS_OF + 25 * DAY
    # in no counted bucket: nothing changes with time alone; a touch ahead of the clock does
    assert stable_until(MODEL, facts([touch(Kind.LIKE, AS_OF - DAY)], 1, 0, AS_OF)) is None
    ahead = touch(Kind.COMMENT, AS_OF + 2 * DAY, intent=("rfp",))
    assert stable_until(MODEL, facts([ahead], 50, 0, AS_OF)) == AS_OF + 2 * DAY
