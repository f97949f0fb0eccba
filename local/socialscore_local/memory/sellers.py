"""The seller registry in a dict (pipeline.ports.SellerRegistry, and register as the table
has it): a network account -> the seller or brand account it is, and its team."""

from __future__ import annotations

from socialscore.domain.messages import Seller


class MemorySellers:
    def __init__(self, registered: dict[str, Seller] | None = None) -> None:
        self.registered: dict[str, Seller] = dict(registered or {})

    def of_accounts(self, identities: list[str]) -> dict[str, Seller]:
        return {i: self.registered[i] for i in identities if i in self.registered}

    def register(self, identity: str, seller: Seller) -> None:
        self.registered[identity] = seller
