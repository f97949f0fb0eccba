"""Posts credited on their source's word, in memory (the rehydrate stage's use case on the post
cache's fake): when the webhook said whose post the target is, no provider and no cache is asked
about it, on any network; without a provider only such posts are credited (the others dropped,
not retried); a post_deleted event stops credit on the source's word. Moved from the moto suite
(tests/integration/test_source_word.py keeps `serve`'s path from the webhook to the ledger and
the X provider asked over HTTP for what it alone can tell)."""

from __future__ import annotations

import json
from typing import Any

from socialscore.aws.batch import Received
from socialscore.domain.interaction import Interaction, Kind, Network, PostDeleted
from socialscore.domain.messages import Rehydrated, RehydrateMessage
from socialscore.domain.post import PostRef
from socialscore.pipeline.rehydration import Rehydrator
from socialscore.providers.base import Lookup, NoProvider
from socialscore_local.memory.post_cache import MemoryPostCache
from socialscore_local.memory.queue import MemoryQueue
from tests.integration.support import SELLER_AUTHOR, interaction, utc
from tests.unit.score_world import MODEL

SELLER_POST = "2500000000000000001"  # s-ana's, unknown to the fixture file and to the X stub
UNNAMED = "2500000000000000002"  # someone's post; no source says whose
REPLY = "2500000000000000003"
RETWEET = "2500000000000000004"
POSTED = "2026-10-07T08:30:00Z"
LINKEDIN = "https://www.linkedin.com/feed/update/urn:li:activity:7195092498207780864/"


def vouched(n: int, **kwargs: Any) -> Interaction:
    """An interaction with s-ana's post whose source said she wrote it, and when."""
    i = interaction(n, post=SELLER_POST, **kwargs)
    return i.model_copy(
        update={"target_author_id": SELLER_AUTHOR, "target_created_at": utc(POSTED)}
    )


class Asked:
    """An X provider that counts the lookups it is asked for and knows no post."""

    networks = frozenset({Network.X})
    max_ids_per_call: int | None = 100

    def __init__(self) -> None:
        self.calls = 0

    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]:
        self.calls += 1
        return {ref: Lookup(None, gone_reason="not_found") for ref in refs}


def take(
    rehydrator: Rehydrator, messages: list[RehydrateMessage]
) -> tuple[dict[str, Rehydrated], MemoryQueue]:
    """One batch through the stage: the acts it forwarded by interaction id, and its own queue
    (what it put off)."""
    forward, later = MemoryQueue(defers=False), MemoryQueue(defers=True)
    received = [Received(f"m{n}", m, None, 1, 0) for n, m in enumerate(messages)]
    done = rehydrator.take(received, MODEL, forward, later)
    assert done.failed == {}
    out = {}
    for sent in forward.sent:  # acts, links and deletions go on: the acts
        if json.loads(sent.body)["type"] == "rehydrated":
            message = Rehydrated.model_validate_json(sent.body)
            out[message.interaction.interaction_id] = message
    return out, later


def test_a_batch_the_sources_vouched_for_reads_neither_the_cache_nor_the_provider() -> None:
    cache, provider = MemoryPostCache(), Asked()
    linkedin = interaction(3, actor="u3", post=None, target_link=LINKEDIN)

    out, _ = take(
        Rehydrator(cache, provider),
        [
            vouched(1),
            vouched(2, kind=Kind.SHARE, actor="u2", own_post=RETWEET),
            linkedin.model_copy(update={"target_author_id": "ana-li"}),
            interaction(4, kind=Kind.FOLLOW, actor="u4", post=None, followed=SELLER_AUTHOR),
        ],
    )

    assert set(out) == {"iid-1", "iid-2", "iid-3", "iid-4"}
    assert provider.calls == 0
    assert cache.reads == 0
    assert cache.items == {}  # nothing written either


def test_without_a_provider_only_posts_whose_author_was_named_are_credited() -> None:
    cache = MemoryPostCache()

    out, later = take(
        Rehydrator(cache, NoProvider()),
        [
            vouched(1),
            vouched(2, kind=Kind.COMMENT, actor="u2", own_post=REPLY),
            interaction(3, actor="u3", post=UNNAMED),
            interaction(4, kind=Kind.FOLLOW, actor="u4", post=None, followed=SELLER_AUTHOR),
        ],
    )

    assert set(out) == {"iid-1", "iid-2", "iid-4"}
    assert out["iid-2"].intent_hits == []  # no provider to read the reply's words
    assert later.sent == []  # the unnamed one is dropped, not retried
    assert cache.reads == 0


def test_a_post_deleted_event_stops_credit_on_the_source_s_word() -> None:
    rehydrator = Rehydrator(MemoryPostCache(), Asked())
    out, _ = take(rehydrator, [vouched(1)])
    assert set(out) == {"iid-1"}
    gone = PostDeleted(source="x", post=f"x#{SELLER_POST}", occurred_at=utc("2026-11-02T00:00:00Z"))
    take(rehydrator, [gone])

    out, _ = take(rehydrator, [vouched(2, actor="u2")])

    assert out == {}  # dropped: known deleted in this container for an hour
