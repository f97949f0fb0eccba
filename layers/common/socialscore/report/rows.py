"""The Snapshot's rows, and Money: an amount per currency. Opportunities carry a currency, and
amounts in two currencies are never added: attributed value and economic value are Money."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from socialscore.domain.bucket_tally import Counts
from socialscore.domain.owners import Owner
from socialscore.domain.scoring_model import ScoringModel

Amounts = dict[str, Decimal]  # who -> amount, in one currency
Money = dict[str, Decimal]  # currency -> amount: only those not zero, currencies sorted


def money(amounts: Iterable[tuple[str, Decimal]]) -> Money:
    """(currency, amount) pairs added per currency."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for currency, amount in amounts:
        out[currency] += amount
    return {c: out[c] for c in sorted(out) if out[c]}


def total(each: Iterable[Money]) -> Money:
    """Money added, per currency."""
    return money(pair for m in each for pair in m.items())


def money_text(value: Money) -> str:
    """`74,814.06 USD · 18,500.00 EUR` (currencies sorted), `-` for none."""
    return " · ".join(f"{amount:,.2f} {currency}" for currency, amount in value.items()) or "-"


@dataclass(frozen=True)
class OpportunityView:
    id: str
    amount: Decimal
    currency: str
    stage: str
    created_at: datetime
    touches: int  # in the attribution window
    primary: str  # the scoring model's primary attribution model
    # model -> "seller" | "post" | "network" -> who -> amount
    by_model: Mapping[str, Mapping[str, Amounts]]


class Packed(Mapping[str, Mapping[str, Amounts]]):
    """A view's splits held as one compact JSON text and decoded model by model as they are read
    (each read decodes anew): the report holds two periods' views, about 2 KB each this way
    against about 9 KB as dictionaries of names and amounts. The amounts come back exactly as
    they went in (a Decimal's text)."""

    __slots__ = ("_text",)

    def __init__(self, by_model: Mapping[str, Mapping[str, Amounts]]) -> None:
        plain = {m: {d: {w: str(a) for w, a in who.items()} for d, who in dims.items()}
                 for m, dims in by_model.items()}  # fmt: skip
        self._text = json.dumps(plain, separators=(",", ":"))

    def __getitem__(self, model: str) -> Mapping[str, Amounts]:
        dims = json.loads(self._text)[model]
        return {d: {w: Decimal(a) for w, a in who.items()} for d, who in dims.items()}

    def __iter__(self) -> Iterator[str]:
        return iter(json.loads(self._text))

    def __len__(self) -> int:
        return len(json.loads(self._text))


@dataclass(frozen=True)
class SellerRow:
    seller_id: str
    team: str
    organic_points: Decimal
    organic_touches: int
    paid_points: Decimal
    paid_touches: int
    attributed: Money  # under the primary model, over the opportunities counted


@dataclass(frozen=True)
class TeamRow:
    team: str
    sellers: int
    organic_points: Decimal
    organic_touches: int
    paid_points: Decimal
    attributed: Money


@dataclass(frozen=True)
class PostRow:
    post: str  # network#post id
    account: str  # the seller who wrote it, else its author's id, else "?"
    comments: int  # Kaushik's conversation
    amplification: int  # shares and quotes
    applause: int  # likes
    economic_value: Money  # attributed under the primary model
    created: date | None = None  # the post's, from the provider's facts while cached

    @property
    def reactions(self) -> int:
        return self.comments + self.amplification + self.applause


@dataclass(frozen=True)
class AccountRow:
    account: str
    posts: int
    reactions: int  # over its posts
    conversation: float  # per post
    amplification: float
    applause: float
    economic_value: Money


@dataclass(frozen=True)
class ScoreRow:
    who: str  # a contact id, or the identity of an anonymous profile
    contact: bool
    organic: float
    paid: float
    hot_since: str | None
    buckets: tuple[str, ...] = ()  # the scoring model's bucket names, in its order
    owner: Owner | None = None  # a hot lead's: who is told of it (domain.owners)


@dataclass(frozen=True)
class BucketRow:
    name: str
    label: str
    profiles: int  # contacts and anonymous profiles in it; a profile can be in several
    contacts: int


def tallied_buckets(model: ScoringModel, counted: Counts) -> list[BucketRow]:
    """The bucket rows, in the model's order, from crm_sync's tally's counts (bucket ->
    (profiles, contacts): store.bucket_tally)."""
    return [
        BucketRow(rule.name, rule.label, *counted.get(rule.name, (0, 0))) for rule in model.buckets
    ]


@dataclass(frozen=True)
class DayRow:
    day: date
    organic_touches: int
    paid_touches: int
    organic_points: Decimal
    paid_points: Decimal
