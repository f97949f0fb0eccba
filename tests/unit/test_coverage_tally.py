"""Identity coverage kept by the bucket tally, at its limits, on the memory fakes (which refuse
what DynamoDB refuses: a transaction of over 100 actions, an item over 400 KB,
docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html): a contact with
touches on every day the tally keeps, on 50 sellers' posts each day, is moved in one transaction
and its item holds its part; the day items equal a recount."""

from __future__ import annotations

from datetime import UTC, timedelta

from socialscore.domain.coverage import KEPT_DAYS, kept_days
from socialscore.pipeline.bucket_tally import rebuild
from socialscore.pipeline.resolution import relink
from socialscore.store.coverage_tally import COVER_PREFIX
from socialscore_local.memory.bucket_tally import ITEM_LIMIT, TRANSACTION_LIMIT
from tests.integration.support import identify
from tests.unit.tally_world import MODEL, NONE, TallyWorld, touch

DAY = timedelta(days=1)
SELLERS = [f"s-{n:02d}" for n in range(50)]


def test_a_contact_touching_every_kept_day_fits_one_transaction_and_one_item() -> None:
    w = TallyWorld()
    rebuild(w.store, MODEL, w.now, {}, [], {})
    relink([identify("k", user="u1", contact="C-1", at=w.now)], [], w.links, w.sync, w.now)
    first, last = kept_days(w.now)
    days = (last - first).days + 1
    assert days == KEPT_DAYS + 2  # 90 days before the run's, its own, the day after
    at = w.now - KEPT_DAYS * DAY
    w.ledger.record([touch("u1", at + d * DAY, seller=s) for d in range(days) for s in SELLERS])

    report = w.step(w.now, None, w.now, NONE)

    assert report.failed == []  # no TooManyActions, no ItemTooLarge
    assert report.left == 0
    # One transaction: the unit, the counts, two due entries and the day items, 96 of the 100.
    assert len([k for k in w.store.items if k.startswith(COVER_PREFIX)]) == days
    assert 1 + 1 + 2 + days <= TRANSACTION_LIMIT
    unit = w.store.items["tally#unit#c:C-1"]
    assert len(unit["cv"]) < ITEM_LIMIT / 4  # 92 days x (1 network + 50 sellers): ~80 KB
    today = w.now.astimezone(UTC).date()
    for span in (6, 29, 89, 90):
        assert w.kept_cover(today - span * DAY, today + DAY) == w.expected_cover(
            today - span * DAY, today + DAY
        )
