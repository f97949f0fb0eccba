"""The attribution job's kept state: the book (the counts every journey summary adds up to,
the run's place), a saved step, and both as compact JSON: one summary is stored per journey,
one item per won deal folded, and the book is one item read and written at every saved step.
The book holds no per-deal or per-profile list, so it stays a few KB whatever the customer's
size (a DynamoDB item is at most 400 KB)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from socialscore.domain.journey_units import WonDeal
from socialscore.domain.journeys import JourneyStats, JourneySummary


@dataclass
class Book:
    """The job's running state, one record: the counts every kept summary adds up to, and
    where the changes were folded to.

    `bookmark`: changes marked before it are folded (None: never built). An open run has
    `until` (its end) and `done_through` (its last work key done, in sorted order); a first
    build also walks every touched profile, `pages` its cursor ("" first page)."""

    stats: JourneyStats = field(default_factory=JourneyStats)
    bookmark: datetime | None = None
    until: datetime | None = None
    done_through: str = ""
    pages: str | None = None


@dataclass(frozen=True)
class Step:
    """One saved piece of work: summaries, profile -> contact pointers and the won deals as
    folded to write (None: delete), with the book they lead to. Saved all or nothing
    (JourneyState.commit)."""

    summaries: Mapping[str, JourneySummary | None]
    pointers: Mapping[str, str | None]
    deals: Mapping[str, WonDeal | None] = field(default_factory=dict)


def encode_deal(deal: WonDeal) -> str:
    return json.dumps(deal.encode(), separators=(",", ":"))


def decode_deal(deal_id: str, text: str) -> WonDeal:
    return WonDeal.decode(deal_id, json.loads(text))


def encode_summary(summary: JourneySummary) -> str:
    edges = [[a, b, n] for (a, b), n in summary.transitions]
    return json.dumps([int(summary.converted), edges], separators=(",", ":"))


def decode_summary(text: str) -> JourneySummary:
    converted, edges = json.loads(text)
    return JourneySummary(tuple(((a, b), n) for a, b, n in edges), bool(converted))


def encode_book(book: Book) -> str:
    s = book.stats
    body: dict[str, Any] = {
        "journeys": s.journeys,
        "conversions": s.conversions,
        "touches": s.touches,
        "transitions": sorted([a, b, n] for (a, b), n in s.transitions.items()),
        "sets": sorted([sorted(t), n] for t, n in s.converting_sets.items()),
        "by_channel": dict(sorted(s.touches_by_channel.items())),
        "bookmark": _time(book.bookmark),
        "until": _time(book.until),
        "done_through": book.done_through,
        "pages": book.pages,
    }
    return json.dumps(body, separators=(",", ":"))


def decode_book(text: str) -> Book:
    body = json.loads(text)
    stats = JourneyStats(
        journeys=body["journeys"],
        conversions=body["conversions"],
        touches=body["touches"],
        transitions=Counter({(a, b): n for a, b, n in body["transitions"]}),
        converting_sets=Counter({frozenset(t): n for t, n in body["sets"]}),
        touches_by_channel=Counter(body["by_channel"]),
    )
    return Book(
        stats=stats,
        bookmark=_parse(body["bookmark"]),
        until=_parse(body["until"]),
        done_through=body["done_through"],
        pages=body["pages"],
    )


def _time(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
