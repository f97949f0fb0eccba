"""The rollup fold on a stack's scores table, for the report function (store.rollup_fold)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socialscore.store.rollup_fold import RollupFold


def fold_of(table: Callable[[str], str], oldest_back: int) -> RollupFold:
    """The fold, `table` naming a table by its logical id; a stack with no progress starts
    `oldest_back` days ago (report.period.FOLD_BACK: what a report reads)."""
    from socialscore.store.rollup_fold import RollupFold

    return RollupFold(table("ScoresTable"), oldest_back)
