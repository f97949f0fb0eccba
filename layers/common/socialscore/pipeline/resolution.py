"""Resolve: the actor to a contact (or an anonymous profile) and the post's author to a seller."""

from __future__ import annotations

from socialscore.aws.logs import logger
from socialscore.domain.engage_rules import ANSWERABLE
from socialscore.domain.interaction import Answered, identity_key
from socialscore.domain.messages import Rehydrated, Resolved
from socialscore.pipeline.ports import IdentityLinks, SellerRegistry

# Why resolve forwards nothing for an act: a seller or the brand is never a prospect.
BY_SELLER = "act_by_seller_or_brand_account"


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
