"""Readers over a stack's tables, named by their logical ids in template.yaml: the engage-now
queue (the JSON endpoint, the ops CLI, the report, the local runtime)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socialscore.pipeline.engage import EngageReader


def engage_reader(table: Callable[[str], str]) -> EngageReader:
    """The engage-now queue's reader on DynamoDB; `table` names each table by its logical id
    (the ops CLI's Stack, the report's configuration, the local runtime)."""
    from socialscore.pipeline.engage import EngageReader
    from socialscore.store.engage import EngageStore
    from socialscore.store.identities import Identities
    from socialscore.store.ledger import Ledger
    from socialscore.store.scores import Scores
    from socialscore.store.sellers import Sellers

    ledger, scores = table("LedgerTable"), table("ScoresTable")
    return EngageReader(
        EngageStore(ledger),
        Scores(scores),
        Ledger(ledger, scores),
        Sellers(table("SellersTable")),
        Identities(table("IdentitiesTable")),
    )
