"""The seller registry (DynamoDB): which network accounts are sellers or brand accounts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from socialscore.aws import clients, config
from socialscore.store import dynamo


class Seller(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    seller_id: str
    team: str


class Sellers:
    def __init__(self, table: str | None = None) -> None:
        self._table = table or config.required("SELLERS_TABLE")

    def of_accounts(self, identities: list[str]) -> dict[str, Seller]:
        found = dynamo.batch_get(self._table, "identity", identities)
        return {k: Seller(seller_id=v["seller_id"], team=v["team"]) for k, v in found.items()}

    def register(self, identity: str, seller: Seller) -> None:
        clients.client("dynamodb").put_item(
            TableName=self._table,
            Item=dynamo.to_item({"identity": identity, **seller.model_dump()}),
        )
