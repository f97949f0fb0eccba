"""Resolve: the actor to a contact (or an anonymous profile) and the post's author to a seller."""

from __future__ import annotations

from socialscore.domain.engage_rules import ANSWERABLE
from socialscore.domain.interaction import identity_key
from socialscore.domain.messages import Rehydrated, Resolved
from socialscore.pipeline.ports import IdentityLinks, SellerRegistry


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
) -> list[Resolved]:
    """One read of each table for the whole batch. The actor of a reply, quote or mention that
    is a registered seller or brand account is marked `by_seller`: its act answers the one it
    replies to (only those actors are looked up: a like answers nothing)."""
    actors = [i.interaction.actor_key for i in items]
    accounts = [a for a in map(credited_account, items) if a is not None]
    answering = [i.interaction.actor_key for i in items if i.interaction.kind in ANSWERABLE]
    contacts = identities.contacts_of(actors) if actors else {}
    wanted = sorted({*accounts, *answering})
    registered = sellers.of_accounts(wanted) if wanted else {}
    resolved = []
    for item in items:
        account = credited_account(item)
        actor = item.interaction.actor_key
        seller = registered.get(account) if account else None
        by_seller = item.interaction.kind in ANSWERABLE and actor in registered
        resolved.append(item.resolved(contacts.get(actor), seller, by_seller))
    return resolved
