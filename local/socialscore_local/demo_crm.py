"""The demo against a CRM's local stub (`demo --crm salesforce|hubspot`): the stub seeded with
the demo's opportunities and contacts, crm_sync's real adapter pointed at it, and what landed
read back from it as the CRM would show it."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from socialscore.domain import money
from socialscore_local import demo_activities
from socialscore_local.demo_identities import FieldWriter
from socialscore_local.demo_stub_crm import Ids, StubCrm, contacts_table


def democontacts_table(demo_dir: Path) -> list[str]:
    """Every contact the demo's webhooks link an identity to."""
    deliveries = json.loads((demo_dir / "webhooks.json").read_text())
    return sorted(
        {e["contact_id"] for d in deliveries for e in d["body"]["events"] if "contact_id" in e}
    )


def respell(deliveries: list[dict[str, Any]], ids: Ids) -> list[dict[str, Any]]:
    """The deliveries with their contact ids as the CRM spells them."""
    out: list[dict[str, Any]] = json.loads(json.dumps(deliveries))
    for delivery in out:
        for event in delivery["body"]["events"]:
            if "contact_id" in event:
                event["contact_id"] = ids(event["contact_id"])
    return out


@contextmanager
def stub(name: str, demo_dir: Path) -> Iterator[StubCrm]:
    opportunities = json.loads((demo_dir / "opportunities.json").read_text())
    contacts = democontacts_table(demo_dir)
    if name == "salesforce":
        with _salesforce(opportunities, contacts) as crm:
            yield crm
    elif name == "marketo":
        from socialscore_local.demo_marketo import marketo

        with marketo(contacts) as crm:
            yield crm
    else:
        with _hubspot(opportunities, contacts) as crm:
            yield crm


@contextmanager
def _salesforce(opportunities: list[dict[str, Any]], contacts: list[str]) -> Iterator[StubCrm]:
    from socialscore_local.crm_stubs.salesforce import SalesforceStub

    with SalesforceStub() as sf:
        sf.seed(opportunities, [{"id": c, "owner": "005A000000OWNR1"} for c in contacts])

        def landed() -> dict[str, dict[str, Any]]:
            records = sf.influence().values()
            return {
                o["id"]: _headline(
                    o,
                    sf.opportunity(o["id"]) or {},
                    ("Social_Attributed_Amount__c", "Social_Touches__c"),
                    [
                        (r["Opportunity__c"], r.get("Seller__c"), r.get("Post__c"), r["Amount__c"])
                        for r in records
                        if r.get("Primary_Model__c")  # as the shipped report filters
                    ],
                )
                for o in opportunities
            }

        def counts() -> str:
            scored = [c for c in contacts if (sf.contact(c) or {}).get("Social_Organic_Score__c")]
            held = {c: sf.contact(c) or {} for c in contacts}
            table = contacts_table(
                "Salesforce",
                ("Social_Organic_Score__c", "Social_Paid_Score__c", "Social_Last_Organic_Touch__c"),
                held,
            )
            return table + (
                f"Salesforce stub: {len(scored)} contacts with Social_Organic_Score__c, "
                f"{len(sf.influence())} Social_Influence__c records, {len(sf.tasks())} tasks, "
                f"{len(sf.cases())} cases"
            )

        def breakdown() -> list[tuple[str, str, str, Decimal]]:
            return [
                (r["Opportunity__c"], r["Model__c"], r["Seller__c"], Decimal(str(r["Amount__c"])))
                for r in sf.influence().values()
                if r.get("Seller__c")
            ]

        yield StubCrm(
            "salesforce",
            {"CRM_ADAPTER": "salesforce"},
            sf.credentials,
            str,
            landed,
            breakdown,
            counts,
            lambda: demo_activities.summary(
                "Salesforce stub, Social_Activity__c",
                ((str(r["Contact__c"]), str(r["Name"])) for r in sf.records("Social_Activity__c")),
            ),
            _salesforce_fields(sf),
        )


def _salesforce_fields(sf: Any) -> FieldWriter:
    """The org's own custom field an admin added for X profiles (Salesforce has none of its
    own), named to crm_sync by CRM_SOCIAL_FIELDS."""
    sf.org.fields["Contact"].add("Twitter_Handle__c")

    def write(contact_id: str, value: str) -> None:
        if sf.contact(contact_id) is None:
            sf.add_contact(contact_id, "005A000000OWNR1")
        sf.org.update("Contact", contact_id, {"Twitter_Handle__c": value})

    return FieldWriter(
        "Twitter_Handle__c",
        write,
        {"CRM_SOCIAL_FIELDS": "Twitter_Handle__c"},
        lambda contact_id: (sf.contact(contact_id) or {}).get("Social_Organic_Score__c"),
    )


@contextmanager
def _hubspot(opportunities: list[dict[str, Any]], contacts: list[str]) -> Iterator[StubCrm]:
    from socialscore.crm.hubspot import HubSpotCrm
    from socialscore.crm.hubspot_http import HubSpotApi
    from socialscore.crm.hubspot_schema import PRIMARY_MODEL
    from socialscore_local.crm_stubs.hubspot import HubSpotStub
    from socialscore_local.hubspot_setup import setup
    from socialscore_local.hubspot_timeline_setup import setup_timeline

    def ids(demo_id: str) -> str:  # HubSpot's ids are numbers: 003A000001 -> 3000001
        return str(int("".join(ch for ch in demo_id if ch.isdigit())))

    deals = [
        o | {"id": ids(o["id"]), "contact_ids": list(map(ids, o["contact_ids"]))}
        for o in opportunities
    ]
    with HubSpotStub() as hs:
        hs.seed(deals=deals, contacts=[{"id": ids(c), "owner": "77"} for c in contacts])
        setup(HubSpotCrm(lambda refresh: hs.token, hs.url))
        # The public app's timeline templates, as `crm-setup hubspot --app-id` makes them.
        app = hs.timeline
        api = HubSpotApi(lambda refresh: hs.token, hs.url)
        _, templates = setup_timeline(api, app.app_id, app.developer_key)
        timeline = {
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "refresh_token": app.refresh_token,
        } | templates

        def landed() -> dict[str, dict[str, Any]]:
            records = hs.influence().values()
            return {
                o["id"]: _headline(
                    o,
                    hs.deal(o["id"]) or {},
                    ("socialscore_attributed_amount", "socialscore_touches"),
                    [
                        (r["opportunity_id"], r.get("seller_id"), r.get("post"), r["amount"])
                        for r in records
                        if r.get(PRIMARY_MODEL) == "true"  # a bool property's value, as text
                    ],
                )
                for o in deals
            }

        def counts() -> str:
            scored = [
                c for c in contacts if (hs.contact(ids(c)) or {}).get("socialscore_organic_score")
            ]
            held = {ids(c): hs.contact(ids(c)) or {} for c in contacts}
            names = (
                "socialscore_organic_score",
                "socialscore_paid_score",
                "socialscore_last_organic_touch",
            )
            return contacts_table("HubSpot", names, held) + (
                f"HubSpot stub: {len(scored)} contacts with socialscore_organic_score, "
                f"{len(hs.influence())} socialscore_influence records, {len(hs.tasks())} tasks, "
                f"{len(hs.tickets())} tickets"
            )

        def write_field(contact: str, value: str) -> None:
            """The contact's Twitter Username, as a marketer types it; searchable at once (the
            demo reads it in the next run, not minutes later)."""
            hs.store.lag[contact] = 0.0
            hs.store.put("contacts", contact, {"twitterhandle": value, "hubspot_owner_id": "77"})

        def breakdown() -> list[tuple[str, str, str, Decimal]]:
            return [
                (r["opportunity_id"], r["model"], r["seller_id"], Decimal(str(r["amount"])))
                for r in hs.influence().values()
                if r.get("seller_id")
            ]

        yield StubCrm(
            "hubspot",
            {"CRM_ADAPTER": "hubspot", "HUBSPOT_BASE_URL": hs.url},
            {"token": hs.token, "timeline": timeline},
            ids,
            landed,
            breakdown,
            counts,
            lambda: demo_activities.summary(
                "HubSpot stub, timeline events",
                (
                    (str(e["objectId"]), str(e["tokens"].get("title") or "withdrawn"))
                    for e in app.events.values()
                ),
            ),
            FieldWriter(  # HubSpot's own Twitter Username, read by default
                "twitterhandle",
                write_field,
                {},
                lambda contact: (hs.contact(contact) or {}).get("socialscore_organic_score"),
            ),
        )


def _headline(
    opportunity: dict[str, Any],
    fields: dict[str, Any],
    names: tuple[str, str],
    records: list[tuple[str, str | None, str | None, Any]],
) -> dict[str, Any]:
    """An opportunity's influence as the demo report reads it: `records` are the primary
    model's, as a CRM report filtered on the primary flag sums them (every model's records
    together would add the deal up once per model)."""
    by_seller: dict[str, Decimal] = defaultdict(Decimal)
    by_post: dict[str, Decimal] = defaultdict(Decimal)
    for opportunity_id, seller, post, amount in records:
        if opportunity_id != opportunity["id"]:
            continue
        if seller:
            by_seller[seller] += Decimal(str(amount))
        if post:
            by_post[post] += Decimal(str(amount))
    amount, touches = (fields.get(name) for name in names)
    currency = opportunity["currency"]

    def shown(value: Any) -> str:  # in the currency's minor unit: the CRM may hold a float
        return str(money.rounded(Decimal(str(value or 0)), currency))

    return {
        "type": "opportunity_influence",
        "opportunity_id": opportunity["id"],
        "attributed_amount": shown(amount),
        "currency": currency,
        "touches": int(float(touches or 0)),
        "by_seller": {s: shown(a) for s, a in sorted(by_seller.items())},
        "by_post": {p: shown(a) for p, a in sorted(by_post.items())},
    }
