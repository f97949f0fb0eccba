"""The actor's follower count from the provider to the buckets: on the stage messages only when
known, on the touch and its ledger item as a bare number (never in the item's version), and the
influencer bucket's `followers` from the counted touches."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

from socialscore.domain.buckets import buckets, facts
from socialscore.domain.interaction import Category, Interaction, Kind, Network
from socialscore.domain.ledger_rules import LedgerEntry
from socialscore.domain.messages import RESOLVE_MESSAGE, Rehydrated, Seller
from socialscore.domain.post import PostFacts
from socialscore.domain.scoring_model import bundled
from socialscore.domain.touch import Touch, touch_of
from socialscore.store.ledger_items import entry_of, item_of, version_of

MODEL = bundled()
AS_OF = datetime.fromisoformat("2026-11-22T00:00:00+00:00")


def rehydrated(kind: Kind, followers: int | None, days_ago: int = 1) -> Rehydrated:
    interaction = Interaction(
        interaction_id=f"i-{kind}-{followers}-{days_ago}",
        source="smms",
        network=Network.X,
        kind=kind,
        category=Category.ORGANIC,
        actor_id="actor1",
        target_permalink="https://x.com/i/web/status/100",
        occurred_at=AS_OF - timedelta(days=days_ago),
    )
    target = PostFacts(network=Network.X, post_id="100", author_id="author1")
    return Rehydrated(interaction=interaction, target=target, actor_followers=followers)


def touch(kind: Kind, followers: int | None, days_ago: int = 1) -> Touch:
    return touch_of(
        rehydrated(kind, followers, days_ago).resolved(None, Seller(seller_id="s", team="t")), MODEL
    )


def test_the_count_travels_only_when_known() -> None:
    assert "actor_followers" not in rehydrated(Kind.QUOTE, None).model_dump_json()
    known = rehydrated(Kind.QUOTE, 20_000)
    assert json.loads(known.model_dump_json())["actor_followers"] == 20_000
    assert RESOLVE_MESSAGE.validate_json(known.model_dump_json()) == known
    assert known.resolved("C-1", None).actor_followers == 20_000


def test_the_ledger_item_keeps_the_number_but_not_in_its_version() -> None:
    known, unknown = touch(Kind.QUOTE, 20_000), touch(Kind.QUOTE, None)
    item = item_of(known.profile, known.dedupe_key, LedgerEntry(known))
    assert item["actor_followers"] == 20_000
    assert entry_of(item).touch == known
    assert "actor_followers" not in item_of(unknown.profile, "k", LedgerEntry(unknown))
    assert version_of(LedgerEntry(known)) == version_of(
        LedgerEntry(replace(known, actor_followers=None))
    )


def test_followers_are_the_largest_count_among_the_counted_touches() -> None:
    def of(touches: list[Touch], followers: int | None = None) -> list[str]:
        return buckets(MODEL, facts(touches, 1.0, 0.0, AS_OF, followers))

    quote = touch(Kind.QUOTE, 500)
    assert of([quote]) == ["prospect"]
    assert of([quote, touch(Kind.COMMENT, 20_000)]) == ["influencer"]  # one account is enough
    assert of([quote, touch(Kind.COMMENT, None)]) == ["prospect"]
    assert of([touch(Kind.QUOTE, 20_000, days_ago=91)]) == ["prospect"]  # amplified too long ago
    assert of([quote], followers=10_000) == ["influencer"]  # a count given wins
