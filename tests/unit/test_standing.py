"""A profile's standing as every reader shows it: scores summed over a contact's identities and
decayed by the model's half-life, organic and paid apart, the earliest hot-lead flag, and the
buckets the summed scores put it in."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from socialscore.domain.decay import units
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.scoring_model import bundled
from socialscore.domain.standing import ProfileItem, standing
from socialscore.domain.touch import Touch

MODEL = bundled()  # half-life 30 days; likely_buyer: organic >= 20 and an intent touch in 30 days
AS_OF = datetime.fromisoformat("2026-11-22T00:00:00+00:00")


def item(score: float, at: datetime = AS_OF, hot_since: str | None = None) -> ProfileItem:
    """An item whose units are worth `score` at `at`."""
    return ProfileItem(units(score, at, MODEL.half_life_seconds), 1, hot_since)


def asked(profile: str) -> Touch:
    """An organic comment that hit an intent word, a day before AS_OF."""
    return Touch(
        profile=profile,
        dedupe_key=f"comment#{profile}",
        interaction_id=f"i-{profile}",
        network=Network.X,
        kind=Kind.COMMENT,
        category=Category.ORGANIC,
        weight=4.0,
        units=Decimal(1),
        occurred_at=AS_OF - timedelta(days=1),
        post="x#1",
        own_post="x#2",
        seller_id="s-ana",
        team="t",
        intent_hits=("pricing",),
        model_version=MODEL.version,
    )


def test_a_contacts_scores_are_its_identities_summed_organic_and_paid_apart() -> None:
    items = {
        ("x#1", Category.ORGANIC): item(12),
        ("fb#1", Category.ORGANIC): item(8),
        ("x#1", Category.PAID): item(5),
        ("x#other", Category.ORGANIC): item(100),  # someone else's
    }
    now = standing(items, ["x#1", "fb#1", "li#unscored"], AS_OF, MODEL)
    assert now.organic == pytest.approx(20)
    assert now.paid == pytest.approx(5)
    assert standing(items, ["x#1", "x#1"], AS_OF, MODEL).organic == pytest.approx(12)
    assert standing(items, ["li#unscored"], AS_OF, MODEL).organic == 0


def test_a_score_halves_every_half_life_of_the_model() -> None:
    items = {("x#1", Category.ORGANIC): item(40, AS_OF - timedelta(days=MODEL.half_life_days))}
    assert standing(items, ["x#1"], AS_OF, MODEL).organic == pytest.approx(20)
    later = AS_OF + timedelta(days=MODEL.half_life_days)
    assert standing(items, ["x#1"], later, MODEL).organic == pytest.approx(10)


def test_a_contact_is_a_hot_lead_since_its_first_identity_was_flagged() -> None:
    items = {
        ("x#1", Category.ORGANIC): item(30, hot_since="2026-11-20T10:00:00+00:00"),
        ("fb#1", Category.ORGANIC): item(30, hot_since="2026-11-02T09:00:00+00:00"),
        ("li#1", Category.ORGANIC): item(1),
    }
    assert standing(items, ["x#1", "fb#1", "li#1"], AS_OF, MODEL).hot_since == (
        "2026-11-02T09:00:00+00:00"
    )
    assert standing(items, ["li#1"], AS_OF, MODEL).hot_since is None


def test_buckets_test_the_scores_summed_over_the_contact() -> None:
    items = {("x#1", Category.ORGANIC): item(12), ("fb#1", Category.ORGANIC): item(12)}
    touches = [asked("x#1")]
    contact = standing(items, ["x#1", "fb#1"], AS_OF, MODEL)
    assert contact.buckets(MODEL, touches) == ("likely_buyer",)
    # One identity alone (12 points) is under likely_buyer's 20: only the catch-all bucket.
    assert standing(items, ["x#1"], AS_OF, MODEL).buckets(MODEL, touches) == ("prospect",)
    assert contact.buckets(MODEL, []) == ()  # no counted touch: in no bucket
