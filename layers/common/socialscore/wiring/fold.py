"""The rollup fold on a stack's scores table, for the report function (store.rollup_fold)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from socialscore.report.period import PERIODS

if TYPE_CHECKING:
    from socialscore.store.rollup_fold import RollupFold

# Where a stack with no progress starts: the longest period a report reads and the same number
# of days before it (the posts with reactions then), and the two days not yet closed.
OLDEST_BACK = 2 * max(PERIODS) + 2


def fold_of(table: Callable[[str], str]) -> RollupFold:
    """The fold, `table` naming a table by its logical id."""
    from socialscore.store.rollup_fold import RollupFold

    return RollupFold(table("ScoresTable"), OLDEST_BACK)
