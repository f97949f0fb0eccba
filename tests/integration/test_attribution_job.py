"""The attribution job on moto: journeys from the ledger, conversions from crm_sync's won
opportunities, Markov and Shapley shares stored by version, `channels#latest` the newest."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import pytest

from socialscore.domain import scoring_model
from tests.integration.support import Stack
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
    # lost. start > s-ana 1; s-ana > unattributed 1/2, > null 1/2; unattributed > conversion.
    # P = 1/2; removing either channel leaves P = 0: both effects 1, half the conversion each.
    # Shapley: the one converting set {s-ana, unattributed} splits its conversion evenly.
    result = stored(stack, VERSION)
    assert result == answer
    assert (result["channel"], result["journeys"], result["conversions"]) == ("seller", 2, 1)
    assert result["touches"] == 3  # the paid click and the anonymous like are left out
    assert result["conversion_probability"] == 0.5
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

        # C-1 comment > share converts, C-2 share is lost. start > comment 1/2, > share 1/2;
        # comment > share 1; share > conversion 1/2, > null 1/2. P = 1/2 * 1/2 + 1/2 * 1/2
        # = 1/2. Without comment: P = 1/4, effect 1/2. Without share: P = 0, effect 1.
        # Markov shares: comment 0.5/1.5 = 1/3, share 2/3. Shapley: 1/2 each.
        result = stored(stack, VERSION)
        assert result["channel"] == "kind"
        assert result["removal_effects"] == {"comment": 0.5, "share": 1.0}
        assert result["markov"] == pytest.approx({"comment": 1 / 3, "share": 2 / 3}, abs=1e-6)
        assert result["shapley"] == {"comment": 0.5, "share": 0.5}


def test_without_a_won_deal_nothing_converts(stack: Stack) -> None:
    seed(stack, won=False)

    stack.rt.run_schedule(FN, at=AS_OF)

    result = stored(stack, "latest")
    assert (result["journeys"], result["conversions"]) == (2, 0)
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
