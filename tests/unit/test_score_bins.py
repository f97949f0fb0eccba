"""The score bins the bucket tally counts (domain.score_bins): the hot-lead threshold an edge, a
profile's bin, and the moment decay takes it under its bin's lower edge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from socialscore.domain.decay import score_at, units
from socialscore.domain.score_bins import AT_THRESHOLD, COUNT, bin_of, bounds, leaves

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
WEEK = 7 * 24 * 3600.0


def test_the_threshold_is_a_bin_edge_so_at_or_over_it_is_exact() -> None:
    assert bin_of(50.0, 50.0) == AT_THRESHOLD
    assert bin_of(49.999, 50.0) == AT_THRESHOLD - 1
    assert bounds(AT_THRESHOLD, 50.0) == (50.0, 100.0)
    assert bin_of(0.0, 50.0) == 0
    assert bounds(0, 50.0) == (0.0, 0.0)
    assert bin_of(-3.0, 50.0) == 0  # a negative organic score is none
    assert bin_of(0.01, 50.0) == 1
    assert bounds(1, 50.0) == (0.0, 50.0 / 64)
    assert bin_of(1e9, 50.0) == COUNT - 1
    assert bounds(COUNT - 1, 50.0) == (3200.0, None)


def test_a_score_leaves_its_bin_when_decay_takes_it_under_the_lower_edge() -> None:
    stored = units(80.0, NOW, WEEK)  # 80 now: in [50, 100)
    crossing = leaves(score_at(stored, NOW, WEEK), 50.0, NOW, WEEK)
    assert crossing is not None
    # 80 -> 50 takes log2(80 / 50) half-lives
    assert abs((crossing - NOW).total_seconds() - WEEK * 0.678071905) < 1
    second = timedelta(seconds=1)
    assert bin_of(score_at(stored, crossing - second, WEEK), 50.0) == AT_THRESHOLD
    assert bin_of(score_at(stored, crossing + second, WEEK), 50.0) == AT_THRESHOLD - 1


def test_under_the_lowest_edge_time_alone_moves_no_profile() -> None:
    assert leaves(0.5, 50.0, NOW, WEEK) is None  # under 50 / 64: bin 1 for good
    assert leaves(0.0, 50.0, NOW, WEEK) is None
