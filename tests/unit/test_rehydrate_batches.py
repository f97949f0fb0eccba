"""What rehydrate does with a batch's other messages, in memory (the stage runner over the
rehydrate use case, an in-memory post cache and queues): identity links pass through, a
message that is not this queue's or not a message at all fails alone, and an act on a post
the provider says is deleted is dropped, not retried, leaving nothing in the cache."""

from __future__ import annotations

import json
from pathlib import Path

from socialscore.domain.interaction import Kind, Retraction
from socialscore.domain.post import PostRef
from socialscore.pipeline.rehydration import Rehydrator
from socialscore.providers.base import NoProvider
from socialscore.providers.fixture import FixtureProvider
from socialscore_local.memory.post_cache import MemoryPostCache
from socialscore_local.memory.posts import MemoryPosts
from socialscore_local.memory.queue import MemoryQueue
from tests.unit.test_message_compat import IDENTIFY
from tests.unit.test_rehydrate_stage import record, run
from tests.unit.test_rehydration import LISTED, NAMED, UNNAMED, act


def failures(*ids: str) -> dict[str, list[dict[str, str]]]:
    return {"batchItemFailures": [{"itemIdentifier": mid} for mid in ids]}


def test_identity_links_pass_through_and_a_retraction_is_not_this_queue_s() -> None:
    # Ingest sends retractions straight to score: one found here was misrouted, and it goes to
    # the DLQ with its reason rather than on to a stage that does not expect it.
    x, cache, forward = MemoryPosts(), MemoryPostCache(), MemoryQueue()
    retraction = Retraction(
        interaction_id="iid-1",
        source="smms",
        network="x",
        kind=Kind.LIKE,
        actor_id="u1",
        target_post=f"x#{NAMED}",
        occurred_at="2026-11-02T00:00:00Z",
    )

    answer = run(
        [record("m-1", IDENTIFY.model_dump_json()), record("m-2", retraction.model_dump_json())],
        Rehydrator(cache, x),
        forward,
        MemoryQueue(),
    )

    assert answer == failures("m-2")
    assert [m.body for m in forward.sent] == [IDENTIFY.model_dump_json()]
    assert x.calls == 0
    assert cache.items == {}


def test_a_poison_message_is_the_only_batch_item_failure() -> None:
    forward = MemoryQueue()
    good = [act(1, NAMED, named=True), act(2, NAMED, named=True)]

    answer = run(
        [
            record("m-0", good[0].model_dump_json()),
            record("m-1", "{not json"),
            record("m-2", good[1].model_dump_json()),
            record("m-3", '{"type": "interaction"}'),
        ],
        Rehydrator(MemoryPostCache(), NoProvider()),
        forward,
        MemoryQueue(),
    )

    assert answer == failures("m-1", "m-3")
    assert [m.id for m in forward.sent] == ["m-0", "m-2"]


def test_an_act_on_a_deleted_post_is_dropped_not_retried_and_leaves_no_cache_item(
    tmp_path: Path,
) -> None:
    posts = tmp_path / "posts.json"
    facts = {"network": "x", "author_id": "1001", "created_at": "2026-10-02T18:05:00Z"}
    posts.write_text(
        json.dumps([facts | {"post_id": LISTED}, facts | {"post_id": UNNAMED, "deleted": True}])
    )
    cache, forward, later = MemoryPostCache(), MemoryQueue(), MemoryQueue()

    answer = run(
        [
            record("m-1", act(1, UNNAMED).model_dump_json()),
            record("m-2", act(2, LISTED).model_dump_json()),
        ],
        Rehydrator(cache, FixtureProvider(posts)),
        forward,
        later,
    )

    assert answer == failures()  # dropped: not for the DLQ
    assert later.sent == []  # nor put off
    assert [m.id for m in forward.sent] == ["m-2"]
    assert set(cache.items) == {PostRef.from_key(f"x#{LISTED}")}
