"""The attribution job on moto: journeys from the ledger (anonymous profiles' included),
conversions from crm_sync's won opportunities, Markov and Shapley shares stored by version,
`channels#latest` the newest; a later day folds in only what changed, through the change marks
crm_sync keeps for it."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socialscore.domain import scoring_model
from socialscore.domain.interaction import Kind
from socialscore.domain.record_key import Landing
from socialscore.store.journey_state import JourneyChanges
from socialscore.store.sync_state import SyncState
from tests.integration.support import POST_B, Stack, rehydrated
from tests.integration.test_crm_sync_handler import seed_touches

FN = "AttributionFunction"
AS_OF = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
VERSION = f"2026-11-22#{scoring_model.bundled().version}"


def seed(stack: Stack, won: bool = True) -> None:
    """C-1: a comment on s-ana's POST_A, a share of POST_B (no seller's), a paid click; its
    006-O1 is won. C-2: a share of POST_A; its 006-O2 is still open. u3 is never identified."""
    seed_touches(stack)
    if won:  # the file CRM's deal moves to Closed Won, and crm_sync stores it
        crm = stack.rt.workdir / "crm" / "opportunities.json"
        opportunities = json.loads(crm.read_text())
        opportunities[0]["stage"] = "Closed Won"
        crm.write_text(json.dumps(opportunities))
    stack.rt.run_schedule("CrmSyncFunction", at=AS_OF)


def stored(stack: Stack, version: str) -> dict[str, Any]:
    item = stack.by_key("SyncStateTable", "key")[f"channels#{version}"]
    result: dict[str, Any] = json.loads(item["result"])
    return result


def test_shares_by_seller_are_computed_from_the_ledger_and_stored(stack: Stack) -> None:
    seed(stack)

    answer = stack.rt.run_schedule(FN, at=AS_OF)

    # Journeys (organic touches, by seller): C-1 s-ana > unattributed, converts; C-2 s-ana,
    # lost; u3, never identified, s-ana, lost. start > s-ana 1; s-ana > unattributed 1/3,
    # > null 2/3; unattributed > conversion. P = 1/3; removing either channel leaves P = 0:
    # both effects 1, half the conversion each. Shapley: the one converting set
    # {s-ana, unattributed} splits its conversion evenly.
    result = stored(stack, VERSION)
    assert result == answer
    assert (result["channel"], result["journeys"], result["conversions"]) == ("seller", 3, 1)
    assert result["touches"] == 4  # the paid click is left out; the anonymous like counts
    assert result["conversion_probability"] == round(1 / 3, 6)
    assert result["markov"] == {"s-ana": 0.5, "unattributed": 0.5}
    assert result["shapley"] == {"s-ana": 0.5, "unattributed": 0.5}
    assert result["version"] == VERSION
    assert stored(stack, "latest") == result


def test_channels_by_touch_kind_let_the_two_models_disagree(
    start_stack: Callable[..., AbstractContextManager[Stack]],
) -> None:
    with start_stack(ATTRIBUTION_CHANNEL="kind") as stack:
        seed(stack)

        stack.rt.run_schedule(FN, at=AS_OF)

        # C-1 comment > share converts, C-2 share is lost, u3's like is lost. start > comment,
        # share, like 1/3 each; comment > share 1; share > conversion 1/2, > null 1/2;
        # like > null. P = 1/3 * 1/2 + 1/3 * 1/2 = 1/3. Without comment: P = 1/6, effect 1/2.
        # Without share: P = 0, effect 1. Without like: P = 1/3, effect 0.
        # Markov shares: comment 0.5/1.5 = 1/3, share 2/3, like 0. Shapley: 1/2, 1/2, 0.
        result = stored(stack, VERSION)
        assert result["channel"] == "kind"
        assert result["removal_effects"] == {"comment": 0.5, "like": 0.0, "share": 1.0}
        assert result["markov"] == pytest.approx(
            {"comment": 1 / 3, "like": 0.0, "share": 2 / 3}, abs=1e-6
        )
        assert result["shapley"] == {"comment": 0.5, "like": 0.0, "share": 0.5}


def test_without_a_won_deal_nothing_converts(stack: Stack) -> None:
    seed(stack, won=False)

    stack.rt.run_schedule(FN, at=AS_OF)

    result = stored(stack, "latest")
    assert (result["journeys"], result["conversions"]) == (3, 0)  # C-1, C-2 and u3
    assert result["markov"] == {"s-ana": 0.0, "unattributed": 0.0}
    assert result["shapley"] == {"s-ana": 0.0, "unattributed": 0.0}


def test_each_day_is_kept_and_latest_never_moves_back(stack: Stack) -> None:
    seed(stack)
    stack.rt.run_schedule(FN, at=AS_OF)
    later = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    stack.rt.run_schedule(FN, at=later)

    stack.rt.run_schedule(FN, at=AS_OF)  # a retry of the older slot, after the newer one

    keys = {k for k in stack.by_key("SyncStateTable", "key") if k.startswith("channels#")}
    newer = VERSION.replace("2026-11-22", "2026-11-23")
    assert keys == {f"channels#{VERSION}", f"channels#{newer}", "channels#latest"}
    assert stored(stack, "latest")["version"] == newer


def test_a_later_run_folds_in_what_changed_through_the_marks_crm_sync_kept_for_it(
    stack: Stack,
) -> None:
    seed(stack)
    # The score stage marks a change at the time it lands: the runs are slotted around now.
    today = datetime.now(UTC).replace(second=0, microsecond=0)
    stack.rt.run_schedule(FN, at=today)  # the first build: every touched profile
    stack.send(
        "ResolveQueue",
        [rehydrated(6, kind=Kind.COMMENT, actor="u4", post=POST_B, at="2026-11-20T12:00:00Z")],
    )
    stack.rt.drain()
    # crm_sync takes the same marks; it leaves those the attribution job has not folded.
    stack.rt.run_schedule("CrmSyncFunction", at=today + timedelta(minutes=30))
    assert any(k.startswith("changed#") for k in stack.by_key("SyncStateTable", "key"))

    answer = stack.rt.run_schedule(FN, at=today + timedelta(hours=1))

    # u4, never identified, commented on POST_B (no seller's): one more journey, lost. start >
    # s-ana 3/4, > unattributed 1/4; s-ana > unattributed 1/3, > null 2/3; unattributed >
    # conversion 1/2, > null 1/2. P = 1/8 + 1/8 = 1/4; without s-ana 1/8 (effect 1/2), without
    # unattributed 0 (effect 1): Markov 1/3 and 2/3; Shapley still halves {s-ana, unattributed}.
    assert (answer["journeys"], answer["conversions"], answer["touches"]) == (4, 1, 5)
    assert answer["markov"] == {"s-ana": 0.333333, "unattributed": 0.666667}
    assert answer["shapley"] == {"s-ana": 0.5, "unattributed": 0.5}
    # crm_sync keeps the marks from the next run's start on for it.
    hold = stack.by_key("SyncStateTable", "key")["run#journeys"]
    assert hold["value"] == (today + timedelta(hours=1)).isoformat()


def test_crm_sync_leaves_the_marks_the_job_has_not_folded_and_the_job_deletes_them(
    stack: Stack,
) -> None:
    table = stack.table("SyncStateTable")
    state, feed = SyncState(table), JourneyChanges(table)
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    state.mark_changed(at + timedelta(minutes=1), profiles=["x#1"])
    feed.hold(at)  # the job's run opened with its bookmark here
    crm_run = at + timedelta(minutes=30)
    state.save(Landing({}, {}), [], {"last_run": crm_run.isoformat()})

    state.consumed(at - timedelta(hours=1), crm_run)  # crm_sync took its window

    assert state.changed_since(at, crm_run) == ({"x#1"}, set())
    feed.folded(at, at + timedelta(hours=1))  # folded here, taken by crm_sync: deleted
    assert state.changed_since(at, crm_run) == (set(), set())
    assert not [k for k in stack.by_key("SyncStateTable", "key") if k.startswith("changed#")]
