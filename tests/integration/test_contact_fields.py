"""The CRMs' changed contacts with their social fields (crm.contact_fields) against the HubSpot
and Salesforce stubs, and the whole step over HTTP: 1,000 contacts read, their X usernames
resolved by the X stub in ceil(usernames / 100) calls, linked; the next run reads only the
contacts changed since."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import urllib3

from socialscore.aws.config import ConfigurationError
from socialscore.crm.contact_fields import HubSpotContactFields, SalesforceContactFields
from socialscore.crm.hubspot_http import HubSpotApi
from socialscore.crm.salesforce_api import SalesforceApi
from socialscore.pipeline.crm_identities import CrmIdentities, FieldsReport
from socialscore.providers.x_api import XApiProvider
from socialscore.providers.x_users import XUsernames
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from socialscore_local.crm_stubs.salesforce_org import stamp
from socialscore_local.memory.identities import MemoryIdentityLinks
from socialscore_local.memory.identity_review import MemoryIdentityReview
from tests.stubs.x_api_stub import XApiStub
from tests.unit.test_crm_identities import Pending

T0 = datetime(2026, 12, 6, 9, tzinfo=UTC)


class Clock:
    """The HubSpot stub's clock: a second on at each reading (its searches stay under its limit
    of five a second); `settle` moves it past the search index's lag."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def settle(self) -> None:
        self.now += timedelta(minutes=1)


@pytest.fixture
def hubspot() -> Iterator[tuple[HubSpotStub, Clock]]:
    clock = Clock()
    with HubSpotStub() as stub:
        stub.store.clock = clock
        yield stub, clock


def hubspot_reader(stub: HubSpotStub) -> HubSpotContactFields:
    return HubSpotContactFields(HubSpotApi(lambda refresh: stub.token, stub.url))


def test_hubspot_contacts_come_with_their_twitter_username_and_owner(
    hubspot: tuple[HubSpotStub, Clock],
) -> None:
    stub, clock = hubspot
    stub.store.put("contacts", "101", {"twitterhandle": "@Ana_Dev", "hubspot_owner_id": "77"})
    stub.store.put("contacts", "102", {"email": "bo@example.com"})
    clock.settle()

    read = hubspot_reader(stub).changed_contacts(None, overlap=False, limit=100)

    assert [(c.contact_id, c.usernames, c.owner_id) for c, _ in read] == [
        ("101", ("ana_dev",), "77"),
        ("102", (), None),
    ]
    latest = (stub.contact("102") or {})["lastmodifieddate"]
    assert read[-1][1] == datetime.fromisoformat(latest)  # when the CRM changed it
    search = [c.body for c in stub.calls if c.path.endswith("/contacts/search")]
    assert {"twitterhandle", "hubspot_owner_id"} <= set(search[0]["properties"])


def test_hubspot_reads_only_contacts_changed_since_the_bookmark(
    hubspot: tuple[HubSpotStub, Clock],
) -> None:
    stub, clock = hubspot
    stub.store.put("contacts", "100", {"twitterhandle": "cy"})
    clock.now += timedelta(minutes=10)  # more than the read's 5 minutes' overlap before 101
    stub.store.put("contacts", "101", {"twitterhandle": "ana"})
    clock.settle()
    reader = hubspot_reader(stub)
    bookmark = reader.changed_contacts(None, overlap=False, limit=100)[-1][1]
    clock.now += timedelta(hours=1)
    stub.store.put("contacts", "102", {"twitterhandle": "bo"})
    stub.store.put("contacts", "101", {"twitterhandle": ""}, touch=True)
    clock.settle()

    # From 5 minutes before the bookmark: 101 as it was then, again, and what changed since.
    overlapping = reader.changed_contacts(bookmark, overlap=True, limit=100)
    after = reader.changed_contacts(bookmark + timedelta(seconds=1), overlap=False, limit=100)

    assert {c.contact_id: c.usernames for c, _ in overlapping} == {"101": (), "102": ("bo",)}
    assert {c.contact_id for c, _ in after} == {"101", "102"}


def test_hubspot_stops_reading_once_the_run_s_share_is_read(
    hubspot: tuple[HubSpotStub, Clock],
) -> None:
    stub, clock = hubspot
    for n in range(250):
        stub.store.put("contacts", str(1000 + n), {"twitterhandle": f"user_{n}"})
    clock.settle()

    read = hubspot_reader(stub).changed_contacts(None, overlap=False, limit=100)

    assert 100 <= len(read) < 250  # a page of 100 at most past the limit, not all 250
    assert [c.contact_id for c, _ in read] == [str(1000 + n) for n in range(len(read))]


@pytest.fixture
def salesforce() -> Iterator[SalesforceStub]:
    with SalesforceStub() as stub:
        stub.org.fields["Contact"].add("Twitter_Handle__c")  # the org's own custom field
        yield stub


def salesforce_api(stub: SalesforceStub) -> SalesforceApi:
    return SalesforceApi(
        lambda refresh: stub.credentials,
        "v62.0",
        pool=urllib3.PoolManager(),
        sleep=time.sleep,
        timeout=urllib3.Timeout(connect=2.0, read=5.0),
    )


def test_salesforce_reads_the_named_fields_of_contacts_changed_since_the_bookmark(
    salesforce: SalesforceStub,
) -> None:
    org = salesforce.org
    old = {"LastName": "A", "OwnerId": "005A", "SystemModstamp": stamp(T0)}
    org.insert("Contact", old | {"Twitter_Handle__c": "https://x.com/Ana"}, "003A")
    later = T0 + timedelta(hours=1)
    org.insert("Contact", {"LastName": "B", "SystemModstamp": stamp(later)}, "003B")
    reader = SalesforceContactFields(salesforce_api(salesforce), ["Twitter_Handle__c"])

    everyone = reader.changed_contacts(None, overlap=False, limit=100)
    changed = reader.changed_contacts(T0 + timedelta(minutes=30), overlap=True, limit=100)

    assert [(c.contact_id, c.usernames, c.owner_id) for c, _ in everyone] == [
        ("003A", ("ana",), "005A"),
        ("003B", (), None),
    ]
    assert [(c.contact_id, at) for c, at in changed] == [("003B", later)]


def test_salesforce_with_no_field_named_reads_nothing_and_refuses_a_name_that_is_not_one(
    salesforce: SalesforceStub,
) -> None:
    api = salesforce_api(salesforce)
    assert SalesforceContactFields(api, []).changed_contacts(None, False, 100) == []
    assert salesforce.calls == []
    with pytest.raises(ConfigurationError, match="not a Salesforce field API name"):
        SalesforceContactFields(api, ["Id FROM User --"])


def test_1000_contacts_read_cost_ceil_usernames_over_100_x_calls_and_link_every_one(
    hubspot: tuple[HubSpotStub, Clock],
) -> None:
    stub, clock = hubspot
    with XApiStub() as x:
        for n in range(1000):  # 600 with a username, 400 with none
            handle = {"twitterhandle": f"https://x.com/user_{n}"} if n % 5 < 3 else {}
            stub.store.put("contacts", str(1000 + n), handle)
            if handle:
                x.accounts[f"user_{n}"] = str(50_000 + n)
        x.accounts["user_new"] = "77777"
        links = MemoryIdentityLinks()
        users = XUsernames(XApiProvider(lambda refresh: x.token, x.url))
        step = CrmIdentities(hubspot_reader(stub), users, links, MemoryIdentityReview(), Pending())

        def run() -> FieldsReport:
            users.answered.clear()  # each run starts with nothing in memory
            clock.settle()
            return step.run(clock.now, set())

        first = run()
        clock.now += timedelta(hours=1)
        stub.store.put("contacts", "1000", {"twitterhandle": ""})
        # The read starts 5 minutes before the latest change it saw (the search index lags):
        # the contacts changed in those minutes are read again, once.
        second = run()
        clock.now += timedelta(hours=1)
        stub.store.put("contacts", "1001", {"twitterhandle": "@user_new"})
        third = run()

    assert (first.contacts, first.usernames, first.linked) == (1000, 600, 600)
    assert first.x_calls == math.ceil(600 / 100) == 6
    assert second.unlinked == 1
    assert (third.contacts, third.linked, third.unlinked, third.x_calls) == (2, 1, 1, 1)
    for each in (first, second, third):  # never more than the bound
        assert each.x_calls == math.ceil(each.usernames / 100)
    assert len(links.items) == 599
    assert links.items["x#77777"]["contact_id"] == "1001"


def test_a_hubspot_field_the_account_lacks_unlinks_nothing_and_keeps_the_bookmark(
    hubspot: tuple[HubSpotStub, Clock], caplog: pytest.LogCaptureFixture
) -> None:
    stub, clock = hubspot
    links, review = MemoryIdentityLinks(), MemoryIdentityReview()
    with XApiStub() as x:
        x.accounts.update({"ana": "11", "bo": "22"})
        stub.store.put("contacts", "101", {"twitterhandle": "ana"})
        stub.store.put("contacts", "102", {"twitterhandle": "bo"})
        users = XUsernames(XApiProvider(lambda refresh: x.token, x.url))
        clock.settle()
        CrmIdentities(hubspot_reader(stub), users, links, review, Pending()).run(clock.now, set())
        bookmark = dict(review.bookmarks)
        # CRM_SOCIAL_FIELDS with a typo: HubSpot's search leaves the unknown name out of every
        # contact it returns, as if each field had been cleared.
        api = HubSpotApi(lambda refresh: stub.token, stub.url)
        typo = CrmIdentities(
            HubSpotContactFields(api, ["twiterhandle"]),
            users,
            links,
            review,
            Pending(),
        )
        stub.store.put("contacts", "101", {"email": "ana@example.com"})
        stub.store.put("contacts", "102", {"email": "bo@example.com"})
        clock.settle()
        stub.calls.clear()
        report = typo.run_safely(clock.now, set())

    assert {i: v["contact_id"] for i, v in links.items.items()} == {"x#11": "101", "x#22": "102"}
    assert review.bookmarks == bookmark  # read again once the name is fixed
    assert report is not None
    assert (report.missing_fields, report.unlinked) == (1, 0)
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [getattr(r, "fields", None) for r in errors] == [["twiterhandle"]]
    # The field looked up before any contact is read: HubSpot's 404, and no search.
    assert [(c.method, c.path, c.status) for c in stub.calls] == [
        ("GET", "/crm/v3/properties/contacts/twiterhandle", 404),
    ]
    refusal = api.call("GET", "/crm/v3/properties/contacts/twiterhandle")
    assert {"category", "correlationId", "message"} <= set(refusal.document)  # OpenAPI's Error
    assert refusal.category == "OBJECT_NOT_FOUND"


def test_a_field_the_org_lacks_leaves_the_step_undone_with_salesforce_s_code(
    salesforce: SalesforceStub, caplog: pytest.LogCaptureFixture
) -> None:
    reader = SalesforceContactFields(salesforce_api(salesforce), ["X_Profile__c"])
    review = MemoryIdentityReview()
    step = CrmIdentities(reader, XUsers(), MemoryIdentityLinks(), review, Pending())

    with caplog.at_level("WARNING"):
        assert step.run_safely(T0, set()) is None

    assert review.bookmarks == {}  # the next run reads the same contacts again
    assert [getattr(r, "code", None) for r in caplog.records] == ["INVALID_FIELD"]


def test_a_salesforce_field_taken_out_of_the_org_unlinks_nothing(
    salesforce: SalesforceStub,
) -> None:
    org = salesforce.org
    org.insert("Contact", {"LastName": "A", "Twitter_Handle__c": "ana"}, "003A")
    links, review = MemoryIdentityLinks(), MemoryIdentityReview()
    reader = SalesforceContactFields(salesforce_api(salesforce), ["Twitter_Handle__c"])
    with XApiStub() as x:
        x.accounts["ana"] = "11"
        users = XUsernames(XApiProvider(lambda refresh: x.token, x.url))
        CrmIdentities(reader, users, links, review, Pending()).run(T0, set())
        bookmark = dict(review.bookmarks)
        org.fields["Contact"].discard("Twitter_Handle__c")  # deleted by an admin
        org.insert("Contact", {"LastName": "B"}, "003B")

        report = CrmIdentities(reader, users, links, review, Pending()).run_safely(T0, set())

    assert report is None  # INVALID_FIELD: nothing read
    assert {i: v["contact_id"] for i, v in links.items.items()} == {"x#11": "003A"}
    assert review.bookmarks == bookmark


class XUsers:
    calls = 0

    def user_ids(self, usernames: list[str]) -> dict[str, str | None]:
        raise AssertionError("no username read: X is not asked")
