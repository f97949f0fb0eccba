"""Attribution: how an opportunity's amount is split over the organic touches before it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from socialscore.domain.interaction import Category
from socialscore.domain.touch import Touch

CENT = Decimal("0.01")

# A model turns the touches (oldest first) into weights; the amount is split in proportion.
AttributionModel = Callable[[list[Touch]], list[Decimal]]


def linear(touches: list[Touch]) -> list[Decimal]:
    return [Decimal(1)] * len(touches)


MODELS: dict[str, AttributionModel] = {"linear": linear}


def in_window(touches: list[Touch], anchor: datetime, lookback_days: int) -> list[Touch]:
    """Organic touches in the lookback window before the anchor, oldest first."""
    start = anchor - timedelta(days=lookback_days)
    window = [
        t for t in touches if t.category is Category.ORGANIC and start <= t.occurred_at <= anchor
    ]
    return sorted(window, key=lambda t: (t.occurred_at, t.profile, t.dedupe_key))


def split(amount: Decimal, touches: list[Touch], model: AttributionModel) -> list[Decimal]:
    """Amounts per touch, in cents, adding up to the amount exactly (largest remainder)."""
    if not touches:
        return []
    weights = model(touches)
    total = sum(weights, Decimal(0))
    exact = [amount * w / total for w in weights]
    shares = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    leftover = int((amount - sum(shares, Decimal(0))) / CENT)
    by_remainder = sorted(range(len(exact)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[:leftover]:
        shares[i] += CENT
    return shares


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
