"""Reading the report page as a test does (its charts' marks, its tables' cells, its text) and
Snapshots made up in memory: shared by the page's rules (tests/unit/test_report_rules.py) and
the page drawn from the demo's stack (tests/ops/test_report.py)."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

from socialscore.domain.coverage import Anonymous
from socialscore.domain.engage import Entry, Queue
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.scoring_model import bundled
from socialscore.domain.touch import Touch
from socialscore.report.freshness import RECOUNTED, CountedBuckets
from socialscore.report.journeys import summed
from socialscore.report.rows import (
    Amounts,
    DayRow,
    OpportunityView,
    PostRow,
    ScoreRow,
    SellerRow,
)
from socialscore.report.snapshot import Snapshot
from socialscore.report.spread import Spread
from socialscore_ops.stack import Stack

MODELS = bundled().attribution.models


# --- reading a page ---------------------------------------------------------------------------
@dataclass
class Page(HTMLParser):
    """What a test reads in the page: each chart's marks (their data-* attributes), each
    section's table rows (cell texts), its tags, its links and its text."""

    marks: dict[str, list[dict[str, str]]] = field(default_factory=lambda: defaultdict(list))
    tables: dict[str, list[list[str]]] = field(default_factory=lambda: defaultdict(list))
    tags: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    _section: str = ""
    _chart: str = ""
    _row: list[str] | None = None
    _cell: list[str] | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def starttag(self, tag: str, attrs: dict[str, str]) -> None:
        self.tags.add(tag)
        self.links += [v for k, v in attrs.items() if k in ("href", "src", "action")]
        if tag == "section":
            self._section = attrs["id"]
        elif tag == "svg":
            self._chart = attrs["id"]
        elif tag == "tr" and self._section:
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        if "data-value" in attrs and self._chart:
            self.marks[self._chart].append(attrs)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starttag(tag, {k: v or "" for k, v in attrs})

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._chart = ""
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._section].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def read(page: str) -> Page:
    parsed = Page()
    parsed.feed(page)
    parsed.close()
    return parsed


def values(marks: list[dict[str, str]], series: str | None = None) -> dict[str, Decimal]:
    return {
        m["data-label"]: Decimal(m["data-value"])
        for m in marks
        if series is None or m["data-series"] == series
    }


HOSTILE = "<script>alert(1)</script>\"' onload=x &amp; <img src=//evil.example/x>"


# --- a snapshot made up in memory -------------------------------------------------------------
def hostile_queue() -> Queue:
    """An engage-now queue whose every id a hostile sender chose."""
    act = Touch(
        profile=HOSTILE,
        dedupe_key="i#1",
        interaction_id="1",
        network=Network.X,
        kind=Kind.COMMENT,
        category=Category.ORGANIC,
        weight=4.0,
        units=Decimal(4),
        occurred_at=datetime(2026, 11, 21, tzinfo=UTC),
        post=f"x#{HOSTILE}",
        own_post="x#2100000000000000001",
        seller_id=HOSTILE,
        team=HOSTILE,
        intent_hits=(HOSTILE,),
        model_version="m",
    )
    factors = {"score": 4.0, "intent": 10.0, "complaint": 0.0, "reach": 0.0, "buckets": 0.0}
    expires = act.occurred_at + timedelta(hours=48)
    entry = Entry(act, 7.0, factors, 0.5, (HOSTILE,), expires)
    return Queue([entry], {HOSTILE: HOSTILE}, 3)


class Canned(Snapshot):
    """A Snapshot whose views are given, not read from a stack: `sellers` and `posts` are the
    period's (`previous_sellers` and `previous_posts` the period before's), `days` and
    `opportunities` are cut by date as a stack's are."""

    def __init__(
        self,
        *,
        sellers: list[SellerRow] | None = None,
        posts: list[PostRow] | None = None,
        scores: list[ScoreRow] | None = None,
        days: list[DayRow] | None = None,
        opportunities: list[OpportunityView] | None = None,
        name: str = "canned",
        model_version: str | None = None,
        queue: Queue | None = None,
        previous_sellers: list[SellerRow] | None = None,
        previous_posts: list[PostRow] | None = None,
        period_days: int = 30,
        touches: list[Touch] | None = None,
        contacts: dict[str, list[str]] | None = None,
        anonymous: list[Anonymous] | None = None,
    ) -> None:
        super().__init__(Stack(name, {}), datetime(2026, 11, 22, tzinfo=UTC), period_days)
        self._views = (sellers or [], posts or [], scores or [], days or [])
        self._previous = (previous_sellers or [], previous_posts or [])
        model = bundled()
        if model_version is not None:
            model = model.model_copy(update={"version": model_version})
        self.__dict__["model"] = model  # the cached properties, already "read"
        self.__dict__["opportunities"] = opportunities or []
        self.__dict__["touches"] = touches or []  # the ledger's (identity coverage)
        self.__dict__["contacts"] = contacts or {}
        self._queue = queue or Queue([], {}, 0)
        self._anonymous = anonymous or []

    def _current(self, since: datetime | None) -> bool:
        return since is None or since >= self.period.start

    def sellers(
        self, since: datetime | None = None, team: str | None = None, until: datetime | None = None
    ) -> list[SellerRow]:
        return self._views[0] if self._current(since) else self._previous[0]

    def posts(self, since: datetime | None = None, until: datetime | None = None) -> list[PostRow]:
        return self._views[1] if self._current(since) else self._previous[1]

    def posts_with_reactions(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        return len(self.posts(since, until))

    def scores(self) -> list[ScoreRow]:
        return self._views[2]

    def hot_leads(self, detail: int) -> list[ScoreRow]:
        return [s for s in self._views[2] if s.hot_since]

    def spread(self) -> Spread:
        return Spread.of(self._views[2])

    def counted_buckets(self) -> CountedBuckets:
        return CountedBuckets(self.buckets(self._views[2]), RECOUNTED)

    def opportunities_in(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[OpportunityView]:
        low = since or datetime.min.replace(tzinfo=UTC)
        high = until or datetime.max.replace(tzinfo=UTC)
        return [o for o in self.opportunities if low <= o.created_at < high]

    def attributed(
        self, dimension: str, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, dict[str, Amounts]]:
        """Its opportunities' amounts, summed as the report sums a stack's kept splits."""
        return summed(self.opportunities_in(since, until), dimension)

    def days(self, since: datetime | None = None, until: datetime | None = None) -> list[DayRow]:
        low = (since or datetime.min.replace(tzinfo=UTC)).date()
        high = (until or datetime.max.replace(tzinfo=UTC)).date()
        return [d for d in self._views[3] if low <= d.day < high]

    def engage(self, limit: int) -> Queue:
        return Queue(self._queue.entries[:limit], self._queue.contacts, self._queue.waiting)

    def anonymous(self, n: int) -> list[Anonymous]:
        return self._anonymous[:n]


def big(profiles: int = 5000, sellers: int = 300, posts: int = 2000, seed: int = 7) -> Canned:
    """A large stack's views, as a Snapshot sorts them."""
    rnd = random.Random(seed)
    ids = [f"s-{n:04d}" for n in range(sellers)]
    seller_rows = sorted(
        (
            SellerRow(
                s,
                f"team-{n % 12}",
                Decimal(rnd.randint(0, 5000)),
                rnd.randint(0, 900),
                Decimal(rnd.randint(0, 40)) / 2,
                rnd.randint(0, 20),
                {"EUR": Decimal(rnd.randint(1, 10**6)) / 100} if n % 3 else {},
            )
            for n, s in enumerate(ids)
        ),
        key=lambda r: (-r.organic_points, r.seller_id),
    )
    post_rows = sorted(
        (
            PostRow(
                f"x#{10**18 + n}",
                rnd.choice(ids),
                rnd.randint(0, 90),
                rnd.randint(0, 90),
                rnd.randint(0, 400),
                {"USD": Decimal(rnd.randint(1, 10**6)) / 100} if n % 2 else {},
            )
            for n in range(posts)
        ),
        key=lambda r: (-r.reactions, r.post),
    )
    score_rows = sorted(
        (
            ScoreRow(
                f"003{n:07d}" if n % 3 else f"x#{n}",
                bool(n % 3),
                rnd.expovariate(1 / 8),
                rnd.expovariate(1 / 2) if n % 5 == 0 else 0.0,
                "2026-11-01T10:00:00+00:00" if n % 10 == 0 else None,
            )
            for n in range(profiles)
        ),
        key=lambda r: (-r.organic, -r.paid, r.who),
    )
    start = date(2026, 7, 1)
    day_rows = [
        DayRow(
            start + timedelta(days=n),
            rnd.randint(0, 500),
            rnd.randint(0, 50),
            Decimal(rnd.randint(0, 2000)),
            Decimal(rnd.randint(0, 100)) / 2,
        )
        for n in range(140)
        if n % 9  # some days without a touch
    ]
    opportunities = [
        OpportunityView(
            f"006{n:07d}",
            Decimal(rnd.randint(1000, 200000)),
            "USD" if n % 4 else "EUR",
            "Closed Won",
            datetime(2026, 11, 1, tzinfo=UTC),
            rnd.randint(0, 40),
            "linear",
            {
                m: {"seller": {s: Decimal(rnd.randint(0, 5000)) for s in rnd.sample(ids, 4)}}
                for m in MODELS
            },
        )
        for n in range(400)
    ]
    return Canned(
        sellers=seller_rows,
        posts=post_rows,
        scores=score_rows,
        days=day_rows,
        opportunities=opportunities,
    )
