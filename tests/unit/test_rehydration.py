"""The rehydrator's outcomes and their reasons, with the providers that need no network (none,
and the fixture file) and an in-memory post cache that counts its reads."""

from __future__ import annotations

import json
from pathlib import Path

from socialscore.domain.interaction import Category, Interaction, Kind, Network
from socialscore.domain.messages import Rehydrated
from socialscore.domain.post import PostFacts, PostRef
from socialscore.domain.scoring_model import bundled
from socialscore.pipeline.outcomes import Dropped, Outcome
from socialscore.pipeline.rehydration import Rehydrator
from socialscore.providers.base import Lookup, NoProvider
from socialscore.providers.fixture import FixtureProvider
from socialscore_local.memory.post_cache import MemoryPostCache

AUTHOR = "1001"
NAMED = "2600000000000000001"  # the source says AUTHOR wrote it
UNNAMED = "2600000000000000002"
LISTED = "2600000000000000003"  # in the fixture file
REPLY_DELETED = "2600000000000000004"  # in the fixture file, marked deleted
REPLY_UNLISTED = "2600000000000000005"


def act(
    n: int, target: str, *, kind: Kind = Kind.LIKE, own: str | None = None, named: bool = False
) -> Interaction:
    return Interaction(
        interaction_id=f"iid-{n}",
        source="smms",
        network=Network.X,
        kind=kind,
        category=Category.ORGANIC,
        actor_id=f"u{n}",
        target_post=f"x#{target}",
        own_post=f"x#{own}" if own else None,
        target_author_id=AUTHOR if named else None,
        target_created_at="2026-10-07T08:30:00Z" if named else None,
        occurred_at="2026-11-01T12:00:00Z",
    )


def reasons(outcomes: list[Outcome]) -> list[str]:
    return [o.reason if isinstance(o, Dropped) else type(o).__name__ for o in outcomes]


def test_without_a_provider_a_post_nobody_named_an_author_for_is_dropped_unread() -> None:
    cache = MemoryPostCache()
    stage = Rehydrator(cache, NoProvider())

    out = stage.rehydrate(
        [act(1, NAMED, named=True), act(2, UNNAMED), act(3, NAMED, kind=Kind.QUOTE, own=LISTED)],
        bundled(),
    )

    assert reasons(out) == ["Rehydrated", "no_provider_for_network", "no_provider_for_network"]
    assert isinstance(out[0], Rehydrated)
    assert out[0].target == PostFacts(
        network="x", post_id=NAMED, author_id=AUTHOR, created_at="2026-10-07T08:30:00Z"
    )
    assert cache.reads == 0


def test_the_fixture_file_drops_only_what_it_says_is_deleted(tmp_path: Path) -> None:
    posts = tmp_path / "posts.json"
    facts = {"network": "x", "author_id": "3003", "created_at": "2026-10-05T01:30:19Z"}
    posts.write_text(
        json.dumps(
            [
                facts | {"post_id": LISTED, "text": "We need pricing"},
                facts | {"post_id": REPLY_DELETED, "text": "pricing?", "deleted": True},
            ]
        )
    )
    stage = Rehydrator(MemoryPostCache(), FixtureProvider(posts))

    out = stage.rehydrate(
        [
            act(1, NAMED, kind=Kind.COMMENT, own=LISTED, named=True),
            act(2, NAMED, kind=Kind.COMMENT, own=REPLY_UNLISTED, named=True),
            act(3, NAMED, kind=Kind.COMMENT, own=REPLY_DELETED, named=True),
            act(4, UNNAMED),
        ],
        bundled(),
    )

    assert reasons(out) == [
        "Rehydrated",
        "Rehydrated",  # a reply it does not list: the act counts, without a bonus
        "interaction_post_deleted",
        "target_post_unknown",  # nobody can say whose post it is
    ]
    assert [o.intent_hits for o in out[:2] if isinstance(o, Rehydrated)] == [["pricing"], []]


class Answers:
    """A provider that answers from memory, as X does: each post with its author's count."""

    networks = frozenset({Network.X})
    max_ids_per_call: int | None = None

    def __init__(self, posts: list[PostFacts]) -> None:
        self.posts = {p.ref: p for p in posts}

    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]:
        return {r: Lookup(self.posts[r], text="hi") for r in refs if r in self.posts}


def test_only_the_actor_s_own_count_travels_on() -> None:
    def facts(post_id: str, author: str, followers: int) -> PostFacts:
        return PostFacts(
            network=Network.X, post_id=post_id, author_id=author, author_followers=followers
        )

    provider = Answers(
        [facts(UNNAMED, AUTHOR, 90_000), facts(LISTED, "u1", 20_000), facts(REPLY_UNLISTED, "x", 7)]
    )

    out = Rehydrator(MemoryPostCache(), provider).rehydrate(
        [
            act(1, UNNAMED, kind=Kind.QUOTE, own=LISTED),
            act(2, UNNAMED, kind=Kind.COMMENT, own=REPLY_UNLISTED),  # someone else's post
            act(3, UNNAMED),  # a like: no own post, no count
        ],
        bundled(),
    )

    assert [o.actor_followers for o in out if isinstance(o, Rehydrated)] == [20_000, None, None]
    # The target's author is the seller: its count is not the actor's and does not travel.
    assert all(
        o.target and o.target.author_followers is None for o in out if isinstance(o, Rehydrated)
    )
