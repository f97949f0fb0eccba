"""A backfill stores what live delivery stores, in any order and any pieces (README, Loading
history: "Loading one file, the same events shuffled, or the file split in pieces loaded in any
order stores the same ledger, scores and identity links as delivering the events live"). The
file is read and queued by the backfill's own code (socialscore_ops.backfill_file, backfill_load)
onto the whole pipeline in memory (chain_world: ingest's queues, then the rehydrate, resolve and
score Lambdas' handlers), and compared item for item with the same events sent as one signed
webhook. On moto, one shuffled order of the demo's events: tests/ops/test_backfill.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore_local import webhooks
from socialscore_ops.backfill_file import read_file
from socialscore_ops.backfill_load import Loader
from tests.integration.support import POST_A, POST_B, POSTS, REPLY, permalink
from tests.unit.chain_world import Chain, clear_metrics

ACTORS = [str(7_000_000_000 + n) for n in range(4)]


def act(n: int, kind: str, actor: str, post: str, day: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "interaction",
        "id": f"evt-{n}",
        "network": "x",
        "kind": kind,
        "actor_id": actor,
        "target_permalink": permalink(post),
        "occurred_at": f"2026-11-{day:02d}T12:00:00Z",
        **extra,
    }


def identify(n: int, actor: str, contact: str, day: int) -> dict[str, Any]:
    return {
        "type": "identify",
        "id": f"idf-{n}",
        "network": "x",
        "network_user_id": actor,
        "contact_id": contact,
        "consent_basis": "opt_in",
        "occurred_at": f"2026-11-{day:02d}T09:00:00Z",
    }


EVENTS = [
    act(1, "like", ACTORS[0], POST_A, 10),
    act(2, "like", ACTORS[0], POST_A, 11),  # the same like reported again, later: counts once
    act(3, "comment", ACTORS[1], POST_A, 12, interaction_permalink=permalink(REPLY)),
    act(4, "share", ACTORS[1], POST_B, 13),
    act(5, "like", ACTORS[2], POST_B, 14, tags=["paid"]),
    act(6, "like", ACTORS[3], POST_A, 15),
    act(6, "like", ACTORS[3], POST_A, 15),  # the same event twice in the file: queued once
    identify(1, ACTORS[0], "C-1", 9),
    identify(2, ACTORS[1], "C-2", 16),  # linked after its acts
    identify(3, ACTORS[1], "C-3", 17),  # then to another contact: the newest link wins
]


class Scratch:
    """A chain over the integration world's posts, in a directory of its own."""

    def __init__(self) -> None:
        self.dir = TemporaryDirectory()
        posts = Path(self.dir.name) / "posts.json"
        posts.write_text(json.dumps(POSTS))
        self.chain = Chain(posts, {"smms": [webhooks.new_secret()]})

    def items(self) -> dict[str, list[str]]:
        """Every ledger, score and identity item, numbers by value (sums added in another
        order may carry another count of trailing zeros), a hot lead's flag as flagged."""
        w = self.chain.score

        def text(item: dict[str, Any]) -> str:
            marked = item | ({"hot_since": "flagged"} if "hot_since" in item else {})
            return json.dumps(marked, sort_keys=True, default=_value)

        return {
            "ledger": sorted(text(i) for i in w.ledger.items.values()),
            "scores": sorted(f"{k}={text(i)}" for k, i in w.scores.items.items()),
            "links": sorted(f"{k}={text(i)}" for k, i in w.links.items.items()),
        }

    def close(self) -> None:
        self.dir.cleanup()
        clear_metrics()


def _value(number: Any) -> str:
    return str(number.normalize()) if isinstance(number, Decimal) else str(number)


def live() -> dict[str, list[str]]:
    scratch = Scratch()
    try:
        assert scratch.chain.smms(EVENTS).status == 202
        scratch.chain.drain()
        return scratch.items()
    finally:
        scratch.close()


LIVE: list[dict[str, list[str]]] = []


class Ready:
    def ready(self) -> None:
        pass


def pieces(order: list[int], cuts: list[int]) -> Iterator[list[dict[str, Any]]]:
    bounds = [0, *sorted(set(cuts)), len(order)]
    for start, end in pairwise(bounds):
        if end > start:
            yield [EVENTS[n] for n in order[start:end]]


@settings(max_examples=25, deadline=None)
@given(
    order=st.permutations(range(len(EVENTS))),
    cuts=st.lists(st.integers(0, len(EVENTS)), max_size=3),
    reverse=st.booleans(),
)
def test_a_backfill_in_any_order_and_pieces_stores_what_live_delivery_stores(
    order: list[int], cuts: list[int], reverse: bool
) -> None:
    if not LIVE:
        LIVE.append(live())
    scratch = Scratch()
    try:
        chain = scratch.chain
        loader = Loader(
            interactions=chain.rehydrate_queue,
            retractions=chain.score_queue,
            pace=Ready(),
            correlation="backfill-t",
            sleep=lambda s: None,
        )
        parts = list(pieces(list(order), cuts))
        for n, part in enumerate(reversed(parts) if reverse else parts):
            path = Path(scratch.dir.name) / f"part{n}.jsonl"
            path.write_text("".join(json.dumps(e) + "\n" for e in part))
            reading = read_file(path)
            assert reading.refused == []
            loader.load([m for _, m in reading.messages])
            chain.drain()

        assert scratch.items() == LIVE[0]
    finally:
        scratch.close()
