"""Money: ISO 4217 minor units, the one rounding rule for amounts read from any CRM, and splits
that add up to the amount exactly in its currency's minor unit."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialscore.crm.hubspot_read import to_opportunity
from socialscore.crm.salesforce_read import opportunity
from socialscore.domain.money import allocate, minor_unit, quantum, rounded, total
from socialscore.domain.opportunity import Opportunity

AT = "2026-11-21T10:00:00.000+0000"


@pytest.mark.parametrize(
    ("currency", "decimals"),
    [
        ("USD", 2),
        ("EUR", 2),
        ("JPY", 0),  # ISO 4217 list one: no minor unit
        ("KRW", 0),
        ("CLP", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("TND", 3),
        ("CLF", 4),
        ("jpy", 0),  # as a CRM may spell it
        ("XAU", 2),  # gold: no minor unit in the list, not a deal currency
        ("ZZZ", 2),  # a code the table does not know
    ],
)
def test_each_currency_has_its_iso_4217_minor_unit(currency: str, decimals: int) -> None:
    assert minor_unit(currency) == decimals
    assert quantum(currency) == Decimal(1).scaleb(-decimals)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.125", "USD", "0.13"),  # a tie goes up (half-even would give 0.12)
        ("0.135", "USD", "0.14"),
        ("0.124", "USD", "0.12"),
        ("1000.5", "JPY", "1001"),  # half-even would give 1000
        ("1000.49", "JPY", "1000"),
        ("1.2345", "KWD", "1.235"),  # half-even would give 1.234
        ("7", "KWD", "7.000"),
        ("48000", "USD", "48000.00"),
    ],
)
def test_the_one_rule_rounds_to_the_minor_unit_a_tie_up(
    amount: str, currency: str, expected: str
) -> None:
    got = rounded(Decimal(amount), currency)
    assert (str(got), got) == (expected, Decimal(expected))


def sf_row(amount: Any, currency: str) -> dict[str, Any]:
    return {
        "Id": "006A000001",
        "Amount": amount,
        "CurrencyIsoCode": currency,
        "CreatedDate": AT,
        "SystemModstamp": AT,
        "StageName": "Closed Won",
    }


def hs_deal(amount: Any, currency: str) -> dict[str, Any]:
    return {
        "id": "1000",
        "properties": {
            "amount": amount,
            "deal_currency_code": currency,
            "createdate": "2026-11-21T10:00:00Z",
            "hs_lastmodifieddate": "2026-11-21T10:00:00Z",
            "dealstage": "closedwon",
        },
    }


@pytest.mark.parametrize(
    ("raw", "currency", "expected"),
    [
        (1234.565, "USD", "1234.57"),  # Salesforce answers a JSON number, HubSpot a string
        ("1234.565", "USD", "1234.57"),
        ("0.125", "EUR", "0.13"),
        ("48000.50", "JPY", "48001"),
        ("48000.49", "JPY", "48000"),
        ("12.3455", "KWD", "12.346"),
        ("99.99995", "CLF", "100.0000"),
    ],
)
def test_salesforce_and_hubspot_read_the_same_amount_by_the_one_rule(
    raw: Any, currency: str, expected: str
) -> None:
    # Salesforce keeps an amount written through its API unrounded, HubSpot a number with any
    # decimals: both adapters hand the domain the CRM's value and get the same amount back.
    from_sf = opportunity(sf_row(raw, currency), ["003A000001"], None)
    from_hs = to_opportunity(hs_deal(str(raw), currency), ["1"], lambda: "USD")
    assert from_sf is not None
    assert str(from_sf.amount) == str(from_hs.amount) == expected


def test_an_opportunity_holds_its_amount_in_its_currencys_minor_unit() -> None:
    made = Opportunity(
        id="O-1",
        contact_ids=[],
        amount=Decimal("18500.005"),
        currency="EUR",
        created_at=datetime(2026, 11, 21, tzinfo=UTC),
        modified_at=datetime(2026, 11, 21, tzinfo=UTC),
    )
    assert str(made.amount) == "18500.01"
    # What crm_sync stores and reads back is the same amount.
    assert Opportunity.model_validate_json(made.model_dump_json()) == made


@pytest.mark.parametrize(
    ("amount", "currency", "weights", "expected"),
    [
        ("100", "JPY", [1, 1, 1], ["34", "33", "33"]),  # no yen is split into sen
        ("1.000", "KWD", [1, 1, 1], ["0.334", "0.333", "0.333"]),  # fils, not cents
        ("0.01", "USD", [1, 1], ["0.01", "0.00"]),
        ("10.00", "USD", [3, 1], ["7.50", "2.50"]),
        ("10.00", "USD", [0, 0], ["5.00", "5.00"]),  # nothing says who earned more
        ("1.0000", "CLF", [1, 2], ["0.3333", "0.6667"]),
    ],
)
def test_allocate_splits_in_the_minor_unit_and_adds_up_exactly(
    amount: str, currency: str, weights: list[int], expected: list[str]
) -> None:
    parts = allocate(Decimal(amount), [Decimal(w) for w in weights], currency)
    assert [str(p) for p in parts] == expected
    assert sum(parts, Decimal(0)) == Decimal(amount)


CURRENCIES = ["JPY", "USD", "KWD", "CLF"]


@settings(max_examples=300, deadline=None)
@given(
    currency=st.sampled_from(CURRENCIES),
    units=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=40),
)
def test_allocate_is_exact_and_never_off_by_more_than_one_unit(
    currency: str, units: int, weights: list[int]
) -> None:
    unit = quantum(currency)
    amount = units * unit
    parts = allocate(amount, [Decimal(w) for w in weights], currency)
    assert sum(parts, Decimal(0)) == amount
    shares = [Decimal(w) for w in weights] if sum(weights) else [Decimal(1)] * len(weights)
    for part, weight in zip(parts, shares, strict=True):
        assert part == part.quantize(unit)
        assert part >= 0
        assert abs(part - amount * weight / sum(shares)) < unit


def test_a_total_is_shown_in_the_minor_unit() -> None:
    assert str(total([Decimal("1"), Decimal("2")], "KWD")) == "3.000"
    assert str(total([], "JPY")) == "0"
    assert str(total([Decimal("0.10"), Decimal("0.20")], "USD")) == "0.30"
