"""The bucket tally's world in memory: the ledger, scores, identity links and change marks as the
score and resolve stages leave them (socialscore_local.memory), the tally's store, and the
report's answer recomputed from every profile's touches (`expected`, `expected_cover`), the
oracle the tally's counts and coverage days must equal.

Its scoring model has short windows and the shortest half-life a model may have (7 days), so
that days of clock move profiles between buckets with no new touch (decay, a touch leaving a
window)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from socialscore.domain.coverage import EVERY, Sums, coverage, network_key, over, seller_key
from socialscore.domain.interaction import Category, Kind
from socialscore.domain.messages import Seller
from socialscore.domain.record_key import Erasures
from socialscore.domain.score_bins import bin_of, counted
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.standing import Standing, standing
from socialscore.domain.touch import Touch, touch_of
from socialscore.pipeline.bucket_tally import BucketTally
from socialscore.report.rows import BucketRow, tallied_buckets
from socialscore_local.memory.bucket_tally import MemoryBucketTally
from socialscore_local.memory.counting import Clock, Requests
from socialscore_local.memory.identities import MemoryIdentityLinks
from socialscore_local.memory.ledger import MemoryTouchLedger
from socialscore_local.memory.scores import MemoryScoreStore
from socialscore_local.memory.sync_state import MemorySyncState
from tests.unit.test_buckets import raw, with_buckets
from tests.unit.test_scoring import resolved

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NONE = Erasures(set(), set())


def fast_model() -> ScoringModel:
    """Buckets that time alone changes within days: a score threshold under a 7-day half-life,
    counts within one to four days, followers, and `otherwise`."""
    model = with_buckets(
        {
            "name": "buyer",
            "label": "Buyer",
            "all": [
                {"fact": "organic_score", "at_least": 5},
                {"fact": "intent_touches", "at_least": 1, "within_days": 2},
            ],
        },
        {
            "name": "advocate",
            "label": "Advocate",
            "all": [{"fact": "amplifications", "at_least": 2, "within_days": 3}],
        },
        {
            "name": "influencer",
            "label": "Influencer",
            "all": [
                {"fact": "amplifications", "at_least": 1, "within_days": 4},
                {"fact": "followers", "at_least": 1000},
            ],
        },
        {"name": "prospect", "label": "Prospect", "otherwise": True},
    )
    data = model.model_dump(mode="json")
    data["half_life_days"] = 7
    assert raw()["half_life_days"] != 7  # the bundled model's is 30
    return ScoringModel.model_validate(data)


MODEL = fast_model()
_ids = itertools.count()


def touch(
    actor: str,
    at: datetime,
    kind: Kind = Kind.COMMENT,
    *,
    seller: str | None = "s-ana",
    intent: bool = False,
    followers: int | None = None,
    category: Category = Category.ORGANIC,
    model: ScoringModel = MODEL,
) -> Touch:
    """A counted touch of x#<actor>, each on a new post, as the score stage makes it under
    `model`."""
    n = next(_ids)
    item = resolved(
        kind,
        iid=f"t{n}",
        actor=actor,
        post_id=str(100 + n),
        category=category,
        at=at,
        seller=Seller(seller_id=seller, team="t") if seller else None,
        intent_hits=["pricing"] if intent else [],
    )
    return touch_of(item.model_copy(update={"actor_followers": followers}), model)


@dataclass
class TallyWorld:
    now: datetime = START
    requests: Requests = field(default_factory=lambda: Requests(Clock()))
    scores: MemoryScoreStore = field(default_factory=MemoryScoreStore)
    links: MemoryIdentityLinks = field(default_factory=MemoryIdentityLinks)
    model: ScoringModel = MODEL

    def __post_init__(self) -> None:
        self.sync = MemorySyncState(Requests(Clock()))
        self.ledger = MemoryTouchLedger(self.scores, self.sync, lambda: self.now)
        self.store = MemoryBucketTally(self.requests)
        self.step = BucketTally(
            self.store, self.sync, self.links, self.ledger, self.scores, self.model
        )

    def expected(self, as_of: datetime) -> list[BucketRow]:
        """The report's bucket rows as of a moment, from every profile's touches and scores
        (as report.snapshot's `scores` and `buckets` count them)."""
        found = {
            who: (c, s.buckets(self.model, t)) for who, (c, s, t) in self._every(as_of).items()
        }
        return [
            BucketRow(
                rule.name,
                rule.label,
                sum(1 for _, b in found.values() if rule.name in b),
                sum(1 for c, b in found.values() if c and rule.name in b),
            )
            for rule in self.model.buckets
        ]

    def expected_bins(self, as_of: datetime) -> dict[int, tuple[int, int]]:
        """Every profile's organic score bin as of a moment (the report's spread, binned):
        bin -> (profiles, contacts)."""
        out: dict[int, tuple[int, int]] = {}
        for is_contact, known, _ in self._every(as_of).values():
            n = bin_of(max(known.organic, 0.0), self.model.hot_lead_threshold)
            p, c = out.get(n, (0, 0))
            out[n] = (p + 1, c + is_contact)
        return out

    def counted_bins(self) -> dict[int, tuple[int, int]]:
        return counted(self.store.counts())

    def _every(self, as_of: datetime) -> dict[str, tuple[bool, Standing, list[Touch]]]:
        """Every profile (a contact, or an identity with a score and no contact): whether it is
        a contact, its standing as of the moment and its counted touches."""
        contacts = self.links.all_contacts()
        owner = {i: c for c, ids in contacts.items() for i in ids}
        touches = self.ledger.every_touch()
        everyone = sorted({t.profile for t in touches} | set(owner))
        items = self.scores.profile_units(everyone)
        mine: dict[str, list[str]] = defaultdict(list)
        for identity in sorted({i for i, _ in items}):
            mine[owner.get(identity, identity)].append(identity)
        by_who: dict[str, list[Touch]] = defaultdict(list)
        for t in touches:
            by_who[owner.get(t.profile, t.profile)].append(t)
        return {
            who: (who in contacts, standing(items, ids, as_of, self.model), by_who.get(who, []))
            for who, ids in mine.items()
        }

    def counted(self) -> list[BucketRow]:
        return tallied_buckets(self.model, self.store.counts())

    def held(self) -> set[str]:
        """Every id the tally's items name (units, due and to-do entries)."""
        named = set()
        for key, item in self.store.items.items():
            if key.startswith("tally#unit#"):
                named.add(key.removeprefix("tally#unit#")[2:])
            named |= {u[2:] for u in item.get("units", ())}
        return named

    def expected_cover(self, first: date, last: date) -> Sums:
        """The linked part of the coverage of the days from first to last, recounted from every
        touch with the links as they are now (domain.coverage), per network and per seller."""
        linked = {i for ids in self.links.all_contacts().values() for i in ids}
        touches = [
            t
            for t in self.ledger.every_touch()
            if first <= t.occurred_at.astimezone(UTC).date() <= last
        ]
        out: Sums = {}
        for row in coverage(touches, linked):
            if not (row.linked_touches or row.linked_points):
                continue
            if row.seller == EVERY and row.network != EVERY:
                out[network_key(row.network)] = (row.linked_touches, row.linked_points)
            elif row.network == EVERY and row.seller != EVERY:
                out[seller_key(row.seller)] = (row.linked_touches, row.linked_points)
        return out

    def kept_cover(self, first: date, last: date) -> Sums:
        """The tally's coverage day items of those days, summed."""
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        return over(self.store.cover(days).values())
