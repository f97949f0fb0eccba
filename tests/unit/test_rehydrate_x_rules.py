"""rehydrate with X as its provider, in memory: the stage runner over the rehydrate use case, an
in-memory post cache and queues, and X's post lookup faked as XApiProvider answers from the API
(socialscore_local.memory.posts; the same lookups on both: test_post_provider_contract.py).

Compliance drops, the post cache, rate limits (deferred to the reset, never the DLQ), server
errors (only the records that need the provider fail), coalescing, deleted posts. The whole
path on moto and the X stub: tests/integration/test_rehydrate_x.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from socialscore.domain.interaction import Identify, Kind, Network, PostDeleted
from socialscore.domain.messages import Rehydrated
from socialscore.domain.post import CachedPost, PostFacts, PostRef
from socialscore.pipeline.rehydration import Rehydrator
from socialscore_local.memory.post_cache import MemoryPostCache
from socialscore_local.memory.posts import MemoryPosts
from socialscore_local.memory.queue import MemoryQueue, Sent
from tests.unit.test_rehydrate_links import liked
from tests.unit.test_rehydrate_stage import NOW, record, run
from tests.unit.test_rehydration import act

FORWARDED: TypeAdapter[Any] = TypeAdapter(Rehydrated | Identify | PostDeleted)
SELLER = "1001"
TARGET = "2200000000000000001"
OTHER = "2200000000000000002"
REPLY = "2200000000000000003"
UNKNOWN = "2200000000000000009"
PROTECTED = "2200000000000000008"
SECRET_WORDS = "Zanzibar-quokka-7731"  # appears in posts' text only
REPLY_TEXT = f"{SECRET_WORDS}: we are evaluating vendors, send PRICING please"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def x_posts(clock: Callable[[], float], **kwargs: Any) -> MemoryPosts:
    """X as the integration world's stub holds it: a seller's post, another's, a reply to the
    seller's post whose text names intent keywords, a protected post."""
    x = MemoryPosts(clock=clock, **kwargs)

    def add(post_id: str, author: str, text: str, **facts: str) -> None:
        at = "2026-10-01T14:00:00Z"
        facts_ = PostFacts(
            network=Network.X, post_id=post_id, author_id=author, created_at=at, **facts
        )
        x.add(facts_, text)

    add(TARGET, SELLER, f"Launch day {SECRET_WORDS}")
    add(OTHER, "2002", f"Other {SECRET_WORDS}")
    add(REPLY, "3003", REPLY_TEXT, referenced_post_id=TARGET, conversation_id=TARGET)
    add(PROTECTED, "4004", f"Private {SECRET_WORDS}")
    x.protected.add(PROTECTED)
    return x


def ref(post_id: str) -> PostRef:
    return PostRef(Network.X, post_id)


def forwarded(queue: MemoryQueue) -> dict[str, Any]:
    """What went on to resolve, by interaction id (a link or deleted post: by its body)."""
    out = {}
    for sent in queue.sent:
        message = FORWARDED.validate_json(sent.body)
        key = message.interaction.interaction_id if isinstance(message, Rehydrated) else sent.body
        out[key] = message
    return out


def delivered(mid: str, message: BaseModel) -> dict[str, Any]:
    """The message as Lambda hands it over, on its first delivery."""
    return record(mid, message.model_dump_json())


def again(sent: list[Sent]) -> list[dict[str, Any]]:
    """What was put off, delivered again as Lambda hands it over."""
    return [record(m.id, m.body, deferred=m.deferrals or 0) for m in sent]


@pytest.fixture
def log(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[[], list[dict[str, Any]]]:
    """The stage's log lines (Powertools' JSON on stdout, every level), under a service name of
    the test's own."""
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"rehydrate-x-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")

    def lines() -> list[dict[str, Any]]:
        out = capsys.readouterr().out
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]

    return lines


def test_a_cached_post_costs_no_provider_call() -> None:
    clock = Clock()
    x, forward = x_posts(clock), MemoryQueue()
    rehydrator = Rehydrator(MemoryPostCache(), x, clock=clock)

    run([delivered("m-1", act(1, TARGET))], rehydrator, forward, MemoryQueue())
    run([delivered("m-2", act(2, TARGET))], rehydrator, forward, MemoryQueue())

    assert set(forwarded(forward)) == {"iid-1", "iid-2"}
    assert x.calls == 1


@pytest.mark.parametrize(
    ("post_id", "reason"),
    [(UNKNOWN, "target_post_not_found"), (PROTECTED, "target_post_not_authorized")],
)
def test_a_post_the_api_lists_in_errors_is_a_compliance_drop(
    log: Callable[[], list[dict[str, Any]]], post_id: str, reason: str
) -> None:
    clock = Clock()
    x, cache, forward, later = x_posts(clock), MemoryPostCache(), MemoryQueue(), MemoryQueue()
    batch = [delivered("m-1", act(1, post_id)), delivered("m-2", act(2, TARGET))]

    answer = run(batch, Rehydrator(cache, x, clock=clock), forward, later)

    assert answer == {"batchItemFailures": []}  # not retried, not for the DLQ
    assert later.sent == []
    assert set(forwarded(forward)) == {"iid-2"}
    assert ref(post_id) not in cache.items
    lines = log()
    dropped = [line for line in lines if line.get("message") == "dropped"]
    assert [(d["interaction_id"], d["reason"]) for d in dropped] == [("iid-1", reason)]  # logged
    [summary] = [line for line in lines if line.get("message") == "rehydrated"]
    assert summary["outcomes"] == {f"dropped.{reason}": 1, "forwarded": 1}  # and counted
    assert x.calls == 1


def test_a_post_deleted_since_it_was_cached_loses_its_facts() -> None:
    clock = Clock()
    x, cache, forward = x_posts(clock), MemoryPostCache(), MemoryQueue()
    rehydrator = Rehydrator(cache, x, clock=clock)
    comment = act(1, TARGET, kind=Kind.COMMENT, own=REPLY)
    run([delivered("m-1", comment)], rehydrator, forward, MemoryQueue())
    assert ref(REPLY) in cache.items
    x.delete(REPLY)
    # A new scoring model needs the reply read again for its keywords: X says it is gone.
    older = cache.items[ref(REPLY)]
    cache.items[ref(REPLY)] = CachedPost(older.facts, older.intent_hits, "an-older-model")
    second = act(2, TARGET, kind=Kind.COMMENT, own=REPLY)

    run([delivered("m-2", second)], rehydrator, forward, MemoryQueue())

    assert set(forwarded(forward)) == {"iid-1"}  # the deleted reply is not credited
    assert set(cache.items) == {ref(TARGET)}


def test_a_post_deleted_event_purges_the_cache_and_travels_on() -> None:
    clock = Clock()
    x, cache = x_posts(clock), MemoryPostCache()
    rehydrator = Rehydrator(cache, x, clock=clock)
    run([delivered("m-1", act(1, TARGET))], rehydrator, MemoryQueue(), MemoryQueue())
    deleted = PostDeleted(source="x", post=f"x#{TARGET}", occurred_at="2026-11-02T00:00:00Z")
    forward = MemoryQueue()

    run([delivered("m-2", deleted)], rehydrator, forward, MemoryQueue())

    assert cache.items == {}
    assert list(forwarded(forward).values()) == [deleted]
    forward = MemoryQueue()
    run([delivered("m-3", act(2, TARGET))], rehydrator, forward, MemoryQueue())
    assert forwarded(forward) == {}  # known deleted: dropped, not served from anywhere
    assert x.calls == 1


def test_posts_of_other_networks_are_dropped_with_the_x_provider() -> None:
    clock = Clock()
    x, forward = x_posts(clock), MemoryQueue()
    linkedin = "https://www.linkedin.com/feed/update/urn:li:activity:7195092498207780864/"
    batch = [delivered("m-1", liked(1, linkedin)), delivered("m-2", act(2, TARGET))]

    answer = run(batch, Rehydrator(MemoryPostCache(), x, clock=clock), forward, MemoryQueue())

    assert answer == {"batchItemFailures": []}
    assert set(forwarded(forward)) == {"iid-2"}
    assert x.requests == [[TARGET]]


def test_429_defers_only_the_records_that_need_the_provider_until_the_reset() -> None:
    clock = Clock()
    x = x_posts(clock, quota=1, window_seconds=3)
    rehydrator = Rehydrator(MemoryPostCache(), x, clock=clock)
    forward = MemoryQueue()
    run([delivered("m-1", act(1, TARGET))], rehydrator, forward, MemoryQueue())
    assert set(forwarded(forward)) == {"iid-1"}  # TARGET cached, the quota spent
    forward, later = MemoryQueue(), MemoryQueue()

    answer = run(
        [
            delivered("m-2", act(2, TARGET)),  # cached: goes on
            delivered("m-3", act(3, OTHER)),  # needs X: deferred
            delivered("m-4", act(4, TARGET, kind=Kind.COMMENT, own=REPLY)),
        ],
        rehydrator,
        forward,
        later,
    )

    assert answer == {"batchItemFailures": []}  # no failure: no receive count, no DLQ
    assert set(forwarded(forward)) == {"iid-2"}
    # Back on the queue together, invisible until the reset: nothing to hot-loop on.
    assert [(m.id, m.delay, m.deferrals, m.packed) for m in later.sent] == [
        ("m-3", 3, 1, True),
        ("m-4", 3, 1, True),
    ]
    assert x.calls == 1

    clock.now = x.reset_at  # delivered again at the reset
    forward = MemoryQueue()
    answer = run(again(later.sent), rehydrator, forward, MemoryQueue())

    assert answer == {"batchItemFailures": []}
    assert set(forwarded(forward)) == {"iid-3", "iid-4"}
    assert x.calls == 2


def test_5xx_fails_only_the_records_that_need_the_provider() -> None:
    clock = Clock()
    x = x_posts(clock)
    rehydrator = Rehydrator(MemoryPostCache(), x, clock=clock)
    run([delivered("m-1", act(1, TARGET))], rehydrator, MemoryQueue(), MemoryQueue())
    x.fail_next()  # X answers 5xx past the provider's retries
    forward, later = MemoryQueue(), MemoryQueue()

    answer = run(
        [
            delivered("m-2", act(2, TARGET)),
            delivered("m-3", act(3, OTHER)),
        ],
        rehydrator,
        forward,
        later,
    )

    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-3"}]}
    assert set(forwarded(forward)) == {"iid-2"}
    assert later.sent == []


def test_coalescing_defers_what_would_not_fill_a_call_once() -> None:
    x = MemoryPosts()
    many = [str(2_300_000_000_000_000_000 + n) for n in range(130)]
    for post_id in many:
        x.add(PostFacts(network=Network.X, post_id=post_id, author_id=SELLER))
    rehydrator = Rehydrator(MemoryPostCache(), x, coalesce=True)
    forward, later = MemoryQueue(), MemoryQueue()
    batch = [record(f"m-{n}", act(n, pid).model_dump_json()) for n, pid in enumerate(many)]

    answer = run(batch, rehydrator, forward, later)

    assert answer == {"batchItemFailures": []}
    assert [len(r) for r in x.requests] == [100]  # one full call, not a full and a thin one
    assert len(forward.sent) == 100
    # The 30 in one pack, deferred once, visible at once for the next batch.
    assert len(later.sent) == 30
    assert {(m.delay, m.deferrals, m.packed) for m in later.sent} == {(0, 1, True)}

    forward = MemoryQueue()
    answer = run(again(later.sent), rehydrator, forward, later := MemoryQueue())

    assert len(forward.sent) == 30
    assert later.sent == []
    assert [len(r) for r in x.requests] == [100, 30]  # deferred ones never wait twice
