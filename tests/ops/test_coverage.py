"""`socialscore coverage` on the demo's stack (moto): the share of the period's organic touches
and points from known contacts, overall and per network, and the anonymous profiles to identify
next (the best organic scores now), by id."""

from __future__ import annotations

from tests.ops.conftest import DeployedStack


def test_coverage_shows_the_share_from_known_contacts_and_whom_to_identify(
    demo_stack: DeployedStack,
) -> None:
    shown = demo_stack.socialscore("coverage", "--as-of", demo_stack.at, "--json")
    text = demo_stack.socialscore("coverage", "--as-of", demo_stack.at)

    assert shown.code == 0, shown.err
    rows = shown.json()["coverage"]
    whole = rows[0]
    assert (whole["network"], whole["seller"]) == ("all", "all")
    assert 0 < whole["linked_touches"] < whole["touches"]  # the demo has both kinds
    assert {r["network"] for r in rows[1:]} >= {"x"}
    anonymous = shown.json()["anonymous"]
    assert anonymous
    assert all("#" in a["profile"] for a in anonymous)  # ids, never a handle
    assert all(a["score"] > 0 and a["touches"] > 0 for a in anonymous)
    assert [a["score"] for a in anonymous] == sorted((a["score"] for a in anonymous), reverse=True)
    assert "Anonymous profiles with the best organic score now" in text.out
