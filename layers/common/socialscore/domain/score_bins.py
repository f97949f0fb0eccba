"""The score bins the bucket tally counts profiles in (the report's score distribution without
reading every profile): fixed edges, so a profile's bin is its own and the counts add up.

Bin 0 holds the profiles with no organic score (0 or less); bin 1 those under the lowest edge;
then one bin from each edge threshold x 2^k (k from LOWEST to HIGHEST) to the next, the last one
open. The hot-lead threshold is an edge (k = 0), so "at or over the threshold now" is a sum of
bins, exact. A score only decays with time (one factor for every profile: domain.decay), so the
moment it falls under its bin's lower edge is computable: the tally works the profile out again
then. Under the lowest edge it never leaves its bin with time alone, so a profile is worked out
again at most HIGHEST - LOWEST + 1 times without a new touch.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping
from datetime import datetime, timedelta

LOWEST, HIGHEST = -6, 6  # threshold / 64 up to threshold x 64
AT_THRESHOLD = 2 - LOWEST  # the bin whose lower edge is the threshold
COUNT = HIGHEST - LOWEST + 3  # bins: none, under the lowest edge, one from each edge
KEY = "bin~"  # a bin's name in the tally's counts: no bucket's (domain.scoring_model's pattern)


def edges(threshold: float) -> list[float]:
    return [threshold * 2.0**k for k in range(LOWEST, HIGHEST + 1)]


def signature(threshold: float) -> str:
    """What bins the tally was built with: it counts them only while the model's threshold is
    this one (a new threshold needs `socialscore rebuild`)."""
    return f"{threshold!r}x2^{LOWEST}..{HIGHEST}"


def bin_of(score: float, threshold: float) -> int:
    return 0 if score <= 0 else 1 + bisect_right(edges(threshold), score)


def bounds(n: int, threshold: float) -> tuple[float, float | None]:
    """A bin's lower and upper edge (None: open); bin 0 is the score 0 alone: (0, 0)."""
    if n == 0:
        return 0.0, 0.0
    every = [0.0, *edges(threshold)]
    return every[n - 1], every[n] if n < len(every) else None


def leaves(score: float, threshold: float, as_of: datetime, half_life: float) -> datetime | None:
    """The moment decay takes a score under its bin's lower edge; None: never (bins 0 and 1)."""
    n = bin_of(score, threshold)
    if n < 2:
        return None
    lower, _ = bounds(n, threshold)
    return as_of + timedelta(seconds=half_life * math.log2(score / lower))


def key(n: int) -> str:
    return f"{KEY}{n}"


def number(name: str) -> int | None:
    """A bin's number from its name in the counts; None: a bucket's."""
    return int(name.removeprefix(KEY)) if name.startswith(KEY) else None


def counted(counts: Mapping[str, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """The bins' (profiles, contacts) from the tally's counts (bucket or bin name -> both)."""
    return {n: pc for name, pc in counts.items() if (n := number(name)) is not None}
