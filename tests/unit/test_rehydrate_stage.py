"""Where rehydrate sends each message of a batch, in memory: the stage runner every queue handler
uses (pipeline.stage) over the rehydrate use case (Rehydrator.take), with an in-memory post
cache, a provider whose rate limit is spent, and queues that record what they were given.

Forwarded acts, identity links and deleted posts go to the resolve queue with their webhook's
correlation id; a drop is counted by reason and goes nowhere; a rate-limited act goes back to
the rehydrate queue, delayed to the limit's reset, its deferral count raised, until it has been
put off 96 times: then it fails, for the DLQ.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Metrics

from socialscore.aws import batch
from socialscore.aws.sqs import CORRELATION_ID, DEFERRALS, item_id, pack
from socialscore.domain.interaction import Kind, Network
from socialscore.domain.messages import REHYDRATE_MESSAGE, RehydrateMessage
from socialscore.domain.post import CachedPost, PostFacts, PostRef
from socialscore.domain.scoring_model import bundled
from socialscore.pipeline import stage
from socialscore.pipeline.outcomes import MAX_DEFERRALS
from socialscore.pipeline.rehydration import Rehydrator
from socialscore.providers.base import Lookup, NoProvider, ProviderRateLimited
from socialscore_local.memory.post_cache import MemoryPostCache
from socialscore_local.memory.queue import MemoryQueue, refuse_all
from tests.unit.test_message_compat import DELETED, IDENTIFY
from tests.unit.test_rehydration import NAMED, UNNAMED, act

NOW = 1_800_000_000.0
RESET_IN = 120  # seconds until the spent rate limit resets
METRICS = Metrics(namespace="rehydrate-stage-test")


class Spent:
    """A provider whose rate limit is spent until RESET_IN seconds from NOW."""

    networks = frozenset({Network.X})
    max_ids_per_call: int | None = None

    def __init__(self) -> None:
        self.calls = 0

    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]:
        self.calls += 1
        raise ProviderRateLimited(reset_at=NOW + RESET_IN)


@pytest.fixture(autouse=True)
def fresh_metrics() -> Iterator[None]:
    METRICS.clear_metrics()  # Powertools' metric set is shared: none left for another test
    yield
    METRICS.clear_metrics()


def record(mid: str, body: str, deferred: int = 0, correlation: str = "req-1") -> dict[str, Any]:
    """A record as Lambda hands it over, put off `deferred` times before."""
    attributes = {CORRELATION_ID: {"stringValue": correlation, "dataType": "String"}}
    if deferred:
        attributes[DEFERRALS] = {"stringValue": str(deferred), "dataType": "Number"}
    return {
        "messageId": mid,
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": attributes,
    }


def read(*records: dict[str, Any]) -> batch.Batch[RehydrateMessage]:
    return batch.read({"Records": list(records)}, REHYDRATE_MESSAGE)


def run(
    records: list[dict[str, Any]], rehydrator: Rehydrator, forward: MemoryQueue, later: MemoryQueue
) -> dict[str, Any]:
    """What the rehydrate handler does with the event."""

    def take(received: list[batch.Received[RehydrateMessage]]) -> batch.Done:
        return rehydrator.take(received, bundled(), forward, later)

    event = {"Records": records}
    return stage.run(event, REHYDRATE_MESSAGE, take, later, logger=Logger(), metrics=METRICS)


def test_credited_acts_links_and_deleted_posts_go_on_and_a_drop_goes_nowhere() -> None:
    cache = MemoryPostCache()
    gone = PostFacts(network=Network.X, post_id=DELETED.post.split("#")[1], author_id="42")
    cache.update([CachedPost(gone, (), "v1")], [])
    forward, later = MemoryQueue(), MemoryQueue()
    bodies = [
        act(1, NAMED, named=True).model_dump_json(),  # on the source's word: no provider needed
        act(2, UNNAMED).model_dump_json(),  # nobody named its author, no provider: dropped
        IDENTIFY.model_dump_json(),
        DELETED.model_dump_json(),
    ]

    answer = run(
        [record("p-1", pack(bodies), correlation="req-7")],
        Rehydrator(cache, NoProvider()),
        forward,
        later,
    )

    assert answer == {"batchItemFailures": []}
    sent = {m.id: (json.loads(m.body)["type"], m.correlation_id) for m in forward.sent}
    assert sent == {
        item_id("p-1", 0): ("rehydrated", "req-7"),
        item_id("p-1", 2): ("identify", "req-7"),
        item_id("p-1", 3): ("post_deleted", "req-7"),
    }
    assert later.sent == []
    assert cache.items == {}  # the deleted post's facts purged on the way
    assert cache.reads == 0


def test_a_rate_limited_act_goes_back_delayed_to_the_reset_with_its_deferrals_counted() -> None:
    provider = Spent()
    forward, later = MemoryQueue(), MemoryQueue()
    rehydrator = Rehydrator(MemoryPostCache(), provider, clock=lambda: NOW)

    answer = run(
        [
            record("m-1", act(1, UNNAMED).model_dump_json()),  # first time
            record("m-2", act(2, UNNAMED).model_dump_json(), deferred=3),
            record("m-3", act(3, NAMED, named=True).model_dump_json()),  # needs no provider
        ],
        rehydrator,
        forward,
        later,
    )

    assert answer == {"batchItemFailures": []}  # put off is not failed: no receive count
    assert [(m.id, m.delay, m.deferrals, m.correlation_id) for m in later.sent] == [
        ("m-1", RESET_IN, 1, "req-1"),
        ("m-2", RESET_IN, 4, "req-1"),
    ]
    assert [m.id for m in forward.sent] == ["m-3"]
    assert provider.calls == 1


def test_an_act_put_off_96_times_fails_for_the_dlq_and_its_batch_mates_go_on() -> None:
    forward, later = MemoryQueue(), MemoryQueue()
    rehydrator = Rehydrator(MemoryPostCache(), Spent(), clock=lambda: NOW)
    event = {
        "Records": [
            record("m-1", act(1, UNNAMED).model_dump_json(), deferred=MAX_DEFERRALS),
            record("m-2", act(2, UNNAMED).model_dump_json(), deferred=MAX_DEFERRALS - 1),
        ]
    }

    received = batch.read(event, REHYDRATE_MESSAGE)
    done = rehydrator.take(received.messages, bundled(), forward, later)

    assert done.failed == {"m-1": batch.Failure("deferred_too_often", {"interaction_id": "iid-1"})}
    assert [(m.id, m.deferrals) for m in later.sent] == [("m-2", MAX_DEFERRALS)]
    assert done.reasons["InteractionsFailed"] == {"deferred_too_often": 1}
    assert done.reasons["InteractionsDeferred"] == {"rate_limited": 1}
    answer = received.answer(done.failed, resent=())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}


def test_what_a_queue_refuses_fails_with_the_queue_named() -> None:
    rehydrator = Rehydrator(MemoryPostCache(), Spent(), clock=lambda: NOW)
    received = read(
        record("m-1", act(1, NAMED, named=True).model_dump_json()),  # forwarded
        record("m-2", act(2, UNNAMED).model_dump_json()),  # deferred
    )

    done = rehydrator.take(
        received.messages, bundled(), MemoryQueue(refuse_all), MemoryQueue(refuse_all)
    )

    assert {mid: f.reason for mid, f in done.failed.items()} == {
        "m-1": "not sent to the resolve queue",
        "m-2": "not sent to the rehydrate queue",
    }


def test_the_batch_s_outcomes_are_counted_by_reason() -> None:
    received = read(
        record("m-1", act(1, NAMED, named=True).model_dump_json()),
        record("m-2", act(2, UNNAMED).model_dump_json()),
        record("m-3", act(3, UNNAMED, kind=Kind.QUOTE, own=NAMED).model_dump_json()),
    )

    done = Rehydrator(MemoryPostCache(), NoProvider()).take(
        received.messages, bundled(), MemoryQueue(), MemoryQueue()
    )

    assert done.counts["InteractionsForwarded"] == 1
    assert done.reasons["InteractionsDropped"] == {"no_provider_for_network": 2}
    assert done.reasons["InteractionsDeferred"] == done.reasons["InteractionsFailed"] == {}
