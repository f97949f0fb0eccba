"""The score stage on in-memory fakes (socialscore_local.memory), wired as wiring/stages.scorer
wires it on the tables: one ledger whose items hold the complaint flags and answered marks, its
aggregates in the scores store, crm_sync's marks in the sync state. Rules proven here hold on
DynamoDB: each fake keeps its store's contract (tests/integration/test_ledger_contract.py,
test_score_store_contract.py, test_identity_links_contract.py, test_store_contracts.py).

The stage's messages are built as the integration tests build them (tests.integration.support:
the same small world of posts and sellers), so a rule moved here asserts the same numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import TypeAdapter

from socialscore.aws.batch import Received
from socialscore.domain.aggregates import PostCounter, ProfileTotal, SellerCounter
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.messages import (
    RESOLVE_MESSAGE,
    SCORE_MESSAGE,
    RehydrateMessage,
    ScoreMessage,
)
from socialscore.domain.scoring_model import ScoringModel, bundled
from socialscore.pipeline import resolution
from socialscore.pipeline.crm_sync import CrmSync
from socialscore.pipeline.engage import EngageReader
from socialscore.pipeline.ports import Crm
from socialscore.pipeline.rehydration import Rehydrator
from socialscore.pipeline.scoring import Scorer, ScoreReport
from socialscore_local.memory.bus import MemoryBus
from socialscore_local.memory.complaint_flags import MemoryComplaintFlags
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.engage import MemoryEngage
from socialscore_local.memory.identities import MemoryIdentityLinks
from socialscore_local.memory.ledger import MemoryTouchLedger
from socialscore_local.memory.queue import MemoryQueue
from socialscore_local.memory.scores import MemoryScoreStore
from socialscore_local.memory.sellers import MemorySellers
from socialscore_local.memory.sync_state import MemorySyncState
from tests.integration.support import (
    ANA,
    BEN,
    POST_A,
    POST_B,
    SELLER_AUTHOR,
    SELLER_FOLLOWED,
    identify,
    resolved,
    utc,
)

MODEL = bundled()
M = TypeVar("M")


@dataclass
class ScoreWorld:
    """The score stage's stores and what it talks to, all in memory."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    sync: MemorySyncState = field(default_factory=lambda: MemorySyncState(Requests(Clock())))
    scores: MemoryScoreStore = field(default_factory=MemoryScoreStore)
    links: MemoryIdentityLinks = field(default_factory=MemoryIdentityLinks)
    bus: MemoryBus = field(default_factory=MemoryBus)
    later: MemoryQueue = field(default_factory=lambda: MemoryQueue(defers=True))
    sellers: MemorySellers = field(default_factory=MemorySellers)
    owner_queue: str = "social-team"  # the stage's default (aws.config.ScoreConfig)

    def __post_init__(self) -> None:
        self.ledger = MemoryTouchLedger(self.scores, self.sync, lambda: self.now)
        self.flags = MemoryComplaintFlags(self.ledger)
        self.engage = MemoryEngage(self.ledger)
        # The integration world's registered sellers (demo.seed registers them from its file).
        self.sellers.register(f"x#{SELLER_AUTHOR}", ANA)
        self.sellers.register(f"x#{SELLER_FOLLOWED}", BEN)
        self.scorer = Scorer(
            self.ledger,
            self.scores,
            self.links,
            self.bus,
            self.later,
            self.sync,
            self.flags,
            self.owner_queue,
            self.engage,
        )

    def score(self, messages: Sequence[ScoreMessage], model: ScoringModel = MODEL) -> ScoreReport:
        """One batch, its messages ids m0, m1, ... in order. Every message must be scored (on
        moto these tests asserted the score queue empty after each batch, in flight included):
        a failed one would leave the items unchanged and pass a "changes nothing" check."""
        report = self.scorer.score([(f"m{n}", m) for n, m in enumerate(messages)], model, self.now)
        assert report.failed == {}, report.failed
        return report

    def deliver(self, messages: Sequence[RehydrateMessage], rehydrator: Rehydrator) -> None:
        """One batch through rehydrate, resolve and score, each stage's use case taking what
        the one before sent on (the stages' queues drained in order, as `drain` does)."""

        def received(queue: MemoryQueue, adapter: TypeAdapter[M]) -> list[Received[M]]:
            return [Received(m.id, adapter.validate_json(m.body), None, 1, 0) for m in queue.sent]

        first = [Received(f"m{n}", m, None, 1, 0) for n, m in enumerate(messages)]
        to_resolve, again = MemoryQueue(defers=False), MemoryQueue(defers=True)
        assert rehydrator.take(first, MODEL, to_resolve, again).failed == {}
        assert again.sent == [], "nothing put off"
        to_score = MemoryQueue(defers=False)
        resolving = received(to_resolve, RESOLVE_MESSAGE)
        done = resolution.take(resolving, self.links, self.sellers, to_score, self.sync, self.now)
        assert done.failed == {}
        scoring = received(to_score, SCORE_MESSAGE)
        assert self.scorer.take(scoring, MODEL, self.now).failed == {}

    def crm_sync(self, crm: Crm, model: ScoringModel, clock: Callable[[], datetime]) -> CrmSync:
        """crm_sync over these stores (wiring/stages.crm_sync's on the tables)."""
        return CrmSync(crm, self.links, self.ledger, self.scores, self.sync, model, clock=clock)

    def reader(self) -> EngageReader:
        """The engage-now queue over these stores (wiring/reads.engage_reader's on the tables)."""
        return EngageReader(self.engage, self.scores, self.ledger, self.sellers, self.links)

    def entries(self) -> dict[str, dict[str, Any]]:
        """The ledger's entries by interaction id (unique in these tests)."""
        found = [i for i in self.ledger.items.values() if "interaction_id" in i]
        by_id = {i["interaction_id"]: i for i in found}
        assert len(by_id) == len(found)
        return by_id

    def profile(self, actor: str, category: Category) -> dict[str, Any]:
        """The profile item of x#<actor> as the table holds it (KeyError: none)."""
        return self.scores.items[ProfileTotal(f"x#{actor}", category)]

    def totals(self) -> dict[str, dict[str, Any]]:
        """Post and seller counters, shards summed, counters that net to zero left out (as the
        integration tests sum the table's items)."""
        out: dict[str, dict[str, Any]] = {}
        for key, item in self.scores.items.items():
            if isinstance(key, PostCounter):
                merged = out.setdefault(f"post#{key.post}", {})
            elif isinstance(key, SellerCounter):
                merged = out.setdefault(f"seller#{key.seller_id}", {})
            else:
                continue
            for name, value in item.items():
                merged[name] = merged.get(name, 0) + value if isinstance(value, Decimal) else value
        return {
            k: {n: v for n, v in counters.items() if v != 0}
            for k, counters in out.items()
            if any(v != 0 for v in counters.values() if isinstance(v, Decimal))
        }


def seed_touches(w: ScoreWorld) -> None:
    """Two contacts linked and their touches scored (integration: test_crm_sync_handler's)."""
    w.links.link(
        [
            identify(1, user="u1", contact="C-1", at="2026-11-01T09:00:00Z"),
            identify(2, user="u2", contact="C-2", at="2026-11-01T09:00:00Z"),
        ]
    )
    contacts = {"u1": "C-1", "u2": "C-2"}
    acts: list[tuple[int, Kind, str, str, Category, str]] = [
        (1, Kind.COMMENT, "u1", POST_A, Category.ORGANIC, "2026-11-10T12:00:00Z"),
        (2, Kind.SHARE, "u1", POST_B, Category.ORGANIC, "2026-11-12T12:00:00Z"),
        (3, Kind.CLICK, "u1", POST_B, Category.PAID, "2026-11-13T12:00:00Z"),
        (4, Kind.SHARE, "u2", POST_A, Category.ORGANIC, "2026-11-15T12:00:00Z"),
        (5, Kind.LIKE, "u3", POST_A, Category.ORGANIC, "2026-11-16T12:00:00Z"),
    ]
    w.score(
        [
            resolved(
                n,
                kind=kind,
                actor=actor,
                post=post,
                category=category,
                at=utc(at),
                contact=contacts.get(actor),
            )
            for n, kind, actor, post, category, at in acts
        ]
    )
    assert len(w.entries()) == 5
