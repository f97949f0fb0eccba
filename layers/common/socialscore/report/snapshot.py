"""The views over a whole stack, as a marketer reads them: sellers and teams, posts, attributed
opportunities, every profile's scores, days. A Snapshot reads each table at most once, when a
view first needs it (sellers, posts and the report need the whole ledger: a scan)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, Protocol

from socialscore.aws import config
from socialscore.domain import attribution
from socialscore.domain.aggregates import SellerCounter, coalesce
from socialscore.domain.buckets import buckets, facts
from socialscore.domain.decay import score_at
from socialscore.domain.interaction import Category
from socialscore.domain.opportunity import Opportunity
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.touch import Touch
from socialscore.pipeline.crm_records import splits
from socialscore.pipeline.engage import Queue, reader
from socialscore.report.rows import (
    AccountRow,
    Amounts,
    BucketRow,
    DayRow,
    Money,
    OpportunityView,
    PostRow,
    ScoreRow,
    SellerRow,
    TeamRow,
    money,
    total,
)
from socialscore.store import dynamo
from socialscore.store.identities import Identities
from socialscore.store.ledger import Ledger
from socialscore.store.scores import Scores, StoredScores
from socialscore.store.sellers import Sellers
from socialscore.store.sync_state import SyncState


class Tables(Protocol):
    """Where a stack's data is: the ops CLI's Stack, or the report function's configuration."""

    @property
    def name(self) -> str: ...  # the stack's, as the page names it

    @property
    def scoring_model_parameter(self) -> str | None: ...

    def table(self, logical: str) -> str: ...  # by its logical id in template.yaml


class UnknownOpportunity(LookupError):
    """No opportunity by that id: crm_sync has not seen it."""


@dataclass
class Snapshot:
    """One stack's data as of a moment, each table read once, when first needed."""

    stack: Tables
    as_of: datetime

    @cached_property
    def model(self) -> ScoringModel:
        return config.scoring_model(self.stack.scoring_model_parameter)

    def engage(self, limit: int) -> Queue:
        """The top of the engage-now queue as of the snapshot's moment."""
        return reader(self.stack.table).queue(self.model, self.as_of, limit)

    @cached_property
    def stored(self) -> StoredScores:
        """The scores table, scanned once for every view that needs it."""
        return Scores(self.stack.table("ScoresTable")).read_all()

    @cached_property
    def touches(self) -> list[Touch]:
        ledger = Ledger(self.stack.table("LedgerTable"), self.stack.table("ScoresTable"))
        return ledger.every_touch()

    @cached_property
    def contacts(self) -> dict[str, list[str]]:
        """contact -> its identities."""
        return Identities(self.stack.table("IdentitiesTable")).all_contacts()

    @cached_property
    def opportunities(self) -> list[OpportunityView]:
        every = SyncState(self.stack.table("SyncStateTable")).every_opportunity()
        identities = [i for o in every for c in o.contact_ids for i in self.contacts.get(c, [])]
        linked = Identities(self.stack.table("IdentitiesTable")).linked_at(sorted(set(identities)))
        by_profile: dict[str, list[Touch]] = defaultdict(list)
        for t in self.touches:
            by_profile[t.profile].append(t)
        views = [self._attributed(o, by_profile, linked) for o in every]
        return sorted(views, key=lambda v: v.id)

    def _attributed(
        self, opp: Opportunity, touches: dict[str, list[Touch]], linked: dict[str, datetime]
    ) -> OpportunityView:
        mine = [i for c in opp.contact_ids for i in self.contacts.get(c, [])]
        identified = min((linked[i] for i in mine if i in linked), default=None)
        journey = [t for i in mine for t in touches.get(i, [])]
        window, by_model = splits(opp, journey, self.model, identified)
        shown: dict[str, dict[str, Amounts]] = {}
        for name, shares in by_model.items():
            parts = attribution.influence(window, shares)
            shown[name] = {dim: parts[f"by_{dim}"] for dim in ("seller", "post", "network")}
        return OpportunityView(
            opp.id,
            opp.amount,
            opp.currency,
            opp.stage,
            opp.created_at,
            len(window),
            self.model.attribution.primary,
            shown,
        )

    def opportunity(self, opportunity_id: str) -> OpportunityView:
        for view in self.opportunities:
            if view.id == opportunity_id:
                return view
        raise UnknownOpportunity(f"no opportunity {opportunity_id}: crm_sync has not seen it")

    def attributed(
        self, dimension: str, since: datetime | None = None
    ) -> dict[str, dict[str, Amounts]]:
        """currency -> model -> who -> amount, summed over the opportunities (created since
        `since`) in that currency: amounts in two currencies are never added."""
        out: dict[str, dict[str, Amounts]] = defaultdict(dict)
        for o in self.opportunities:
            if since is None or o.created_at >= since:
                for name, parts in o.by_model.items():
                    amounts = out[o.currency].setdefault(name, {})
                    for who, amount in parts[dimension].items():
                        amounts[who] = amounts.get(who, Decimal(0)) + amount
        return dict(sorted(out.items()))

    def _primary(self, dimension: str, since: datetime | None = None) -> dict[str, Money]:
        """who -> what the primary model credits them, per currency."""
        primary = self.model.attribution.primary
        pairs: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
        for currency, by_model in self.attributed(dimension, since).items():
            for who, amount in by_model.get(primary, {}).items():
                pairs[who].append((currency, amount))
        return {who: money(each) for who, each in pairs.items()}

    # --- sellers and teams ------------------------------------------------------------------
    def sellers(self, since: datetime | None = None, team: str | None = None) -> list[SellerRow]:
        """Every seller's points and touches, best first; since a date: from the ledger."""
        if since is None:
            counters = self.stored.sellers
        else:
            counters = _seller_totals([t for t in self.touches if t.occurred_at >= since])
        value = self._primary("seller", since)
        rows = [
            SellerRow(
                seller,
                str(c.get("team", "")),
                Decimal(c.get("organic_points", 0)),
                int(c.get("organic_touches", 0)),
                Decimal(c.get("paid_points", 0)),
                int(c.get("paid_touches", 0)),
                value.get(seller, {}),
            )
            for seller, c in counters.items()
        ]
        rows = [r for r in rows if team is None or r.team == team]
        return sorted(rows, key=lambda r: (-r.organic_points, r.seller_id))

    @staticmethod
    def teams(sellers: list[SellerRow]) -> list[TeamRow]:
        grouped: dict[str, list[SellerRow]] = defaultdict(list)
        for row in sellers:
            grouped[row.team].append(row)
        rows = [
            TeamRow(
                team,
                len(rs),
                sum((r.organic_points for r in rs), Decimal(0)),
                sum(r.organic_touches for r in rs),
                sum((r.paid_points for r in rs), Decimal(0)),
                total(r.attributed for r in rs),
            )
            for team, rs in grouped.items()
        ]
        return sorted(rows, key=lambda r: (-r.organic_points, r.team))

    # --- posts ------------------------------------------------------------------------------
    def posts(self) -> list[PostRow]:
        """Every post with organic reactions, most reactions first."""
        counters = self.stored.posts
        cache = dynamo.batch_get(self.stack.table("PostCacheTable"), "post", list(counters))
        authors = {p: f"{p.split('#', 1)[0]}#{c['author_id']}" for p, c in cache.items()}
        sellers = Sellers(self.stack.table("SellersTable")).of_accounts(list(set(authors.values())))
        value = self._primary("post")
        rows = []
        for post, c in counters.items():
            author = authors.get(post)
            seller = sellers.get(author) if author else None
            account = seller.seller_id if seller else (author or "?")
            n = {k: int(c.get(f"organic_{k}", 0)) for k in ("comment", "share", "quote", "like")}
            rows.append(
                PostRow(
                    post,
                    account,
                    n["comment"],
                    n["share"] + n["quote"],
                    n["like"],
                    value.get(post, {}),
                )
            )
        return sorted(rows, key=lambda r: (-r.reactions, r.post))

    @staticmethod
    def accounts(posts: list[PostRow]) -> list[AccountRow]:
        """Kaushik's rates per post, per account; most reactions first."""
        grouped: dict[str, list[PostRow]] = defaultdict(list)
        for row in posts:
            grouped[row.account].append(row)
        rows = [
            AccountRow(
                account,
                len(rs),
                sum(r.reactions for r in rs),
                sum(r.comments for r in rs) / len(rs),
                sum(r.amplification for r in rs) / len(rs),
                sum(r.applause for r in rs) / len(rs),
                total(r.economic_value for r in rs),
            )
            for account, rs in grouped.items()
        ]
        return sorted(rows, key=lambda r: (-r.reactions, r.account))

    # --- profiles and days ------------------------------------------------------------------
    def scores(self) -> list[ScoreRow]:
        """Every profile's scores now and its buckets, a contact's over its identities (their
        touches, their summed scores); best first."""
        stored = self.stored.profiles
        owner = {i: c for c, ids in self.contacts.items() for i in ids}
        units: dict[str, dict[Category, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        hot: dict[str, str] = {}
        for (identity, category), item in stored.items():
            who = owner.get(identity, identity)
            units[who][category] += item.get("units", Decimal(0))
            if "hot_since" in item:
                hot[who] = min(hot.get(who, item["hot_since"]), item["hot_since"])
        touches: dict[str, list[Touch]] = defaultdict(list)
        for t in self.touches:
            touches[owner.get(t.profile, t.profile)].append(t)
        half_life = self.model.half_life_seconds
        rows = []
        for who, u in units.items():
            organic = score_at(u[Category.ORGANIC], self.as_of, half_life)
            paid = score_at(u[Category.PAID], self.as_of, half_life)
            known = facts(touches.get(who, []), organic, paid, self.as_of)
            rows.append(
                ScoreRow(
                    who,
                    who in self.contacts,
                    organic,
                    paid,
                    hot.get(who),
                    tuple(buckets(self.model, known)),
                )
            )
        return sorted(rows, key=lambda r: (-r.organic, -r.paid, r.who))

    def buckets(self, scores: list[ScoreRow]) -> list[BucketRow]:
        """How many of these profiles are in each of the model's buckets, in its order."""
        return [
            BucketRow(
                rule.name,
                rule.label,
                sum(1 for s in scores if rule.name in s.buckets),
                sum(1 for s in scores if s.contact and rule.name in s.buckets),
            )
            for rule in self.model.buckets
        ]

    def days(self) -> list[DayRow]:
        """Touches and points per UTC day, organic and paid apart (never summed)."""
        per_day: dict[date, list[Touch]] = defaultdict(list)
        for t in self.touches:
            per_day[t.occurred_at.date()].append(t)
        rows = []
        for day, touches in sorted(per_day.items()):
            organic = [t for t in touches if t.category is Category.ORGANIC]
            paid = [t for t in touches if t.category is Category.PAID]
            rows.append(
                DayRow(
                    day,
                    len(organic),
                    len(paid),
                    sum((Decimal(str(t.weight)) for t in organic), Decimal(0)),
                    sum((Decimal(str(t.weight)) for t in paid), Decimal(0)),
                )
            )
        return rows


def _seller_totals(touches: list[Touch]) -> dict[str, dict[str, Any]]:
    """A seller's counters over these touches, as the score stage sums them."""
    aggregates = coalesce(touches, [], shard=0)
    totals: dict[str, dict[str, Any]] = {}
    for key, counters in aggregates.counters.items():
        if isinstance(key, SellerCounter):
            totals[key.seller_id] = {**counters, "team": aggregates.teams.get(key, "")}
    return totals
