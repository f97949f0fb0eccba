"""The identity links of whatever writes them (resolve, crm_sync's contact fields, the operator's
identity review): every link and unlink is followed by the contacts' ranking
(store.contact_sync). Its own module so that every builder of a linker (wiring.stages,
wiring.identity_fields, the ops CLI) imports it without importing one another."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socialscore.store.identities import Identities


def linker(identities_table: str, scores_table: str) -> Identities:
    """The identity links on these tables, each write followed by its identities' sync."""
    from socialscore.store.contact_sync import ContactSync
    from socialscore.store.identities import Identities

    return Identities(identities_table, synced=ContactSync(identities_table, scores_table).sync)
