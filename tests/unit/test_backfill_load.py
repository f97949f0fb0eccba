"""Loading a validated backfill: packs queued as ingest queues a webhook's messages, duplicates
once, paced by the queue's depth, and resumed after an interruption without sending a pack
twice or leaving one out."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialscore.domain.interaction import Category, Interaction, Kind, Network, Retraction
from socialscore.pipeline.ingest import distinct_messages
from socialscore.sources.base import Message
from socialscore_local.memory.queue import MemoryQueue
from socialscore_ops.backfill_load import (
    PACK,
    SEND_TRIES,
    Cursor,
    DepthPace,
    Loader,
    LoadStopped,
)

START = datetime(2026, 3, 1, tzinfo=UTC)


def queue(refuse: Collection[int] = (), down_after: int | None = None) -> MemoryQueue:
    """An SQS queue in memory that refuses the first message of the calls `refuse` numbers
    (from 1), and every message after `down_after` calls; backfill never defers."""

    def refused(call: int, ids: list[str]) -> list[str]:
        if down_after is not None and call > down_after:
            return ids
        return ids[:1] if call in refuse else []

    return MemoryQueue(refused, defers=False)


class Ready:
    def __init__(self) -> None:
        self.calls = 0

    def ready(self) -> None:
        self.calls += 1


def like(n: int) -> Interaction:
    return Interaction(
        interaction_id=f"{n:032x}",
        source="smms",
        network=Network.X,
        kind=Kind.LIKE,
        category=Category.ORGANIC,
        actor_id=str(1000 + n),
        target_post="x#2300000000000000001",
        occurred_at=START + timedelta(minutes=n),
    )


def unlike(n: int) -> Retraction:
    return Retraction(
        source="smms",
        interaction_id=f"{n:032x}",
        network=Network.X,
        kind=Kind.LIKE,
        actor_id=str(1000 + n),
        target_post="x#2300000000000000001",
        occurred_at=START + timedelta(days=1, minutes=n),
    )


def stream(n: int) -> list[Message]:
    """n likes, every 10th one taken back, every 7th one in the file twice."""
    found: list[Message] = []
    for i in range(n):
        found.append(like(i))
        if i % 7 == 0:
            found.append(like(i))
        if i % 10 == 0:
            found.append(unlike(i))
    return found


def loader(forward: MemoryQueue, back: MemoryQueue, **kwargs: object) -> Loader:
    return Loader(
        interactions=forward, retractions=back, pace=Ready(), correlation="backfill-t",
        sleep=lambda s: None, **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def test_packs_are_queued_as_ingest_queues_a_webhook_and_duplicates_once() -> None:
    messages = stream(250)
    forward, back = queue(), queue()

    summary = loader(forward, back).load(messages)

    live_forward, live_back = distinct_messages(messages)  # as one webhook would queue them
    assert forward.bodies == live_forward
    assert back.bodies == live_back
    assert len(forward.sent) == len({m.id for m in forward.sent})  # nothing sent twice
    assert summary.accepted == len(live_forward) + len(live_back) == 275
    assert summary.duplicates == len(messages) - 275 == 36
    assert summary.packs == -(-len(messages) // PACK)
    assert {m.correlation_id for m in forward.sent} == {"backfill-t"}


def test_every_pack_waits_for_the_pace() -> None:
    pace = Ready()
    Loader(queue(), queue(), pace, "backfill-t").load(stream(250))

    assert pace.calls == -(-len(stream(250)) // PACK)


def test_the_pace_waits_while_the_queue_is_at_its_bound() -> None:
    depths = iter([2500, 2100, 2000, 1999, 5])
    slept: list[float] = []
    pace = DepthPace(lambda: next(depths), bound=2000, sleep=slept.append, seconds=1.0)

    pace.ready()

    assert slept == [1.0, 1.0, 1.0]
    assert pace.waited == 3.0
    assert next(depths) == 5  # it stopped looking once there was room


def test_messages_sqs_refuses_are_sent_again() -> None:
    forward = queue(refuse={1, 3})
    summary = loader(forward, queue()).load(stream(150))

    assert set(forward.bodies) == set(distinct_messages(stream(150))[0])
    assert summary.accepted == 165


def test_an_interrupted_load_resumes_after_its_last_pack(tmp_path: Path) -> None:
    messages = stream(500)
    cursor = Cursor.beside(tmp_path / "h.jsonl", "digest-1")
    broken = queue(down_after=3)  # SQS stops answering during the 4th pack

    with pytest.raises(LoadStopped) as stopped:
        loader(broken, queue(), cursor=cursor).load(messages)
    assert stopped.value.pack == 4
    assert cursor.sent() == (3, False)

    forward, back = queue(), queue()
    summary = loader(forward, back, cursor=cursor).load(messages)

    clean_forward, clean_back = distinct_messages(messages)
    assert set(broken.bodies) | set(forward.bodies) == set(clean_forward)
    assert not set(broken.bodies) & set(forward.bodies)  # no pack sent twice
    assert summary.already_queued + summary.accepted == len(clean_forward) + len(clean_back)
    assert cursor.sent() == (summary.packs, True)

    again, again_back = queue(), queue()
    rerun = loader(again, again_back, cursor=cursor).load(messages)
    assert again.sent == []
    assert again_back.sent == []
    assert rerun.accepted == 0

    forced = queue()
    loader(forced, queue(), cursor=cursor).load(messages, again=True)
    assert set(forced.bodies) == set(clean_forward)


def test_a_cursor_holds_for_its_file_only(tmp_path: Path) -> None:
    Cursor.beside(tmp_path / "h.jsonl", "digest-1").save(3, False)
    saved = json.loads((tmp_path / "h.jsonl.backfill.json").read_text())

    assert saved == {"file_sha256": "digest-1", "pack_size": PACK, "packs_sent": 3,
                     "finished": False}  # fmt: skip
    assert Cursor.beside(tmp_path / "h.jsonl", "digest-2").sent() == (0, False)
    assert Cursor.beside(tmp_path / "h.jsonl", "digest-1").sent() == (3, False)


def test_a_pack_sqs_keeps_refusing_stops_the_load() -> None:
    always = queue(down_after=0)
    with pytest.raises(LoadStopped, match=f"after {SEND_TRIES} tries"):
        loader(always, queue()).load(stream(10))
    assert len(always.calls) == SEND_TRIES
