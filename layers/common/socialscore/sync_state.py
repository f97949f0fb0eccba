"""crm_sync's state (DynamoDB): the checkpoint and a digest of what each record last pushed."""

from __future__ import annotations

from datetime import datetime

from socialscore import aws, dynamo, settings


class SyncState:
    def __init__(self, table: str | None = None) -> None:
        self._table = table or settings.required("SYNC_STATE_TABLE")

    def checkpoint(self, crm: str) -> datetime | None:
        item = dynamo.batch_get(self._table, "key", [f"checkpoint#{crm}"]).get(f"checkpoint#{crm}")
        return datetime.fromisoformat(item["since"]) if item else None

    def digests(self, keys: list[str]) -> dict[str, str]:
        found = dynamo.batch_get(self._table, "key", [f"pushed#{k}" for k in keys])
        return {k.removeprefix("pushed#"): v["digest"] for k, v in found.items()}

    def save(self, crm: str, digests: dict[str, str], since: datetime | None) -> None:
        """Record what was pushed, then move the checkpoint: only ever after a successful push."""
        dynamo.batch_write(
            self._table,
            [
                {"PutRequest": {"Item": dynamo.to_item({"key": f"pushed#{k}", "digest": d})}}
                for k, d in digests.items()
            ],
        )
        if since is not None:
            aws.client("dynamodb").put_item(
                TableName=self._table,
                Item=dynamo.to_item({"key": f"checkpoint#{crm}", "since": since.isoformat()}),
            )
