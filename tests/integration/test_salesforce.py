"""The Salesforce adapter's real HTTP code against the local stub of the Salesforce REST API.

The stub checks what the real API checks where the adapter depends on it (200 records a call,
fields that exist in the shipped metadata, per-record errors, limits), so a test that passes
here sends what Salesforce takes. The adapter is never patched.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import urllib3

from socialscore.aws.config import ConfigurationError
from socialscore.crm import salesforce_records as payloads
from socialscore.crm.base import CrmStopped, Push, PushOutcome
from socialscore.crm.salesforce import SalesforceCrm
from socialscore.domain import record_key as rk
from socialscore.domain.opportunity import (
    ContactScore,
    HotLeadTask,
    InfluenceRecord,
    OpportunityInfluence,
)
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from tests.unit.salesforce_source import NS, SOURCE, text, xml

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
OPP = "006000000000000OPP"
OWNER = "005000000000042AAA"


def stub(**settings: Any) -> SalesforceStub:
    """A stub taking its latencies (a token's 10 ms) on a simulated clock: no real wait. The
    tests of the token's own path keep the real ones (`sf_timed`)."""
    return SalesforceStub(sleep=Sleeps(), **settings)


@pytest.fixture
def sf_timed() -> Iterator[SalesforceStub]:
    """The stub with its latencies taken for real, as by the org."""
    with SalesforceStub() as sf:
        yield sf


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> str:
    """A service name of the test's own: its logger is made inside the test, on captured stdout."""
    name = f"salesforce-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", name)
    return name


class Secret:
    """The CrmCredentials secret as Powertools parameters gives it: the cached value unless
    asked to refresh; `reads` records every read's refresh flag."""

    def __init__(self, value: dict[str, str]) -> None:
        self.value = dict(value)  # what Secrets Manager holds now
        self.cached = dict(value)
        self.reads: list[bool] = []

    def __call__(self, refresh: bool) -> dict[str, str]:
        self.reads.append(refresh)
        if refresh:
            self.cached = dict(self.value)
        return self.cached


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def adapter(
    sf: SalesforceStub, secret: Secret | None = None, sleeps: Sleeps | None = None
) -> SalesforceCrm:
    return SalesforceCrm(
        secret or Secret(sf.credentials),
        sf.api_version,
        pool=urllib3.PoolManager(retries=False),
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


def warm(sf: SalesforceStub, **kwargs: Any) -> SalesforceCrm:
    """An adapter after the run's read, as crm_sync uses it: session and org facts known."""
    crm = adapter(sf, **kwargs)
    crm.changed_opportunities(T0)
    return crm


def score(contact: str, organic: float = 12.5, last_touch: datetime | None = None) -> ContactScore:
    return ContactScore(
        contact_id=contact,
        organic_score=organic,
        paid_score=1.25,
        model_version="m-3",
        last_organic_touch=last_touch,
    )


def record(n: int, opp: str = OPP, amount: str = "10.00", **kwargs: Any) -> InfluenceRecord:
    values: dict[str, Any] = {
        "key": f"{opp}|linear|seller|s-{n}",
        "opportunity_id": opp,
        "model": "linear",
        "seller_id": f"s-{n}",
        "team": "enterprise",
        "amount": Decimal(amount),
        "currency": "USD",
        "touches": 2,
    }
    return InfluenceRecord(**(values | kwargs))


def headline(opp: str = OPP) -> OpportunityInfluence:
    return OpportunityInfluence(
        opportunity_id=opp,
        currency="USD",
        attributed_amount=Decimal("1234.56"),
        attribution_model="linear",
        touches=7,
        by_seller={},
        by_post={},
        by_network={},
    )


def collection_sizes(sf: SalesforceStub, since: int = 0) -> list[int]:
    """Records (or ids) each collection call carried, from the `since`-th request on."""
    sizes = []
    for call in sf.calls[since:]:
        if call.kind == "collection":
            ids = [i for v in call.query.get("ids", []) for i in v.split(",")]
            sizes.append(len(call.body["records"]) if call.body else len(ids))
    return sizes


def log_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


# --- authentication ------------------------------------------------------------------------
def test_the_token_is_asked_once_per_container_and_renewed_with_the_secret_re_read(
    sf: SalesforceStub,
) -> None:
    sf.add_contact("003000000000000001")
    # A cold container whose cached secret predates a rotation: refused, re-read, accepted.
    secret = Secret(sf.credentials | {"client_secret": "before-rotation"})
    secret.value = sf.credentials
    warm(sf, secret=secret)
    adapter(sf, secret=secret).changed_opportunities(T0)  # another invocation, same container
    assert [c.kind for c in sf.calls].count("token") == 2
    assert sf.statuses[:2] == [400, 200]
    # The app's secret is rotated again and every session expires.
    sf.client_secret = "rotated-secret"
    secret.value["client_secret"] = "rotated-secret"
    sf.expire_tokens()

    outcome = adapter(sf, secret=secret).push(Push(scores=[score("003000000000000001")]))

    assert outcome.failed == {}
    assert sf.record("003000000000000001")["Social_Organic_Score__c"] == 12.5  # type: ignore[index]
    assert secret.reads.count(True) == 2  # afresh after the 400, and after the 401
    assert sf.statuses.count(401) == 1
    assert len(sf.calls_of("token")) == 3
    assert sf.statuses[-3:] == [401, 200, 200]  # refused, a new token, the update again


def test_a_session_refused_again_after_renewal_stops_the_run_without_a_loop(
    sf: SalesforceStub,
) -> None:
    crm = warm(sf)
    sf.client_secret = "changed-and-not-told"
    sf.expire_tokens()

    with pytest.raises(CrmStopped) as stopped:
        crm.changed_opportunities(T0)

    assert stopped.value.reason == "token_invalid_client"
    assert sf.statuses.count(401) == 1
    assert len(sf.calls_of("token")) == 2  # the first run's; the renewal, with the secret re-read


def test_a_token_whose_answer_was_lost_is_asked_again_and_the_run_goes_on(
    sf_timed: SalesforceStub,
) -> None:
    sf = sf_timed
    sf.add_contact("003000000000000001")
    sleeps = Sleeps()
    sf.lose_next_token()  # issued, its answer lost: the connection closes

    crm = warm(sf, sleeps=sleeps)
    sf.expire_tokens()
    sf.lose_next_token()  # and again when the expired session is renewed mid-push
    outcome = crm.push(Push(scores=[score("003000000000000001")]))

    assert outcome.failed == {}
    assert sf.record("003000000000000001")["Social_Organic_Score__c"] == 12.5  # type: ignore[index]
    assert [s for c, s in zip(sf.calls, sf.statuses, strict=True) if c.kind == "token"] == [
        0,  # dropped, unanswered
        200,
        0,
        200,
    ]
    assert len(sleeps) == 2  # one pause before each second token request


def test_a_token_endpoint_that_never_answers_stops_the_run_after_three_tries(
    sf_timed: SalesforceStub,
) -> None:
    sf = sf_timed
    sf.lose_next_token(times=3)

    with pytest.raises(CrmStopped) as stopped:
        warm(sf)

    assert stopped.value.reason.startswith("token_transport_")
    assert [c.kind for c in sf.calls] == ["token"] * 3  # no API call without a session


def test_no_credentials_yet_stops_the_run_before_any_request(sf: SalesforceStub) -> None:
    crm = adapter(sf, secret=Secret({}))
    with pytest.raises(CrmStopped) as stopped:
        crm.changed_opportunities(None)
    assert stopped.value.reason == "no_credentials"
    assert sf.calls == []


@pytest.mark.parametrize(
    "domain",
    [
        "http://acme.my.salesforce.com",  # in clear
        "http://10.0.0.8:8080",  # in clear, not loopback
        "ftp://acme.my.salesforce.com",
        "https://user:pw@acme.my.salesforce.com",
        "https://acme.my.salesforce.com/services/oauth2/token",
        "acme.my.salesforce.com",
    ],
)
def test_a_domain_that_is_not_https_or_loopback_is_refused_before_any_request(
    sf: SalesforceStub, domain: str
) -> None:
    crm = adapter(sf, secret=Secret(sf.credentials | {"domain": domain}))
    with pytest.raises(ConfigurationError, match="must be https") as refused:
        crm.changed_opportunities(None)
    assert ":pw@" not in str(refused.value)  # a password in the URL stays out of the log
    with pytest.raises(ConfigurationError):
        crm.push(Push(scores=[score("003000000000000001")]))
    assert sf.calls == []


def test_an_instance_url_elsewhere_gets_no_token(sf: SalesforceStub) -> None:
    with SalesforceStub() as elsewhere:
        for instance in (elsewhere.url.replace("127.0.0.1", "localhost"), "https://evil.example"):
            sf.instance_url = instance
            with pytest.raises(CrmStopped) as stopped:
                adapter(sf).changed_opportunities(None)
            assert stopped.value.reason == "token_answer_refused"
        assert elsewhere.calls == []
    assert [c.kind for c in sf.calls] == ["token", "token"]


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed_and_no_credential_leaves_for_another_host(
    sf: SalesforceStub, status: int, service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    crm = warm(sf)
    with SalesforceStub() as elsewhere:
        sf.redirect_next(status, f"{elsewhere.url}/services/data/v62.0/query?q=x")
        with pytest.raises(CrmStopped) as stopped:
            crm.changed_opportunities(T0)
        assert stopped.value.reason == f"http_{status}_redirect_not_followed"
        # The token endpoint's redirect would carry the secret: not followed either.
        sf.redirect_next(status, f"{elsewhere.url}/services/oauth2/token")
        other_app = adapter(sf, secret=Secret(sf.credentials | {"client_id": "another-app"}))
        with pytest.raises(CrmStopped):
            other_app.changed_opportunities(T0)  # no session yet: asks for a token
        assert elsewhere.calls == []
    assert sf.statuses[-2:] == [status, status]  # not retried: a redirect will not go away
    out = capsys.readouterr().out
    assert sf.client_secret not in out
    assert not any(
        c.authorization.removeprefix("Bearer ") in out for c in sf.calls if c.authorization
    )
    lines = [li for li in log_lines(out) if str(li["message"]).startswith("Salesforce answered")]
    assert [(li["status"], li["location_host"], li["service"]) for li in lines] == [
        (status, "127.0.0.1", service)
    ] * 2


# --- reading -------------------------------------------------------------------------------
def test_every_page_is_read_with_every_contact_role(sf: SalesforceStub) -> None:
    sf.page_size, sf.child_page_size = 3, 2
    for n in range(10):
        contacts = [f"003{n:03d}00000000000{k}" for k in range(5 if n == 4 else 1)]
        sf.add_opportunity(f"006{n:015d}", amount=100 + n, contacts=contacts, modified_at=T0)

    found = adapter(sf).changed_opportunities(None)

    assert [o.id for o in found] == [f"006{n:015d}" for n in range(10)]
    # 2 + 2 + 1: the child list's own pages followed.
    assert found[4].contact_ids == [f"00300400000000000{k}" for k in range(5)]
    queries = [c for c in sf.calls if c.kind == "query"]
    # The currency probe, 4 pages of 3, 2 more pages of opportunity 4's contacts.
    assert len(queries) == 1 + 4 + 2
    assert all(c.path.startswith("/services/data/v62.0/query") for c in queries)


def test_opportunities_are_read_from_the_checkpoint_inclusive(sf: SalesforceStub) -> None:
    for n, moment in enumerate((T0 - timedelta(seconds=1), T0, T0 + timedelta(minutes=5))):
        sf.add_opportunity(f"006{n:015d}", contacts=["003000000000000001"], modified_at=moment)

    found = adapter(sf).changed_opportunities(T0)

    assert [o.modified_at for o in found] == [T0, T0 + timedelta(minutes=5)]
    soql = sf.calls_of("query")[-1].query["q"][0]
    assert "WHERE SystemModstamp >= 2026-11-20T10:00:00Z" in soql
    assert len(adapter(sf).changed_opportunities(None)) == 3  # no checkpoint: all of them


def test_an_opportunity_maps_to_the_domain_with_its_currency(sf: SalesforceStub) -> None:
    created = T0 - timedelta(days=3)
    sf.add_opportunity(
        OPP,
        amount=Decimal("48000.5"),
        currency="EUR",
        contacts=["003000000000000001", "003000000000000002"],
        created_at=created,
        modified_at=T0,
        stage="Negotiation/Review",
    )
    sf.add_opportunity("006000000000000NUL", amount=None, modified_at=T0)  # no amount yet

    second, first = adapter(sf).changed_opportunities(None)  # by SystemModstamp, then Id

    assert first.model_dump() == {
        "id": OPP,
        "contact_ids": ["003000000000000001", "003000000000000002"],
        "amount": Decimal("48000.50"),
        "currency": "EUR",
        "created_at": created,
        "modified_at": T0,
        "stage": "Negotiation/Review",
    }
    assert (second.amount, second.contact_ids) == (Decimal("0.00"), [])


def test_a_single_currency_org_gives_its_own_currency_and_is_written_without_one() -> None:
    with SalesforceStub(multi_currency=False, default_currency="GBP") as sf:
        sf.add_opportunity(OPP, amount=500, contacts=["003000000000000001"], modified_at=T0)
        crm = adapter(sf)

        [found] = crm.changed_opportunities(None)
        # CurrencyIsoCode would be INVALID_FIELD here: the stub refuses it as the org would.
        outcome = crm.push(Push(records=[record(1, currency="GBP")]))

        assert found.currency == "GBP"
        assert outcome.failed == {}
        assert sf.influence()[f"{OPP}|linear|seller|s-1"]["Currency__c"] == "GBP"
        # Probe refused, the org's currency, the opportunities; then the upsert alone.
        assert len(sf.calls_of("query")) == 3
        assert outcome.calls == 1


# --- writing -------------------------------------------------------------------------------
def test_scores_headline_and_breakdown_land_where_marketing_ops_report(sf: SalesforceStub) -> None:
    sf.add_opportunity(OPP, contacts=["003000000000000001"], modified_at=T0)
    post = record(
        9, key=f"{OPP}|linear|post|x#21", seller_id=None, team=None, post="x#21", network="x"
    )

    touched = datetime(2026, 11, 12, 12, 30, 5, 250_000, tzinfo=UTC)
    outcome = warm(sf).push(
        Push(
            scores=[score("003000000000000001", last_touch=touched)],
            influences=[headline()],
            records=[record(1), post],
        )
    )

    assert outcome == PushOutcome(failed={}, calls=3)  # Contact, Opportunity, Social_Influence__c
    contact = sf.record("003000000000000001") or {}
    assert (contact["Social_Organic_Score__c"], contact["Social_Paid_Score__c"]) == (12.5, 1.25)
    assert contact["Social_Model_Version__c"] == "m-3"
    # A DateTime, as Salesforce answers it (UTC, to the millisecond).
    assert contact["Social_Last_Organic_Touch__c"] == "2026-11-12T12:30:05.250+0000"
    opp = sf.record(OPP) or {}
    assert opp["Social_Attributed_Amount__c"] == 1234.56
    assert (opp["Social_Attribution_Model__c"], opp["Social_Touches__c"]) == ("linear", 7)
    seller = sf.influence()[f"{OPP}|linear|seller|s-1"]
    assert {k: seller[k] for k in ("Opportunity__c", "Model__c", "Seller__c", "Team__c")} == {
        "Opportunity__c": OPP,
        "Model__c": "linear",
        "Seller__c": "s-1",
        "Team__c": "enterprise",
    }
    assert (seller["Amount__c"], seller["Currency__c"], seller["CurrencyIsoCode"]) == (
        10.0,
        "USD",
        "USD",
    )
    assert (seller["Touches__c"], seller["Post__c"]) == (2, None)
    by_post = sf.influence()[f"{OPP}|linear|post|x#21"]
    assert (by_post["Post__c"], by_post["Network__c"], by_post["Seller__c"]) == ("x#21", "x", None)


def test_an_upsert_by_external_id_twice_is_one_record_updated(sf: SalesforceStub) -> None:
    sf.add_opportunity(OPP, modified_at=T0)
    crm = warm(sf)

    crm.push(Push(records=[record(1, amount="10.00")]))
    outcome = crm.push(Push(records=[record(1, amount="25.50")]))

    assert outcome.failed == {}
    [landed] = sf.records("Social_Influence__c")
    assert (landed["Key__c"], landed["Amount__c"]) == (f"{OPP}|linear|seller|s-1", 25.5)


def test_a_key_longer_than_the_field_upserts_and_retires_as_one_record(sf: SalesforceStub) -> None:
    sf.add_opportunity(OPP, modified_at=T0)
    link = "https://lnkd.in/" + "x" * 300  # a link the provider could not read travels whole
    long = record(1, key=f"{OPP}|linear|post|{link}", seller_id=None, post=link, network="linkedin")
    crm = warm(sf)

    assert crm.push(Push(records=[long])).failed == {}
    assert crm.push(Push(records=[long])).failed == {}
    [landed] = sf.records("Social_Influence__c")
    assert len(landed["Key__c"]) <= 255
    assert len(landed["Post__c"]) == 255

    assert crm.push(Push(retired=[long.key])).failed == {}
    assert sf.records("Social_Influence__c") == []


@pytest.mark.parametrize(
    ("records", "scores", "influences"), [(450, 0, 0), (450, 201, 3), (200, 1, 0)]
)
def test_calls_per_push_are_ceil_records_over_200_for_each_object(
    sf: SalesforceStub, records: int, scores: int, influences: int
) -> None:
    for n in range(max(influences, 1)):
        sf.add_opportunity(f"{OPP[:-3]}{n:03d}", modified_at=T0)
    for n in range(scores):
        sf.add_contact(f"003{n:015d}")
    crm = warm(sf)
    before = len(sf.calls)
    push = Push(
        scores=[score(f"003{n:015d}") for n in range(scores)],
        influences=[headline(f"{OPP[:-3]}{n:03d}") for n in range(influences)],
        records=[record(n, opp=f"{OPP[:-3]}000") for n in range(records)],
    )

    outcome = crm.push(push)

    bound = sum(math.ceil(n / 200) for n in (records, scores, influences))
    assert outcome.calls == bound
    assert outcome.failed == {}
    assert len(sf.calls) - before == bound
    assert max(collection_sizes(sf, before)) <= 200
    assert len(sf.records("Social_Influence__c")) == records


def test_the_stub_refuses_201_records_as_salesforce_does(sf: SalesforceStub) -> None:
    crm = warm(sf)  # for a token
    token = next(c.authorization for c in sf.calls if c.authorization)
    body = {"allOrNone": False, "records": [{"attributes": {"type": "Contact"}, "id": "x"}] * 201}

    reply = urllib3.PoolManager().request(
        "PATCH",
        f"{sf.url}/services/data/v62.0/composite/sobjects",
        body=json.dumps(body).encode(),
        headers={"Authorization": token, "Content-Type": "application/json"},
    )

    assert reply.status == 400
    assert json.loads(reply.data) == [
        {
            "message": "record limit reached. cannot submit more than 200 records into this call",
            "errorCode": "EXCEEDED_ID_LIMIT",
        }
    ]
    # The probe and the reads (opportunities, contact roles): the refused call was not its.
    assert crm.calls == 3


def test_a_refused_record_is_failed_by_key_and_the_others_land(
    sf: SalesforceStub, service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sf.add_opportunity(OPP, contacts=["003000000000000001"], modified_at=T0)
    refused = record(2, amount="99.00")
    sf.reject(refused.key, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Amount 99 for Acme Corp refused")
    push = Push(
        scores=[score("003000000000000001"), score("003000000000000404")],  # no such contact
        records=[record(1), refused, record(3, opp="006000000000000404")],  # no such opportunity
    )

    outcome = warm(sf).push(push)

    assert outcome.failed == {
        rk.contact("003000000000000404"): "INVALID_CROSS_REFERENCE_KEY: invalid cross reference id",
        rk.influence(refused.key): (
            "FIELD_CUSTOM_VALIDATION_EXCEPTION: Amount 99 for Acme Corp refused"
        ),
        rk.influence("006000000000000404|linear|seller|s-3"): (
            "INVALID_CROSS_REFERENCE_KEY: invalid cross reference id"
        ),
    }
    assert outcome.calls == 2
    assert (sf.record("003000000000000001") or {})["Social_Organic_Score__c"] == 12.5
    assert set(sf.influence()) == {record(1).key}
    out = capsys.readouterr().out
    assert "Acme Corp" not in out  # a message may quote values: only keys and codes are logged
    logged: dict[str, Any] = {}
    for line in log_lines(out):
        if line["message"] == "Salesforce refused records":
            assert (line["level"], line["service"]) == ("WARNING", service)
            logged |= line["records"]
    assert logged == {
        "contact#003000000000000404": ["INVALID_CROSS_REFERENCE_KEY"],
        f"influence#{refused.key}": ["FIELD_CUSTOM_VALIDATION_EXCEPTION"],
        "influence#006000000000000404|linear|seller|s-3": ["INVALID_CROSS_REFERENCE_KEY"],
    }


def test_retired_records_are_deleted_and_one_already_gone_is_no_failure(sf: SalesforceStub) -> None:
    sf.add_opportunity(OPP, modified_at=T0)
    crm = warm(sf)
    crm.push(Push(records=[record(1), record(2), record(3)]))
    gone = f"{OPP}|linear|seller|s-deleted-by-an-admin"
    before = len(sf.calls)

    outcome = crm.push(Push(retired=[record(1).key, record(3).key, gone]))

    assert outcome.failed == {}
    assert set(sf.influence()) == {record(2).key}
    assert [c.kind for c in sf.calls[before:]] == ["query", "collection"]  # 1 lookup, 1 delete
    assert collection_sizes(sf, before) == [2]
    # A retirement repeated (its first answer lost) finds nothing left: no failure either.
    assert crm.push(Push(retired=[record(1).key])).failed == {}


def test_an_erased_contact_has_its_social_fields_cleared(sf: SalesforceStub) -> None:
    for contact in ("003000000000000001", "003000000000000002"):
        sf.add_contact(contact)
    crm = warm(sf)
    crm.push(
        Push(scores=[score(c, last_touch=T0) for c in ("003000000000000001", "003000000000000002")])
    )

    # The second is erased in the run that also scored it again: the erasure wins.
    outcome = crm.push(
        Push(
            erased=["003000000000000001", "003000000000000002"],
            scores=[score("003000000000000002")],
        )
    )

    assert outcome.failed == {}
    assert outcome.calls == 1
    for contact in ("003000000000000001", "003000000000000002"):
        fields = sf.record(contact) or {}
        assert [fields[f] for f in payloads.CONTACT_FIELDS] == [None] * 5
        assert payloads.LAST_ORGANIC_TOUCH in payloads.CONTACT_FIELDS
        assert fields["LastName"] == "Stub"  # the contact stays: it is the CRM's


def test_a_contact_with_no_organic_touch_left_has_its_last_touch_emptied(
    sf: SalesforceStub,
) -> None:
    sf.add_contact("003000000000000001")
    crm = warm(sf)
    crm.push(Push(scores=[score("003000000000000001", last_touch=T0)]))

    assert crm.push(Push(scores=[score("003000000000000001", organic=0)])).failed == {}

    fields = sf.record("003000000000000001") or {}
    assert (fields["Social_Last_Organic_Touch__c"], fields["Social_Paid_Score__c"]) == (None, 1.25)


def test_an_org_without_the_last_touch_field_refuses_the_contacts_by_key(
    sf: SalesforceStub,
) -> None:
    # The new field's metadata not deployed yet (the code upgraded first): Salesforce refuses
    # the whole Contact call, the other objects land, and the contacts are tried next run.
    sf.org.fields["Contact"].discard(payloads.LAST_ORGANIC_TOUCH)
    sf.add_opportunity(OPP, contacts=["003000000000000001"], modified_at=T0)

    outcome = warm(sf).push(Push(scores=[score("003000000000000001")], records=[record(1)]))

    assert outcome.failed == {
        rk.contact("003000000000000001"): "INVALID_FIELD: No such column "
        "'Social_Last_Organic_Touch__c' on sobject of type Contact"
    }
    assert set(sf.influence()) == {record(1).key}


def test_the_stub_refuses_a_datetime_it_cannot_read_as_salesforce_does(
    sf: SalesforceStub,
) -> None:
    warm(sf)  # for a token
    token = next(c.authorization for c in sf.calls if c.authorization)
    contact = sf.add_contact("003000000000000001")

    def patch(value: Any) -> tuple[int, Any]:
        record = {"attributes": {"type": "Contact"}, "id": contact}
        body = {"allOrNone": False, "records": [record | {payloads.LAST_ORGANIC_TOUCH: value}]}
        reply = urllib3.PoolManager().request(
            "PATCH",
            f"{sf.url}/services/data/v62.0/composite/sobjects",
            body=json.dumps(body).encode(),
            headers={"Authorization": token, "Content-Type": "application/json"},
        )
        return reply.status, json.loads(reply.data)

    for unreadable in ("12 November 2026", 1794139200000, "2026-11-31T12:00:00Z"):
        status, answer = patch(unreadable)
        assert (status, answer[0]["errorCode"]) == (400, "JSON_PARSER_ERROR"), unreadable
    assert patch("2026-11-12T12:00:00+01:00")[0] == 200
    fields = sf.record(contact) or {}
    assert fields[payloads.LAST_ORGANIC_TOUCH] == "2026-11-12T11:00:00.000+0000"


def hot(profile: str = "x#1456", contact: str = "003000000000000001") -> HotLeadTask:
    return HotLeadTask(profile=profile, contact_id=contact, organic_score=31.5, threshold=25.0)


def test_a_hot_lead_opens_one_task_owned_by_the_contact_owner_even_when_retried(
    sf: SalesforceStub,
) -> None:
    sf.add_contact("003000000000000001", owner_id=OWNER)
    crm = warm(sf)

    first = crm.push(Push(hot_leads=[hot()]))
    again = crm.push(Push(hot_leads=[hot()]))  # the same push retried

    assert (first.failed, again.failed) == ({}, {})
    assert (first.calls, again.calls) == (2, 1)  # lookup and create; lookup alone
    # The owner the lookup read comes back, for routing the contact's next events.
    assert first.owners == again.owners == {"003000000000000001": OWNER}
    [task] = sf.tasks()
    assert {k: task[k] for k in ("WhoId", "OwnerId", "Subject", "Status")} == {
        "WhoId": "003000000000000001",
        "OwnerId": OWNER,
        "Subject": "Hot lead: social engagement",
        "Status": "Not Started",
    }
    assert task["Social_Hot_Lead_Key__c"] == "x#1456"
    # A seller closes it; the profile is hot again later: no second task either.
    task_id = task["Id"]
    sf.org.update("Task", task_id, {"Status": "Completed"})
    crm.push(Push(hot_leads=[hot()]))
    assert len(sf.tasks()) == 1
    # Another profile of the same person is a task of its own.
    crm.push(Push(hot_leads=[hot("linkedin#77")]))
    assert len(sf.tasks()) == 2


def test_a_task_whose_answer_was_lost_is_not_opened_twice(sf: SalesforceStub) -> None:
    sf.add_contact("003000000000000001", owner_id=OWNER)
    crm = warm(sf)
    sf.lose_next_answer(after=1)  # the lookup answers; the create is applied, its answer lost

    with pytest.raises(CrmStopped) as stopped:
        crm.push(Push(hot_leads=[hot()]))

    assert stopped.value.outcome.failed.keys() == {rk.hot("x#1456")}
    assert stopped.value.outcome.calls == 2  # never sent again within the run
    retried = crm.push(Push(hot_leads=[hot()]))
    assert retried.failed == {}
    assert len(sf.tasks()) == 1


def test_a_hot_lead_for_a_contact_salesforce_does_not_have_fails_by_key(sf: SalesforceStub) -> None:
    sf.add_contact("003000000000000001")
    outcome = warm(sf).push(Push(hot_leads=[hot(), hot("x#9", "003000000000000404")]))
    assert outcome.failed == {rk.hot("x#9"): "NOT_FOUND: no Contact with this Id"}
    assert len(sf.tasks()) == 1


# --- limits and stops ----------------------------------------------------------------------
def a_push_of_three_objects(sf: SalesforceStub) -> Push:
    sf.add_opportunity(OPP, contacts=["003000000000000001"], modified_at=T0)
    return Push(scores=[score("003000000000000001")], influences=[headline()], records=[record(1)])


@pytest.mark.parametrize("spent", ["told", "counted"])
def test_the_daily_limit_stops_the_run_at_once_with_what_landed(
    sf: SalesforceStub, spent: str
) -> None:
    push = a_push_of_three_objects(sf)
    sleeps = Sleeps()
    crm = warm(sf, sleeps=sleeps)
    before = len(sf.calls)
    if spent == "told":
        sf.fail_next(403, after=1)  # the contacts land, then Salesforce says the day is spent
    else:
        sf.api_limit = sf.api_used + 1

    with pytest.raises(CrmStopped) as stopped:
        crm.push(push)

    assert stopped.value.reason == "REQUEST_LIMIT_EXCEEDED"
    assert stopped.value.outcome.calls == 2
    assert len(sf.calls) - before == 2  # no retry, nothing after the 403
    assert sf.statuses[-1] == 403
    assert sleeps == []
    # Every key not known written is failed, so "not in failed" still means "landed".
    assert set(stopped.value.outcome.failed) == {rk.opportunity(OPP), rk.influence(record(1).key)}
    assert all(
        v.startswith("REQUEST_LIMIT_EXCEEDED") for v in stopped.value.outcome.failed.values()
    )
    assert (sf.record("003000000000000001") or {})["Social_Organic_Score__c"] == 12.5
    if spent == "counted":  # the day stays spent: the next run's read stops as soon
        with pytest.raises(CrmStopped):
            crm.changed_opportunities(T0)
        assert sleeps == []


def test_salesforce_unavailable_is_tried_three_times_with_backoff_then_stops(
    sf: SalesforceStub,
) -> None:
    push = a_push_of_three_objects(sf)
    sleeps = Sleeps()
    crm = warm(sf, sleeps=sleeps)
    before = len(sf.calls)
    sf.fail_next(503, times=10)

    with pytest.raises(CrmStopped) as stopped:
        crm.push(push)

    assert stopped.value.reason == "http_503_SERVER_UNAVAILABLE"
    assert len(sf.calls) - before == 3 == stopped.value.outcome.calls
    assert len(sleeps) == 2  # doubling, with jitter
    assert 1 <= sleeps[0] <= 2
    assert 2 <= sleeps[1] <= 4
    assert set(stopped.value.outcome.failed) == set(push.keys())


def test_a_passing_503_is_retried_and_the_push_completes(sf: SalesforceStub) -> None:
    push = a_push_of_three_objects(sf)
    sleeps = Sleeps()
    crm = warm(sf, sleeps=sleeps)
    sf.fail_next(503, times=2, after=1)

    outcome = crm.push(push)

    assert outcome == PushOutcome(failed={}, calls=5)  # 3 objects, 2 retries
    assert len(sleeps) == 2
    assert set(sf.influence()) == {record(1).key}


def test_a_create_is_not_repeated_on_503_and_the_next_run_opens_it(sf: SalesforceStub) -> None:
    sf.add_contact("003000000000000001", owner_id=OWNER)
    sleeps = Sleeps()
    crm = warm(sf, sleeps=sleeps)
    sf.fail_next(503, after=1)

    with pytest.raises(CrmStopped) as stopped:
        crm.push(Push(hot_leads=[hot()]))

    assert stopped.value.outcome.calls == 2
    assert sleeps == []
    assert crm.push(Push(hot_leads=[hot()])).failed == {}
    assert len(sf.tasks()) == 1


def test_the_remaining_daily_calls_are_logged_once_per_push(
    sf: SalesforceStub, service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    push = a_push_of_three_objects(sf)
    crm = warm(sf)
    capsys.readouterr()

    crm.push(push)

    usage = [
        li for li in log_lines(capsys.readouterr().out) if li["message"] == "Salesforce API usage"
    ]
    assert [(li["api_used"], li["api_limit"], li["api_remaining"]) for li in usage] == [
        (sf.api_used, 15_000, 15_000 - sf.api_used)
    ]
    assert usage[0]["service"] == service


def fault_world(sf: SalesforceStub) -> tuple[SalesforceCrm, Push]:
    """An org with breakdown records to retire, and a push of every kind: 7 calls when clean
    (contacts, headline, breakdown, retired lookup and delete, hot contacts lookup, task)."""
    sf.add_opportunity(OPP, contacts=["003000000000000001", "003000000000000002"], modified_at=T0)
    crm = warm(sf)
    crm.push(Push(records=[record(5), record(6)]))
    return crm, Push(
        scores=[score("003000000000000001"), score("003000000000000002")],
        influences=[headline()],
        records=[record(1), record(2, amount="20.00"), record(5, amount="55.00")],
        retired=[record(6).key],
        erased=["003000000000000002"],
        hot_leads=[hot()],
    )


def state(sf: SalesforceStub) -> dict[str, list[str]]:
    """What the org holds, but the ids and times Salesforce gives."""
    volatile = {"Id", "CreatedDate", "SystemModstamp"}
    return {
        sobject: sorted(
            json.dumps({k: v for k, v in r.items() if k not in volatile}, sort_keys=True)
            for r in sf.records(sobject)
        )
        for sobject in ("Contact", "Opportunity", "Social_Influence__c", "Task")
    }


@pytest.mark.parametrize("fault", ["REQUEST_LIMIT_EXCEEDED", "answer lost"])
@pytest.mark.parametrize("nth", range(7))
def test_a_push_stopped_at_any_call_converges_when_run_again(fault: str, nth: int) -> None:
    with stub() as clean:
        crm, push = fault_world(clean)
        assert crm.push(push).calls == 7
        expected = state(clean)
    assert len(expected["Task"]) == 1
    assert len(expected["Social_Influence__c"]) == 3
    with stub() as sf:
        crm, push = fault_world(sf)
        if fault == "answer lost":
            # Applied but unanswered, every attempt; the task's create is never sent twice.
            attempts = 1 if nth == 6 else 3
            sf.lose_next_answer(times=attempts, after=nth)
        else:
            attempts = 1
            sf.fail_next(403, after=nth)

        with pytest.raises(CrmStopped) as stopped:
            crm.push(push)
        assert stopped.value.outcome.calls == nth + attempts
        again = crm.push(push)  # crm_sync's next run pushes what was not known written, or more

        assert again.failed == {}
        assert state(sf) == expected


def test_buckets_land_in_the_multi_select_picklist_and_none_empties_it(sf: SalesforceStub) -> None:
    contact = sf.add_contact("003000000000000001")
    crm = warm(sf)
    scored = score(contact).model_copy(update={"buckets": ["likely_buyer", "advocate"]})

    assert crm.push(Push(scores=[scored])).failed == {}
    assert (sf.record(contact) or {})[payloads.BUCKETS] == "likely_buyer;advocate"
    assert crm.push(Push(scores=[score(contact)])).failed == {}
    assert (sf.record(contact) or {})[payloads.BUCKETS] is None  # no bucket: null


def test_the_buckets_picklist_is_unrestricted_as_its_metadata_says(sf: SalesforceStub) -> None:
    # A bucket added to the scoring model (not in the metadata's values) lands all the same; a
    # restricted picklist would refuse it, and a value that is not text is refused.
    field = xml(SOURCE / "objects" / "Contact" / "fields" / f"{payloads.BUCKETS}.field-meta.xml")
    assert text(field, "type") == "MultiselectPicklist"
    assert field.findtext(f"{NS}valueSet/{NS}restricted") == "false"
    contact = sf.add_contact("003000000000000001")
    crm = warm(sf)
    new = score(contact).model_copy(update={"buckets": ["churn_risk", "prospect"]})
    assert crm.push(Push(scores=[new])).failed == {}
    assert (sf.record(contact) or {})[payloads.BUCKETS] == "churn_risk;prospect"
    sf.org.custom["Contact"][payloads.BUCKETS]["restricted"] = "true"
    refused = crm.push(Push(scores=[new])).failed
    assert refused[rk.contact(contact)].startswith("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
