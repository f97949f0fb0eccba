"""Hot leads and the top profiles without reading every profile: the scores table's sparse `hot`
key names the identities flagged hot, its `by_units` index gives the identities by stored
organic units, most first; each is shown as its profile (a contact over all its identities, as
domain.standing reads it).

Ranking identities by stored units is ranking them by organic score as of any one moment (decay
is one factor for every unit: domain.decay). A contact's score is its identities' summed, so a
contact can belong in the top N while none of its identities does: the top N from these reads
is report.top_bounded's (the identities' ranking alone) and report.top_contacts' (beside the
contacts' ranking, once `socialscore rebuild` has built it).

A hot lead's owner is whom its hot-lead event named: the contact's CRM owner (the latest link
naming one), else the seller whose posts earned most of its organic touches, from the tally the
profile items keep (routing's, pipeline.routing), summed over a contact's identities; a tie goes
to the seller of the latest touch. The rows shown read their touches anyway, for their buckets
(one ledger Query per identity); the rows past them read neither."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from itertools import islice
from typing import Protocol

from socialscore.domain.interaction import Category
from socialscore.domain.owners import Owner, owner_of
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.standing import ProfileItem, standing
from socialscore.domain.touch import Touch
from socialscore.report.rows import ScoreRow
from socialscore.store.identities import Link, crm_owner


class RankedScores(Protocol):
    """The scores table's reads (store.scores.Scores, memory.scores.MemoryScoreStore)."""

    def hot(self) -> list[tuple[str, str]]: ...

    def ranked(self, category: Category, page: int = 1000) -> Iterator[tuple[str, Decimal]]: ...

    def profile_units(self, profiles: list[str]) -> dict[tuple[str, Category], ProfileItem]: ...


class Links(Protocol):
    def links(self, identities: list[str]) -> dict[str, Link]: ...


class History(Protocol):
    def touches_of(self, profile: str) -> list[Touch]: ...


class Groups(Protocol):
    """Who a profile is: Grouping (the identities table read whole: the report, whose spread
    takes every profile) or report.lazy_grouping's (only the profiles asked about: `top`)."""

    def prefetch(self, identities: Iterable[str]) -> None:
        """Read who these are together (before asking who() of each)."""
        ...

    def prefetch_contacts(self, whos: Iterable[str]) -> None:
        """Read these contacts' identities together (before asking identities() of each)."""
        ...

    def are_contacts(self, contacts: Iterable[str]) -> None:
        """These are contacts (the contacts' ranking names them), whatever links were read."""
        ...

    def who(self, identity: str) -> str: ...

    def is_contact(self, who: str) -> bool: ...

    def identities(self, who: str) -> list[str]: ...

    def bound(self, who: str) -> int:
        """The most identities `who` may have (1: an anonymous profile)."""
        ...

    def prefetch_bounds(self, whos: Iterable[str]) -> None:
        """Read these contacts' bounds together (before asking bound() of each)."""
        ...

    @property
    def most(self) -> int:
        """The most identities any contact may have."""
        ...


@dataclass(frozen=True)
class Grouping:
    """The linked identities by contact (store.identities all_contacts): who a profile is."""

    contacts: Mapping[str, list[str]]

    @cached_property
    def contact_of(self) -> dict[str, str]:
        return {i: c for c, ids in self.contacts.items() for i in ids}

    def who(self, identity: str) -> str:
        """Its contact when linked, else itself (an anonymous profile)."""
        return self.contact_of.get(identity, identity)

    def identities(self, who: str) -> list[str]:
        return self.contacts.get(who, [who])

    def is_contact(self, who: str) -> bool:
        return who in self.contacts

    def prefetch(self, identities: Iterable[str]) -> None:
        """Nothing to read: the table was read whole."""

    def prefetch_contacts(self, whos: Iterable[str]) -> None:
        """Nothing to read: the table was read whole."""

    def are_contacts(self, contacts: Iterable[str]) -> None:
        """Known already: the table was read whole."""

    def bound(self, who: str) -> int:
        return len(self.identities(who))

    def prefetch_bounds(self, whos: Iterable[str]) -> None:
        """Nothing to read: the table was read whole."""

    @cached_property
    def most(self) -> int:
        """The most identities a contact has (1 when none is linked)."""
        return max((len(ids) for ids in self.contacts.values()), default=1)


def hot_leads(
    flagged: Iterable[str],
    scores: RankedScores,
    grouping: Groups,
    model: ScoringModel,
    as_of: datetime,
) -> list[ScoreRow]:
    """The profiles of these identities flagged hot (Scores.hot), best organic score first
    (then paid, then id), without owner or buckets (detailed() adds them to the ones shown)."""
    flagged = list(flagged)
    grouping.prefetch(flagged)
    whos = {grouping.who(identity) for identity in flagged}
    return profile_rows(scores, grouping, whos, model, as_of, hot_only=True)


def ranked_identities(
    scores: RankedScores, grouping: Groups, n: int
) -> Iterator[tuple[Decimal, str]]:
    """The organic ranking, (an identity's units, who it is), read a page at a time (n, and at
    least 100: a BatchGetItem's keys; each rank key's Query pages as large), each page's links
    together."""
    size = max(n, 100)
    ranked = scores.ranked(Category.ORGANIC, page=size)
    while page := list(islice(ranked, size)):
        grouping.prefetch(identity for identity, _ in page)
        yield from ((units, grouping.who(identity)) for identity, units in page)


def profile_rows(
    scores: RankedScores,
    grouping: Groups,
    whos: set[str],
    model: ScoringModel,
    as_of: datetime,
    hot_only: bool,
) -> list[ScoreRow]:
    grouping.prefetch_contacts(whos)
    ids = {who: grouping.identities(who) for who in whos}
    everyone = sorted({i for each in ids.values() for i in each})
    items = scores.profile_units(everyone) if everyone else {}
    rows = []
    for who, mine in ids.items():
        s = standing(items, mine, as_of, model)
        if hot_only and s.hot_since is None:
            continue  # its flag went with its item (an erasure) after the index was read
        if not hot_only and not any((i, Category.ORGANIC) in items for i in mine):
            continue  # its organic item went (an erasure) after the index was read
        rows.append(ScoreRow(who, grouping.is_contact(who), s.organic, s.paid, s.hot_since))
    return sorted(rows, key=lambda r: (-r.organic, -r.paid, r.who))


def detailed(
    rows: list[ScoreRow],
    scores: RankedScores,
    grouping: Groups,
    links: Links,
    history: History,
    model: ScoringModel,
    as_of: datetime,
) -> list[ScoreRow]:
    """These rows with their owner (as their hot-lead event named it) and their buckets (from
    the profile's counted touches: one Query of the ledger per identity)."""
    ids = {r.who: grouping.identities(r.who) for r in rows}
    everyone = sorted({i for each in ids.values() for i in each})
    linked = links.links(everyone) if everyone else {}
    items = scores.profile_units(everyone) if everyone else {}
    out = []
    for row in rows:
        mine = ids[row.who]
        touches = [t for i in mine for t in history.touches_of(i)]
        tallies = [item.sellers for i in mine if (item := items.get((i, Category.ORGANIC)))]
        owner = owner_from_tally(crm_owner(linked[i] for i in mine if i in linked), tallies)
        now = standing(items, mine, as_of, model)
        out.append(
            replace(
                row,
                buckets=now.buckets(model, touches),
                owner=owner or owner_of(None, touches, ""),
            )
        )
    return out


def owner_from_tally(crm: str | None, tallies: Iterable[Mapping[str, int]]) -> Owner | None:
    """The CRM owner, else the seller credited with the most organic touches over these tallies
    (one an identity), else the owner queue (""); None on a tie, which only the touches can
    break (the latest wins: domain.owners)."""
    if crm:
        return Owner("crm_owner", crm)
    summed: dict[str, int] = {}
    for tally in tallies:
        for seller, n in tally.items():
            summed[seller] = summed.get(seller, 0) + n
    most = max(summed.values(), default=0)
    leaders = [seller for seller, n in summed.items() if n == most and n > 0]
    if not leaders:
        return Owner("queue", "")
    return Owner("seller", leaders[0]) if len(leaders) == 1 else None
