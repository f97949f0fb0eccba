"""Salesforce's answers read into the push's `Tracker`, key by key, whatever API answered
(sObject Collections, a Bulk API 2.0 job's results, a lookup): each key landed or failed with
Salesforce's codes and messages, logged with its key and codes only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from socialscore.aws.logs import logger
from socialscore.crm.base import Tracker
from socialscore.crm.salesforce_api import Refused
from socialscore.domain.record_key import RecordKey

# The record is gone (deleted, or merged into another): whatever was to be written on it has
# nowhere to go, so the key is done, not failed (a failure is tried again every run, for ever).
# ENTITY_IS_DELETED: "You can't reference an object that has been deleted" (StatusCode,
# https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm);
# a merge "deletes the other records, known as the victim records"
# (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_merge.htm),
# which QueryAll still lists as deleted
# (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-queryall.html).
# That a write to a merge's loser answers this very code is read from those two pages, not
# stated by Salesforce in one place (README, Known limits).
GONE = frozenset({"ENTITY_IS_DELETED"})

# The Push keys one sObject record answers for, and Salesforce's result for that record.
Answer = tuple[Sequence[RecordKey], dict[str, Any]]


def failed_with(tracker: Tracker, keys: Sequence[RecordKey], codes: list[str], reason: str) -> None:
    tracker.fail(keys, reason)
    _log_refused({key: codes for key in keys})


def refused(tracker: Tracker, keys: Sequence[RecordKey], refusal: Refused) -> None:
    failed_with(tracker, keys, [refusal.code], f"{refusal.code}: {refusal.message}")


def settle(tracker: Tracker, answers: Iterable[Answer], fine: frozenset[str] = frozenset()) -> None:
    """Each record's result: success, or only codes in `fine`, lands its keys (a record GONE is
    done too); any other failure fails them with every error's code and message."""
    refusals: dict[RecordKey, list[str]] = {}
    away: list[RecordKey] = []
    for keys, result in answers:
        errors = [e for e in result.get("errors") or [] if isinstance(e, dict)]
        codes = [str(e.get("statusCode", "")) for e in errors]
        if result.get("success") is True or (codes and set(codes) <= fine):
            if codes and set(codes) <= GONE:
                away += keys
            tracker.ok(keys)
            continue
        reason = "; ".join(f"{e.get('statusCode', '')}: {e.get('message', '')}" for e in errors)
        tracker.fail(keys, reason or "UNKNOWN_ERROR: no success and no error given")
        refusals |= dict.fromkeys(keys, codes)
    if refusals:
        _log_refused(refusals)
    if away:
        gone(tracker, away)


def gone(tracker: Tracker, keys: Sequence[RecordKey]) -> None:
    """Keys whose record is deleted or merged away: done, nothing to write."""
    tracker.ok(keys)
    logger().info(
        "Salesforce records deleted or merged: nothing to write",
        extra={"records": [str(k) for k in keys]},
    )


def _log_refused(codes: dict[RecordKey, list[str]]) -> None:
    records = {str(key): c for key, c in codes.items()}
    logger().warning("Salesforce refused records", extra={"records": records})
