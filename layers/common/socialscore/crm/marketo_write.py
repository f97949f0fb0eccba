"""Marketo batch writes (Sync Leads, Add Custom Activities): at most 300 records and 1 MB a call,
every answer read record by record.

A batch answers `success: true` with `result` in the order of `input`, each record `updated`,
`created`, `added` or `skipped` with its reasons (`{code, message}`, code 1xxx), or
`success: false` with the call's codes, none of its records written
(experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes, "Record-Level").
Adobe's sample answer of Add Custom Activities names a skipped record's reasons `errors`
(.../rest/lead-database/activities, "Add Custom Activities"): both names are read.
Each input carries the push's record keys it writes; the push's `Tracker` keeps which were
written and why the others were not.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from socialscore.aws.logs import logger
from socialscore.crm.base import Tracker
from socialscore.crm.marketo_http import AnswerLost, MarketoApi, codes
from socialscore.domain.record_key import RecordKey

BATCH = 300  # records a call (Lead Database APIs)
# The body limit is 1 MB (Marketo answers 413 above it); a batch is cut below it, with room for
# the envelope.
MAX_BODY = 1_000_000
WRITTEN = frozenset({"updated", "created", "added"})
LEAD_NOT_FOUND = "1004"
ANSWER_LOST = "answer_lost"
# A call refused for a cause every later batch shares: access denied (the API user's role),
# a resource or an activity type that does not exist. The rest fail with it, unsent.
SHARED_CAUSES = frozenset({"603", "610", "1003"})


@dataclass(frozen=True)
class Input:
    body: dict[str, Any]
    keys: tuple[RecordKey, ...]  # the push's record keys this record writes
    # A lead that no longer exists (deleted, merged away): what was to be written on it has
    # nowhere to go, so its keys are done, not failed (which would be tried every run).
    missing_ok: bool = False


def batches(
    inputs: Sequence[Input], limit: int = BATCH, max_body: int = MAX_BODY
) -> list[list[Input]]:
    """The inputs in order, cut at `limit` records or before a body would pass `max_body`."""
    out: list[list[Input]] = []
    size = 0
    for item in inputs:
        length = len(json.dumps(item.body, separators=(",", ":")).encode()) + 1
        if not out or len(out[-1]) >= limit or size + length > max_body - 1_000:
            out.append([])
            size = 0
        out[-1].append(item)
        size += length
    return out


def write(
    api: MarketoApi,
    run: Tracker,
    path: str,
    inputs: Sequence[Input],
    envelope: dict[str, Any] | None = None,
    *,
    resend: bool = True,
) -> list[tuple[Input, str]]:
    """Send `inputs` in batches; the inputs whose answer was lost (`resend=False` only) with
    why, for the caller to reconcile: their keys are left undecided (the push's outcome fails
    any key still undecided at its end)."""
    lost: list[tuple[Input, str]] = []
    gone: list[RecordKey] = []
    refused: str | None = None
    for chunk in batches(inputs):
        keys = [k for i in chunk for k in i.keys]
        if refused:
            run.fail(keys, refused)
            continue
        body = (envelope or {}) | {"input": [i.body for i in chunk]}
        try:
            answer = api.call("POST", path, body, resend=resend)
        except AnswerLost as err:
            lost += [(item, f"{ANSWER_LOST}:{err.problem}") for item in chunk]
            continue
        document = answer.document if isinstance(answer.document, dict) else {}
        results = document.get("result")
        found = codes(answer)
        if answer.status != 200 or found or not isinstance(results, list):
            reason = f"marketo_{found[0]}" if found else f"http_{answer.status}"
            run.fail(keys, reason)
            if set(found) & SHARED_CAUSES:
                refused = reason
            continue
        for n, item in enumerate(chunk):
            result = results[n] if n < len(results) and isinstance(results[n], dict) else {}
            status = str(result.get("status", ""))
            if status in WRITTEN:
                run.ok(item.keys)
                continue
            code = skipped_code(result)
            if code == LEAD_NOT_FOUND and item.missing_ok:
                gone += item.keys
            else:
                run.fail(item.keys, f"marketo_{code}" if status == "skipped" else "not_confirmed")
    if gone:
        run.ok(gone)
        logger().info(
            "Marketo leads deleted or merged: nothing to write",
            extra={"records": [str(k) for k in gone]},
        )
    return lost


def skipped_code(result: dict[str, Any]) -> str:
    """The first reason's code of a skipped record (`reasons`, or `errors` in Adobe's sample)."""
    for name in ("reasons", "errors"):
        for reason in result.get(name) or []:
            code = str(reason.get("code", "")) if isinstance(reason, dict) else ""
            if code.isdigit():
                return code
    return "unknown"
