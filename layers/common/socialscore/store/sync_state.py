"""crm_sync's state (DynamoDB): the checkpoint and a digest of what each record last pushed."""

from __future__ import annotations

from datetime import datetime

from socialscore.aws import clients
from socialscore.domain.opportunity import Opportunity
from socialscore.store import dynamo

_OPPORTUNITY = "opportunity#"


class SyncState:
    def __init__(self, table: str) -> None:
        self._table = table

    def checkpoint(self, crm: str) -> datetime | None:
        item = dynamo.batch_get(self._table, "key", [f"checkpoint#{crm}"]).get(f"checkpoint#{crm}")
        return datetime.fromisoformat(item["since"]) if item else None

    def digests(self, keys: list[str]) -> dict[str, str]:
        found = dynamo.batch_get(self._table, "key", [f"pushed#{k}" for k in keys])
        return {k.removeprefix("pushed#"): v["digest"] for k, v in found.items()}

    def opportunities(self) -> list[Opportunity]:
        """Every opportunity seen so far: re-attributed each run, so late touches and late
        identity links reach opportunities the CRM did not change."""
        return [
            Opportunity.model_validate_json(item["opportunity"])
            for item in dynamo.scan(self._table)
            if item["key"].startswith(_OPPORTUNITY)
        ]

    def save(
        self,
        crm: str,
        digests: dict[str, str],
        seen: list[Opportunity],
        since: datetime | None,
    ) -> None:
        """Record what was pushed and seen, then move the checkpoint: only after a push."""
        pushed = [{"key": f"pushed#{k}", "digest": d} for k, d in digests.items()]
        remembered = [
            {"key": f"{_OPPORTUNITY}{o.id}", "opportunity": o.model_dump_json()} for o in seen
        ]
        dynamo.batch_write(
            self._table,
            [{"PutRequest": {"Item": dynamo.to_item(item)}} for item in pushed + remembered],
        )
        if since is not None:
            clients.client("dynamodb").put_item(
                TableName=self._table,
                Item=dynamo.to_item({"key": f"checkpoint#{crm}", "since": since.isoformat()}),
            )
