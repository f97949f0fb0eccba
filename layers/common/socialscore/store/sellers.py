"""The seller registry (DynamoDB): which network accounts are sellers or brand accounts."""

from __future__ import annotations

from socialscore.aws import clients
from socialscore.domain.messages import Seller
from socialscore.store import dynamo


class Sellers:
    def __init__(self, table: str) -> None:
        self._table = table

    def of_accounts(self, identities: list[str]) -> dict[str, Seller]:
        found = dynamo.batch_get(self._table, "identity", identities)
        return {k: Seller(seller_id=v["seller_id"], team=v["team"]) for k, v in found.items()}

    def register(self, identity: str, seller: Seller) -> None:
        clients.client("dynamodb").put_item(
            TableName=self._table,
            Item=dynamo.to_item({"identity": identity, **seller.model_dump()}),
        )
