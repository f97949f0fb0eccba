"""Engage-now benchmark: how many actors' buckets the ranking works out (each a ledger query on
AWS) for the top of the queue, against every actor in the window (the floor a ranking without
the bound would pay), and the ranking's time, at a busy brand's two days of replies.

Random acts over the 48-hour window: a Zipf-like share of repeat actors, intent keywords on some,
complaints on a few, follower counts on X acts, organic scores from 0 to 60, a third of the
actors in `likely_buyer`. Medians over several runs; the ratio is queried actors / all actors.

    .venv/bin/python bench/engage.py [--acts 5000] [--top 25] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from socialscore.domain.engage import rank
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.scoring_model import bundled
from socialscore.domain.touch import Touch

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
KINDS = [Kind.COMMENT, Kind.QUOTE, Kind.MENTION]


def stream(
    acts: int, seed: int
) -> tuple[list[Touch], dict[str, float], dict[str, tuple[str, ...]]]:
    rng = random.Random(seed)
    actors = max(1, acts // 3)
    base = Touch(
        profile="",
        dedupe_key="",
        interaction_id="",
        network=Network.X,
        kind=Kind.COMMENT,
        category=Category.ORGANIC,
        weight=4.0,
        units=Decimal(4),
        occurred_at=NOW,
        post="x#1",
        own_post=None,
        seller_id="s-ana",
        team="enterprise",
        intent_hits=(),
        model_version="m",
    )
    out = []
    for n in range(acts):
        who = f"x#u{int(actors * rng.random() ** 2)}"  # a few actors act often
        out.append(
            replace(
                base,
                profile=who,
                dedupe_key=f"i#{n}",
                interaction_id=str(n),
                kind=rng.choice(KINDS),
                occurred_at=NOW - timedelta(hours=rng.uniform(0, 48)),
                own_post=f"x#{10**18 + n}",
                intent_hits=("pricing",) if rng.random() < 0.1 else (),
                complaint_hits=("worst",) if rng.random() < 0.02 else (),
                actor_followers=int(10 ** rng.uniform(1, 5)) if rng.random() < 0.7 else None,
            )
        )
    profiles = {t.profile for t in out}
    scores = {p: rng.uniform(0, 60) for p in profiles}
    buckets: dict[str, tuple[str, ...]] = {
        p: ("likely_buyer",) if rng.random() < 1 / 3 else () for p in profiles
    }
    return out, scores, buckets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--acts", type=int, default=5000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rules = bundled().engage
    asked, seconds, actors = [], [], []
    for run in range(args.runs):
        acts, scores, buckets = stream(args.acts, run)
        queried: set[str] = set()

        def buckets_of(
            profile: str,
            queried: set[str] = queried,
            buckets: dict[str, tuple[str, ...]] = buckets,
        ) -> tuple[str, ...]:
            queried.add(profile)
            return buckets[profile]

        start = time.perf_counter()
        top = rank(acts, scores, buckets_of, rules, NOW, args.top)
        seconds.append(time.perf_counter() - start)
        every = rank(acts, scores, buckets.__getitem__, rules, NOW, len(acts))
        assert [e.touch for e in top] == [e.touch for e in every[: args.top]], "not the top"
        asked.append(len(queried))
        actors.append(len(scores))
    print(f"engage queue: {args.acts} acts in 48 h, top {args.top}, {args.runs} runs")
    print(
        f"  actors in the window (floor without the bound): median {statistics.median(actors):.0f}"
    )
    print(f"  actors whose buckets were read: median {statistics.median(asked):.0f}")
    print(f"  ratio read / all: {statistics.median(asked) / statistics.median(actors):.3f}")
    print(f"  ranking time: median {statistics.median(seconds) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
