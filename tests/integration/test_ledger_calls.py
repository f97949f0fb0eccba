"""What the score stage's ledger writes cost on DynamoDB (moto): a batch reads its entries and
the aggregate items it takes a count down on first, so none of its transactions is cancelled for
an entry already stored or a count reaching 0 (each such cancellation cost a call and all its
writes), and the items left are still those of one clean pass. The rules are proven in memory
(tests/unit/test_aggregate_items.py, test_ledger_groups.py)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from socialscore.aws import clients
from socialscore.domain.decay import EPOCH
from socialscore.domain.interaction import Kind
from socialscore.store import dynamo
from socialscore.store.ledger import Ledger
from tests.integration.moto_tables import moto_table
from tests.integration.test_ledger_contract import ANA, KEPT, counters
from tests.unit.test_scoring import touch

__all__ = ["moto_table"]
ACTORS = 120


def likes(day: int, iid: str, actors: int = ACTORS) -> list[Any]:
    """A like of one seller's post by each actor, on that day."""
    at = EPOCH + timedelta(days=day, hours=10)
    return [
        touch(Kind.LIKE, iid=f"{iid}{a}", actor=f"a{a:03d}", seller=ANA, at=at)
        for a in range(actors)
    ]


def test_liked_again_a_day_later_every_entry_is_replaced_without_a_cancelled_transaction(
    moto_table: Any,
) -> None:
    ledger_table, scores = moto_table("LedgerTable"), moto_table("ScoresTable")
    ledger = Ledger(ledger_table, scores, moto_table("SyncStateTable"))
    assert ledger.record(likes(0, "first")) == ACTORS
    calls: Counter[str] = Counter()

    def count(model: Any, parsed: dict[str, Any], **_: Any) -> None:
        calls[model.name] += 1
        calls["cancelled"] += parsed.get("Error", {}).get("Code") == "TransactionCanceledException"

    events = clients.client("dynamodb").meta.events
    events.register("after-call.dynamodb", count, unique_id="ledger-calls")
    try:
        again = likes(1, "again")  # later: each replaces its actor's like of the day before
        assert ledger.record(again) == ACTORS
    finally:
        events.unregister("after-call.dynamodb", unique_id="ledger-calls")

    # Read: the 120 entries (100 keys a call) and the day-0 rollups taken to 0 (24 items: the
    # network's, the post's and the seller's, on 8 shards). Written: a put and a profile item a
    # like, the 48 rollups of both days and a change mark a transaction, in 100 actions each:
    # 4 (3 if no shard's rollups were cut between two). Writing blind, each transaction was
    # cancelled once for its stored entries and once more for its counts reaching 0.
    assert calls == {"BatchGetItem": 3, "TransactWriteItems": 4, "cancelled": 0}
    assert {  # the day-0 rollups gone, as if the first likes had never been
        i.pop("pk"): {n: v for n, v in i.items() if not isinstance(v, str) or n in KEPT}
        for i in dynamo.scan(scores)
    } == counters(*again)
