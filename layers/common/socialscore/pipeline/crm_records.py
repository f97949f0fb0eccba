"""What crm_sync pushes, computed from the ledger and the scores: a contact's scores (and its last
organic touch and buckets, as kept with the push: crm_carry), an opportunity's attributed
influence with its breakdown records (one per seller, one per post), complaint cases; and the
digest that says whether a record changed since its last push."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from socialscore.domain import attribution, money
from socialscore.domain.attributed import Attributed, of_splits
from socialscore.domain.attribution import splits
from socialscore.domain.opportunity import (
    ComplaintCase,
    ContactScore,
    HotLeadTask,
    InfluenceRecord,
    Opportunity,
    OpportunityInfluence,
)
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.standing import ProfileItems, standing
from socialscore.domain.touch import Touch


def decayed(
    identities: list[str], units: ProfileItems, as_of: datetime, model: ScoringModel
) -> tuple[float, float]:
    """The contact's organic and paid scores at as_of, summed over its linked identities and not
    rounded: the bucket rules test these, as `socialscore profile` does."""
    now = standing(units, identities, as_of, model)
    return now.organic, now.paid


def contact_score(contact: str, scores: tuple[float, float], model: ScoringModel) -> ContactScore:
    """The contact's scores (`decayed`) rounded to what the CRM shows (two decimals), so a score
    that only decayed is pushed only when the rounded value moves."""
    return ContactScore(
        contact_id=contact,
        organic_score=round(scores[0], 2),
        paid_score=round(scores[1], 2),
        model_version=model.version,
    )


# What crm_sync keeps, with a contact's push, of a last organic touch known to be none.
NO_TOUCH = "none"


def carried_touch(moment: datetime | None) -> str:
    """A contact's last organic touch as crm_sync keeps it: a time, or known to be none."""
    return moment.isoformat() if moment is not None else NO_TOUCH


def kept_touch(carried: str) -> datetime | None:
    return None if carried == NO_TOUCH else datetime.fromisoformat(carried)


def complaint_cases(
    linked: Mapping[str, list[str]], touches: Mapping[str, list[Touch]]
) -> list[ComplaintCase]:
    """A case for every complaint among the touches read of these contacts' identities: the
    run after the act, or after its profile was linked to a contact (an anonymous complaint has
    no one to hang a case on until then)."""
    return [
        ComplaintCase.of(t, contact)
        for contact, identities in sorted(linked.items())
        for identity in identities
        for t in touches.get(identity, ())
        if t.complaint_hits
    ]


def digest(record: BaseModel, parts: list[str]) -> str:
    """What a record's last push carried. A task or a case is opened once: later scores of its
    profile, or a later link to another contact, do not make it a new one. An opportunity's
    digest covers which breakdown records it has, so a change of those alone saves the new
    list."""
    if isinstance(record, HotLeadTask):
        content = record.model_dump(mode="json", include={"profile", "contact_id"})
    elif isinstance(record, ComplaintCase):
        content = record.model_dump(mode="json", include={"key"})
    else:
        content = record.model_dump(mode="json")
    if isinstance(record, ContactScore) and record.last_organic_touch is None:
        # Not known, or none: either way the CRM field is empty, and a contact pushed before the
        # field existed keeps its digest (no push of every contact on an upgrade). Buckets stay
        # in it, empty or not: the upgrade that brought them pushes every contact once.
        content.pop("last_organic_touch")
    canonical = json.dumps([content, sorted(parts)], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def attributed_influence(
    opp: Opportunity, touches: list[Touch], model: ScoringModel, identified_at: datetime | None
) -> tuple[OpportunityInfluence, list[InfluenceRecord], Attributed]:
    """The opportunity's headline under the primary attribution model, and its breakdown under
    every configured model, the primary model's records marked so a sum in the CRM adds no
    models; and the same splits by dimension, as crm_sync keeps them for the report.
    `identified_at`: when its contacts were first identified (W-shaped credits the touch at that
    point)."""
    config = model.attribution
    window, by_model = splits(opp, touches, model, identified_at)
    shares = by_model[config.primary]
    headline = OpportunityInfluence(
        opportunity_id=opp.id,
        currency=opp.currency,
        attributed_amount=money.total(shares, opp.currency),
        attribution_model=config.primary,
        touches=len(window),
        **attribution.influence(window, shares),
    )
    # A seller or post a model gives nothing (first touch: every later one) gets no record.
    records = [
        r
        for name, s in by_model.items()
        for r in _records(opp, name, name == config.primary, window, s)
        if r.amount
    ]
    return headline, records, of_splits(window, by_model, model)


def _records(
    opp: Opportunity, model: str, primary: bool, touches: list[Touch], shares: list[Decimal]
) -> list[InfluenceRecord]:
    sellers: dict[str, list[tuple[Touch, Decimal]]] = defaultdict(list)
    posts: dict[str, list[tuple[Touch, Decimal]]] = defaultdict(list)
    for t, share in zip(touches, shares, strict=True):
        sellers[t.seller_id or "unattributed"].append((t, share))
        if t.post is not None:
            posts[t.post].append((t, share))

    def record(by: str, name: str, part: list[tuple[Touch, Decimal]]) -> InfluenceRecord:
        # The key names its opportunity first (domain.record_key.owner_of reads it back).
        return InfluenceRecord(
            key=f"{opp.id}|{model}|{by}|{name}",
            opportunity_id=opp.id,
            model=model,
            amount=money.total([s for _, s in part], opp.currency),
            currency=opp.currency,
            touches=len(part),
            primary=primary,
        )

    out = [
        record("seller", seller, part).model_copy(
            update={"seller_id": seller, "team": next((t.team for t, _ in part if t.team), None)}
        )
        for seller, part in sorted(sellers.items())
    ]
    out += [
        record("post", post, part).model_copy(
            update={"post": post, "network": part[0][0].network.value}
        )
        for post, part in sorted(posts.items())
    ]
    return out
