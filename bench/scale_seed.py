"""A big customer's state, written straight into the local runtime's tables for bench/scale.py:
fast, not through the pipeline, but every item as the stores write it (bench-only).

`profiles` profiles `x#<n>` with 1 to 2 x `per_profile` - 1 touches each on 90 days before
AS_OF (10 % paid) on 2,000 posts (one in four not a seller's; the rest spread over 50 sellers in
5 teams, the first posts the most touched); 30 % of the profiles linked to a CRM contact (one
contact in ten with two identities), one linked contact in ten with a won deal of the last 60
days; 1 % of the organic profiles flagged hot.

The items come from the stores' own builders: the ledger's entries from store.ledger_items'
`item_of`, the scores table's profile items, post and seller counters and day rollups from
domain.aggregates' `coalesce` keyed by store.scores' `item_key` and `index_attributes` (the
items `socialscore rebuild` sets, store.rebuild), the contacts' items and each linked
identity's `contact` (a stub when it has no organic touch) from domain.aggregates'
`with_contacts` and store.contact_totals' names, with the contacts' ranking's marker (as
`socialscore rebuild` leaves them), the identities from store.identities' `link_item`, the
opportunities through store.sync_state's own `save` (with the splits crm_sync
keeps, from each deal's journey: domain.attributed), the bucket tally through
store.bucket_tally's `replace` (as `socialscore rebuild` builds it), the sellers' accounts and
the post cache through their stores' writes. Written with
scale_moto.put (moto's tables directly: BatchWriteItem through boto3 costs ~5 ms an item here).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from scale_moto import put

from socialscore.domain.aggregates import (
    Aggregates,
    ContactTotal,
    ProfileTotal,
    coalesce,
    is_stub,
    with_contacts,
)
from socialscore.domain.attributed import Recorded, attributed
from socialscore.domain.bucket_tally import Kept, build
from socialscore.domain.decay import units
from socialscore.domain.interaction import Category, ConsentBasis, Identify, Kind, Network
from socialscore.domain.ledger_rules import LedgerEntry
from socialscore.domain.messages import Seller
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.post import CachedPost, PostFacts
from socialscore.domain.record_key import Landing
from socialscore.domain.score_bins import signature
from socialscore.domain.scoring_model import bundled
from socialscore.domain.touch import Touch
from socialscore.store import dynamo
from socialscore.store.bucket_tally import BucketTallyStore
from socialscore.store.contact_totals import CONTACT, READY
from socialscore.store.identities import link_item
from socialscore.store.identity_counts import MOST, member, members_key
from socialscore.store.ledger_items import item_of
from socialscore.store.opportunities import Opportunities
from socialscore.store.post_cache import PostCache
from socialscore.store.scores import index_attributes, item_key, profile_item
from socialscore.store.sellers import Sellers
from socialscore.store.sync_state import SyncState
from socialscore_local.runtime import LocalRuntime

MODEL = bundled()
AS_OF = datetime(2026, 12, 1, tzinfo=UTC)
DAYS, POSTS, SELLERS, TEAMS = 90, 2000, 50, 5
KINDS = [(Kind.LIKE, 60), (Kind.COMMENT, 15), (Kind.SHARE, 10), (Kind.QUOTE, 5), (Kind.CLICK, 10)]
LINKED, TWO_IDENTITIES, WON, HOT, PAID = 0.3, 0.1, 0.1, 0.01, 0.1
CHUNK = 5000  # profiles whose touches are held at once
LINKED_AT = AS_OF - timedelta(days=100)  # every link's time


@dataclass
class Seeded:
    """What was written, and a few keys the measured reads are asked about."""

    profiles: int = 0
    touches: int = 0
    contacts: dict[str, list[str]] = field(default_factory=dict)  # contact -> identities
    deals: list[Opportunity] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)  # the identities table's items
    hot: int = 0


def seed(rt: LocalRuntime, profiles: int, per_profile: int, seed: int = 7) -> Seeded:
    rng = random.Random(seed)
    out = Seeded(profiles)
    contact_of = _contacts(random.Random(seed + 1), out)
    sellers = [(f"s-{n:02d}", f"team-{n % TEAMS}") for n in range(SELLERS)]
    posts = [(f"x#{9_000_000 + p}", sellers[p % SELLERS] if p % 4 else None) for p in range(POSTS)]
    _posts(rt, posts)
    post_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(POSTS)))
    kinds = [k for k, _ in KINDS]
    kind_weights = list(itertools.accumulate(share for _, share in KINDS))
    weights = {(c, k): MODEL.weight(c, k, Network.X, 0) for c in Category for k in kinds}
    shared = Aggregates()  # posts', sellers' and days' counters, summed over every chunk
    tally: dict[str, Kept] = {}  # the bucket tally's units
    kept: list[Recorded] = []  # each deal's splits, as crm_sync keeps them
    ledger, scores = rt.table("LedgerTable"), rt.table("ScoresTable")
    for start in range(0, profiles, CHUNK):
        touches = []
        for p in range(start, min(profiles, start + CHUNK)):
            for n in range(rng.randint(1, 2 * per_profile - 1)):
                post, seller = rng.choices(posts, cum_weights=post_weights)[0]
                kind = rng.choices(kinds, cum_weights=kind_weights)[0]
                at = AS_OF - timedelta(minutes=rng.randrange(DAYS * 24 * 60))
                category = Category.PAID if rng.random() < PAID else Category.ORGANIC
                weight = weights[(category, kind)]
                touches.append(
                    Touch(
                        f"x#{p}", f"i#{p}-{n}", f"{p}-{n}", Network.X, kind, category, weight,
                        units(weight, at, MODEL.half_life_seconds), at, post, None,
                        seller[0] if seller else None, seller[1] if seller else None, (),
                        MODEL.version,
                    )
                )  # fmt: skip
        out.touches += len(touches)
        put(
            ledger,
            [dynamo.to_item(item_of(t.profile, t.dedupe_key, LedgerEntry(t))) for t in touches],
        )
        agg = with_contacts(coalesce(touches, []), contact_of.get)
        items = _profile_items(agg, shared, rng, out, contact_of)
        put(scores, [dynamo.to_item(i) for i in items.values()])
        # Each contact is whole in one chunk (_contacts): the chunk's units are the tally's.
        mine = {contact_of[t.profile] for t in touches if t.profile in contact_of}
        stored = {
            (k.profile, k.category): profile_item(i)
            for k, i in items.items()
            if isinstance(k, ProfileTotal) and not is_stub(i)
        }
        tally |= build(MODEL, AS_OF, {c: out.contacts[c] for c in mine}, touches, stored)
        kept += _attributed(out.deals, mine, touches, contact_of)
    put(
        scores,
        [
            dynamo.to_item({"pk": item_key(k), **c, **index_attributes(k, shared.teams.get(k))})
            for k, c in shared.counters.items()
        ],
    )
    put(scores, [{"pk": {"S": READY}, "ready": {"BOOL": True}}])  # the contacts' ranking whole
    put(rt.table("IdentitiesTable"), [dynamo.to_item(i) for i in _counts(out)])
    SyncState(rt.table("SyncStateTable")).save(Landing({}, {}, kept), out.deals, {})
    Opportunities(rt.table("SyncStateTable")).mark_indexed()  # as a first run leaves it
    # As `socialscore rebuild` leaves it, as of AS_OF (what crm_sync then keeps).
    BucketTallyStore(rt.table("SyncStateTable")).replace(
        tally, AS_OF, AS_OF.date(), bins=signature(MODEL.hot_lead_threshold)
    )
    return out


def _counts(out: Seeded) -> list[dict[str, Any]]:
    """The links, and the contacts' sets and bound `socialscore rebuild` leaves beside them
    (store.identity_counts)."""
    contacts = out.contacts.items()
    sets = [{"identity": members_key(c), "m": {member(i) for i in ids}} for c, ids in contacts]
    most = max((len(ids) for ids in out.contacts.values()), default=1)
    return [*out.links, *sets, {"identity": MOST, "n": most, "ready": True}]


def _attributed(
    deals: list[Opportunity], mine: set[str], touches: list[Touch], contact_of: dict[str, str]
) -> list[Recorded]:
    """The chunk's deals' splits (their contacts are whole in it), from their journeys."""
    journeys: dict[str, list[Touch]] = {}
    for t in touches:
        if t.profile in contact_of:
            journeys.setdefault(contact_of[t.profile], []).append(t)
    return [
        Recorded(
            opportunity=d,
            attributed=attributed(d, journeys.get(d.contact_ids[0], []), MODEL, LINKED_AT),
        )
        for d in deals
        if d.contact_ids[0] in mine
    ]


def _profile_items(
    agg: Aggregates,
    shared: Aggregates,
    rng: random.Random,
    out: Seeded,
    contact_of: dict[str, str],
) -> dict[ProfileTotal | ContactTotal, dict[str, Any]]:
    """The chunk's profile items (1 % of the organic ones hot, as store.scores.mark_hot sets
    them; a linked identity's organic item naming its contact, a stub when it has none) and its
    contacts' items (each contact is whole in a chunk); its other counters added to `shared`,
    written once every chunk is in."""
    items: dict[ProfileTotal | ContactTotal, dict[str, Any]] = {}
    for key, counters in agg.counters.items():
        if isinstance(key, ProfileTotal):
            hot = key.category is Category.ORGANIC and rng.random() < HOT
            since = {"hot_since": (AS_OF - timedelta(hours=rng.randrange(2000))).isoformat()}
            out.hot += hot
            attributes = index_attributes(key, hot=hot) | (since if hot else {})
            items[key] = {"pk": item_key(key), **counters, **attributes}
        elif isinstance(key, ContactTotal):
            items[key] = {"pk": item_key(key), **counters, **index_attributes(key)}
        else:
            for name, amount in counters.items():
                shared.add(key, name, amount)
    shared.teams |= agg.teams
    for profile in {k.profile for k in agg.counters if isinstance(k, ProfileTotal)}:
        if (contact := contact_of.get(profile)) is not None:
            organic = ProfileTotal(profile, Category.ORGANIC)
            items.setdefault(organic, {"pk": item_key(organic)})[CONTACT] = contact
    return items


def _posts(rt: LocalRuntime, posts: list[tuple[str, tuple[str, str] | None]]) -> None:
    """Each seller's account in the seller registry, each post in the post cache (its author: a
    seller's account, or someone else's), through their stores' own writes."""
    registry, cache = Sellers(rt.table("SellersTable")), PostCache(rt.table("PostCacheTable"))
    for n in range(SELLERS):
        registry.register(
            f"x#{8_000_000 + n}", Seller(seller_id=f"s-{n:02d}", team=f"team-{n % TEAMS}")
        )
    cached: list[CachedPost] = []
    for post, seller in posts:
        author = (
            str(8_000_000 + int(seller[0][2:])) if seller else str(7_000_000 + len(cached) % 300)
        )
        facts = PostFacts(
            network=Network.X, post_id=post.removeprefix("x#"), author_id=author,
            created_at=AS_OF - timedelta(days=DAYS + 1), author_followers=5000,
        )  # fmt: skip
        cached.append(CachedPost(facts, (), MODEL.version))
    cache.update(cached, [])


def _contacts(rng: random.Random, out: Seeded) -> dict[str, str]:
    """30 % of the profiles linked (a tenth of the contacts with a second identity: the next
    linked profile of the same chunk), a tenth of the contacts with a won deal; identity ->
    contact."""
    contact = ""
    contact_of: dict[str, str] = {}
    for p in range(out.profiles):
        if rng.random() >= LINKED:
            continue
        ids = out.contacts.get(contact, [])
        if len(ids) != 1 or rng.random() >= TWO_IDENTITIES or p // CHUNK != _first(ids) // CHUNK:
            contact = f"C-{p}"
        identity = Identify(
            event_id=f"e-{p}", source="bench", network=Network.X, network_user_id=str(p),
            contact_id=contact, consent_basis=ConsentBasis.OPT_IN,
            occurred_at=LINKED_AT, owner_id=f"owner-{p % 20}",
        )  # fmt: skip
        out.contacts.setdefault(contact, []).append(identity.identity)
        contact_of[identity.identity] = contact
        out.links.append(link_item(identity, None) or {})
    for c in out.contacts:
        if rng.random() < WON:
            created = AS_OF - timedelta(days=rng.randrange(1, 60), hours=rng.randrange(24))
            out.deals.append(
                Opportunity(
                    id=f"O-{c}", contact_ids=[c], currency="USD", amount=Decimal(1000),
                    created_at=created, modified_at=created, stage="Closed Won",
                )
            )  # fmt: skip
    return contact_of


def _first(identities: list[str]) -> int:
    return int(identities[0].removeprefix("x#"))
