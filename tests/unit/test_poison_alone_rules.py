"""Poison stays alone, in memory: in a batch of ten, the one message a stage cannot store or look
up fails (reported in batchItemFailures, logged with its message id and why) while the other
nine go on, at ingest, rehydrate and resolve.

An identifier too long for a DynamoDB key is refused by the message models before anything is
written (and by ingest with a 400); an id X calls invalid is found by calling X again without
it (X's real provider code against its stub on 127.0.0.1). On moto
(tests/integration/test_poison_alone.py): what only SQS can refuse, and a pack split down to
the bad message, which alone reaches the DLQ.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from socialscore.aws import batch
from socialscore.domain import scoring_model
from socialscore.domain.acts import post_key
from socialscore.domain.aggregates import COUNTER_SHARDS, PostCounter, ProfileTotal
from socialscore.domain.interaction import Category, Interaction, Kind, Network
from socialscore.domain.limits import (
    KEY_PART_MAX_BYTES,
    PARTITION_KEY_MAX_BYTES,
    SORT_KEY_MAX_BYTES,
)
from socialscore.domain.messages import Rehydrated
from socialscore.domain.post import PostRef
from socialscore.domain.touch import dedupe_key
from socialscore.pipeline.rehydration import Rehydrator
from socialscore.providers.fixture import FixtureProvider
from socialscore.providers.x_api import XApiProvider
from socialscore.store.ledger_writes import marker_key
from socialscore.store.scores import item_key
from socialscore_local.memory.post_cache import MemoryPostCache
from socialscore_local.memory.queue import MemoryQueue
from tests.integration.support import identify
from tests.stubs.x_api_stub import XApiStub, post
from tests.unit.test_ingest import RecordingQueue, body_of, event, receive
from tests.unit.test_rehydrate_stage import record, run
from tests.unit.test_resolve_rules import World, rehydrated

LONG_POST_KEY = "x#" + "1" * 1100  # a sort key holds 1,024 bytes: the ledger's once-key could not
POISON = 4  # the batch position of the poison message
POST_A, POST_B = "2100000000000000001", "2100000000000000002"
MIDS = [f"m-{n}" for n in range(10)]


def failures(*message_ids: str) -> dict[str, Any]:
    return {"batchItemFailures": [{"itemIdentifier": mid} for mid in message_ids]}


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """What the stages log meanwhile at any level, each line as its attributes: the rehydrate
    stage's (Powertools, under its service name) and the resolve handler's logger's, on queues
    whose maxReceiveCount is 5."""
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "rehydrate")
    monkeypatch.setenv(batch.MAX_RECEIVE_COUNT, "5")  # what template.yaml gives every consumer
    kept: list[dict[str, Any]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept.append(record.__dict__ | {"message": record.getMessage()})

    keep = Keep()
    services = [logging.getLogger("rehydrate"), logging.getLogger("resolve")]
    levels = [service.level for service in services]
    for service in services:
        service.setLevel(logging.DEBUG)
        service.addHandler(keep)
    try:
        yield kept
    finally:
        for service, level in zip(services, levels, strict=True):
            service.removeHandler(keep)
            service.setLevel(level)


def lines(log: list[dict[str, Any]], message: str) -> list[dict[str, Any]]:
    return [line for line in log if line["message"] == message]


def poison_logged(log: list[dict[str, Any]], message_id: str, field: str) -> None:
    """The parse refused it: the line names the message, the field and the key limit."""
    [line] = lines(log, "will retry: poison message")  # a first delivery: SQS tries again
    assert line["message_id"] == message_id
    [error] = line["errors"]
    assert error["loc"][-1] == field
    assert f"part of a DynamoDB key, it may take {KEY_PART_MAX_BYTES:,}" in error["msg"]


def like(n: int, post: str) -> Interaction:
    return Interaction(
        interaction_id=f"iid-{n}",
        source="smms",
        network=Network.X,
        kind=Kind.LIKE,
        category=Category.ORGANIC,
        actor_id=f"u{n}",
        target_post=f"x#{post}",
        occurred_at="2026-11-01T12:00:00Z",
    )


def delivered(messages: list[str]) -> list[dict[str, Any]]:
    return [record(mid, body) for mid, body in zip(MIDS, messages, strict=True)]


def forwarded(queue: MemoryQueue) -> set[str]:
    return {Rehydrated.model_validate_json(m.body).interaction.interaction_id for m in queue.sent}


# --- the check itself ------------------------------------------------------------------------
def test_the_longest_identifier_a_message_may_carry_fits_every_key_the_stores_make_of_it() -> None:
    model = scoring_model.bundled()
    longest = "9" * KEY_PART_MAX_BYTES
    for network in Network:
        post = post_key(network, longest)
        for kind in Kind:
            key = dedupe_key(kind, post, longest, model)
            assert len(key.encode()) <= SORT_KEY_MAX_BYTES, (network, kind)
        for partition in (
            item_key(PostCounter(post, COUNTER_SHARDS - 1)),
            *(item_key(ProfileTotal(longest, c)) for c in Category),  # an identity erased
            marker_key(post)[0],
        ):
            assert len(partition.encode()) <= PARTITION_KEY_MAX_BYTES


# --- ingest: the whole webhook is refused, naming the field ----------------------------------
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {"target_permalink": f"https://x.com/i/web/status/{POST_A}?s={'2' * 2100}"},
            "target_permalink",
        ),
        ({"target_permalink": f"https://x.com/i/web/status/{'1' * 1100}"}, None),
        ({"id": "evt-" + "9" * 1100}, "id"),
        ({"actor_id": "7" * 1100}, "actor_id"),
    ],
    ids=["permalink", "post-id-in-a-permalink", "event-id", "actor-id"],
)
def test_ingest_never_queues_an_identifier_too_long_for_a_key(
    overrides: dict[str, Any], field: str | None
) -> None:
    """Ingest answers a webhook whole: a 400 naming the field, and nothing queued. A post id
    longer than any network's is no post id: the link is not read as one (rehydrate drops it as
    unparseable), so no key is ever made of it."""
    events = [event(n) for n in range(10)]
    events[POISON] |= overrides
    queue = RecordingQueue()

    answer = receive(queue, body_of(*events))

    if field is None:
        assert answer.status == 202
        bodies = [json.loads(body) for _, body in queue.messages]
        assert len(bodies) == 10
        assert all(len(b.get("target_post") or "") < 100 for b in bodies)
        return
    assert answer.status == 400, answer.body
    assert isinstance(answer.body, dict)
    assert f"events.{POISON}.{field}" in [f["field"] for f in answer.body["fields"]]
    assert queue.messages == []


# --- rehydrate -------------------------------------------------------------------------------
def test_rehydrate_fails_only_the_message_whose_post_key_is_too_long(
    log: list[dict[str, Any]], tmp_path: Path
) -> None:
    posts = tmp_path / "posts.json"
    posts.write_text(
        json.dumps(
            [
                {"network": "x", "post_id": POST_A, "author_id": "1001"},
                {"network": "x", "post_id": POST_B, "author_id": "2002"},
            ]
        )
    )
    messages = [like(n, (POST_A, POST_B)[n % 2]).model_dump_json() for n in range(10)]
    poison = like(POISON, POST_A).model_dump_json().replace(f"x#{POST_A}", LONG_POST_KEY)
    messages[POISON] = poison
    cache, forward = MemoryPostCache(), MemoryQueue()

    answer = run(
        delivered(messages), Rehydrator(cache, FixtureProvider(posts)), forward, MemoryQueue()
    )

    assert answer == failures(MIDS[POISON])
    assert forwarded(forward) == {f"iid-{n}" for n in range(10) if n != POISON}
    assert {PostRef(Network.X, POST_A), PostRef(Network.X, POST_B)} <= set(cache.items)
    poison_logged(log, MIDS[POISON], "target_post")


@pytest.mark.parametrize("names", [True, False], ids=["x-names-the-id", "x-names-no-id"])
def test_rehydrate_fails_only_the_message_whose_post_id_x_calls_invalid(
    log: list[dict[str, Any]], names: bool
) -> None:
    target, other = "2200000000000000001", "2200000000000000002"
    x_posts = {target: post("1001"), other: post("2002")}
    messages = [like(n, (target, other)[n % 2]) for n in range(10)]
    messages[POISON] = like(POISON, "abc")
    cache, forward = MemoryPostCache(), MemoryQueue()

    with XApiStub(posts=x_posts, names_invalid_ids=names) as x:
        provider = XApiProvider(lambda refresh: x.token, x.url, sleep=lambda s: None)
        answer = run(
            delivered([m.model_dump_json() for m in messages]),
            Rehydrator(cache, provider),
            forward,
            MemoryQueue(),
        )

    assert answer == failures(MIDS[POISON])
    out = [Rehydrated.model_validate_json(m.body) for m in forward.sent]
    assert {m.interaction.interaction_id for m in out} == {
        f"iid-{n}" for n in range(10) if n != POISON
    }
    assert {m.target.author_id for m in out if m.target} == {"1001", "2002"}
    answered = [
        i for ids, status in zip(x.requests, x.statuses, strict=True) if status == 200 for i in ids
    ]
    assert x.statuses[0] == 400
    assert sorted(answered) == sorted([other, target])
    assert set(cache.items) == {PostRef(Network.X, target), PostRef(Network.X, other)}
    [line] = lines(log, "will retry: post_id_refused")
    assert (line["message_id"], line["interaction_id"], line["reason"]) == (
        MIDS[POISON],
        f"iid-{POISON}",
        "post_id_refused",
    )


# --- resolve ---------------------------------------------------------------------------------
def test_resolve_fails_only_the_message_whose_post_key_is_too_long(
    log: list[dict[str, Any]],
) -> None:
    world = World()
    messages: list[str] = [rehydrated(n, actor=f"u{n}").model_dump_json() for n in range(9)]
    long = rehydrated(9, actor="u9").model_dump_json().replace(f"x#{POST_B}", LONG_POST_KEY)
    messages.insert(POISON, long)
    messages[0] = identify(1, user="u1", contact="C-1", at="2026-11-01T09:00:00Z").model_dump_json()

    answer = world.handle(*messages)

    assert answer == failures(MIDS[POISON])
    assert set(world.resolved()) == {f"iid-{n}" for n in range(1, 9)}
    assert world.links.contacts_of(["x#u1"]) == {"x#u1": "C-1"}
    poison_logged(log, MIDS[POISON], "target_post")
