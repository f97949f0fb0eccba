"""Resolve: the actor to a contact (or an anonymous profile) and the post's author to a seller;
identity links recorded (crm_sync scores their contacts again); deleted posts passed on to the
score stage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from socialscore.aws import batch
from socialscore.aws.logs import logger
from socialscore.domain.engage_rules import ANSWERABLE
from socialscore.domain.interaction import (
    Answered,
    Erase,
    Identify,
    PostDeleted,
    identity_key,
)
from socialscore.domain.messages import Rehydrated, Resolved, ResolveMessage
from socialscore.pipeline.ports import CrmPending, IdentityLinks, MessageQueue, SellerRegistry

# Why resolve forwards nothing for an act: a seller or the brand is never a prospect.
BY_SELLER = "act_by_seller_or_brand_account"
# Why a link is not recorded: its contact or identity was erased after the link's time.
ERASED = "contact_or_identity_erased_after_the_link"


@dataclass(frozen=True)
class Refused:
    """A link an erasure bar refused: the erasure's time, and the social user's own (None: only
    the contact was erased), both from the batch's one read of the bars."""

    link: Identify
    erased_at: datetime
    user_erased_at: datetime | None


def take(
    received: list[batch.Received[ResolveMessage]],
    identities: IdentityLinks,
    sellers: SellerRegistry,
    forward: MessageQueue,
    crm: CrmPending,
    now: datetime,
) -> batch.Done:
    """A batch, end to end: links recorded, acts resolved and sent on to `forward` (the score
    queue) with the deleted posts and the erasures refused links call for."""
    links = [(r.id, r.message) for r in received if isinstance(r.message, Identify)]
    refused, invalid = relink([m for _, m in links], [], identities, crm, now)
    items = [(r.id, r.message) for r in received if isinstance(r.message, Rehydrated)]
    resolved = resolve([m for _, m in items], identities, sellers)
    outgoing = [
        (mid, r.model_dump_json())
        for (mid, _), r in zip(items, resolved, strict=True)
        if r is not None  # a seller's or the brand's own act: nobody's touch (logged)
    ]
    # Deleted posts take back ledger entries: scoring's business.
    deleted = [(r.id, r.message) for r in received if isinstance(r.message, PostDeleted)]
    outgoing += [(mid, m.model_dump_json()) for mid, m in deleted]
    sent_as = {m.event_id: mid for mid, m in links}  # one erasure per identify message
    erasures = {sent_as[e.event_id]: e for e in _erasures(refused, identities)}
    outgoing += [(mid, e.model_dump_json()) for mid, e in erasures.items()]
    unsent = forward.send(outgoing, batch.correlation_ids(received))
    counts = {
        "InteractionsResolved": len(resolved),
        "ActsBySellersIgnored": resolved.count(None),
        "IdentitiesLinked": len(links) - len(refused) - invalid,
        "IdentityLinksRefused": len(refused) + invalid,
    }
    return batch.Done(batch.unsent(unsent, "score"), counts)


def relink(
    links: list[Identify],
    unlinks: list[tuple[str, str]],
    identities: IdentityLinks,
    crm: CrmPending,
    now: datetime,
) -> tuple[list[Refused], int]:
    """Record `links`, and take off each (identity, contact) of `unlinks` still to that contact;
    returns the links refused, each with the erasure that refused it, and how many the store
    refused as invalid (logged by it).

    A contact's score is its identities' sum: crm_sync scores again the contacts the changed
    profiles are linked to, and those a profile left (moved to another contact, or unlinked),
    which it would not find through the profile any more. An identify event and a CRM
    contact's social field (pipeline.crm_identities) both come this way.

    A link whose contact or identity was erased at or after the link's own time is refused
    (logged with its event id): the erasure withdrew the consent it carried, whichever the two
    was taken first. One dated after the erasure is consent given again, and is recorded."""
    links, refused = _screened(links, identities)
    changed = sorted({link.identity for link in links} | {i for i, _ in unlinks})
    if not changed:
        return refused, 0
    before = identities.contacts_of(changed)
    gone = [i for i, contact in unlinks if before.get(i) == contact]
    invalid = identities.link(links) if links else 0
    if gone:
        identities.unlink(gone)
    after = {link.identity: link.contact_id for link in links} | dict.fromkeys(gone, "")
    left = {c for i, c in before.items() if after.get(i, c) != c}
    crm.mark_changed(now, profiles=changed, contacts=sorted(left))
    return refused, invalid


def _screened(
    links: list[Identify], identities: IdentityLinks
) -> tuple[list[Identify], list[Refused]]:
    """(the links kept, those an erasure bar refuses with that erasure's time, logged): one read
    of the bars for the whole batch."""
    if not links:
        return [], []
    named = sorted({link.identity for link in links} | {link.contact_id for link in links})
    bars = identities.barred(named)
    kept, refused = [], []
    for link in links:
        erased = max((bars[i] for i in (link.identity, link.contact_id) if i in bars), default=None)
        if erased is not None and link.occurred_at <= erased:
            logger().info("identity link refused", extra={"reason": ERASED, "event": link.event_id})
            refused.append(Refused(link, erased, bars.get(link.identity)))
        else:
            kept.append(link)
    return kept, refused


def _erasures(refused: list[Refused], identities: IdentityLinks) -> list[Erase]:
    """The social users of refused links, erased as of the erasure that refused each: the
    identify said they were the erased person's then, so their touches go as they would have
    had the link come first. Not one linked since by a link dated after that erasure (consent
    given again), nor one another contact linked after the refused link and before the erasure
    (it was that contact's at the erasure), unless the user itself was erased."""
    if not refused:
        return []
    users = sorted({r.link.identity for r in refused})
    since, owner = identities.linked_at(users), identities.contacts_of(users)

    def erased(r: Refused) -> bool:
        link, s = r.link, since.get(r.link.identity)
        if s is None:
            return True
        if s > r.erased_at:  # consent given again
            return False
        moved = owner.get(link.identity) != link.contact_id and s > link.occurred_at
        return not moved or (r.user_erased_at is not None and s <= r.user_erased_at)

    return [
        Erase(
            event_id=r.link.event_id,
            source=r.link.source,
            identity=r.link.identity,
            occurred_at=r.erased_at,
        )
        for r in refused
        if erased(r)
    ]


def credited_account(item: Rehydrated) -> str | None:
    """The account whose post (or, for a follow, whose profile) earned the interaction."""
    i = item.interaction
    if item.target is not None:
        return identity_key(i.network, item.target.author_id)
    if i.target_user_id is not None:
        return identity_key(i.network, i.target_user_id)
    return None


def resolve(
    items: list[Rehydrated], identities: IdentityLinks, sellers: SellerRegistry
) -> list[Resolved | Answered | None]:
    """One read of each table for the whole batch; one answer per item, in order.

    An act whose actor is a registered seller or brand account is nobody's touch: its reply or
    quote of a post answers the act that post is (an `Answered` for the score stage, which takes
    it off the engage-now queue); anything else it does is dropped (None), logged with its
    reason and the act's id."""
    actors = [i.interaction.actor_key for i in items]
    accounts = [a for a in map(credited_account, items) if a is not None]
    contacts = identities.contacts_of(actors) if actors else {}
    wanted = sorted({*accounts, *actors})
    registered = sellers.of_accounts(wanted) if wanted else {}
    resolved: list[Resolved | Answered | None] = []
    for item in items:
        account = credited_account(item)
        actor = item.interaction.actor_key
        if actor in registered:
            resolved.append(_by_seller(item))
            continue
        seller = registered.get(account) if account else None
        resolved.append(item.resolved(contacts.get(actor), seller))
    return resolved


def _by_seller(item: Rehydrated) -> Answered | None:
    i = item.interaction
    post = item.target.ref.key if item.target else i.target_post
    if i.kind in ANSWERABLE and post is not None:
        return Answered(
            event_id=i.interaction_id, source=i.source, post=post, occurred_at=i.occurred_at
        )
    logger().info("act ignored", extra={"reason": BY_SELLER, "interaction_id": i.interaction_id})
    return None
