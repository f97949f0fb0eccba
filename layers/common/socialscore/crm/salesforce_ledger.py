"""Where each key of a Salesforce push stands, call after call: pending until Salesforce answered
for it, then landed or failed, whatever API answered (sObject Collections, a Bulk API 2.0 job's
results, a lookup). The push's outcome is read from it, also when the run stopped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from socialscore.aws.logs import logger
from socialscore.crm.base import PushOutcome
from socialscore.crm.salesforce_api import Refused

# The record is gone (deleted, or merged into another): whatever was to be written on it has
# nowhere to go, so the key is done, not failed (a failure is tried again every run, for ever).
# Salesforce answers so for a record in the Recycle Bin and for a merge's loser, which QueryAll
# still lists as deleted:
# https://developer.salesforce.com/docs/platform/api-rest/guide/resources-queryall.html
GONE = frozenset({"ENTITY_IS_DELETED"})


class Ledger:
    """Where each Push key stands: pending until Salesforce answered for it, then landed or
    failed. A stopped run reports every key still pending as failed: nothing says it landed."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.pending = dict.fromkeys(keys)
        self.failed: dict[str, str] = {}
        self.owners: dict[str, str] = {}  # contact -> OwnerId, as the task queries read them

    def landed(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.pending.pop(key, None)

    def failed_with(self, keys: list[str], codes: list[str], reason: str) -> None:
        for key in keys:
            self.pending.pop(key, None)
            self.failed[key] = reason
        logger().warning(
            "Salesforce refused records", extra={"records": dict.fromkeys(keys, codes)}
        )

    def refused(self, keys: list[str], refused: Refused) -> None:
        self.failed_with(keys, [refused.code], f"{refused.code}: {refused.message}")

    def settle(
        self, answers: list[tuple[list[str], dict[str, Any]]], fine: frozenset[str] = frozenset()
    ) -> None:
        refused: dict[str, list[str]] = {}
        gone: list[str] = []
        for keys, result in answers:
            errors = [e for e in result.get("errors") or [] if isinstance(e, dict)]
            codes = [str(e.get("statusCode", "")) for e in errors]
            if result.get("success") is True or (codes and set(codes) <= fine):
                if codes and set(codes) <= GONE:
                    gone += keys
                self.landed(keys)
                continue
            reason = "; ".join(f"{e.get('statusCode', '')}: {e.get('message', '')}" for e in errors)
            for key in keys:
                self.pending.pop(key, None)
                self.failed[key] = reason or "UNKNOWN_ERROR: no success and no error given"
                refused[key] = codes
        if refused:
            logger().warning("Salesforce refused records", extra={"records": refused})
        if gone:
            self.gone(gone)

    def gone(self, keys: list[str]) -> None:
        """Keys whose record is deleted or merged away: done, nothing to write."""
        self.landed(keys)
        logger().info(
            "Salesforce records deleted or merged: nothing to write", extra={"records": keys}
        )

    def outcome(self, calls: int, stopped: str | None = None) -> PushOutcome:
        failed = dict(self.failed)
        if stopped is not None:
            failed |= dict.fromkeys(self.pending, f"{stopped}: not written (the run stopped)")
        return PushOutcome(failed=failed, calls=calls, owners=dict(self.owners))
