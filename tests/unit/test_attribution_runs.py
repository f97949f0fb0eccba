"""The attribution job's runs on the stores' fakes: journeys from the ledger (anonymous
profiles' included), conversions from crm_sync's won opportunities, Markov and Shapley shares
stored by version, `channels#latest` the newest; a later run folds in only what changed, through
the change marks crm_sync keeps for it. Resolve, the score stage and crm_sync (the file CRM)
seed the world as on moto (test_crm_sync_runs.World); each fake keeps its table's contract
(tests/integration/test_attribution_stores_contract.py). Moved from
tests/integration/test_attribution_job.py; the job's handler end to end on moto:
tests/integration/test_sample_events.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from socialscore.crm.file import FileCrm
from socialscore.domain.interaction import Kind
from socialscore.domain.journeys import ChannelKind
from socialscore.pipeline.channel_attribution import ChannelAttributionJob
from socialscore.store.sync_state import JOURNEYS_HOLD
from socialscore_local.memory.channel_shares import MemoryChannelShares
from socialscore_local.memory.journey_state import MemoryJourneyChanges, MemoryJourneyState
from tests.integration.support import OPPORTUNITIES, POST_B, rehydrated
from tests.unit.score_world import MODEL
from tests.unit.test_crm_sync_runs import World as CrmWorld

AS_OF = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
VERSION = f"2026-11-22#{MODEL.version}"


class World:
    """C-1: a comment on s-ana's POST_A, a share of POST_B (no seller's), a paid click; its
    006-O1 is won. C-2: a share of POST_A; its 006-O2 is still open. u3 is never identified.
    Seeded through resolve and score, then crm_sync's run of the slot AS_OF stores the deals
    (test_crm_sync_runs.World: the seed and run test_crm_sync_handler makes on moto)."""

    def __init__(self, tmp_path: Path, won: bool = True, channel: ChannelKind = "seller") -> None:
        self.seeded = CrmWorld(tmp_path)
        if won:  # the file CRM's deal moves to Closed Won, and crm_sync stores it
            opportunities = [dict(o) for o in OPPORTUNITIES]
            opportunities[0]["stage"] = "Closed Won"
            self.seeded.opportunities.write_text(json.dumps(opportunities))
        self.seeded.seed()
        self.w = self.seeded.w
        self.crm_sync(AS_OF)
        self.shares = MemoryChannelShares()
        self.job = ChannelAttributionJob(
            links=self.w.links,
            ledger=self.w.ledger,
            opportunities=self.w.sync,
            changes=MemoryJourneyChanges(self.w.sync),
            profiles=self.w.ledger,
            state=MemoryJourneyState(),
            store=self.shares,
            model_version=MODEL.version,
            channel=channel,
        )

    def crm_sync(self, at: datetime) -> None:
        """crm_sync's scheduled run of the slot `at` (its clock the Lambda's: now)."""
        crm = FileCrm(self.seeded.opportunities, self.seeded.outbox)
        self.w.crm_sync(crm, MODEL, lambda: self.w.now).run(at)

    def stored(self, version: str) -> dict[str, Any]:
        result = self.shares.get(version)
        assert result is not None
        return result


def test_shares_by_seller_are_computed_from_the_ledger_and_stored(tmp_path: Path) -> None:
    world = World(tmp_path)

    answer = world.job.run(AS_OF)

    # Journeys (organic touches, by seller): C-1 s-ana > unattributed, converts; C-2 s-ana,
    # lost; u3, never identified, s-ana, lost. start > s-ana 1; s-ana > unattributed 1/3,
    # > null 2/3; unattributed > conversion. P = 1/3; removing either channel leaves P = 0:
    # both effects 1, half the conversion each. Shapley: the one converting set
    # {s-ana, unattributed} splits its conversion evenly.
    result = world.stored(VERSION)
    assert result == answer
    assert (result["channel"], result["journeys"], result["conversions"]) == ("seller", 3, 1)
    assert result["touches"] == 4  # the paid click is left out; the anonymous like counts
    assert result["conversion_probability"] == round(1 / 3, 6)
    assert result["markov"] == {"s-ana": 0.5, "unattributed": 0.5}
    assert result["shapley"] == {"s-ana": 0.5, "unattributed": 0.5}
    assert result["version"] == VERSION
    assert world.stored("latest") == result


def test_channels_by_touch_kind_let_the_two_models_disagree(tmp_path: Path) -> None:
    world = World(tmp_path, channel="kind")

    world.job.run(AS_OF)

    # C-1 comment > share converts, C-2 share is lost, u3's like is lost. start > comment,
    # share, like 1/3 each; comment > share 1; share > conversion 1/2, > null 1/2;
    # like > null. P = 1/3 * 1/2 + 1/3 * 1/2 = 1/3. Without comment: P = 1/6, effect 1/2.
    # Without share: P = 0, effect 1. Without like: P = 1/3, effect 0.
    # Markov shares: comment 0.5/1.5 = 1/3, share 2/3, like 0. Shapley: 1/2, 1/2, 0.
    result = world.stored(VERSION)
    assert result["channel"] == "kind"
    assert result["removal_effects"] == {"comment": 0.5, "like": 0.0, "share": 1.0}
    assert result["markov"] == pytest.approx(
        {"comment": 1 / 3, "like": 0.0, "share": 2 / 3}, abs=1e-6
    )
    assert result["shapley"] == {"comment": 0.5, "like": 0.0, "share": 0.5}


def test_without_a_won_deal_nothing_converts(tmp_path: Path) -> None:
    world = World(tmp_path, won=False)

    world.job.run(AS_OF)

    result = world.stored("latest")
    assert (result["journeys"], result["conversions"]) == (3, 0)  # C-1, C-2 and u3
    assert result["markov"] == {"s-ana": 0.0, "unattributed": 0.0}
    assert result["shapley"] == {"s-ana": 0.0, "unattributed": 0.0}


def test_each_day_is_kept_and_latest_never_moves_back(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.job.run(AS_OF)
    later = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    world.job.run(later)

    world.job.run(AS_OF)  # a retry of the older slot, after the newer one

    newer = VERSION.replace("2026-11-22", "2026-11-23")
    assert set(world.shares.items) == {
        f"channels#{VERSION}",
        f"channels#{newer}",
        "channels#latest",
    }
    assert world.stored("latest")["version"] == newer


def test_a_later_run_folds_in_what_changed_through_the_marks_crm_sync_kept_for_it(
    tmp_path: Path,
) -> None:
    world = World(tmp_path)
    # The score stage marks a change at the time it lands: the runs are slotted around now.
    today = world.w.now.replace(second=0, microsecond=0)
    world.job.run(today)  # the first build: every touched profile
    world.seeded.resolve(
        [rehydrated(6, kind=Kind.COMMENT, actor="u4", post=POST_B, at="2026-11-20T12:00:00Z")]
    )
    # crm_sync takes the same marks; it leaves those the attribution job has not folded.
    world.crm_sync(today + timedelta(minutes=30))
    assert world.w.sync.marks

    answer = world.job.run(today + timedelta(hours=1))

    # u4, never identified, commented on POST_B (no seller's): one more journey, lost. start >
    # s-ana 3/4, > unattributed 1/4; s-ana > unattributed 1/3, > null 2/3; unattributed >
    # conversion 1/2, > null 1/2. P = 1/8 + 1/8 = 1/4; without s-ana 1/8 (effect 1/2), without
    # unattributed 0 (effect 1): Markov 1/3 and 2/3; Shapley still halves {s-ana, unattributed}.
    assert (answer["journeys"], answer["conversions"], answer["touches"]) == (4, 1, 5)
    assert answer["markov"] == {"s-ana": 0.333333, "unattributed": 0.666667}
    assert answer["shapley"] == {"s-ana": 0.5, "unattributed": 0.5}
    # crm_sync keeps the marks from the next run's start on for it.
    assert world.w.sync.items[JOURNEYS_HOLD] == (today + timedelta(hours=1)).isoformat()
