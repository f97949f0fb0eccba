"""The people commands on the demo data, through --stack (one demo stack for them all):
profile with several ids, contacts a page at a time, and `socialscore engage`: the queue holds
exactly the unanswered replies, quotes and mentions of the window that the ledger counts, ranked
by the model's formula, and says why."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from socialscore.domain.engage import answerable
from socialscore.domain.scoring_model import bundled
from socialscore.store import dynamo
from socialscore.store.identities import Identities
from socialscore.store.ledger_items import entry_of
from socialscore.store.sellers import Sellers
from tests.ops.conftest import DeployedStack
from tests.unit.cli_answers import socialscore

MODEL = bundled()


def test_many_profiles_in_one_call_and_an_unknown_one_named_apart(
    demo_stack: DeployedStack,
) -> None:
    contacts = sorted(Identities(demo_stack.rt.table("IdentitiesTable")).all_contacts())[:3]
    at = ("--as-of", (demo_stack.as_of - timedelta(days=1)).isoformat())
    answer = demo_stack.socialscore("profile", *contacts, "003ZZZ", *at, "--json")
    assert answer.code == 2  # one was not found: a script must notice
    assert [p["contact_id"] for p in answer.json()] == contacts
    assert answer.err == "socialscore: no contact 003ZZZ is linked to a social identity\n"
    one = demo_stack.socialscore("profile", contacts[0], *at, "--json")
    assert one.code == 0, one.err
    assert one.json() == answer.json()[0]  # one id: the object itself, as before


def test_contacts_pages_through_every_linked_contact_once(demo_stack: DeployedStack) -> None:
    linked = Identities(demo_stack.rt.table("IdentitiesTable")).all_contacts()
    assert len(linked) > 5
    seen: list[str] = []
    after: list[str] = []
    for _ in range(len(linked)):
        answer = demo_stack.socialscore("contacts", "--limit", "4", *after, "--json")
        assert answer.code == 0, answer.err
        page = answer.json()
        assert len(page["contacts"]) <= 5  # a page ends with the whole of its last contact
        for row in page["contacts"]:
            assert row["identities"] == sorted(linked[row["contact_id"]])
            assert row["organic"] >= 0
        seen += [row["contact_id"] for row in page["contacts"]]
        if page["next"] is None:
            break
        after = ["--after", page["next"]]
    assert sorted(seen) == sorted(linked)
    text = demo_stack.socialscore("contacts", "--limit", "2")
    assert text.out.splitlines()[0].split() == [
        "contact",
        "identities",
        "organic",
        "paid",
        "hot",
        "lead",
        "since",
    ]
    # The next page's command runs as printed: where it ran, the page's size, the cursor.
    printed = text.out.splitlines()[-1].removeprefix("next page: ").split()
    assert printed[:6] == ["socialscore", "--stack", demo_stack.name, "contacts", "--limit", "2"]
    second = socialscore(*printed[1:], "--json")
    assert second.code == 0
    assert len(json.loads(second.out)["contacts"]) == 2


def test_a_cursor_that_no_page_printed_is_one_line(demo_stack: DeployedStack) -> None:
    answer = demo_stack.socialscore("contacts", "--after", "not-a-cursor")
    assert (answer.code, answer.err) == (
        2,
        "socialscore: --after takes the cursor a page printed (next page: ...)\n",
    )


# --- engage ---------------------------------------------------------------------------------
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
