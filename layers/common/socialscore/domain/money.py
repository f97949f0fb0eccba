"""Money: each currency's ISO 4217 minor unit, the one rule that rounds an amount to it, and the
split of an amount into parts that add up to it exactly.

Minor units are ISO 4217's Table A.1 as SIX, its maintenance agency, publishes it:
https://www.six-group.com/dam/download/financial-information/data-center/iso-currrency/lists/list-one.xml
(read in the edition published 2024-06-25: 179 codes, 166 with a minor unit, 140 of them 2).
Only the codes whose minor unit is not 2 are listed below; every other code, including one this
table does not know, has 2. The codes the list gives no minor unit ("N.A.": gold XAU, the SDR
XDR, the test code XTS...) are not currencies a deal is sold in, and take 2 as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

DEFAULT_MINOR_UNIT = 2
_NO_MINOR_UNIT = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"  # 0 decimals
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"
_FOUR_DECIMALS = "CLF UYW"
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_NO_MINOR_UNIT.split(), 0),
    **dict.fromkeys(_THREE_DECIMALS.split(), 3),
    **dict.fromkeys(_FOUR_DECIMALS.split(), 4),
}

# The one rounding rule, for every amount read from any CRM: to the nearest minor unit, a tie
# half up (away from zero; amounts here are never negative). It is what Salesforce's own ROUND
# does (ROUND(1.5, 0) = 2, help.salesforce.com "ROUND" formula function), so an amount a CRM
# holds with more decimals than its currency has (Salesforce stores an API-written value
# unrounded and only shows it rounded: help.salesforce.com knowledge article 000385689) is
# split as the amount a person sees and reports on in the CRM.
ROUNDING = ROUND_HALF_UP


def minor_unit(currency: str) -> int:
    """Decimals of the currency's minor unit: JPY 0, USD 2, KWD 3, CLF 4."""
    return MINOR_UNITS.get(currency.strip().upper(), DEFAULT_MINOR_UNIT)


def quantum(currency: str) -> Decimal:
    """The currency's minor unit as an amount: JPY 1, USD 0.01, KWD 0.001."""
    return Decimal(1).scaleb(-minor_unit(currency))


def rounded(amount: Decimal, currency: str) -> Decimal:
    """The amount in the currency's minor unit, by the one rounding rule."""
    return amount.quantize(quantum(currency), rounding=ROUNDING)


def allocate(amount: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """The amount split in proportion to the weights, each part in the currency's minor unit,
    the parts adding up to the (rounded) amount exactly: each part is rounded down, and the
    minor units left over go one each to the parts that lost the most to rounding (largest
    remainder; a tie to the earlier part). Weights all 0 (or none given a share) split evenly:
    nothing then says who earned more."""
    if not weights:
        return []
    total_weight = sum(weights, Decimal(0))
    if total_weight == 0:
        weights, total_weight = [Decimal(1)] * len(weights), Decimal(len(weights))
    amount, unit = rounded(amount, currency), quantum(currency)
    exact = [amount * w / total_weight for w in weights]
    parts = [e.quantize(unit, rounding=ROUND_DOWN) for e in exact]
    leftover = int((amount - sum(parts, Decimal(0))) / unit)
    by_remainder = sorted(range(len(exact)), key=lambda i: (parts[i] - exact[i], i))
    for i in by_remainder[:leftover]:
        parts[i] += unit
    return parts


def total(parts: Sequence[Decimal], currency: str) -> Decimal:
    """Parts added up, shown in the currency's minor unit (an empty sum is 0 of it)."""
    return sum(parts, Decimal(0)).quantize(quantum(currency))
