"""profile, leaderboard, posts, opportunity on the demo data, through `--stack`: what they print
equals what the pipeline stored and what crm_sync pushed to the CRM (the file CRM's outbox)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

import pytest

from socialscore.domain.buckets import buckets, facts
from socialscore.domain.decay import score_at
from socialscore.domain.interaction import Category
from socialscore.domain.scoring_model import bundled
from socialscore.domain.touch import Touch
from socialscore.store import dynamo
from socialscore.store.ledger_items import entry_of
from socialscore_local import report
from socialscore_local.paths import DEMO_DIR
from socialscore_ops.people import MOST_PROFILES
from tests.ops.conftest import DeployedStack

pytestmark = pytest.mark.slow  # dealt first: see tests/conftest.py


@pytest.fixture(scope="module")
def counted(demo_stack: DeployedStack) -> list[Touch]:
    """Every counted touch, read straight from the ledger table (once: the tests only read)."""
    entries = (entry_of(i) for i in dynamo.scan(demo_stack.rt.table("LedgerTable")))
    return [t for e in entries if (t := e.counted) is not None]


def pushed(stack: DeployedStack, kind: str) -> list[dict[str, Any]]:
    return [r for r in report.crm_state(stack.rt).values() if r["type"] == kind]


def influence(stack: DeployedStack, by: str) -> dict[str, dict[str, Decimal]]:
    """who -> currency -> amount, as the CRM holds it (`by`: by_seller, by_post): each
    opportunity's amounts added to those of the others in its currency, never across."""
    value: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for opportunity in pushed(stack, "opportunity_influence"):
        for who, amount in opportunity[by].items():
            value[who][opportunity["currency"]] += Decimal(amount)
    return {w: {c: a for c, a in sorted(m.items()) if a} for w, m in value.items()}


def money(shown: dict[str, str]) -> dict[str, Decimal]:
    """The CLI's JSON money, {"EUR": "18500.00", "USD": "74814.06"}."""
    return {currency: Decimal(amount) for currency, amount in shown.items()}


def added(shown: list[dict[str, str]]) -> dict[str, Decimal]:
    """The CLI's JSON money of several rows, added per currency."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for each in shown:
        for currency, amount in money(each).items():
            out[currency] += amount
    return {c: a for c, a in sorted(out.items()) if a}


def profiles(stack: DeployedStack, ids: list[str]) -> list[dict[str, Any]]:
    """`socialscore profile ID... --as-of --json`: each profile as a one-id call shows it
    (tests/ops/test_people.py), in one run of the CLI."""
    assert 1 < len(ids) <= MOST_PROFILES
    answer = stack.socialscore("profile", *ids, "--as-of", stack.at, "--json")
    assert answer.code == 0, answer.err
    views: list[dict[str, Any]] = answer.json()
    assert len(views) == len(ids)
    return views


def test_a_contact_s_profile_shows_the_scores_the_crm_was_given(demo_stack: DeployedStack) -> None:
    records = pushed(demo_stack, "contact_score")
    views = profiles(demo_stack, [r["contact_id"] for r in records])
    for record, view in zip(records, views, strict=True):
        assert view["contact_id"] == record["contact_id"]
        assert round(view["organic"], 2) == record["organic_score"]
        assert round(view["paid"], 2) == record["paid_score"]
        assert view["buckets"] == record["buckets"]  # the CRM's buckets are the profile's
        assert view["identities"]
        assert all(i["consent_basis"] for i in view["identities"])
        whens = [t["occurred_at"] for t in view["last_touches"]]
        assert whens == sorted(whens, reverse=True)
        assert len(whens) <= 10
        if view["last_touches"]:  # the latest organic touch is the CRM's last organic touch
            organic = [t["occurred_at"] for t in view["last_touches"] if t["category"] == "organic"]
            assert organic[0].replace("+00:00", "Z") == record["last_organic_touch"]


def test_an_identity_s_profile_is_its_contact_s_or_its_own_when_anonymous(
    demo_stack: DeployedStack,
    counted: list[Touch],
) -> None:
    links = [i for i in dynamo.scan(demo_stack.rt.table("IdentitiesTable")) if "contact_id" in i]
    linked = links[0]  # the table also keeps each contact's set of identity hashes
    shown = demo_stack.socialscore("profile", linked["identity"], "--json").json()
    assert shown["contact_id"] == linked["contact_id"]
    owners = {i["identity"] for i in links}
    anonymous = next(t.profile for t in counted if t.profile not in owners)
    answer = demo_stack.socialscore("profile", anonymous, "--json")
    assert answer.code == 0, answer.err
    assert answer.json()["contact_id"] is None
    assert answer.json()["identities"] == [
        {"identity": anonymous, "consent_basis": None, "linked_at": None, "owner_id": None}
    ]
    assert answer.json()["touches"] == sum(1 for t in counted if t.profile == anonymous)


def test_an_unknown_profile_is_one_line(demo_stack: DeployedStack) -> None:
    for who, said in [
        ("003ZZZ", "no contact 003ZZZ is linked to a social identity"),
        ("x#999", "no profile x#999: nothing scored and no link"),
    ]:
        answer = demo_stack.socialscore("profile", who)
        assert (answer.code, answer.err) == (2, f"socialscore: {said}\n")


def test_the_leaderboard_counts_the_ledger_and_the_value_the_crm_holds(
    demo_stack: DeployedStack,
    counted: list[Touch],
) -> None:
    board = demo_stack.socialscore("leaderboard", "--json").json()
    points: dict[str, Decimal] = defaultdict(Decimal)
    for t in counted:
        if t.seller_id and t.category is Category.ORGANIC:
            points[t.seller_id] += Decimal(str(t.weight))
    value = influence(demo_stack, "by_seller")
    shown = {r["seller_id"]: r for r in board["sellers"]}
    assert set(shown) == set(points)
    for seller, row in shown.items():
        assert Decimal(row["organic_points"]) == points[seller]
        assert money(row["attributed"]) == value.get(seller, {})
    both = [s for s, row in shown.items() if set(row["attributed"]) == {"EUR", "USD"}]
    assert both, "the demo credits a seller in both currencies"
    assert shown[both[0]]["attributed"] == {c: f"{a}" for c, a in value[both[0]].items()}
    teams = {t["team"]: t for t in board["teams"]}
    for team, row in teams.items():
        mine = [r for r in board["sellers"] if r["team"] == team]
        assert row["sellers"] == len(mine)
        assert Decimal(row["organic_points"]) == sum(Decimal(r["organic_points"]) for r in mine)
        assert money(row["attributed"]) == added([r["attributed"] for r in mine])
    # the table: each currency apart, on the seller's one line
    lines = demo_stack.socialscore("leaderboard").out.splitlines()
    line = next(line for line in lines if line.split()[:1] == [both[0]])
    assert line.endswith(" · ".join(f"{a:,.2f} {c}" for c, a in value[both[0]].items()))


def test_the_leaderboard_since_a_date_and_for_a_team(
    demo_stack: DeployedStack, counted: list[Touch]
) -> None:
    touches = sorted(counted, key=lambda t: t.occurred_at)
    since = touches[len(touches) // 2].occurred_at
    board = demo_stack.socialscore("leaderboard", "--since", since.isoformat(), "--json").json()
    later: dict[str, int] = defaultdict(int)
    for t in touches:
        if t.seller_id and t.category is Category.ORGANIC and t.occurred_at >= since:
            later[t.seller_id] += 1
    assert {r["seller_id"]: r["organic_touches"] for r in board["sellers"]} == dict(later)
    team = board["sellers"][0]["team"]
    only = demo_stack.socialscore("leaderboard", "--team", team, "--json").json()
    assert {r["team"] for r in only["sellers"]} == {team}
    assert [t["team"] for t in only["teams"]] == [team]


def test_posts_count_each_reaction_once_and_carry_the_crm_s_value(
    demo_stack: DeployedStack,
    counted: list[Touch],
) -> None:
    shown = demo_stack.socialscore("posts", "--top", "3", "--json").json()
    everyone = demo_stack.socialscore("posts", "--top", "1000", "--json").json()
    assert shown["posts"] == everyone["posts"][:3]
    kinds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for t in counted:
        if t.post and t.category is Category.ORGANIC:
            kinds[t.post][t.kind.value] += 1
    value = influence(demo_stack, "by_post")
    for row in everyone["posts"]:
        k = kinds[row["post"]]
        assert (row["comments"], row["amplification"], row["applause"]) == (
            k["comment"],
            k["share"] + k["quote"],
            k["like"],
        )
        assert money(row["economic_value"]) == value.get(row["post"], {})
    assert {c for p in everyone["posts"] for c in p["economic_value"]} == {"EUR", "USD"}
    rates = {a["account"]: a for a in everyone["accounts"]}
    for account, row in rates.items():
        mine = [p for p in everyone["posts"] if p["account"] == account]
        assert row["posts"] == len(mine)
        assert row["applause"] == sum(p["applause"] for p in mine) / len(mine)
        assert money(row["economic_value"]) == added([p["economic_value"] for p in mine])


def test_an_opportunity_s_breakdown_under_every_model_is_what_the_crm_holds(
    demo_stack: DeployedStack,
) -> None:
    breakdown = report.outbox_breakdown(demo_stack.rt)  # (opportunity, model, seller, amount)
    for record in pushed(demo_stack, "opportunity_influence"):
        answer = demo_stack.socialscore("opportunity", record["opportunity_id"], "--json")
        assert answer.code == 0, answer.err
        view = answer.json()
        primary = view["by_model"][view["primary"]]
        assert {k: Decimal(v) for k, v in primary["seller"].items() if Decimal(v)} == {
            k: Decimal(v) for k, v in record["by_seller"].items()
        }
        for model, parts in view["by_model"].items():
            held = {
                s: a for o, m, s, a in breakdown if o == record["opportunity_id"] and m == model
            }
            assert {s: Decimal(a) for s, a in parts["seller"].items() if Decimal(a)} == held
    unknown = demo_stack.socialscore("opportunity", "006NOPE")
    assert unknown.code == 2
    assert unknown.err == (
        "socialscore: no opportunity 006NOPE: crm_sync has not seen it (run sync)\n"
    )


def test_a_profile_s_buckets_are_the_model_s_rules_over_its_ledger(
    demo_stack: DeployedStack,
    counted: list[Touch],
) -> None:
    """Every contact's and anonymous profile's buckets, as `profile --json` shows them, are the
    rules evaluated over its touches (every identity's) and scores summed from the ledger."""
    model = bundled()
    as_of = demo_stack.as_of
    links = dynamo.scan(demo_stack.rt.table("IdentitiesTable"))
    owner = {i["identity"]: i["contact_id"] for i in links if "contact_id" in i}  # links only
    mine: dict[str, list[Touch]] = defaultdict(list)
    for t in counted:
        mine[owner.get(t.profile, t.profile)].append(t)

    def score(touches: list[Touch], category: Category) -> float:
        units = sum((t.units for t in touches if t.category is category), Decimal(0))
        return score_at(units, as_of, model.half_life_seconds)

    expected = {
        who: buckets(
            model,
            facts(touches, score(touches, Category.ORGANIC), score(touches, Category.PAID), as_of),
        )
        for who, touches in mine.items()
    }
    ordered = sorted(expected.items())
    for (who, names), view in zip(
        ordered, profiles(demo_stack, [w for w, _ in ordered]), strict=True
    ):
        assert view["buckets"] == names, who
    shown = {name for names in expected.values() for name in names}
    assert {"likely_buyer", "prospect"} <= shown, "the demo has likely buyers and prospects"
    buyer = min(w for w, names in expected.items() if names == ["likely_buyer"])
    line = demo_stack.socialscore("profile", buyer, "--as-of", demo_stack.at).out.splitlines()[1]
    assert line.endswith("   buckets likely_buyer")


def test_a_profile_says_whom_its_hot_lead_or_complaint_goes_to(
    demo_stack: DeployedStack, counted: list[Touch]
) -> None:
    deliveries = json.loads((DEMO_DIR / "webhooks.json").read_text())
    ((contact, owner),) = {
        (e["contact_id"], e["owner_id"])
        for d in deliveries
        for e in d["body"]["events"]
        if "owner_id" in e
    }
    owned = demo_stack.socialscore("profile", contact, "--as-of", demo_stack.at, "--json").json()
    assert owned["owner"] == {"type": "crm_owner", "id": owner}
    assert [i["owner_id"] for i in owned["identities"]] == [owner]

    other = demo_stack.socialscore(
        "profile", "003A000001", "--as-of", demo_stack.at, "--json"
    ).json()
    sellers = Counter(
        t.seller_id
        for t in counted
        if t.profile in {i["identity"] for i in other["identities"]}
        and t.seller_id
        and t.category.value == "organic"
    )
    assert other["owner"]["type"] == "seller"
    assert sellers[other["owner"]["id"]] == max(sellers.values())

    text = demo_stack.socialscore("profile", contact, "--as-of", demo_stack.at)
    assert f"a hot lead or complaint goes to: crm_owner {owner}" in text.out
