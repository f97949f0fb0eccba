"""HubSpot batch calls, 100 inputs each, with every answer read input by input.

A batch answers 200/201 (all done), 207 (some done: `results`, and `errors` naming the inputs
that failed by their ids or `objectWriteTraceId`), 204 (archive) or a 4xx for the whole batch.
Each input carries the push's record keys it writes; the push's `Tracker` keeps which were
written and why the others were not, so a push answers for every key, `CrmStopped` included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from socialscore.aws.batch import chunks
from socialscore.aws.logs import logger
from socialscore.crm.base import Tracker
from socialscore.crm.hubspot_http import Answer, AnswerLost, HubSpotApi, category
from socialscore.domain.record_key import RecordKey

BATCH = 100  # inputs a batch call: HubSpot refuses more
NOT_FOUND = "OBJECT_NOT_FOUND"
ANSWER_LOST = "answer_lost"


@dataclass(frozen=True)
class Input:
    ref: str  # how HubSpot names this input in its answer: a record id or a unique value
    body: dict[str, Any]
    keys: tuple[RecordKey, ...]  # the push's record keys this input writes
    # A record that does not exist (deleted, or merged into another) counts as done: whatever
    # was to be written on it has nowhere to go, and a failure would be tried again every run.
    missing_ok: bool = False


def by_id(result: dict[str, Any]) -> str:
    return str(result.get("id", ""))


def by_property(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda result: str((result.get("properties") or {}).get(name, ""))


def write(
    api: HubSpotApi,
    run: Tracker,
    path: str,
    inputs: Sequence[Input],
    *,
    ref_of: Callable[[dict[str, Any]], str] = by_id,
    traced: bool = True,
    resend: bool = True,
) -> dict[str, dict[str, Any]]:
    """Send `inputs` 100 a call; the results HubSpot answered, by ref. An input it reports in
    error fails with its category (or is done, with `missing_ok`, when the record does not
    exist: logged at INFO); every input of a batch refused whole fails with
    `http_<status>:<category>`.
    `resend=False` (creates): a batch whose answer was lost is not sent again; its inputs fail
    `answer_lost:<problem>`, and the next push reads what landed before it creates."""
    done: dict[str, dict[str, Any]] = {}
    gone: list[RecordKey] = []
    refused: str | None = None
    for chunk in chunks(inputs, BATCH):
        keys = [k for i in chunk for k in i.keys]
        if refused:
            run.fail(keys, refused)
            continue
        # objectWriteTraceId: HubSpot names the input by it in results and errors (not every
        # endpoint takes it: associations and archive are matched by record id).
        sent = [i.body | {"objectWriteTraceId": i.ref} if traced else i.body for i in chunk]
        try:
            answer = api.call("POST", path, {"inputs": sent}, resend=resend)
        except AnswerLost as lost:
            run.fail(keys, f"{ANSWER_LOST}:{lost.problem}")
            continue
        if answer.status == 204:
            run.ok(keys)
            continue
        if answer.status not in (200, 201, 207) or not isinstance(answer.document, dict):
            reason = refusal(answer)
            run.fail(keys, reason)
            if answer.status in (403, 404):  # a missing scope or object: the rest alike
                refused = reason
            continue
        results = {_ref(r, ref_of): r for r in answer.document.get("results") or []}
        errors = errors_by_ref(answer.document)
        for item in chunk:
            error = errors.get(item.ref)
            if error is None and item.ref in results:
                run.ok(item.keys)
                done[item.ref] = results[item.ref]
            elif error is not None and item.missing_ok and error.startswith(NOT_FOUND):
                gone += item.keys
            else:
                run.fail(item.keys, error or "not_confirmed")
    if gone:
        deleted(run, gone)
    return done


def deleted(run: Tracker, keys: Sequence[RecordKey]) -> None:
    """Keys whose HubSpot record is deleted or merged away: done, nothing to write. A batch
    update answers such an id 207 Multi-Status with an error of category OBJECT_NOT_FOUND
    naming it, the other inputs written:
    https://developers.hubspot.com/changelog/simplifying-batch-update-response-codes-for-crm-v3-apis
    https://developers.hubspot.com/docs/api-reference/latest/crm/objects/deals/batch/update-deals
    """
    run.ok(keys)
    logger().info(
        "HubSpot records deleted or merged: nothing to write",
        extra={"records": [str(k) for k in keys]},
    )


def read(
    api: HubSpotApi,
    path: str,
    refs: Sequence[str],
    properties: Sequence[str],
    id_property: str | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Batch read by id (or by a unique property): (found by ref, failure reason by ref).
    A record that does not exist is reported OBJECT_NOT_FOUND."""
    found: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}
    ref_of = by_property(id_property) if id_property else by_id
    for chunk in chunks(list(dict.fromkeys(refs)), BATCH):
        body: dict[str, Any] = {
            "properties": list(properties),
            "propertiesWithHistory": [],  # required by HubSpot's OpenAPI document
            "inputs": [{"id": r} for r in chunk],
        }
        if id_property:
            body["idProperty"] = id_property
        answer = api.call("POST", path, body)
        if answer.status not in (200, 207) or not isinstance(answer.document, dict):
            failed.update(dict.fromkeys(chunk, refusal(answer)))
            continue
        results = {ref_of(r): r for r in answer.document.get("results") or []}
        errors = errors_by_ref(answer.document)
        for ref in chunk:
            if ref in results:
                found[ref] = results[ref]
            else:
                failed[ref] = errors.get(ref, NOT_FOUND)
    return found, failed


def refusal(answer: Answer) -> str:
    """Why a whole batch was refused: told apart from one input's error (a bare category)."""
    return f"http_{answer.status}:{answer.category}"


def errors_by_ref(document: dict[str, Any]) -> dict[str, str]:
    """The category of each input a 207 answer names in `errors`."""
    named: dict[str, str] = {}
    for error in document.get("errors") or []:
        context = error.get("context") if isinstance(error, dict) else None
        for field in ("objectWriteTraceId", "ids", "id", "fromObjectId"):
            values = context.get(field) if isinstance(context, dict) else None
            for ref in [values] if isinstance(values, str) else values or []:
                named.setdefault(str(ref), category(error))
    return named


def _ref(result: dict[str, Any], ref_of: Callable[[dict[str, Any]], str]) -> str:
    trace = result.get("objectWriteTraceId")
    return str(trace) if trace else ref_of(result)
