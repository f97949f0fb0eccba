"""An activity on the person's record is ids only: what a seller sees of an act, never its
words or a handle."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from socialscore.domain.activity import Activity, title
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.permalink import parse
from socialscore.domain.post import PostRef
from socialscore.domain.touch import Touch

AT = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)


def touch(**changes: object) -> Touch:
    fields: dict[str, object] = {
        "profile": "x#42",
        "dedupe_key": "i#a1",
        "interaction_id": "a1",
        "network": Network.X,
        "kind": Kind.COMMENT,
        "category": Category.ORGANIC,
        "weight": 3.0,
        "units": Decimal("3"),
        "occurred_at": AT,
        "post": "x#1790000000000000001",
        "own_post": "x#1790000000000000002",
        "seller_id": "s-ana",
        "team": "emea",
        "intent_hits": ("pricing",),
        "model_version": "v3",
        "complaint_hits": (),
    }
    return Touch(**(fields | changes))  # type: ignore[arg-type]


def test_an_activity_names_the_act_by_its_interaction_id_and_links_the_post_from_its_ids() -> None:
    a = Activity.of(touch(), "003A")
    assert (a.id, a.contact_id, a.network, a.kind) == ("a1", "003A", Network.X, Kind.COMMENT)
    assert a.post_link == "https://x.com/i/web/status/1790000000000000001"
    assert parse(a.post_link) == PostRef(Network.X, "1790000000000000001")
    assert (a.seller_id, a.paid, a.points, a.intent, a.complaint) == (
        "s-ana",
        False,
        3.0,
        True,
        False,
    )


def test_an_activity_carries_flags_never_the_words_the_phrases_or_the_own_post() -> None:
    a = Activity.of(touch(intent_hits=(), complaint_hits=("refund",)), "003A")
    carried = a.model_dump_json()
    assert a.complaint
    assert not a.intent
    assert "refund" not in carried
    assert "1790000000000000002" not in carried
    assert "x#42" not in carried  # the profile stays in socialscore


def test_a_paid_follow_reads_as_one_line_for_a_seller() -> None:
    a = Activity.of(touch(kind=Kind.FOLLOW, post=None, category=Category.PAID, intent_hits=()), "c")
    assert a.post_link is None
    assert title(a) == "Followed an account on x (seller s-ana), paid, 3 points"
    reply = Activity.of(touch(), "c")
    assert title(reply) == "Replied to a post on x (seller s-ana), organic, 3 points, intent"
