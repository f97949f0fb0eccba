"""Hot leads: a profile whose organic score crosses the model's threshold is announced once.

The flag is set only after the event is on the bus, so a crash in between re-announces (at least
once). Each event carries a stable id (`hot#<profile>`) for consumers to dedupe, and names the
owner it is routed to (domain.owners). The flag is also what crm_sync reads to open one CRM task
per hot profile, as soon as it is linked to a contact.
"""

from __future__ import annotations

from datetime import datetime

from socialscore.domain.interaction import Category
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.standing import standing
from socialscore.domain.touch import Touch
from socialscore.pipeline.ports import EventBus, ScoreStore
from socialscore.pipeline.routing import Router

DETAIL_TYPE = "HotLead"


def announce(
    touches: list[Touch],
    contacts: dict[str, str],
    scores: ScoreStore,
    bus: EventBus,
    router: Router,
    model: ScoringModel,
    now: datetime,
) -> list[tuple[str, float]]:
    """Announce the profiles of these touches that are hot and not yet flagged; returns them with
    their scores. crm_sync opens a CRM task for each, once it is linked to a contact.

    Pass every touch of the batch, duplicates included: a retry after a failure here finds the
    ledger already written, and must still announce.
    """
    profiles = sorted({t.profile for t in touches if t.category is Category.ORGANIC})
    if not profiles:
        return []
    items = scores.profile_units(profiles)
    hot = []
    for profile in profiles:
        now_standing = standing(items, [profile], now, model)  # only organic items are flagged
        if now_standing.hot_since is None and now_standing.organic >= model.hot_lead_threshold:
            hot.append((profile, round(now_standing.organic, 2)))
    if not hot:
        return []
    owners = router.owners([profile for profile, _ in hot], items)  # no read more
    bus.publish(
        DETAIL_TYPE,
        [
            {
                "id": f"hot#{profile}",
                "profile": profile,
                "contact_id": contacts.get(profile),
                "organic_score": score,
                "threshold": model.hot_lead_threshold,
                "model_version": model.version,
                "owner": owners[profile].detail(),
            }
            for profile, score in hot
        ],
    )
    scores.mark_hot([profile for profile, _ in hot], Category.ORGANIC, now.isoformat())
    return hot
