"""`socialscore sync` when crm_sync turned the run away: one line, saying why and until when,
not a report of zeros."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from socialscore_ops.runs import sync
from socialscore_ops.stack import Stack

SKIPPED = {"skipped": "another run holds the lease until 2026-11-20T06:06:00+00:00"}


class Answering(Stack):
    """A stack whose crm_sync answers as a run that found the lease held."""

    def invoke(self, function: str, payload: Mapping[str, Any]) -> Any:
        assert function == "CrmSyncFunction"
        return SKIPPED


def test_sync_prints_a_skipped_run_in_one_line() -> None:
    args = argparse.Namespace(as_of=datetime(2026, 11, 20, 6, tzinfo=UTC))

    result = sync(Answering("socialscore", {}), args)

    assert result.text == (
        "crm_sync skipped: another run holds the lease until 2026-11-20T06:06:00+00:00"
    )
    assert result.data == SKIPPED  # --json prints the answer as it came
