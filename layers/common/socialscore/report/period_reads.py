"""A snapshot's reads over a period (report.snapshot.Snapshot's, mixed in): sellers and teams,
posts, days. Over whole UTC days (the report's period, `--since DATE`) and all time they read
the rollups (store.rollups): a Query per day and dimension, whatever the number of profiles and
touches, each asking only for the counters its rows show; a bound within a day (`--since` with
a time) can only be cut from the touches: the ledger read whole."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property
from typing import Protocol

from socialscore.domain.rollups import Dimension
from socialscore.domain.touch import Touch
from socialscore.report import tally
from socialscore.report.period import whole_days
from socialscore.report.rows import DayRow, Money, PostRow, SellerRow
from socialscore.store import dynamo
from socialscore.store.rollups import RollupStore
from socialscore.wiring.reads import Stores

_CACHED = ["post", "author_id", "created_at"]  # what a post's row reads of its cached facts


class Tables(Protocol):
    """Where a stack's data is: the ops CLI's Stack, or the report function's configuration."""

    @property
    def name(self) -> str: ...  # the stack's, as the page names it

    @property
    def scoring_model_parameter(self) -> str | None: ...

    def table(self, logical: str) -> str: ...  # by its logical id in template.yaml


class PeriodReads:
    """What these reads take from the snapshot they are mixed into."""

    stack: Tables
    as_of: datetime

    @property
    def stores(self) -> Stores:
        raise NotImplementedError

    @property
    def touches(self) -> list[Touch]:
        raise NotImplementedError

    def _primary(
        self, dimension: str, since: datetime | None, until: datetime | None
    ) -> dict[str, Money]:
        raise NotImplementedError

    @cached_property
    def rollups(self) -> RollupStore:
        return RollupStore(self.stack.table("ScoresTable"))

    def _days(self, since: datetime | None, until: datetime | None) -> list[str] | None:
        """The whole UTC days from since to until, None when a bound falls within a day."""
        return whole_days(since, until, max(self.as_of, datetime.now(UTC)))

    def _counted(
        self,
        dimension: Dimension,
        since: datetime | None,
        until: datetime | None,
        only: tuple[str, ...],
    ) -> tally.Counters:
        """Each seller's or post's counters: all time's or whole days' from the rollups (`only`:
        the counters its rows show, alone read), or cut from the touches when a bound falls
        within a day."""
        if since is None and until is None:
            return self.rollups.all_time(dimension, only)
        if (days := self._days(since, until)) is not None:
            return self.rollups.period(days, dimension, only)
        sellers, posts = tally.counters(tally.between(self.touches, since, until))
        return sellers if dimension is Dimension.SELLER else posts

    # --- sellers and teams ------------------------------------------------------------------
    def sellers(
        self, since: datetime | None = None, team: str | None = None, until: datetime | None = None
    ) -> list[SellerRow]:
        """Every seller's points and touches, best first."""
        counted = self._counted(Dimension.SELLER, since, until, tally.TOTALS)
        return tally.seller_rows(counted, self._primary("seller", since, until), team)

    teams = staticmethod(tally.teams)

    # --- posts ------------------------------------------------------------------------------
    def posts(self, since: datetime | None = None, until: datetime | None = None) -> list[PostRow]:
        """Every post with organic reactions, most reactions first; between dates: the
        reactions then. A post's date is the provider's, while it is cached."""
        counted = self._counted(Dimension.POST, since, until, tally.REACTIONS)
        cached = self.stack.table("PostCacheTable")  # each post's author and date alone
        cache = dynamo.batch_get(cached, "post", list(counted), attributes=_CACHED)
        authors = {p: f"{p.split('#', 1)[0]}#{c['author_id']}" for p, c in cache.items()}
        sellers = self.stores.sellers.of_accounts(list(set(authors.values())))
        accounts = {p: sellers[a].seller_id if a in sellers else a for p, a in authors.items()}
        return tally.post_rows(counted, accounts, cache, self._primary("post", since, until))

    def posts_with_reactions(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        """How many rows posts() would have: their reaction counters alone read, neither the
        post cache nor the sellers (the page's count of the period before)."""
        return tally.with_reactions(self._counted(Dimension.POST, since, until, tally.REACTIONS))

    accounts = staticmethod(tally.accounts)

    def days(self, since: datetime | None = None, until: datetime | None = None) -> list[DayRow]:
        """Touches and points per UTC day, organic and paid apart (never summed): the networks'
        rollups of each day summed."""
        if (days := self._days(since, until)) is None:
            return tally.days(tally.between(self.touches, since, until))
        return tally.day_rows(self.rollups.days(days, Dimension.NETWORK, tally.TOTALS))
