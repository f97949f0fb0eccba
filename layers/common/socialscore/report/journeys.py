"""Attributed opportunities from their own journeys: an opportunity's journey is its contacts'
identities' counted touches, each identity's read with one Query of the ledger (and each
contact's identities with one of the identities table's by_contact index), each once a
snapshot. Reads follow the opportunities shown and their contacts' touches, never the whole
ledger; the splits are crm_sync's (domain.attribution.splits)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from socialscore.domain.attributed import Attributed, attributed
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.touch import Touch
from socialscore.report.leads import History
from socialscore.report.rows import Amounts, Money, OpportunityView, money

# Queries of the ledger in flight at once, on one client: a client is safe to share between
# threads once made (boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html#
# multithreading-or-multiprocessing-with-clients: so the first read is made alone), and
# botocore's connection pool holds 10 by default (Config max_pool_connections).
READERS = 10
CHUNK = 500  # opportunities whose touches are held at once


class LinkTimes(Protocol):
    def linked_at(self, identities: list[str]) -> dict[str, datetime]: ...


@dataclass
class Journeys:
    """`identities_of`: a contact's identities (the identities table's by_contact index, or the
    contact grouping a report reads whole anyway)."""

    links: LinkTimes
    identities_of: Callable[[str], list[str]]
    ledger: History
    model: ScoringModel
    _identities: dict[str, list[str]] = field(default_factory=dict)
    _touches: dict[str, list[Touch]] = field(default_factory=dict)
    _linked: dict[str, datetime] = field(default_factory=dict)
    _views: dict[str, OpportunityView] = field(default_factory=dict)

    def views(self, opps: list[Opportunity]) -> list[OpportunityView]:
        """Each opportunity's view (`attributions`), made once."""
        todo = [o for o in opps if o.id not in self._views]
        self._views |= {o.id: view_of(o, splits) for o, splits in self.attributions(todo)}
        return [self.view(o) for o in opps]

    def attributions(self, opps: list[Opportunity]) -> Iterator[tuple[Opportunity, Attributed]]:
        """Each opportunity's splits, CHUNK opportunities at a time: their identities' touches
        read first, READERS Queries at a time (a Query waits on the network, not the CPU), their
        link times in batches; the touches let go once the chunk is split, so the memory held
        is a chunk's touches."""
        for start in range(0, len(opps), CHUNK):
            chunk = opps[start : start + CHUNK]
            mine = sorted({i for o in chunk for c in o.contact_ids for i in self._identities_of(c)})
            self._read(mine)
            self._link_times(mine)
            for o in chunk:
                yield o, self.splits(o)
            self._touches.clear()

    def _read(self, identities: list[str]) -> None:
        todo = [i for i in identities if i not in self._touches]
        if todo:  # the first alone: it makes the client the others share
            self._touches[todo[0]] = self.ledger.touches_of(todo[0])
        with ThreadPoolExecutor(READERS) as pool:
            self._touches |= dict(
                zip(todo[1:], pool.map(self.ledger.touches_of, todo[1:]), strict=True)
            )

    def view(self, opp: Opportunity) -> OpportunityView:
        """The opportunity, its window's touches counted and split under every model."""
        if (known := self._views.get(opp.id)) is None:
            known = self._views[opp.id] = view_of(opp, self.splits(opp))
        return known

    def splits(self, opp: Opportunity) -> Attributed:
        """Its journey split under every model, by seller, post and network."""
        mine = [i for c in opp.contact_ids for i in self._identities_of(c)]
        linked = self._link_times(mine)
        identified = min((linked[i] for i in mine if i in linked), default=None)
        journey = [t for i in mine for t in self._touches_of(i)]
        return attributed(opp, journey, self.model, identified)

    def _link_times(self, identities: list[str]) -> dict[str, datetime]:
        todo = [i for i in identities if i not in self._linked]
        if todo:
            found = self.links.linked_at(todo)
            self._linked |= {i: found[i] for i in todo if i in found}
        return self._linked

    def _identities_of(self, contact: str) -> list[str]:
        if contact not in self._identities:
            self._identities[contact] = self.identities_of(contact)
        return self._identities[contact]

    def _touches_of(self, identity: str) -> list[Touch]:
        if identity not in self._touches:
            self._touches[identity] = self.ledger.touches_of(identity)
        return self._touches[identity]


def view_of(opp: Opportunity, splits: Attributed) -> OpportunityView:
    """The opportunity as the report shows it, with these splits (its journey's, or those
    crm_sync kept: domain.attributed)."""
    return OpportunityView(
        opp.id,
        opp.amount,
        opp.currency,
        opp.stage,
        opp.created_at,
        splits.touches,
        splits.primary,
        splits.by_model,  # shared, not copied: a view is read, never changed
    )


def summed(views: Iterable[OpportunityView], dimension: str) -> dict[str, dict[str, Amounts]]:
    """currency -> model -> who -> amount, summed over these opportunities in that currency:
    amounts in two currencies are never added."""
    out: dict[str, dict[str, Amounts]] = defaultdict(dict)
    for o in views:
        for name, parts in o.by_model.items():
            amounts = out[o.currency].setdefault(name, {})
            for who, amount in parts[dimension].items():
                amounts[who] = amounts.get(who, Decimal(0)) + amount
    return dict(sorted(out.items()))


def credited(by_currency: Mapping[str, Mapping[str, Amounts]], model: str) -> dict[str, Money]:
    """who -> what `model` credits them, per currency (of summed()'s sums)."""
    pairs: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for currency, by_model in by_currency.items():
        for who, amount in by_model.get(model, {}).items():
            pairs[who].append((currency, amount))
    return {who: money(each) for who, each in pairs.items()}
