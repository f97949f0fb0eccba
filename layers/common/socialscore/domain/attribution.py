"""Attribution: how an opportunity's amount is split over the organic touches before it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from socialscore.domain import money
from socialscore.domain.interaction import Category
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.scoring_model import Attribution, ModelName, ScoringModel
from socialscore.domain.touch import Touch

SECONDS_PER_DAY = Decimal(86400)


@dataclass(frozen=True, kw_only=True)
class AttributionContext:
    """What a model may look at besides the touches: the opportunity's creation (time-decay counts
    back from it), when its contact was identified (W-shaped; None when unknown) and the
    configured shares and half-life."""

    opportunity_created_at: datetime
    config: Attribution
    identified_at: datetime | None = None


# A model turns the touches (oldest first, as in_window orders them) into weights; `split` divides
# the amount in proportion. Weights need not add up to anything: split normalises them.
AttributionModel = Callable[[list[Touch], AttributionContext], list[Decimal]]


def _share(value: float) -> Decimal:
    # Via str so 0.4 is 0.4, not the binary float's 0.40000000000000002220446...
    return Decimal(str(value))


def first_touch(touches: list[Touch], context: AttributionContext) -> list[Decimal]:
    return [Decimal(1 if i == 0 else 0) for i in range(len(touches))]


def last_touch(touches: list[Touch], context: AttributionContext) -> list[Decimal]:
    return [Decimal(1 if i == len(touches) - 1 else 0) for i in range(len(touches))]


def linear(touches: list[Touch], context: AttributionContext) -> list[Decimal]:
    return [Decimal(1)] * len(touches)


def time_decay(touches: list[Touch], context: AttributionContext) -> list[Decimal]:
    """A touch d days before the opportunity's creation weighs 2^(-d/h)."""
    half_life = _share(context.config.time_decay_half_life_days) * SECONDS_PER_DAY
    weights = []
    for t in touches:
        seconds = (context.opportunity_created_at - t.occurred_at).total_seconds()
        # in_window drops later touches; should one get here, it weighs as one at creation
        # rather than more than any touch that came before the opportunity.
        age = Decimal(max(seconds, 0.0))
        weights.append(Decimal(2) ** (-age / half_life))
    return weights


def _milestones(count: int, marked: dict[int, Decimal], rest: Decimal) -> list[Decimal]:
    """Weights giving each marked touch its share and spreading `rest` over the unmarked ones.
    When every touch is marked, `rest` has no one to take it and is dropped: the marked touches
    then split in proportion to their shares (U-shaped's two touches: 40:40, so 50/50)."""
    others = count - len(marked)
    spread = rest / others if others else Decimal(0)
    return [marked.get(i, spread) for i in range(count)]


def position_based(touches: list[Touch], context: AttributionContext) -> list[Decimal]:
    """U-shaped: first and last touch their shares, the rest spread over the middle; a lone touch
    gets everything."""
    shares = context.config.position_based
    first, last = _share(shares.first), _share(shares.last)
    n = len(touches)
    if n <= 1:
        return [Decimal(1)] * n
    return _milestones(n, {0: first, n - 1: last}, 1 - first - last)


def identification_index(touches: list[Touch], identified_at: datetime | None) -> int | None:
    """The touch at which the contact was identified: the first at or after the identification
    time (ties in time resolved by in_window's order); None when unknown or after every touch."""
    if identified_at is None:
        return None
    return next((i for i, t in enumerate(touches) if t.occurred_at >= identified_at), None)


def w_shaped(touches: list[Touch], context: AttributionContext) -> list[Decimal]:
    """First, identification and last touches their shares, the rest spread over the others.

    Without a distinct identification touch (identification unknown, after the last touch, or at
    the first or last touch itself) there are only two milestones, and the journey is weighed as
    U-shaped with the position_based shares."""
    n = len(touches)
    identified = identification_index(touches, context.identified_at)
    if identified is None or identified in (0, n - 1):
        return position_based(touches, context)
    shares = context.config.w_shaped
    first, middle, last = _share(shares.first), _share(shares.identified), _share(shares.last)
    return _milestones(n, {0: first, identified: middle, n - 1: last}, 1 - first - middle - last)


MODELS: dict[ModelName, AttributionModel] = {
    "first_touch": first_touch,
    "last_touch": last_touch,
    "linear": linear,
    "time_decay": time_decay,
    "position_based": position_based,
    "w_shaped": w_shaped,
}


def in_window(touches: list[Touch], anchor: datetime, lookback_days: int) -> list[Touch]:
    """Organic touches in the lookback window before the anchor, oldest first."""
    start = anchor - timedelta(days=lookback_days)
    window = [
        t for t in touches if t.category is Category.ORGANIC and start <= t.occurred_at <= anchor
    ]
    return sorted(window, key=lambda t: (t.occurred_at, t.profile, t.dedupe_key))


def split(
    amount: Decimal,
    currency: str,
    touches: list[Touch],
    model: AttributionModel,
    context: AttributionContext,
) -> list[Decimal]:
    """Amounts per touch in the currency's minor unit (JPY none, USD cents, KWD thousandths),
    adding up to the amount exactly (money.allocate: largest remainder, ties to the older
    touch). Shares all configured as 0 with no touch to spread the rest over (W-shaped 0/0/0 on
    three touches) split evenly rather than fail a sync."""
    if not touches:
        return []
    return money.allocate(amount, model(touches, context), currency)


def split_all(
    amount: Decimal, currency: str, touches: list[Touch], context: AttributionContext
) -> dict[ModelName, list[Decimal]]:
    """Every configured model's split: the config's `models` in its order, `primary` among them."""
    return {
        name: split(amount, currency, touches, MODELS[name], context)
        for name in context.config.models
    }


def influence(touches: list[Touch], shares: list[Decimal]) -> dict[str, dict[str, Decimal]]:
    """Attributed amounts by seller, post and network (touches with no seller: 'unattributed';
    a follow has no post, so by_post may add up to less than the amount)."""
    out: dict[str, dict[str, Decimal]] = {
        "by_seller": defaultdict(Decimal),
        "by_post": defaultdict(Decimal),
        "by_network": defaultdict(Decimal),
    }
    for t, share in zip(touches, shares, strict=True):
        out["by_seller"][t.seller_id or "unattributed"] += share
        if t.post is not None:
            out["by_post"][t.post] += share
        out["by_network"][t.network.value] += share
    return {k: dict(sorted(v.items())) for k, v in out.items()}


def splits(
    opp: Opportunity, touches: list[Touch], model: ScoringModel, identified_at: datetime | None
) -> tuple[list[Touch], dict[ModelName, list[Decimal]]]:
    """The touches in the opportunity's lookback window, and each configured model's shares of
    them: what crm_sync pushes and what the report shows for the opportunity."""
    config = model.attribution
    window = in_window(touches, opp.created_at, config.lookback_days)
    context = AttributionContext(
        opportunity_created_at=opp.created_at, config=config, identified_at=identified_at
    )
    return window, split_all(opp.amount, opp.currency, window, context)
