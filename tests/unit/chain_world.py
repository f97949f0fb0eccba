"""The whole pipeline on in-memory fakes: webhooks through ingest, then the rehydrate, resolve and
score Lambdas' own `handle` (loaded from functions/, each on its stage's fakes), queue to queue,
as the local runtime drains its queues (tests/integration/support.py's `stack.rt.drain()`).

The world is the integration tests' (tests.integration.support: its posts in a fixture file,
its sellers, the score stage of score_world.ScoreWorld), so a rule moved here from moto asserts
the same numbers. A message a queue holds with a delay stays there (SQS would show it later):
`delayed` counts them.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from socialscore.aws.sqs import CORRELATION_ID, DEFERRALS
from socialscore.domain.aggregates import ProfileTotal
from socialscore.domain.interaction import Category
from socialscore.domain.scoring_model import bundled
from socialscore.pipeline.ingest import Ingest, Receipt
from socialscore.pipeline.rehydration import Rehydrator
from socialscore.pipeline.webhook_secrets import WebhookSecrets
from socialscore.providers.fixture import FixtureProvider
from socialscore_local import webhooks
from socialscore_local.memory.deliveries import MemoryDeliveries
from socialscore_local.memory.post_cache import MemoryPostCache
from socialscore_local.memory.queue import MemoryQueue, Sent
from tests.unit.score_world import ScoreWorld

ROOT = Path(__file__).resolve().parents[2]
BATCH_SIZE = 10  # every queue trigger's in template.yaml


@cache
def lambda_module(folder: str) -> ModuleType:
    """A Lambda's handler module, functions/<folder>/<folder>_handler.py (functions/ is no
    package: each is its own code URI)."""
    path = ROOT / "functions" / folder / f"{folder}_handler.py"
    spec = importlib.util.spec_from_file_location(f"{folder}_handler", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def clear_metrics() -> None:
    """Powertools' metric set is shared: what the handlers counted is left for no other test."""
    for folder in ("rehydrate", "resolve", "score"):
        lambda_module(folder).metrics.clear_metrics()


class Inbox:
    """A queue's messages not yet taken by its function; a delayed one stays (not visible)."""

    def __init__(self, queue: MemoryQueue) -> None:
        self.queue = queue
        self._taken: set[int] = set()

    def take(self) -> list[dict[str, Any]]:
        """A batch of visible messages as Lambda's poller hands them over."""
        visible = [
            (n, m) for n, m in enumerate(self.queue.sent) if n not in self._taken and not m.delay
        ]
        batch = visible[:BATCH_SIZE]
        self._taken |= {n for n, _ in batch}
        return [_record(m) for _, m in batch]

    @property
    def delayed(self) -> int:
        return sum(1 for n, m in enumerate(self.queue.sent) if n not in self._taken and m.delay)


def _record(m: Sent) -> dict[str, Any]:
    attributes = {}
    if m.correlation_id:
        attributes[CORRELATION_ID] = {"stringValue": m.correlation_id, "dataType": "String"}
    if m.deferrals:
        attributes[DEFERRALS] = {"stringValue": str(m.deferrals), "dataType": "Number"}
    return {
        "messageId": m.id,
        "body": m.body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": attributes,
    }


@dataclass
class Chain:
    """ingest -> rehydrate -> resolve -> score, in memory. `secrets`: the webhook secrets'
    document as the stack's secret holds it; `posts`: the fixture provider's file."""

    posts: Path
    secrets: Mapping[str, Any]
    # Its queue takes the score stage's sweeps and ingest's retractions and erasures alike.
    score: ScoreWorld = field(default_factory=lambda: ScoreWorld(later=MemoryQueue()))

    def __post_init__(self) -> None:
        self.rehydrate_queue, self.resolve_queue = MemoryQueue(), MemoryQueue()
        self.score_queue = self.score.later
        self.cache = MemoryPostCache()
        self.rehydrator = Rehydrator(self.cache, FixtureProvider(self.posts))
        self.ingest = Ingest(
            secrets=WebhookSecrets(lambda refresh: dict(self.secrets)),
            interactions=self.rehydrate_queue,
            retractions=self.score_queue,
            deliveries=MemoryDeliveries(),
            clock=lambda: datetime.now(UTC),
        )
        self.inboxes = {
            "rehydrate": Inbox(self.rehydrate_queue),
            "resolve": Inbox(self.resolve_queue),
            "score": Inbox(self.score_queue),
        }

    # --- in --------------------------------------------------------------------------------
    def post(self, source: str, headers: Mapping[str, str], body: bytes) -> Receipt:
        return self.ingest.receive("POST", source, headers, {}, body)

    def smms(self, events: list[dict[str, Any]]) -> Receipt:
        """A webhook signed with the SMMS's secret, as `stack.webhook` sends it."""
        body = json.dumps({"events": events}).encode()
        return self.post("smms", webhooks.signed(self.secrets["smms"][0], body), body)

    def drain(self) -> None:
        """Every stage takes its queue's visible messages, a batch at a time, until none is
        left; every record must succeed."""
        model = bundled()
        while True:
            ran = 0
            for stage, inbox in self.inboxes.items():
                records = inbox.take()
                if records:
                    ran += 1
                    assert self._run(stage, {"Records": records}, model) == {
                        "batchItemFailures": []
                    }
            if not ran:
                return

    def _run(self, stage: str, event: dict[str, Any], model: Any) -> Any:
        handler = lambda_module(stage)
        s = self.score
        if stage == "rehydrate":
            queue = self.rehydrate_queue
            return handler.handle(event, self.rehydrator, self.resolve_queue, model, queue)
        if stage == "resolve":
            return handler.handle(event, s.links, s.sellers, self.score_queue, s.sync)
        return handler.handle(event, s.scorer, model, s.now)

    # --- out -------------------------------------------------------------------------------
    def touches(self, profile: str) -> Decimal:
        """A profile's organic touches (0: no item)."""
        item = self.score.scores.items.get(ProfileTotal(profile, Category.ORGANIC), {})
        return Decimal(item.get("touches", 0))

    def seller_points(self, seller: str) -> Decimal:
        return Decimal(self.score.totals().get(f"seller#{seller}", {}).get("organic_points", 0))

    def entries_of(self, profile: str) -> list[dict[str, Any]]:
        """The ledger's items of a profile."""
        return [i for i in self.score.ledger.items.values() if i.get("profile") == profile]
