"""Activities in HubSpot, against its stub: crm-setup's two timeline event templates (with the
app's developer key), events created 100 a call with the public app's OAuth token (renewed on
a 401), idempotent by the interaction's id, a withdrawal as a second event (HubSpot deletes no
event), a refused event named with its reason, a daily limit stopping the push."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from socialscore.aws.config import CrmSyncConfig
from socialscore.crm.base import CrmStopped
from socialscore.crm.hubspot import HubSpotCrm
from socialscore.crm.hubspot_app_token import AppToken
from socialscore.crm.hubspot_http import HubSpotApi
from socialscore.crm.hubspot_timeline import HubSpotTimeline, Templates
from socialscore.domain import record_key as rk
from socialscore.domain.activity import Activity, Removal
from socialscore.domain.interaction import Kind, Network
from socialscore.wiring.stages import activities_on
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.crm_stubs.hubspot_timeline import EVENTS
from socialscore_local.hubspot_setup import SetupStopped
from socialscore_local.hubspot_timeline_setup import setup_timeline

T = datetime(2026, 11, 20, 9, tzinfo=UTC)


def activity(n: int, contact: str = "101") -> Activity:
    return Activity(
        id=f"i{n:04}",
        contact_id=contact,
        network=Network.X,
        kind=Kind.LIKE,
        post_link="https://x.com/i/web/status/1790000000000000001",
        seller_id="s-ana",
        paid=False,
        points=1.0,
        intent=n % 2 == 0,
        complaint=False,
        occurred_at=T - timedelta(minutes=n),
    )


@pytest.fixture
def hubspot() -> Iterator[HubSpotStub]:
    with HubSpotStub() as stub:
        stub.seed(contacts=[{"id": "101"}, {"id": "102"}])
        yield stub


def crm_of(stub: HubSpotStub) -> HubSpotCrm:
    api = HubSpotApi(lambda refresh: stub.token, stub.url)
    report, ids = setup_timeline(api, stub.timeline.app_id, stub.timeline.developer_key)
    assert not report.failed
    app = {
        "client_id": stub.timeline.client_id,
        "client_secret": stub.timeline.client_secret,
        "refresh_token": stub.timeline.refresh_token,
    } | ids
    timeline = HubSpotTimeline(
        HubSpotApi(AppToken(lambda: app, stub.url), stub.url), lambda: Templates.of(app)
    )
    return HubSpotCrm(lambda refresh: stub.token, stub.url, timeline=timeline)


def test_setup_creates_the_two_templates_once(hubspot: HubSpotStub) -> None:
    api = HubSpotApi(lambda refresh: hubspot.token, hubspot.url)
    first, ids = setup_timeline(api, hubspot.timeline.app_id, hubspot.timeline.developer_key)
    assert len(first.created) == 2
    again, same = setup_timeline(api, hubspot.timeline.app_id, hubspot.timeline.developer_key)
    assert (again.created, same) == ([], ids)
    with pytest.raises(SetupStopped):  # 401: templates take the app's developer key only
        setup_timeline(api, hubspot.timeline.app_id, "not-the-key")


def test_activities_land_as_events_100_a_call_and_a_repeat_adds_none(hubspot: HubSpotStub) -> None:
    crm = crm_of(hubspot)
    acts = [activity(n) for n in range(150)]
    outcome = crm.push_activities(acts)
    assert (outcome.failed, outcome.calls) == ({}, 2)
    events = hubspot.timeline.on_contact("101")
    assert len(events) == 150
    tokens = events[0]["tokens"]
    assert tokens["post_link"] == "https://x.com/i/web/status/1790000000000000001"
    assert tokens["title"].startswith("Liked a post on x (seller s-ana), organic")
    again = crm.push_activities(acts[:3])  # a redone run: HubSpot refuses the ids, done
    assert again.failed == {}
    assert len(hubspot.timeline.on_contact("101")) == 150


def test_a_withdrawal_is_a_second_event_as_hubspot_deletes_none(hubspot: HubSpotStub) -> None:
    crm = crm_of(hubspot)
    crm.push_activities([activity(1)])
    outcome = crm.remove_activities([Removal("i0001", "101")])
    assert outcome.failed == {}
    events = hubspot.timeline.on_contact("101")
    assert [e["tokens"] for e in events][1] == {"interaction": "i0001"}
    assert len(events) == 2


def test_an_event_on_a_missing_contact_fails_alone_with_hubspots_reason(
    hubspot: HubSpotStub,
) -> None:
    outcome = crm_of(hubspot).push_activities([activity(1), activity(2, contact="999")])
    assert outcome.failed == {rk.activity("i0002"): "OBJECT_NOT_FOUND"}
    assert len(hubspot.timeline.on_contact("101")) == 1


def test_an_expired_app_token_is_renewed_and_a_private_app_token_is_refused(
    hubspot: HubSpotStub,
) -> None:
    crm = crm_of(hubspot)
    crm.push_activities([activity(1)])
    hubspot.timeline.expire_tokens()
    assert crm.push_activities([activity(2)]).failed == {}
    private = HubSpotApi(lambda refresh: hubspot.token, hubspot.url)
    with pytest.raises(CrmStopped, match="unauthorized"):
        private.call("POST", EVENTS, {"inputs": []})


def test_a_daily_limit_stops_the_push_naming_every_event_not_written(hubspot: HubSpotStub) -> None:
    crm = crm_of(hubspot)
    hubspot.exhaust_daily(after=2)  # the token, then one batch
    with pytest.raises(CrmStopped) as stopped:
        crm.push_activities([activity(n) for n in range(250)])
    assert stopped.value.reason == "daily_limit"
    assert len(stopped.value.outcome.failed) == 150
    assert len(hubspot.timeline.on_contact("101")) == 100


def test_activities_stay_off_for_hubspot_until_the_secret_names_the_templates(
    hubspot: HubSpotStub,
) -> None:
    tables = {
        "IDENTITIES_TABLE": "i",
        "LEDGER_TABLE": "l",
        "SCORES_TABLE": "s",
        "SYNC_STATE_TABLE": "y",
        "CRM_ADAPTER": "hubspot",
        "CRM_CREDENTIALS_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:c",
    }
    config = CrmSyncConfig.model_validate(tables)
    app: dict[str, str] = {}
    bare = HubSpotTimeline(HubSpotApi(lambda refresh: "", hubspot.url), lambda: Templates.of(app))
    crm = HubSpotCrm(lambda refresh: hubspot.token, hubspot.url, timeline=bare)
    assert not activities_on(config, crm)  # no templates in the secret: off, said in the log
    app |= {"activity_template": "1", "withdrawn_template": "2"}
    assert activities_on(config, crm)
    off = CrmSyncConfig.model_validate(tables | {"ACTIVITIES_TO_CRM": "false"})
    assert not activities_on(off, crm)  # ActivitiesToCrm=false
