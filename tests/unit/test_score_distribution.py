"""The report's score distribution from crm_sync's tally's score bins (report.freshness's rule,
report.profiles.binned), on the memory fakes: read from the bins while the tally is fresh and
built with the model's threshold, else every profile's exact spread; and the section's words and
numbers from the counts."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest

from socialscore.domain.bucket_tally import build
from socialscore.domain.score_bins import AT_THRESHOLD
from socialscore.pipeline.bucket_tally import rebuild
from socialscore.report import freshness, profiles
from socialscore.report.freshness import BUCKETS_RECOUNT_ITEMS, FRESH_FOR, Freshness
from socialscore.report.rows import ScoreRow
from socialscore.report.spread import Binned, Spread
from tests.unit.tally_world import MODEL, NONE, TallyWorld, touch

BEST = ScoreRow("x#u1", False, 7.25, 0.0, None)
EXACT = Spread.of([BEST])


def world() -> TallyWorld:
    """u1 and u2 touched, linked to no contact; the tally rebuilt now."""
    w = TallyWorld()
    w.ledger.record([touch("u1", w.now), touch("u1", w.now), touch("u2", w.now)])
    every = sorted({t.profile for t in w.ledger.every_touch()})
    items = w.scores.profile_units(every)
    rebuild(w.store, MODEL, w.now, {}, w.ledger.every_touch(), items)
    return w


def shown(w: TallyWorld, after: timedelta, ledger: int = 0) -> Spread | Binned:
    fresh = Freshness(w.store, lambda: ledger, w.now + after, lambda *_: None)
    return freshness.counted_spread(
        fresh, MODEL.hot_lead_threshold, w.store.counts, lambda: [BEST], lambda: EXACT
    )


def test_a_fresh_tally_s_bins_are_the_distribution() -> None:
    w = world()
    found = shown(w, timedelta(hours=1))
    assert isinstance(found, Binned)
    assert found.bins == w.expected_bins(w.now)
    assert found.profiles == 2
    assert found.highest == BEST.organic
    assert found.note.startswith("The counts are as of crm_sync's last run")


@pytest.mark.parametrize(
    ("after", "ledger", "binned"),
    [
        (FRESH_FOR + timedelta(hours=1), BUCKETS_RECOUNT_ITEMS, False),  # stale, small: exact
        (FRESH_FOR + timedelta(hours=1), BUCKETS_RECOUNT_ITEMS + 1, True),  # stale, big
        (-timedelta(hours=1), 0, False),  # a moment before the run: exact
    ],
)
def test_a_stale_tally_follows_the_buckets_rule(
    after: timedelta, ledger: int, binned: bool
) -> None:
    found = shown(world(), after, ledger)
    assert isinstance(found, Binned) is binned
    if isinstance(found, Binned):
        assert "crm_sync has not run since" in found.note


def rebuilt_without_bins(w: TallyWorld) -> None:
    """As a tally built before it kept the bins (no `bins` in its place)."""
    every = sorted({t.profile for t in w.ledger.every_touch()})
    units = build(MODEL, w.now, {}, w.ledger.every_touch(), w.scores.profile_units(every))
    w.store.replace(units, w.now, w.now.date())


def test_a_tally_built_before_it_kept_the_bins_shows_the_exact_spread() -> None:
    w = world()
    rebuilt_without_bins(w)
    assert shown(w, timedelta(hours=1)) is EXACT


def test_another_threshold_shows_the_exact_spread() -> None:
    w = world()
    fresh = Freshness(w.store, lambda: 0, w.now + timedelta(hours=1), lambda *_: None)
    found = freshness.counted_spread(
        fresh, MODEL.hot_lead_threshold * 2, w.store.counts, lambda: [BEST], lambda: EXACT
    )
    assert found is EXACT


def test_a_model_rolled_back_after_a_run_under_another_threshold_shows_the_exact_spread() -> None:
    """A run under another threshold moves the bins it works out by that threshold's edges: the
    counts are then neither model's, and publishing the first model back (README: rolling a
    model back) must not show them as its bins: the exact spread until a rebuild."""
    w = world()
    other = MODEL.model_copy(update={"hot_lead_threshold": MODEL.hot_lead_threshold * 2})
    w.now += timedelta(hours=1)
    w.ledger.record([touch("u2", w.now)])  # u2 worked out again under the other threshold
    w.step.model = other
    w.step(w.now, w.now - timedelta(hours=1), w.now, NONE)
    w.step.model = MODEL  # the first model published back
    w.now += timedelta(minutes=15)
    w.step(w.now, w.now - timedelta(minutes=15), w.now, NONE)
    assert w.counted_bins() != w.expected_bins(w.now)  # u2 counted in the other model's bin
    assert shown(w, timedelta(minutes=1)) is EXACT
    rebuild(
        w.store, MODEL, w.now, {}, w.ledger.every_touch(), w.scores.profile_units(["x#u1", "x#u2"])
    )
    found = shown(w, timedelta(minutes=1))
    assert isinstance(found, Binned)
    assert found.bins == w.expected_bins(w.now)


def test_the_section_shows_the_bins_the_median_and_the_90th_percentile_fall_in() -> None:
    bins = {
        0: (3, 1),  # no organic score
        AT_THRESHOLD - 1: (4, 2),  # 25 to 50
        AT_THRESHOLD: (2, 1),  # 50 to 100
        AT_THRESHOLD + 1: (1, 0),  # 100 to 200
    }
    note = "The counts are as of crm_sync's last run, 2026-12-06 09:45 UTC."
    page = unescape(profiles.distribution(Binned(bins, 50.0, 123.456, note), 50.0))
    assert "log scale" in page
    assert "the hot-lead threshold, 50.0, starts a bin" in page
    assert note in page
    for label, value in [
        ("profiles", "10"),
        ("contacts", "4"),
        ("median", "25 to 50"),  # the 6th of 10, lowest first
        ("90th percentile", "100 to 200"),
        ("highest", "123.46"),
        ("at or over the threshold now", "3"),
    ]:
        assert f"<td>{label}<td" in page.replace("</td>", "")
        assert value in page.split(f"<td>{label}", 1)[1].split("<tr", 1)[0]
    # every bin from the lowest used to the highest used, the empty ones between shown
    for label in ("0", "under 0.78", "12.50 to 25", "25 to 50", "50 to 100", "100 to 200"):
        assert f">{label}</text>" in page
    assert ">200 to 400</text>" not in page
