"""The report's attributed opportunities from the splits crm_sync kept with each (report.attributed)
on the memory fakes: the same views as their journeys, without reading one; a late touch shows
after the next crm_sync run; an opportunity with no splits kept, or kept under another model,
is shown from its journey."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from socialscore.aws.batch import Received
from socialscore.domain.attributed import Recorded
from socialscore.domain.interaction import Erase, Kind, Retraction
from socialscore.domain.record_key import Landing
from socialscore.domain.touch import Touch
from socialscore.report.attributed import AttributedOpportunities
from socialscore.report.journeys import Journeys, summed
from socialscore.report.rows import OpportunityView
from socialscore_local.memory.ledger import MemoryTouchLedger
from tests.integration.support import POST_B, identify, rehydrated
from tests.unit.test_crm_sync_runs import MODEL, World


@dataclass
class CountingLedger:
    """The ledger's touches, each read counted."""

    ledger: MemoryTouchLedger
    reads: list[str] = field(default_factory=list)

    def touches_of(self, profile: str) -> list[Touch]:
        self.reads.append(profile)
        return self.ledger.touches_of(profile)


def journeys(world: World, ledger: CountingLedger) -> Journeys:
    links = world.w.links
    return Journeys(links, links.identities_of, ledger, MODEL)


def reader(world: World, ledger: CountingLedger) -> AttributedOpportunities:
    return AttributedOpportunities(world.w.sync, lambda: journeys(world, ledger), MODEL)


def from_journeys(world: World) -> list[OpportunityView]:
    """Every opportunity from its journey: the report's numbers before splits were kept."""
    every = world.w.sync.every_opportunity()
    views = journeys(world, CountingLedger(world.w.ledger)).views(every)
    return sorted(views, key=lambda v: v.id)


def test_the_kept_splits_are_the_journeys_without_reading_the_ledger(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.seed()
    world.run()
    ledger = CountingLedger(world.w.ledger)

    shown = reader(world, ledger).views(None, None)

    assert [v.id for v in shown] == ["006-O1", "006-O2"]
    assert shown == from_journeys(world)
    assert ledger.reads == []  # no journey read: the leaderboard's attributed column is kept
    o1 = shown[0]
    assert o1.by_model["linear"]["seller"] == {
        "s-ana": Decimal("500.00"),
        "unattributed": Decimal("500.00"),
    }


def test_a_late_touch_shows_in_the_split_after_the_next_run(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.seed()
    world.run()
    world.resolve(
        [rehydrated(9, kind=Kind.COMMENT, actor="u2", post=POST_B, at="2026-11-20T12:00:00Z")]
    )
    before = {v.id: v for v in reader(world, CountingLedger(world.w.ledger)).views(None, None)}
    assert before["006-O2"].touches == 1  # the run before: as the CRM holds it

    world.run()

    ledger = CountingLedger(world.w.ledger)
    after = {v.id: v for v in reader(world, ledger).views(None, None)}
    assert after["006-O2"].touches == 2
    assert after["006-O2"].by_model["linear"]["seller"] == {
        "s-ana": Decimal("250.00"),
        "unattributed": Decimal("250.00"),
    }
    assert list(after.values()) == from_journeys(world)
    assert ledger.reads == []


def _scored(world: World, message: Erase | Retraction) -> None:
    world.w.now += timedelta(minutes=1)
    taken = world.w.scorer.take([Received("m0", message, None, 1, 0)], MODEL, world.w.now)
    assert taken.failed == {}


def _retracted(world: World) -> None:
    """u1's share of POST_B (the seed's act 2, one of C-1's) taken back."""
    act = rehydrated(2, kind=Kind.SHARE, actor="u1", post=POST_B, at="2026-11-12T12:00:00Z")
    i = act.interaction
    target = act.target.ref.key if act.target else None
    at = datetime(2026, 11, 21, 12, 30, tzinfo=UTC)
    _scored(
        world,
        Retraction(**{**i.model_dump(include=RETRACTED), "target_post": target}, occurred_at=at),
    )


RETRACTED = {"interaction_id", "source", "network", "kind", "actor_id"}
ERASED_AT = datetime(2026, 11, 21, 12, tzinfo=UTC)
CHANGES: dict[str, Callable[[World], None]] = {
    "a link": lambda w: w.resolve(
        [identify(3, user="u3", contact="C-1", at="2026-11-21T00:00:00Z")]
    ),
    "a relink": lambda w: w.resolve(
        [identify(4, user="u2", contact="C-1", at="2026-11-21T00:00:00Z")]
    ),
    "an identity erased": lambda w: _scored(
        w, Erase(event_id="e-1", source="smms", identity="x#u1", occurred_at=ERASED_AT)
    ),
    "a contact erased": lambda w: _scored(
        w, Erase(event_id="e-2", source="smms", contact_id="C-1", occurred_at=ERASED_AT)
    ),
    "an act retracted": _retracted,
    "a late touch, as backfill sends it": lambda w: w.resolve(
        [rehydrated(8, kind=Kind.COMMENT, actor="u1", post=POST_B, at="2026-11-02T12:00:00Z")]
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_to_a_journey_shows_in_the_kept_splits_after_the_next_run(
    tmp_path: Path, change: str
) -> None:
    # Each event that changes an opportunity's journey marks its contacts for crm_sync, which
    # attributes the opportunity again and keeps the new splits: none is left stale. O1's (C-1's)
    # journey changes: the CRM does not hand O1 back (O2, the newest, is read again each run).
    world = World(tmp_path)
    world.seed()
    world.run()
    before = reader(world, CountingLedger(world.w.ledger)).views(None, None)
    CHANGES[change](world)

    world.run()

    ledger = CountingLedger(world.w.ledger)
    after = reader(world, ledger).views(None, None)
    assert after == from_journeys(world)  # as the journeys are now
    assert after != before  # the change moved a split
    assert ledger.reads == []  # read from what the run kept


def test_an_opportunity_with_no_splits_kept_is_shown_from_its_journey(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.seed()
    world.run()
    o2 = next(o for o in world.w.sync.every_opportunity() if o.id == "006-O2")
    world.w.sync.save(Landing({}, {}), [o2], {})  # as a release before kept it: no splits
    ledger = CountingLedger(world.w.ledger)

    shown = reader(world, ledger).views(None, None)

    assert shown == from_journeys(world)
    assert set(ledger.reads) == set(world.w.links.identities_of("C-2"))  # its journey alone


def test_splits_kept_under_other_attribution_rules_are_not_shown(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.seed()
    world.run()
    sync = world.w.sync
    kept = sync.attributions["006-O1"]
    # Worked out under a model whose `attribution` section differed (its digest).
    stale = kept.model_copy(update={"rules": "older", "touches": 99})
    o1 = next(o for o in sync.every_opportunity() if o.id == "006-O1")
    sync.save(Landing({}, {}, [Recorded(opportunity=o1, attributed=stale)]), [], {})

    shown = reader(world, CountingLedger(world.w.ledger)).views(None, None)

    assert shown == from_journeys(world)
    assert shown[0].touches == 2


def test_a_model_published_with_the_same_attribution_rules_keeps_the_splits_current(
    tmp_path: Path,
) -> None:
    # New weights and a new version, the same `attribution`: the splits do not depend on them, so
    # the report still reads no journey (at 1,000,000 profiles every journey is ~300 s).
    world = World(tmp_path)
    world.seed()
    world.run()
    reweighed = MODEL.model_copy(update={"version": "reweighed", "hot_lead_threshold": 99.0})
    ledger = CountingLedger(world.w.ledger)
    links = world.w.links

    shown = AttributedOpportunities(
        world.w.sync, lambda: Journeys(links, links.identities_of, ledger, reweighed), reweighed
    ).views(None, None)

    assert shown == from_journeys(world)
    assert ledger.reads == []
    moved = MODEL.attribution.model_copy(update={"lookback_days": 30})
    other = MODEL.model_copy(update={"version": "shorter", "attribution": moved})
    assert all(r.current(other) is None for r in world.w.sync.every())  # rules changed: journeys


@pytest.mark.parametrize("others", [0, 5_000])
def test_a_periods_reads_follow_its_opportunities_not_the_tables_other_items(
    tmp_path: Path, others: int
) -> None:
    world = World(tmp_path)
    world.seed()
    world.run()
    sync = world.w.sync
    # The bucket tally's item per profile and pushes: the table's other items.
    sync.items |= {f"tally#x#{n}": {"n": n} for n in range(others)}
    before = dict(sync.r.counts)

    views = reader(world, CountingLedger(world.w.ledger)).views(None, None)

    assert len(views) == 2
    assert {k: n - before.get(k, 0) for k, n in sync.r.counts.items() if n != before.get(k, 0)} == {
        "BatchGetItem": 1,  # the index's marker
        "Query": 1,
    }


@pytest.mark.parametrize("dimension", ["seller", "post", "network"])
def test_the_sums_added_as_read_are_the_sums_of_the_journeys(
    tmp_path: Path, dimension: str
) -> None:
    world = World(tmp_path)
    world.seed()
    world.run()
    o2 = next(o for o in world.w.sync.every_opportunity() if o.id == "006-O2")
    world.w.sync.save(Landing({}, {}), [o2], {})  # one from its journey, one kept
    ledger = CountingLedger(world.w.ledger)

    sums = reader(world, ledger).summed(dimension, None, None)

    assert sums == summed(from_journeys(world), dimension)
    assert set(sums) == {"EUR", "USD"}  # two currencies, never added
    assert set(ledger.reads) == set(world.w.links.identities_of("C-2"))
