"""Money reconciles in each CRM: what crm_sync pushes for an opportunity under every configured
attribution model, read back from the CRM's stub, sums to the deal exactly once when summed as
the shipped report does (the primary model's seller records), and in its currency's minor unit.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import urllib3

from socialscore.crm import hubspot_schema as schema
from socialscore.crm.base import Push
from socialscore.crm.hubspot import HubSpotCrm
from socialscore.crm.salesforce import SalesforceCrm
from socialscore.domain import record_key as rk
from socialscore.domain import scoring_model
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.opportunity import InfluenceRecord, Opportunity, OpportunityInfluence
from socialscore.domain.touch import Touch
from socialscore.pipeline.crm_records import attributed_influence
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from socialscore_local.hubspot_setup import SCHEMAS, setup

CREATED = datetime(2026, 11, 21, 10, tzinfo=UTC)
MODEL = scoring_model.bundled()  # six models, linear the primary
SELLERS = ["s-ana", "s-ben", "s-chloe", None]  # None: a post no seller wrote


def touches(profile: str) -> list[Touch]:
    return [
        Touch(
            profile=profile,
            dedupe_key=f"i#{n}",
            interaction_id=f"iid-{n}",
            network=Network.X,
            kind=Kind.SHARE,
            category=Category.ORGANIC,
            weight=1.0,
            units=Decimal(1),
            occurred_at=CREATED - timedelta(days=10 - n),
            post=f"x#10{n}",
            own_post=None,
            seller_id=seller,
            team=None,
            intent_hits=(),
            model_version=MODEL.version,
        )
        for n, seller in enumerate(SELLERS)
    ]


def deal(deal_id: str, contact: str, amount: str, currency: str) -> Opportunity:
    return Opportunity(
        id=deal_id,
        contact_ids=[contact],
        amount=Decimal(amount),
        currency=currency,
        created_at=CREATED,
        modified_at=CREATED,
        stage="Closed Won",
    )


def pushed(opp: Opportunity) -> tuple[OpportunityInfluence, list[InfluenceRecord]]:
    headline, records, _ = attributed_influence(opp, touches("x#u1"), MODEL, None)
    assert {r.model for r in records} == set(MODEL.attribution.models)  # six models pushed
    return headline, records


def by_seller(rows: list[tuple[str | None, Any]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for seller, amount in rows:
        if seller:
            out[seller] = out.get(seller, Decimal(0)) + Decimal(str(amount))
    return out


CASES = [  # (amount, currency): a deal in cents, one in whole yen, one in fils
    ("48000.00", "USD", Decimal("0.01")),
    ("100", "JPY", Decimal("1")),
    ("10.000", "KWD", Decimal("0.001")),
]


@pytest.fixture
def hs() -> Iterator[HubSpotStub]:
    with HubSpotStub() as stub:
        yield stub


@pytest.mark.parametrize(("amount", "currency", "unit"), CASES)
def test_salesforce_primary_seller_records_sum_to_the_deal_once(
    sf: SalesforceStub, amount: str, currency: str, unit: Decimal
) -> None:
    opp = deal("006000000000000001", "003000000000000001", amount, currency)
    sf.seed([opp])
    crm = SalesforceCrm(
        lambda refresh: sf.credentials,
        sf.api_version,
        pool=urllib3.PoolManager(retries=False),
        sleep=lambda seconds: None,
    )
    crm.changed_opportunities(None)
    headline, records = pushed(opp)

    assert crm.push(Push(influences=[headline], records=records)).failed == {}

    held = list(sf.influence().values())
    primary = [(r.get("Seller__c"), r["Amount__c"]) for r in held if r["Primary_Model__c"]]
    every = [(r.get("Seller__c"), r["Amount__c"]) for r in held]
    # What "Social influence by seller, primary" sums: the deal once, split over its sellers.
    assert sum(by_seller(primary).values()) == Decimal(amount) == headline.attributed_amount
    assert by_seller(primary) == {s or "unattributed": a for s, a in headline.by_seller.items()}
    # Unfiltered, the same records add the deal up once per model: what the flag prevents.
    assert sum(by_seller(every).values()) == Decimal(amount) * len(MODEL.attribution.models)
    for _, share in every:
        assert Decimal(str(share)) == Decimal(str(share)).quantize(unit)  # its minor unit


@pytest.mark.parametrize(("amount", "currency", "unit"), CASES)
def test_hubspot_primary_seller_records_sum_to_the_deal_once(
    hs: HubSpotStub, amount: str, currency: str, unit: Decimal
) -> None:
    opp = deal("1000", "2000", amount, currency)
    hs.seed(deals=[opp.model_dump(mode="json")], contacts=[{"id": "2000"}])
    crm = HubSpotCrm(lambda refresh: hs.token, hs.url)
    setup(crm)
    headline, records = pushed(opp)

    assert crm.push(Push(influences=[headline], records=records)).failed == {}

    held = list(hs.influence().values())
    primary = [(r.get("seller_id"), r["amount"]) for r in held if r["primary_model"] == "true"]
    every = [(r.get("seller_id"), r["amount"]) for r in held]
    # The HubSpot report: Social influence records, filtered on Primary model is Yes.
    assert sum(by_seller(primary).values()) == Decimal(amount) == headline.attributed_amount
    assert sum(by_seller(every).values()) == Decimal(amount) * len(MODEL.attribution.models)
    for _, share in every:
        assert Decimal(share) == Decimal(share).quantize(unit)  # sent in its minor unit


def test_hubspot_setup_adds_the_primary_flag_to_an_object_an_earlier_version_made(
    hs: HubSpotStub,
) -> None:
    crm = HubSpotCrm(lambda refresh: hs.token, hs.url)
    earlier = schema.influence_schema()
    earlier["properties"] = [p for p in earlier["properties"] if p["name"] != schema.PRIMARY_MODEL]
    assert crm.api.call("POST", SCHEMAS, earlier).status == 201
    opp = deal("1000", "2000", "48000.00", "USD")
    hs.seed(deals=[opp.model_dump(mode="json")], contacts=[{"id": "2000"}])
    headline, records = pushed(opp)
    # HubSpot refuses a record naming a property its object lacks: every breakdown record.
    refused = crm.push(Push(records=records)).failed
    assert set(refused) == {rk.influence(r.key) for r in records}

    report = setup(crm)

    assert f"property {schema.INFLUENCE_OBJECT}.{schema.PRIMARY_MODEL}" in report.created
    assert crm.push(Push(influences=[headline], records=records)).failed == {}
    assert setup(crm).created == []  # run again: nothing left to add
