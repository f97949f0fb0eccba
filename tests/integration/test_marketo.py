"""The Marketo adapter against its stub: what lands on the lead (fields, activities), setup, and
the record-level answers (a lead gone, a field the instance lacks, a lead id that is none)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from socialscore.crm import marketo_schema as ms
from socialscore.crm.base import Push
from socialscore.crm.marketo import MarketoCrm
from socialscore.domain import record_key as rk
from socialscore.domain.activity import Activity, Removal
from socialscore.domain.interaction import Kind, Network
from socialscore.domain.opportunity import ComplaintCase, ContactScore, HotLeadTask
from socialscore_local import marketo_setup
from socialscore_local.crm_stubs.marketo import MarketoStub
from socialscore_local.marketo_setup import setup

T = datetime(2026, 11, 20, 9, tzinfo=UTC)


@pytest.fixture
def marketo() -> Iterator[MarketoStub]:
    with MarketoStub(sleep=lambda s: None) as stub:
        stub.seed_leads([1001, 1002, 1003])
        yield stub


def crm(stub: MarketoStub, **options: Any) -> MarketoCrm:
    return MarketoCrm(
        lambda refresh: stub.credentials,
        sleep=stub.clock.sleep,
        monotonic=stub.clock,
        clock=lambda: T,
        **options,
    )


def ready(stub: MarketoStub) -> MarketoCrm:
    adapter = crm(stub)
    report = setup(adapter)
    assert not report.failed, report.text()
    return adapter


def score(contact: str, organic: float = 12.5, buckets: list[str] | None = None) -> ContactScore:
    return ContactScore(
        contact_id=contact,
        organic_score=organic,
        paid_score=1.0,
        model_version="v3",
        last_organic_touch=T,
        buckets=buckets or ["engaged"],
    )


def activity(interaction: str, contact: str = "1001", **changes: Any) -> Activity:
    values: dict[str, Any] = {
        "id": interaction,
        "contact_id": contact,
        "network": Network.X,
        "kind": Kind.LIKE,
        "post_link": "https://x.com/i/web/status/1",
        "seller_id": "s-ana",
        "paid": False,
        "points": 3.0,
        "intent": False,
        "complaint": False,
        "occurred_at": T,
    }
    return Activity(**(values | changes))


def complaint(key: str, contact: str, at: datetime = T) -> ComplaintCase:
    return ComplaintCase(
        key=key,
        contact_id=contact,
        profile="x#4004",
        interaction_id=key.rsplit("#", 1)[-1],
        network="x",
        kind="comment",
        post="x#1",
        seller_id="s-ana",
        permalink="https://x.com/i/web/status/9",
        phrases=["still broken"],
        occurred_at=at,
    )


def test_setup_creates_the_fields_and_an_approved_type_once(marketo: MarketoStub) -> None:
    first = setup(crm(marketo))
    assert {f.name for f in ms.LEAD_FIELDS} <= set(marketo.store.fields)
    kind = marketo.store.types[ms.ACTIVITY_TYPE]
    assert kind.approved is not None
    assert set(kind.approved) == {a.name for a in ms.ATTRIBUTES}
    assert f"approval of activity type {ms.ACTIVITY_TYPE}" in first.created
    calls = len(marketo.calls)
    again = setup(crm(marketo))
    assert again.text() == "nothing to create: already set up"
    assert len(marketo.calls) - calls == 3  # fields read, types read, draft described


def test_scores_hot_leads_and_complaints_land_as_lead_fields(marketo: MarketoStub) -> None:
    adapter = ready(marketo)
    hot = HotLeadTask(profile="x#1", contact_id="1002", organic_score=14.0, threshold=10)
    outcome = adapter.push(
        Push(
            scores=[score("1001", buckets=["engaged", "buyer"]), score("1002")],
            hot_leads=[hot],
            complaints=[complaint("complaint#x#4004#a", "1003")],
        )
    )
    assert outcome.failed == {}
    one = marketo.lead(1001) or {}
    assert one[ms.ORGANIC_SCORE] == 12.5
    assert one[ms.BUCKETS] == "engaged;buyer"
    assert one[ms.LAST_ORGANIC_TOUCH] == "2026-11-20T09:00:00Z"
    two = marketo.lead(1002) or {}
    assert two[ms.HOT_LEAD] is True
    assert two[ms.HOT_LEAD_SCORE] == 14.0
    three = marketo.lead(1003) or {}
    assert three[ms.COMPLAINT_PHRASES] == "still broken"
    assert three[ms.COMPLAINT_LINK] == "https://x.com/i/web/status/9"
    # One Sync Leads call for the three leads, and the day's usage read once.
    assert marketo.paths("/leads.json") == ["/rest/v1/leads.json"]


def test_an_erasure_empties_every_socialscore_field(marketo: MarketoStub) -> None:
    adapter = ready(marketo)
    adapter.push(Push(scores=[score("1001")]))
    outcome = adapter.push(Push(scores=[score("1001")], erased=["1001"]))
    assert outcome.failed == {}
    assert marketo.lead(1001) == {"id": 1001}


def test_a_lead_gone_is_done_and_a_missing_field_fails_alone(marketo: MarketoStub) -> None:
    crm_before_setup = crm(marketo)
    outcome = crm_before_setup.push(Push(scores=[score("1001"), score("9999")]))
    # No socialscore field yet: Marketo skips the lead (1006) and the push says so.
    assert outcome.failed == {rk.contact("1001"): "marketo_1006"}
    setup(crm_before_setup)
    outcome = crm_before_setup.push(Push(scores=[score("1001"), score("0042x")]))
    assert outcome.failed == {rk.contact("0042x"): "not_a_marketo_lead_id"}


def test_a_later_complaint_of_the_lead_moves_its_fields(marketo: MarketoStub) -> None:
    adapter = ready(marketo)
    later = datetime(2026, 11, 21, tzinfo=UTC)
    adapter.push(
        Push(
            complaints=[
                complaint("complaint#x#1#b", "1001", later),
                complaint("complaint#x#1#a", "1001"),
            ]
        )
    )
    assert (marketo.lead(1001) or {})[ms.COMPLAINT_AT] == "2026-11-21T00:00:00Z"


def test_each_interaction_lands_as_one_activity_with_ids_only(marketo: MarketoStub) -> None:
    adapter = ready(marketo)
    outcome = adapter.push_activities(
        [activity("i-1"), activity("i-2", "1002", kind=Kind.COMMENT, intent=True, post_link=None)]
    )
    assert outcome.failed == {}
    assert outcome.calls == 3
    landed = marketo.activities()
    assert [a["leadId"] for a in landed] == [1001, 1002]
    first = {a["apiName"]: a["value"] for a in landed[0]["attributes"]}
    assert first == {
        "interactionId": "i-1",
        "network": "x",
        "kind": "like",
        "postLink": "https://x.com/i/web/status/1",
        "sellerId": "s-ana",
        "paid": False,
        "points": 3.0,
        "intent": False,
        "complaint": False,
        "withdrawn": False,
    }
    assert landed[1]["primaryAttributeValue"].startswith("Replied to an account on x")


def test_a_removal_adds_a_withdrawal_activity(marketo: MarketoStub) -> None:
    adapter = ready(marketo)
    adapter.push_activities([activity("i-1")])
    outcome = adapter.remove_activities([Removal("i-1", "1001"), Removal("i-9", "9999")])
    assert outcome.failed == {}  # 9999: no lead left to hold it
    withdrawal = marketo.activities(1001)[-1]
    values = {a["apiName"]: a["value"] for a in withdrawal["attributes"]}
    assert values == {"interactionId": "i-1", "withdrawn": True}
    assert withdrawal["activityDate"] == "2026-11-20T09:00:00Z"


def test_activities_before_setup_fail_with_the_fix(marketo: MarketoStub) -> None:
    outcome = crm(marketo).push_activities([activity("i-1")])
    assert outcome.failed == {rk.activity("i-1"): "activity_type_missing"}
    assert marketo.activities() == []


def test_six_hundred_activities_take_two_calls(marketo: MarketoStub) -> None:
    adapter = ready(marketo)
    start = len(marketo.paths("/activities/external.json"))
    outcome = adapter.push_activities([activity(f"i-{n}") for n in range(600)])
    assert outcome.failed == {}
    assert len(marketo.paths("/activities/external.json")) - start == 2
    assert len(marketo.activities()) == 600


def test_the_setup_command_prints_what_it_created_and_stops_on_a_wrong_secret(
    marketo: MarketoStub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MARKETO_SECRET", marketo.client_secret)
    marketo_setup.run(marketo.url, marketo.client_id, "MARKETO_SECRET")
    printed = capsys.readouterr().out.splitlines()
    assert f"created lead field {ms.ORGANIC_SCORE}" in printed
    assert f"created approval of activity type {ms.ACTIVITY_TYPE}" in printed
    monkeypatch.setenv("MARKETO_SECRET", "wrong")
    with pytest.raises(SystemExit, match="token_http_401"):
        marketo_setup.run(marketo.url, "another-client", "MARKETO_SECRET")


@pytest.mark.parametrize("suffix", ["", "/", "/rest", "/rest/"])
def test_the_endpoint_is_taken_as_web_services_shows_it(marketo: MarketoStub, suffix: str) -> None:
    credentials = marketo.credentials | {"endpoint": marketo.url + suffix}
    adapter = MarketoCrm(lambda refresh: credentials, sleep=marketo.clock.sleep)
    setup(adapter)
    assert adapter.push(Push(scores=[score("1001")])).failed == {}


def test_the_stub_skips_an_activity_without_a_member_adobe_names_required(
    marketo: MarketoStub,
) -> None:
    ready(marketo)
    kind = marketo.store.types[ms.ACTIVITY_TYPE].id
    record = {
        "leadId": 1001,
        "activityDate": "2026-11-20T09:00:00Z",
        "activityTypeId": kind,
        "primaryAttributeValue": "Liked a post on x",
        "attributes": [{"apiName": ms.INTERACTION_ID, "value": "i-1"}],
    }
    without = [{k: v for k, v in record.items() if k != name} for name in record]
    answer = marketo.store.add_activities({"input": [record, *without]})
    assert [r["status"] for r in answer["result"]] == ["added"] + ["skipped"] * 5
    assert len(marketo.activities()) == 1
