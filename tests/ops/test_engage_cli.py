"""`socialscore engage` on the demo data, through `--stack`: the queue holds exactly the
unanswered replies, quotes and mentions of the window that the ledger counts, ranked by the
model's formula, and says why."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from socialscore.domain.engage import answerable
from socialscore.domain.scoring_model import bundled
from socialscore.store import dynamo
from socialscore.store.ledger_items import entry_of
from socialscore.store.sellers import Sellers
from tests.ops.conftest import DeployedStack

MODEL = bundled()


def test_the_queue_is_the_window_s_unanswered_acts_ranked_by_the_formula(
    demo_stack: DeployedStack,
) -> None:
    entries = (entry_of(i) for i in dynamo.scan(demo_stack.rt.table("LedgerTable")))
    counted = [t for e in entries if (t := e.counted) is not None]
    as_of = max(t.occurred_at for t in counted)
    since = as_of - timedelta(hours=MODEL.engage.expire_hours)
    team = Sellers(demo_stack.rt.table("SellersTable")).of_accounts([t.profile for t in counted])
    expected = {
        t.own_post
        for t in counted
        if answerable(t) and since < t.occurred_at <= as_of and t.profile not in team
    }
    assert expected  # the demo stream has acts in its last two days

    answer = demo_stack.socialscore(
        "engage", "--top", "100", "--as-of", as_of.isoformat(), "--json"
    )
    assert answer.code == 0, answer.err
    queue = answer.json()

    assert {e["act"] for e in queue["entries"]} == expected
    assert queue["waiting"] == len(expected)
    ranks = [e["rank"] for e in queue["entries"]]
    assert ranks == sorted(ranks, reverse=True)
    for e in queue["entries"]:
        why = e["why"]
        age = (as_of - datetime.fromisoformat(e["occurred_at"])).total_seconds() / 3600
        assert why["recency"] == pytest.approx(2 ** (-age / MODEL.engage.half_life_hours), abs=1e-4)
        parts = sum(v for k, v in why.items() if k != "recency")
        assert e["rank"] == pytest.approx(parts * why["recency"], abs=0.02)
        assert e["permalink"].startswith("https://x.com/i/web/status/")

    # The same moment written in another time zone: the same queue.
    elsewhere = as_of.astimezone(timezone(timedelta(hours=2))).isoformat()
    shifted = demo_stack.socialscore("engage", "--top", "100", "--as-of", elsewhere, "--json")
    assert shifted.json()["entries"] == queue["entries"]

    text = demo_stack.socialscore("engage", "--top", "2", "--as-of", as_of.isoformat())
    assert text.code == 0
    assert f"top 2 of {len(expected)} unanswered" in text.out
    assert queue["entries"][0]["permalink"] in text.out
    assert "recency)" in text.out


def test_a_top_out_of_range_is_one_line(demo_stack: DeployedStack) -> None:
    answer = demo_stack.socialscore("engage", "--top", "0")
    assert (answer.code, answer.out) == (2, "")
    assert answer.err.strip() == "socialscore: --top takes 1 to 100"
