"""What rehydrate makes of the links an interaction names, in memory: a short link read through
the resolver's fake (it answers as the real resolver does: test_short_link_contract.py), a
link that is no post, and a link of a network the provider cannot read."""

from __future__ import annotations

import json
from pathlib import Path

from socialscore.domain.interaction import Category, Interaction, Kind, Network
from socialscore.domain.messages import Rehydrated
from socialscore.domain.scoring_model import bundled
from socialscore.pipeline.outcomes import Dropped, Failed
from socialscore.pipeline.rehydration import Rehydrator
from socialscore.providers.fixture import FixtureProvider
from socialscore_local.memory.post_cache import MemoryPostCache
from socialscore_local.memory.queue import MemoryQueue
from socialscore_local.memory.short_links import MemoryShortLinks
from tests.unit.test_rehydrate_stage import record, run
from tests.unit.test_rehydration import NAMED, act

POST = "2100000000000000001"
X_LINK = f"https://x.com/acme/status/{POST}?s=20"


def liked(n: int, link: str) -> Interaction:
    """A like of the post behind `link`, as ingest queues it from a webhook naming the link."""
    return Interaction(
        interaction_id=f"iid-{n}",
        source="smms",
        network=Network.X,
        kind=Kind.LIKE,
        category=Category.ORGANIC,
        actor_id=f"u{n}",
        target_permalink=link,
        occurred_at="2026-11-01T12:00:00Z",
    )


def fixture(tmp_path: Path, posts: list[dict[str, str]]) -> FixtureProvider:
    path = tmp_path / "posts.json"
    path.write_text(json.dumps(posts))
    return FixtureProvider(path)


def test_the_rehydrator_reads_a_short_link_s_post(tmp_path: Path) -> None:
    fact = {"network": "x", "post_id": POST, "author_id": "1001", "created_at": "2026-10-01T14:00Z"}
    links = MemoryShortLinks({"https://t.co/ok": X_LINK, "https://t.co/busy": 503})
    stage = Rehydrator(MemoryPostCache(), fixture(tmp_path, [fact]), short_links=links)

    out = stage.rehydrate(
        [
            liked(1, "https://t.co/ok"),
            liked(2, "https://t.co/nothing"),
            liked(3, "https://t.co/busy"),
        ],
        bundled(),
    )

    assert isinstance(out[0], Rehydrated)
    assert out[0].target is not None
    assert out[0].target.author_id == "1001"
    assert out[1] == Dropped("short_link_not_found")
    assert out[2] == Failed("short_link_unavailable")  # retried through SQS


def test_without_resolution_a_short_link_is_dropped_with_its_reason(tmp_path: Path) -> None:
    stage = Rehydrator(MemoryPostCache(), fixture(tmp_path, []))
    assert stage.rehydrate([liked(1, "https://t.co/ok")], bundled()) == [
        Dropped("short_link_not_resolved")
    ]


def test_a_link_that_is_no_post_is_dropped_not_retried_and_its_batch_mates_go_on(
    tmp_path: Path,
) -> None:
    forward, later = MemoryQueue(), MemoryQueue()
    stage = Rehydrator(MemoryPostCache(), fixture(tmp_path, []))

    answer = run(
        [
            record("m-1", liked(1, "https://example.com/x").model_dump_json()),
            record("m-2", act(2, NAMED, named=True).model_dump_json()),
        ],
        stage,
        forward,
        later,
    )

    assert answer == {"batchItemFailures": []}  # not retried, not for the DLQ
    assert later.sent == []  # nor put off: nothing comes back
    assert [m.id for m in forward.sent] == ["m-2"]
