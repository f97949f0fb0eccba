"""The views over a whole stack, as a marketer reads them: sellers and teams, posts, attributed
opportunities, hot leads, the top profiles, the spread of scores, buckets, days. A Snapshot
reads each table at most once, when a view first needs it.

Sellers, posts and days read the rollups over whole UTC days and all time, the touches within
a day (report.period_reads, mixed in). Hot leads and the top profiles read the scores table's
indexes (report.leads); opportunities the splits crm_sync kept (report.attributed); buckets, the
spread of scores and identity coverage (with the rollups: report.covered) crm_sync's bucket
tally. What still reads the ledger whole: those three until their tally is built (scores()), or
when crm_sync has not run for over a day and the ledger is small enough (report.freshness)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from socialscore.aws import config
from socialscore.domain.coverage import Anonymous, coverage
from socialscore.domain.engage import Queue
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.touch import Touch
from socialscore.report import covered, freshness, leads, top_bounded
from socialscore.report.attributed import AttributedOpportunities, view_one
from socialscore.report.freshness import RECOUNTED, CountedBuckets, Freshness, TallyReads
from socialscore.report.journeys import Journeys, credited
from socialscore.report.lazy_grouping import LazyGrouping
from socialscore.report.period import DEFAULT_PERIOD, Period
from socialscore.report.period_reads import PeriodReads, Tables
from socialscore.report.recount import bucket_rows as recount_buckets
from socialscore.report.recount import recount
from socialscore.report.rows import (
    Amounts,
    BucketRow,
    Money,
    OpportunityView,
    ScoreRow,
    tallied_buckets,
)
from socialscore.report.spread import Binned, Spread, spread
from socialscore.store.bucket_tally import BucketTallyStore
from socialscore.store.opportunities import Opportunities
from socialscore.store.scores import StoredScores
from socialscore.wiring.reads import Stores, engage_reader


@dataclass
class Snapshot(PeriodReads):
    """One stack's data as of a moment, each table read once, when first needed."""

    stack: Tables
    as_of: datetime
    period_days: int = DEFAULT_PERIOD
    _coverage: dict[int, covered.IdentityCoverage] = field(default_factory=dict, init=False)

    @cached_property
    def model(self) -> ScoringModel:
        return config.scoring_model(self.stack.scoring_model_parameter)

    @cached_property
    def stores(self) -> Stores:
        return Stores(self.stack.table)

    def engage(self, limit: int) -> Queue:
        """The top of the engage-now queue as of the snapshot's moment."""
        return engage_reader(self.stack.table).queue(self.model, self.as_of, limit)

    @cached_property
    def stored(self) -> StoredScores:
        """The scores table, scanned once: scores() alone reads it (the buckets' recomputation
        until their tally lands, and the tests' reference)."""
        return self.stores.scores.read_all()

    @cached_property
    def touches(self) -> list[Touch]:
        """Every counted touch: a scan of the ledger (buckets, identity coverage, and a period
        bound within a day)."""
        return self.stores.ledger.every_touch()

    @cached_property
    def contacts(self) -> dict[str, list[str]]:
        """contact -> its identities: the identities table, read whole (linked ones only)."""
        return self.stores.identities.all_contacts()

    @cached_property
    def grouping(self) -> leads.Grouping:
        return leads.Grouping(self.contacts)

    @property
    def groups(self) -> leads.Groups:
        """Who a profile is: the whole grouping when this snapshot read it (the report's spread
        does), else the links of the profiles asked about alone (report.lazy_grouping)."""
        return self.grouping if "contacts" in self.__dict__ else self._lazy

    @cached_property
    def _lazy(self) -> LazyGrouping:
        return LazyGrouping(self.stores.identities, lambda: self.grouping)

    # --- attributed opportunities -------------------------------------------------------------
    @cached_property
    def opportunities(self) -> list[OpportunityView]:
        """Every opportunity crm_sync has seen, attributed."""
        return self.opportunities_in()

    def opportunities_in(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[OpportunityView]:
        """The opportunities created since `since`, before `until`, attributed, by id: the
        splits crm_sync kept with each (report.attributed), read once per period a snapshot."""
        return self._attributed.views(since, until)

    @cached_property
    def _attributed(self) -> AttributedOpportunities:
        records = Opportunities(self.stack.table("SyncStateTable"))
        return AttributedOpportunities(records, lambda: self.journeys, self.model)

    @cached_property
    def journeys(self) -> Journeys:
        """The journeys of the opportunities with no splits kept (report.attributed): each its
        contacts' identities' touches, a Query of the ledger each; their identities from the
        grouping the report reads whole anyway."""
        contacts = self.contacts
        return Journeys(
            self.stores.identities, lambda c: contacts.get(c, []), self.stores.ledger, self.model
        )

    def opportunity(self, opportunity_id: str) -> OpportunityView:
        """One opportunity and its journey alone (report.attributed.view_one)."""
        identities = self.stores.identities  # its contacts' identities alone, by a Query each
        journeys = Journeys(identities, identities.identities_of, self.stores.ledger, self.model)
        return view_one(self.stores.sync_state, journeys, opportunity_id)

    def attributed(
        self, dimension: str, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, dict[str, Amounts]]:
        """currency -> model -> who -> amount over the opportunities created since `since`,
        before `until` (report.attributed: added up as they are read, none held)."""
        return self._attributed.summed(dimension, since, until)

    def _primary(
        self, dimension: str, since: datetime | None, until: datetime | None
    ) -> dict[str, Money]:
        """who -> what the primary model credits them, per currency."""
        return credited(self.attributed(dimension, since, until), self.model.attribution.primary)

    @property
    def period(self) -> Period:
        """The report's period (report.period), beside the one before."""
        return Period.ending(self.as_of, self.period_days)

    def identity_coverage(self, top: int) -> covered.IdentityCoverage:
        """The period's identity coverage, once a snapshot: from the touches when already read
        whole (the buckets' recount), else as report.covered.read says; with the `top`
        anonymous profiles with the best organic score now."""
        if top not in self._coverage:
            period = self.period
            if "touches" in self.__dict__:  # read whole already: nothing more to read
                held = (t for t in self.touches if period.holds(t.occurred_at))
                rows, source = coverage(held, set(self.grouping.contact_of)), RECOUNTED
            else:
                rows, source = covered.read(
                    self._freshness,
                    self._tally,
                    self.rollups,
                    self.stack.table("LedgerTable"),
                    period,
                    self.as_of,
                    lambda: set(self.grouping.contact_of),
                )
            found = covered.IdentityCoverage(rows, self.anonymous(top), source)
            self._coverage[top] = found
        return self._coverage[top]

    def anonymous(self, n: int) -> list[Anonymous]:
        """The n profiles linked to no contact with the best organic score now (whom to identify
        next): the `by_units` index read best first, their links alone (report.covered)."""
        return covered.anonymous(self.stores.scores, self.groups, self.model, self.as_of, n)

    # --- profiles and days ------------------------------------------------------------------
    @cached_property
    def _flagged(self) -> list[str]:
        """The identities flagged hot: the scores table's sparse `hot` key, one Query."""
        return [identity for identity, _ in self.stores.scores.hot()]

    def hot_leads(self, detail: int) -> list[ScoreRow]:
        """Every hot lead, best organic score first; the first `detail` (the ones a page shows)
        with their owner and buckets. Reads the hot leads' items, not every profile's."""
        scores, grouping = self.stores.scores, self.groups
        rows = leads.hot_leads(self._flagged, scores, grouping, self.model, self.as_of)
        shown = leads.detailed(
            rows[:detail],
            scores,
            grouping,
            grouping if isinstance(grouping, LazyGrouping) else self.stores.identities,
            self.stores.ledger,
            self.model,
            self.as_of,
        )
        return shown + rows[detail:]

    def top(self, n: int) -> list[ScoreRow]:
        """The n profiles with the best organic score now (leads.top), without buckets."""
        return top_bounded.top(self.stores.scores, self.groups, self.model, self.as_of, n)

    def spread(self) -> Spread | Binned:
        """Every profile's organic score now: crm_sync's tally's bins and the ranking's best
        profile (no grouping read whole), or streamed from the `by_units` index with the whole
        grouping (report.spread), as report.freshness.counted_spread says."""
        return freshness.counted_spread(
            self._freshness,
            self.model.hot_lead_threshold,
            self._tally.built_counts,
            lambda: self.top(1),
            lambda: spread(
                self.stores.scores, self.grouping, self._flagged, self.model, self.as_of
            ),
        )

    def counted_buckets(self) -> CountedBuckets:
        """How many profiles and contacts are in each of the model's buckets, and from where:
        crm_sync's tally (store.bucket_tally: two items) or recounted (scores(): the scores table
        and the ledger, whole), as report.freshness says."""
        return freshness.counted_buckets(
            self._freshness,
            lambda: tallied_buckets(self.model, self._tally.built_counts()),
            lambda: self.buckets(self.scores()),
        )

    @cached_property
    def _tally(self) -> TallyReads:
        """crm_sync's bucket tally: its place and counts read once, whichever views ask."""
        return TallyReads(BucketTallyStore(self.stack.table("SyncStateTable")))

    @cached_property
    def _freshness(self) -> Freshness:
        return freshness.of_tables(self._tally, self.stack.table("LedgerTable"), self.as_of)

    def scores(self) -> list[ScoreRow]:
        """Every profile's row, recounted from the scores table and the ledger read whole
        (report.recount): the bucket counts' fallback, and the reference of the tests."""
        items = self.stored.profile_items()
        return recount(
            items, self.grouping, self.touches, self.stores.identities, self.model, self.as_of
        )

    def buckets(self, scores: list[ScoreRow]) -> list[BucketRow]:
        """How many of these profiles are in each of the model's buckets, in its order."""
        return recount_buckets(scores, self.model)
