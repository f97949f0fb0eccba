"""A stack's repositories for the readers (the report, the ops CLI, the local runtime, bench),
by the tables' logical ids in template.yaml, and the engage-now queue's reader on them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socialscore.pipeline.engage import EngageReader
    from socialscore.store.channel_shares import ChannelShares
    from socialscore.store.engage import EngageStore
    from socialscore.store.identities import Identities
    from socialscore.store.ledger import Ledger
    from socialscore.store.scores import Scores
    from socialscore.store.sellers import Sellers
    from socialscore.store.sync_state import SyncState


@dataclass
class Stores:
    """Each repository made once, on first use; `table` names a table by its logical id (the ops
    CLI's Stack, the report's configuration, the local runtime)."""

    table: Callable[[str], str]

    @cached_property
    def scores(self) -> Scores:
        from socialscore.store.scores import Scores

        return Scores(self.table("ScoresTable"))

    @cached_property
    def ledger(self) -> Ledger:
        from socialscore.store.ledger import Ledger

        return Ledger(self.table("LedgerTable"), self.table("ScoresTable"))

    @cached_property
    def identities(self) -> Identities:
        from socialscore.store.identities import Identities

        return Identities(self.table("IdentitiesTable"))

    @cached_property
    def sellers(self) -> Sellers:
        from socialscore.store.sellers import Sellers

        return Sellers(self.table("SellersTable"))

    @cached_property
    def sync_state(self) -> SyncState:
        from socialscore.store.sync_state import SyncState

        return SyncState(self.table("SyncStateTable"))

    @cached_property
    def channel_shares(self) -> ChannelShares:
        from socialscore.store.channel_shares import ChannelShares

        return ChannelShares(self.table("SyncStateTable"))

    @cached_property
    def engage(self) -> EngageStore:
        from socialscore.store.engage import EngageStore

        return EngageStore(self.table("LedgerTable"))


def engage_reader(table: Callable[[str], str]) -> EngageReader:
    """The engage-now queue's reader on DynamoDB."""
    from socialscore.pipeline.engage import EngageReader

    stores = Stores(table)
    return EngageReader(
        stores.engage, stores.scores, stores.ledger, stores.sellers, stores.identities
    )
