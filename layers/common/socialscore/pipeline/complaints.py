"""Complaints: a reply, quote or mention whose own words hit the model's complaint phrases is
announced once per act, on EventBridge (detail-type `Complaint`).

The event carries ids, a link made from ids, and the phrases: never the words, never a handle.
Its `id` (`complaint#<profile>#<ledger key>`) is stable, for consumers to dedupe, and is the
external id of the case crm_sync opens for it; it names the owner it is routed to
(domain.owners). The act's flag is set only after the event is on
the bus, so a crash in between announces again (at least once); a re-delivered act, a retried
batch or a second report of the act finds the flag and announces nothing.
"""

from __future__ import annotations

from typing import Any

from socialscore.domain.owners import Owner
from socialscore.domain.touch import Touch, complaint_key, own_link
from socialscore.pipeline.ports import ComplaintFlagStore, EventBus
from socialscore.pipeline.routing import Router

DETAIL_TYPE = "Complaint"


def announce(
    touches: list[Touch],
    contacts: dict[str, str],
    flags: ComplaintFlagStore,
    bus: EventBus,
    router: Router,
) -> list[str]:
    """Announce the complaints among these touches (the batch's, scored) that the ledger counts
    and that were not announced yet; returns their ids. `contacts`: profile -> contact id, for
    those linked. Costs nothing for a batch without a complaint; else one read of the ledger,
    the events and one write of the flags."""
    keys = [(t.profile, t.dedupe_key) for t in touches if t.complaint_hits]
    if not keys:
        return []
    due = flags.unannounced(keys)
    if not due:
        return []
    # As the ledger holds each act: a later report of it may have replaced this batch's.
    owners = router.owners([t.profile for t in due.values()])
    bus.publish(
        DETAIL_TYPE,
        [detail(t, contacts.get(t.profile), owners[t.profile]) for t in due.values()],
    )
    flags.mark(list(due))
    return [complaint_key(t) for t in due.values()]


def detail(t: Touch, contact_id: str | None, owner: Owner) -> dict[str, Any]:
    return {
        "id": complaint_key(t),
        "interaction_id": t.interaction_id,
        "network": t.network.value,
        "kind": t.kind.value,
        "profile": t.profile,
        "contact_id": contact_id,
        "post": t.post,  # the post it answers
        "seller_id": t.seller_id,  # whose post that is (None: no registered seller's)
        "team": t.team,
        "own_post": t.own_post,
        "permalink": own_link(t),
        "phrases": list(t.complaint_hits),
        "occurred_at": t.occurred_at.isoformat(),
        "model_version": t.model_version,
        "owner": owner.detail(),
    }
