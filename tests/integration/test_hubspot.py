"""The HubSpot adapter's real HTTP code against the local stub of the HubSpot API."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from socialscore.crm.base import CrmStopped, Push, PushOutcome
from socialscore.crm.hubspot import HubSpotCrm
from socialscore.crm.hubspot_read import OVERLAP
from socialscore.domain import record_key as rk
from socialscore.domain.opportunity import (
    ContactScore,
    HotLeadTask,
    InfluenceRecord,
    OpportunityInfluence,
)
from socialscore.domain.record_key import RecordKey
from socialscore.domain.scoring_model import BucketRule, bundled
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.hubspot_setup import setup

T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)
SEARCH = "/crm/v3/objects/deals/search"
ASSOCIATIONS = "/crm/v4/associations/deals/contacts/batch/read"
CONTACTS_UPDATE = "/crm/v3/objects/contacts/batch/update"
INFLUENCE = "/crm/v3/objects/p_socialscore_influence"


class Clock:
    """A simulated clock: the stub's `sleep` moves it, and so do the tests."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Sleeps(list[float]):
    """The adapter's pauses, recorded; each also passes on `clock` (the stub's), when given."""

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__()
        self.clock = clock

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        if self.clock is not None:
            self.clock.sleep(seconds)


class Token:
    """The secret as Powertools serves it: the cached value until asked to fetch it afresh."""

    def __init__(self, value: str, source: HubSpotStub | None = None) -> None:
        self.cached = value
        self.source = source  # where a refresh reads the current token; None: it never changes
        self.refreshes = 0

    def __call__(self, refresh: bool) -> str:
        if refresh:
            self.refreshes += 1
            self.cached = self.source.token if self.source else self.cached
        return self.cached


@pytest.fixture
def stub() -> Iterator[HubSpotStub]:
    with HubSpotStub() as s:
        yield s


@pytest.fixture
def ready(stub: HubSpotStub) -> HubSpotStub:
    """An account `setup` has run on, with its requests forgotten."""
    setup(crm(stub))
    stub.calls.clear()
    return stub


def crm(stub: HubSpotStub, sleeps: Sleeps | None = None, **kwargs: Any) -> HubSpotCrm:
    token = kwargs.pop("token", None) or Token(stub.token, stub)
    return HubSpotCrm(token, stub.url, sleep=sleeps if sleeps is not None else Sleeps(), **kwargs)


def deals(n: int, start: datetime = T0, first: int = 1000, **fields: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": str(first + k),
            "contact_ids": [str(50_000 + first + k)],
            "amount": "1000",
            "currency": "EUR",
            "created_at": start - timedelta(days=3),
            "modified_at": start + timedelta(seconds=k),
            "stage": "qualifiedtobuy",
        }
        | fields
        for k in range(n)
    ]


def contacts(n: int, first: int = 7000) -> list[dict[str, Any]]:
    return [{"id": str(first + k)} for k in range(n)]


def score(contact: str, organic: float = 4.25, last_touch: datetime | None = None) -> ContactScore:
    return ContactScore(
        contact_id=contact,
        organic_score=organic,
        paid_score=1,
        model_version="v3",
        last_organic_touch=last_touch,
    )


def record(key: str, deal: str = "1000", amount: str = "125.50") -> InfluenceRecord:
    return InfluenceRecord(
        key=key,
        opportunity_id=deal,
        model="linear",
        seller_id="s-ana",
        team="enterprise",
        network="x",
        amount=Decimal(amount),
        currency="EUR",
        touches=3,
    )


def influence(deal: str) -> OpportunityInfluence:
    return OpportunityInfluence(
        opportunity_id=deal,
        currency="EUR",
        attributed_amount=Decimal("250.00"),
        attribution_model="linear",
        touches=4,
        by_seller={},
        by_post={},
        by_network={},
    )


def millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


# --- reading deals ----------------------------------------------------------------------------
def test_deals_changed_since_the_checkpoint_are_searched_100_a_page_oldest_first(
    stub: HubSpotStub,
) -> None:
    stub.seed(deals=deals(250) + deals(5, start=T0 - timedelta(hours=1), first=5000))
    stub.seed(deals=deals(1, T0 + timedelta(seconds=1), 1001, amount=None, currency=None))

    found = crm(stub).changed_opportunities(T0)

    assert [o.id for o in found] == [str(1000 + k) for k in range(250)]  # inclusive of T0
    bodies = stub.bodies(SEARCH)
    assert len(bodies) == 3
    for body in bodies:
        assert body["limit"] == 100
        assert body["sorts"] == [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]
        assert body["properties"] == [
            "amount",
            "deal_currency_code",
            "createdate",
            "hs_lastmodifieddate",
            "dealstage",
        ]
    # The first starts OVERLAP (five minutes) before the checkpoint, for the search index's lag;
    # each page re-anchors at the last change it read (GTE: the deals of that millisecond again).
    anchors = [b["filterGroups"][0]["filters"] for b in bodies]
    assert anchors == [
        [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": millis(T0 + s)}]
        for s in (-OVERLAP, timedelta(seconds=99), timedelta(seconds=198))
    ]
    assert timedelta(minutes=5) == OVERLAP  # as the README states
    first, second = found[0], found[1]
    assert first.amount == Decimal("1000.00")
    assert first.currency == "EUR"
    assert first.contact_ids == ["51000"]
    assert first.created_at == T0 - timedelta(days=3)
    assert first.modified_at == T0
    assert first.stage == "qualifiedtobuy"
    assert second.amount == Decimal(0)  # no amount
    assert second.currency == "USD"  # no deal currency: the account's company currency


def test_more_deals_than_the_search_cap_and_a_full_page_in_one_millisecond_are_all_read(
    stub: HubSpotStub,
) -> None:
    stub.search_cap = 150  # HubSpot's 10,000, lowered
    instant = T0 + timedelta(hours=1)
    stub.seed(deals=deals(50, start=T0 - timedelta(hours=1), first=1000))
    stub.seed(deals=[d | {"modified_at": instant} for d in deals(180, first=2000)])  # an import
    stub.seed(deals=deals(200, start=instant + timedelta(seconds=1), first=3000))
    clock = stub.store.clock = Clock(T0 + timedelta(days=1))  # time passes only as it waits
    sleeps = Sleeps(clock)
    adapter = crm(stub, sleeps)

    found = adapter.changed_opportunities(None)

    assert sorted(o.id for o in found) == sorted(
        [str(1000 + k) for k in range(50)]
        + [str(2000 + k) for k in range(180)]
        + [str(3000 + k) for k in range(200)]
    )
    searches = [c for c in stub.calls if c.path == SEARCH]
    # None refused for its offset; the sixth search within a second is refused for HubSpot's
    # five a second, and the adapter waits that second out before it searches again.
    assert {c.status for c in searches} == {200, 429}
    assert sleeps == [1.0] * [c.status for c in searches].count(429)
    # The instant's 180 deals were read apart, by id, sorted by id.
    by_id = [c.body for c in searches if c.body["sorts"][0]["propertyName"] == "hs_object_id"]
    assert len(by_id) == 2
    # The stub refuses an offset past its cap as HubSpot does: the adapter never sends one.
    assert adapter.api.call("POST", SEARCH, {"after": "150", "limit": 100}).status == 400


def test_a_deal_edited_while_the_search_pages_hides_no_other(stub: HubSpotStub) -> None:
    stub.seed(deals=deals(250))
    clock = stub.store.clock = Clock(T0 + timedelta(days=2))

    def edited() -> None:  # before the second page is read, and indexed by then
        stub.touch_deal("1000")
        clock.sleep(stub.store.index_lag)

    stub.on_call(2, edited)

    found = crm(stub).changed_opportunities(T0)

    assert sorted(o.id for o in found) == [str(1000 + k) for k in range(250)]
    assert found[-1].id == "1000"  # seen again with its new modification time, once
    assert found[-1].modified_at == T0 + timedelta(days=2)


def test_contacts_are_read_for_100_deals_a_call_and_a_deal_with_many_is_paged(
    stub: HubSpotStub,
) -> None:
    stub.association_page = 3
    many = [str(60_000 + k) for k in range(7)]
    stub.seed(deals=deals(248))
    stub.seed(deals=deals(1, first=4000, contact_ids=many) + deals(1, first=4001, contact_ids=[]))

    found = {o.id: o for o in crm(stub).changed_opportunities(T0)}

    inputs = [b["inputs"] for b in stub.bodies(ASSOCIATIONS)]
    assert [len(i) for i in inputs] == [100, 100, 50, 1, 1]
    assert inputs[3:] == [[{"id": "4000", "after": "3"}], [{"id": "4000", "after": "6"}]]
    assert found["4000"].contact_ids == many
    assert found["4001"].contact_ids == []
    assert found["1100"].contact_ids == ["51100"]


# --- writing ----------------------------------------------------------------------------------
def test_250_contact_scores_take_3_calls_of_at_most_100(ready: HubSpotStub) -> None:
    ready.seed(contacts=contacts(250))

    outcome = crm(ready).push(Push(scores=[score(str(7000 + k)) for k in range(250)]))

    assert outcome == PushOutcome(failed={}, calls=3)
    assert [len(b["inputs"]) for b in ready.bodies(CONTACTS_UPDATE)] == [100, 100, 50]
    # The stub refuses 101 inputs as HubSpot does: a larger batch would have failed above.
    too_many = {"inputs": [{"id": str(7000 + k), "properties": {}} for k in range(101)]}
    assert crm(ready).api.call("POST", CONTACTS_UPDATE, too_many).status == 400
    landed = ready.contact("7249")
    assert landed is not None
    assert landed["socialscore_organic_score"] == "4.25"
    assert landed["socialscore_paid_score"] == "1"
    assert landed["socialscore_model_version"] == "v3"
    assert landed["socialscore_last_organic_touch"] == ""  # none known: empty


def test_the_last_organic_touch_lands_as_a_datetime_and_none_empties_it(
    ready: HubSpotStub,
) -> None:
    ready.seed(contacts=contacts(2))
    touched = datetime(2026, 11, 12, 12, 30, 5, 250_000, tzinfo=UTC)
    adapter = crm(ready)

    adapter.push(Push(scores=[score("7000", last_touch=touched), score("7001", last_touch=T0)]))

    sent = ready.bodies(CONTACTS_UPDATE)[0]["inputs"][0]["properties"]
    assert sent["socialscore_last_organic_touch"] == "2026-11-12T12:30:05.250Z"  # ISO 8601, UTC
    assert (ready.contact("7000") or {})["socialscore_last_organic_touch"] == sent[
        "socialscore_last_organic_touch"
    ]
    assert adapter.push(Push(scores=[score("7000")], erased=["7001"])).failed == {}
    for contact in ("7000", "7001"):  # no organic touch left; erased
        assert (ready.contact(contact) or {})["socialscore_last_organic_touch"] == ""


def test_the_stub_takes_a_datetime_as_hubspot_does(ready: HubSpotStub) -> None:
    ready.seed(contacts=contacts(1))
    api = crm(ready).api

    def update(value: str) -> Any:
        body = {"inputs": [{"id": "7000", "properties": {"socialscore_last_organic_touch": value}}]}
        return api.call("POST", CONTACTS_UPDATE, body)

    assert update(millis(T0)).status == 200  # epoch milliseconds
    assert (ready.contact("7000") or {})[
        "socialscore_last_organic_touch"
    ] == "2026-11-01T09:00:00.000Z"
    assert update("2026-11-01T10:00:00+01:00").status == 200  # ISO 8601, any zone
    assert (ready.contact("7000") or {})[
        "socialscore_last_organic_touch"
    ] == "2026-11-01T09:00:00.000Z"
    refused = update("1 November 2026")
    assert (refused.status, refused.category) == (400, "VALIDATION_ERROR")
    assert "INVALID_LONG" in str(refused.document)


def test_an_account_set_up_before_the_last_touch_refuses_contacts_until_setup_runs_again(
    ready: HubSpotStub,
) -> None:
    del ready.store.properties["contacts"]["socialscore_last_organic_touch"]  # an older setup
    ready.seed(deals=deals(1), contacts=contacts(1))
    adapter = crm(ready)
    push = Push(scores=[score("7000", last_touch=T0)], influences=[influence("1000")])

    outcome = adapter.push(push)

    assert outcome.failed == {rk.contact("7000"): "http_400:VALIDATION_ERROR"}
    body = {"inputs": [{"id": "7000", "properties": {"socialscore_last_organic_touch": ""}}]}
    answer = adapter.api.call("POST", CONTACTS_UPDATE, body)
    assert answer.status == 400
    assert "PROPERTY_DOESNT_EXIST" in answer.document["message"]
    assert (ready.deal("1000") or {})["socialscore_attributed_amount"] == "250.00"
    assert setup(adapter).created == ["property contacts.socialscore_last_organic_touch"]
    assert adapter.push(push).failed == {}
    assert (ready.contact("7000") or {})[
        "socialscore_last_organic_touch"
    ] == "2026-11-01T09:00:00.000Z"


def test_calls_per_push_are_ceil_of_records_over_100_for_each_object_written(
    ready: HubSpotStub,
) -> None:
    ready.seed(deals=deals(120), contacts=[*contacts(280), {"id": "9000", "owner": "31"}])
    adapter = crm(ready)
    assert adapter.push(Push(records=[record(f"old-{k}") for k in range(150)])).failed == {}
    ready.calls.clear()
    push = Push(
        scores=[score(str(7000 + k)) for k in range(250)],
        erased=[str(7250 + k) for k in range(30)],
        influences=[influence(str(1000 + k)) for k in range(120)],
        records=[record(f"new-{k}", deal=str(1000 + k % 120)) for k in range(230)],
        retired=[f"old-{k}" for k in range(150)],
        hot_leads=[HotLeadTask(profile="x#9", contact_id="9000", organic_score=9, threshold=8)],
    )

    outcome = adapter.push(push)

    assert outcome.failed == {}
    contacts_calls = math.ceil(280 / 100)  # scores and erasures: one stream of updates
    deals_calls = math.ceil(120 / 100)
    records_calls = 2 * math.ceil(230 / 100)  # upsert, associate to the deal
    retired_calls = 2 * math.ceil(150 / 100)  # read ids by key, archive
    hot_calls = 3 * math.ceil(1 / 100)  # owner, existing task, create
    expected = contacts_calls + deals_calls + records_calls + retired_calls + hot_calls
    assert outcome.calls == expected == len(ready.calls) == 18
    assert all(len(c.body["inputs"]) <= 100 for c in ready.calls)
    assert all(c.status < 300 for c in ready.calls)  # 207: the hot lead has no task yet


def test_upserting_a_record_twice_keeps_one_record_with_the_latest_amount(
    ready: HubSpotStub,
) -> None:
    ready.seed(deals=deals(2))
    adapter = crm(ready)
    first = Push(records=[record("1000#linear#s-ana"), record("1001#linear#s-ana", deal="1001")])
    again = Push(records=[record("1000#linear#s-ana", amount="300.00")])

    assert adapter.push(first).failed == {}
    assert adapter.push(again) == PushOutcome(failed={}, calls=2)

    held = ready.influence()
    assert sorted(held) == ["1000#linear#s-ana", "1001#linear#s-ana"]
    assert held["1000#linear#s-ana"]["amount"] == "300.00"
    assert held["1000#linear#s-ana"]["_deals"] == ["1000"]
    assert held["1001#linear#s-ana"]["seller_id"] == "s-ana"
    assert held["1001#linear#s-ana"]["post"] == ""


def test_a_207_answer_fails_its_records_by_key_and_the_others_land(ready: HubSpotStub) -> None:
    """A contact or deal deleted in HubSpot (OBJECT_NOT_FOUND) is done, not failed: it has
    nowhere to take a score or a headline, and a failure would be retried every run."""
    ready.seed(deals=deals(2), contacts=contacts(3))
    ready.reject("bad-key")  # HubSpot refuses this one input of the upsert
    push = Push(
        scores=[score("7000"), score("404404"), score("7002")],
        influences=[influence("1000"), influence("999999")],
        records=[record("good-key"), record("bad-key")],
    )

    outcome = crm(ready).push(push)

    assert outcome.failed == {rk.influence("bad-key"): "VALIDATION_ERROR"}
    assert ready.contact("404404") is None  # nothing created for them
    assert ready.deal("999999") is None
    assert (ready.contact("7002") or {})["socialscore_organic_score"] == "4.25"
    assert (ready.deal("1000") or {})["socialscore_attributed_amount"] == "250.00"
    assert list(ready.influence()) == ["good-key"]


def test_the_ten_secondly_limit_waits_and_the_push_goes_on(ready: HubSpotStub) -> None:
    ready.seed(contacts=contacts(250))
    ready.rate_limit_next("TEN_SECONDLY_ROLLING", after=1, retry_after=2)
    ready.rate_limit_next("TEN_SECONDLY_ROLLING")  # then one without Retry-After
    sleeps = Sleeps()

    outcome = crm(ready, sleeps).push(Push(scores=[score(str(7000 + k)) for k in range(250)]))

    assert sleeps == [2.0, 1.0]
    assert outcome == PushOutcome(failed={}, calls=5)  # the two 429s count: they are calls
    assert [c.status for c in ready.calls] == [200, 429, 429, 200, 200]
    assert (ready.contact("7249") or {}).get("socialscore_organic_score") == "4.25"


def test_the_daily_limit_stops_the_run_at_once_with_every_unwritten_key(
    ready: HubSpotStub,
) -> None:
    ready.seed(deals=deals(1), contacts=contacts(250))
    ready.exhaust_daily(after=1)
    sleeps = Sleeps()
    push = Push(scores=[score(str(7000 + k)) for k in range(250)], influences=[influence("1000")])

    with pytest.raises(CrmStopped) as stopped:
        crm(ready, sleeps).push(push)

    assert stopped.value.reason == "daily_limit"
    assert [c.status for c in ready.calls] == [200, 429]  # no call after the 429
    assert sleeps == []
    unwritten = [rk.contact(str(7000 + k)) for k in range(100, 250)] + [rk.opportunity("1000")]
    assert stopped.value.outcome == PushOutcome(
        failed=dict.fromkeys(unwritten, "stopped:daily_limit"), calls=2
    )
    with pytest.raises(CrmStopped, match="daily_limit"):
        crm(ready).changed_opportunities(T0)
    assert len(ready.calls) == 3


def only(push: Push, keys: set[RecordKey]) -> Push:
    """The part of `push` whose keys are in `keys`: what crm_sync sends again after a failure."""
    return Push(
        scores=[s for s in push.scores if RecordKey.of(s) in keys],
        influences=[i for i in push.influences if RecordKey.of(i) in keys],
        records=[r for r in push.records if RecordKey.of(r) in keys],
        retired=[k for k in push.retired if rk.retired(k) in keys],
        erased=[c for c in push.erased if rk.erased(c) in keys],
        hot_leads=[h for h in push.hot_leads if RecordKey.of(h) in keys],
    )


def landed(stub: HubSpotStub) -> dict[str, Any]:
    """What a push left in the account, without HubSpot's ids and timestamps."""

    def mine(properties: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in properties.items() if not k.startswith(("hs_", "create", "last"))}

    return {
        "contacts": {i: mine(p) for i, p in stub.store.records["contacts"].items()},
        "deals": {i: mine(p) for i, p in stub.store.records["deals"].items()},
        "influence": {k: mine(p) for k, p in stub.influence().items()},
        "tasks": sorted(str(sorted(mine(t).items())) for t in stub.tasks()),
    }


@pytest.mark.parametrize("gdpr_delete", [False, True])
def test_a_run_stopped_at_any_call_converges_when_its_failed_keys_are_pushed_again(
    gdpr_delete: bool,
) -> None:
    push = Push(
        scores=[score("7000"), score("7001"), score("7002", organic=9.5)],
        erased=["7001"],
        influences=[influence("1000"), influence("1001")],
        records=[record("k1"), record("k2", deal="1001"), record("k3", amount="1.10")],
        retired=["k0"],
        hot_leads=[
            HotLeadTask(profile="x#1", contact_id="7000", organic_score=12, threshold=10),
            HotLeadTask(profile="x#2", contact_id="7002", organic_score=11, threshold=10),
        ],
    )

    @contextmanager
    def account() -> Iterator[HubSpotStub]:
        with HubSpotStub() as stub:
            setup(crm(stub))
            stub.seed(deals=deals(2), contacts=[*contacts(3), {"id": "7000", "owner": "31"}])
            crm(stub).push(Push(scores=[score("7001")], records=[record("k0")]))
            stub.calls.clear()
            yield stub

    with account() as clean:
        calls = crm(clean, gdpr_delete=gdpr_delete).push(push).calls
        expected = landed(clean)
    assert calls == 9 + gdpr_delete
    for n in range(1, calls + 1):
        with account() as stub:
            stub.rate_limit_next("DAILY", after=n - 1)  # the n-th call of the run
            with pytest.raises(CrmStopped) as stopped:
                crm(stub, gdpr_delete=gdpr_delete).push(push)
            assert len(stub.calls) == n
            unwritten = set(stopped.value.outcome.failed)
            again = crm(stub, gdpr_delete=gdpr_delete).push(only(push, unwritten))
            assert again.failed == {}, n
            assert landed(stub) == expected, n


def test_a_rotated_token_is_fetched_afresh_once(ready: HubSpotStub) -> None:
    ready.seed(contacts=contacts(1))
    token = Token(ready.token, ready)
    ready.rotate_token("pat-na1-rotated")

    outcome = crm(ready, token=token).push(Push(scores=[score("7000")]))

    assert outcome == PushOutcome(failed={}, calls=2)
    assert token.refreshes == 1
    assert [c.status for c in ready.calls] == [401, 200]

    ready.calls.clear()
    ready.rotate_token("pat-na1-revoked-again")
    stale = Token("pat-na1-rotated")  # the secret still holds the revoked token
    with pytest.raises(CrmStopped, match="unauthorized"):
        crm(ready, token=stale).push(Push(scores=[score("7000")]))
    assert stale.refreshes == 1
    assert [c.status for c in ready.calls] == [401, 401]


def test_a_5xx_is_retried_a_bounded_number_of_times_then_stops_the_run(
    ready: HubSpotStub,
) -> None:
    ready.seed(contacts=contacts(1))
    ready.fail_next(503)
    sleeps = Sleeps()
    assert crm(ready, sleeps).push(Push(scores=[score("7000")])) == PushOutcome(calls=2)
    assert sleeps == [0.5]

    ready.calls.clear()
    ready.fail_next(502, times=3)
    with pytest.raises(CrmStopped) as stopped:
        crm(ready).push(Push(scores=[score("7000")]))
    assert stopped.value.reason == "unavailable_http_502"
    assert stopped.value.outcome.failed == {rk.contact("7000"): "stopped:unavailable_http_502"}
    assert len(ready.calls) == 3


def test_retired_records_are_archived_by_key(ready: HubSpotStub) -> None:
    ready.seed(deals=deals(1))
    adapter = crm(ready)
    adapter.push(Push(records=[record("k1"), record("k2"), record("k3")]))
    ready.calls.clear()

    outcome = adapter.push(Push(retired=["k1", "k2", "never-pushed"]))

    assert outcome == PushOutcome(failed={}, calls=2)  # read ids by key, archive
    assert list(ready.influence()) == ["k3"]
    assert [len(b["inputs"]) for b in ready.bodies("/batch/archive")] == [2]


def test_an_erased_contact_is_cleared_and_kept_unless_gdpr_delete_is_asked(
    ready: HubSpotStub,
) -> None:
    ready.seed(contacts=contacts(2))
    crm(ready).push(Push(scores=[score("7000"), score("7001")]))

    assert crm(ready).push(Push(erased=["7000"])).failed == {}
    cleared = ready.contact("7000")
    assert cleared is not None
    assert {k: cleared[k] for k in ("socialscore_organic_score", "socialscore_model_version")} == {
        "socialscore_organic_score": "",
        "socialscore_model_version": "",
    }
    assert ready.gdpr_deleted == []

    ready.calls.clear()
    deleting = crm(ready, gdpr_delete=True)
    assert deleting.push(Push(erased=["7001"])) == PushOutcome(failed={}, calls=2)
    assert ready.gdpr_deleted == ["7001"]
    assert ready.contact("7001") is None
    # Erasing it again (a retried push): nothing left to clear or delete, which is done.
    assert deleting.push(Push(erased=["7001"])) == PushOutcome(failed={}, calls=1)


def test_a_hot_lead_opens_one_task_owned_by_the_contacts_owner_even_when_retried(
    ready: HubSpotStub,
) -> None:
    ready.seed(contacts=[{"id": "600", "owner": "77"}, {"id": "601"}])
    push = Push(
        hot_leads=[
            HotLeadTask(profile="x#1", contact_id="600", organic_score=12.5, threshold=10),
            HotLeadTask(profile="x#2", contact_id="601", organic_score=11, threshold=10),
            HotLeadTask(profile="x#3", contact_id="404", organic_score=11, threshold=10),
        ]
    )
    adapter = crm(ready)

    outcome = adapter.push(push)
    assert outcome.failed == {}  # x#3's contact is deleted: no task to open, done
    assert outcome.owners == {"600": "77"}  # read with the tasks: 601 has none
    tasks = {t["socialscore_hot_lead_key"]: t for t in ready.tasks()}
    assert sorted(tasks) == ["x#1", "x#2"]
    assert tasks["x#1"]["hubspot_owner_id"] == "77"
    assert tasks["x#1"]["_contacts"] == ["600"]
    assert tasks["x#1"]["hs_task_subject"] == "Hot lead: social engagement"
    assert tasks["x#1"]["hs_task_status"] == "NOT_STARTED"
    assert "hubspot_owner_id" not in tasks["x#2"]  # no owner: an unassigned task
    ready.store.records["tasks"][tasks["x#1"]["hs_object_id"]]["hs_task_status"] = "COMPLETED"

    assert adapter.push(push).failed == {}  # a retry

    again = {t["socialscore_hot_lead_key"]: t for t in ready.tasks()}
    assert len(ready.tasks()) == 2
    assert again["x#1"]["hs_task_status"] == "COMPLETED"  # left as the seller left it


# --- setup and safety -------------------------------------------------------------------------
def test_setup_creates_the_properties_and_custom_object_once(stub: HubSpotStub) -> None:
    adapter = crm(stub)

    created = setup(adapter).created

    assert created == [
        "group contacts.socialscore",
        "property contacts.socialscore_organic_score",
        "property contacts.socialscore_paid_score",
        "property contacts.socialscore_model_version",
        "property contacts.socialscore_last_organic_touch",
        "group deals.socialscore",
        "property deals.socialscore_attributed_amount",
        "property deals.socialscore_attribution_model",
        "property deals.socialscore_touches",
        "group tasks.socialscore",
        "property tasks.socialscore_hot_lead_key",
        "group tickets.socialscore",
        "property tickets.socialscore_complaint_key",
        "property contacts.socialscore_buckets",
        "custom object socialscore_influence",
    ]
    # Tickets take unique values; tasks do not (HubSpot documents none for them).
    assert stub.store.properties["tickets"]["socialscore_complaint_key"]["hasUniqueValue"] is True
    assert "hasUniqueValue" not in stub.store.properties["tasks"]["socialscore_hot_lead_key"]
    last_touch = stub.store.properties["contacts"]["socialscore_last_organic_touch"]
    assert {k: last_touch[k] for k in ("type", "fieldType", "groupName")} == {
        "type": "datetime",  # a date and a time: HubSpot's `date` holds midnight UTC only
        "fieldType": "date",
        "groupName": "socialscore",
    }
    again = setup(adapter)  # the second run creates nothing (409s, schema listed)
    assert (again.created, again.failed, again.text()) == (
        [],
        [],
        "nothing to create: already set up",
    )
    assert setup(adapter.api).created == []


def test_without_custom_objects_setup_goes_on_and_only_the_breakdown_fails(
    stub: HubSpotStub,
) -> None:
    stub.store.enterprise = False
    stub.seed(deals=deals(1))
    adapter = crm(stub)
    required = setup(adapter, custom_object=True)
    assert required.failed == ["custom object socialscore_influence: HTTP 403 FORBIDDEN"]

    optional = setup(adapter)
    assert (optional.created, optional.failed) == ([], [])
    assert optional.skipped == [
        "custom object socialscore_influence: HTTP 403 FORBIDDEN (custom objects need Enterprise)"
    ]

    outcome = adapter.push(Push(influences=[influence("1000")], records=[record("k1")]))
    assert outcome.failed == {rk.influence("k1"): "http_400:VALIDATION_ERROR"}
    assert (stub.deal("1000") or {})["socialscore_attributed_amount"] == "250.00"


def test_a_redirect_is_not_followed_and_the_token_goes_nowhere_else(stub: HubSpotStub) -> None:
    with HubSpotStub(token="pat-na1-elsewhere") as elsewhere:
        stub.redirect_next(f"{elsewhere.url}{SEARCH}", status=307)

        with pytest.raises(CrmStopped, match="redirect_not_followed"):
            crm(stub).changed_opportunities(T0)

        assert elsewhere.calls == []
        assert [c.status for c in stub.calls] == [307]


def test_buckets_land_in_the_checkbox_property_and_an_unknown_option_is_refused(
    ready: HubSpotStub,
) -> None:
    ready.seed(contacts=contacts(1))
    adapter = crm(ready)
    prop = ready.store.properties["contacts"]["socialscore_buckets"]
    assert (prop["type"], prop["fieldType"]) == ("enumeration", "checkbox")
    assert [(o["value"], o["label"]) for o in prop["options"]] == [
        ("likely_buyer", "Likely buyer"),
        ("advocate", "Brand advocate"),
        ("influencer", "Influencer"),
        ("prospect", "Prospective customer"),
    ]
    both = score("7000").model_copy(update={"buckets": ["likely_buyer", "advocate"]})
    assert adapter.push(Push(scores=[both])).failed == {}
    assert (ready.contact("7000") or {})["socialscore_buckets"] == "likely_buyer;advocate"
    assert adapter.push(Push(scores=[score("7000")])).failed == {}
    assert (ready.contact("7000") or {})["socialscore_buckets"] == ""  # none: emptied

    body = {"inputs": [{"id": "7000", "properties": {"socialscore_buckets": "advocate;churn"}}]}
    refused = adapter.api.call("POST", CONTACTS_UPDATE, body)
    assert (refused.status, refused.category) == (400, "VALIDATION_ERROR")
    assert "INVALID_OPTION" in str(refused.document)


def test_setup_adds_the_options_of_buckets_the_model_gained(ready: HubSpotStub) -> None:
    model = bundled()
    churn = BucketRule(
        name="churn_risk", label="Churn risk", otherwise=False, all=model.buckets[0].all
    )
    grown = model.model_copy(update={"buckets": [*model.buckets, churn]})
    ready.seed(contacts=contacts(1))
    adapter = crm(ready)
    pushed = Push(scores=[score("7000").model_copy(update={"buckets": ["churn_risk"]})])
    assert adapter.push(pushed).failed == {rk.contact("7000"): "http_400:VALIDATION_ERROR"}

    assert setup(adapter, model=grown).created == ["option contacts.socialscore_buckets.churn_risk"]
    assert setup(adapter, model=grown).created == []  # already there
    options = ready.store.properties["contacts"]["socialscore_buckets"]["options"]
    assert [o["value"] for o in options][-2:] == ["prospect", "churn_risk"]
    assert adapter.push(pushed).failed == {}
    assert (ready.contact("7000") or {})["socialscore_buckets"] == "churn_risk"
