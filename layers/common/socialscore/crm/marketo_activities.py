"""Each interaction as a `socialscoreInteraction` custom activity on its lead (Add Custom
Activities, `POST /rest/v1/activities/external.json`, up to 300 a call:
experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/activities).

Custom activities are write-once: Marketo has no key that makes a second add a repeat, no update
and no delete. So:
- an add is never sent twice on a lost answer (`resend=False`): the leads' socialscore
  activities are read back at once (Get Paging Token from the earliest activity date, then Get
  Lead Activities of the type, 30 leads a call: .../lead-database/activities, "Query"), those
  found by their `interactionId` are written, the others fail `answer_lost:<problem>` and
  crm_sync pushes them again on its next run, without a second entry. (An add Marketo finishes
  only after that read, on a timeout, can still leave one.);
- a removal (a retraction, an erasure) adds a withdrawal: an activity of the same type with
  `withdrawn` true and the interaction's id, which a smart list filters out ("Withdrawn is
  false") and a smart campaign can trigger on;
- the activity type's id, which every add names, is read once per container from the type's
  describe (`GET .../external/type/socialscoreInteraction/describe.json`); until `crm-setup
  marketo` created and approved it, every activity fails `activity_type_missing`.

Calls: ceil(activities / 300) (+ 1 describe per container; after a lost answer, 1 paging token
+ ceil(its leads / 30) reads).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from socialscore.aws.batch import chunks
from socialscore.aws.logs import logger
from socialscore.crm import marketo_schema as ms
from socialscore.crm.base import Tracker
from socialscore.crm.marketo_http import MarketoApi, codes
from socialscore.crm.marketo_push import NOT_A_LEAD_ID, datetime_value
from socialscore.crm.marketo_write import Input, write
from socialscore.domain import record_key as rk
from socialscore.domain.activity import Activity, Removal, title

ADD = "/rest/v1/activities/external.json"
DESCRIBE = f"/rest/v1/activities/external/type/{ms.ACTIVITY_TYPE}/describe.json"
PAGING = "/rest/v1/activities/pagingtoken.json"
READ = "/rest/v1/activities.json"
LEADS_A_READ = 30  # Get Lead Activities takes up to 30 lead ids
TYPE_MISSING = "activity_type_missing"

# Per container: the instance's id of the activity type, by REST endpoint.
_TYPE_IDS: dict[str, int] = {}


def type_id(api: MarketoApi) -> int | None:
    """The approved activity type's id; None when the instance has none (setup not run)."""
    origin = api.auth.origin
    if origin not in _TYPE_IDS:
        answer = api.call("GET", DESCRIBE)
        document = answer.document if isinstance(answer.document, dict) else {}
        results = document.get("result") or []
        found = results[0].get("id") if results and isinstance(results[0], dict) else None
        if codes(answer) or not isinstance(found, int):
            logger().error(
                "Marketo activity type not found: run crm-setup marketo",
                extra={"codes": codes(answer)},
            )
            return None
        _TYPE_IDS[origin] = found
    return _TYPE_IDS[origin]


def push(api: MarketoApi, run: Tracker, activities: Sequence[Activity]) -> None:
    _add(api, run, [(a.contact_id, a.id, _activity(a)) for a in activities])


def withdraw(
    api: MarketoApi, run: Tracker, removals: Sequence[Removal], now: Callable[[], datetime]
) -> None:
    at = datetime_value(now())
    _add(api, run, [(r.contact_id, r.id, _withdrawal(r, at)) for r in removals])


def _add(api: MarketoApi, run: Tracker, entries: list[tuple[str, str, dict[str, Any]]]) -> None:
    if not entries:
        return
    activity_type = type_id(api)
    if activity_type is None:
        run.fail((rk.activity(i) for _, i, _ in entries), TYPE_MISSING)
        return
    inputs: list[Input] = []
    for lead, interaction, body in dict((e[1], e) for e in entries).values():
        key = (rk.activity(interaction),)
        if not lead.isdigit():
            run.fail(key, NOT_A_LEAD_ID)
            continue
        body |= {"leadId": int(lead), "activityTypeId": activity_type}
        inputs.append(Input(body, key, missing_ok=True))
    lost = write(api, run, ADD, inputs, resend=False)
    if lost:
        landed = _landed(api, activity_type, [item for item, _ in lost])
        for item, why in lost:
            if _identity(item.body) in landed:
                run.ok(item.keys)
            else:
                run.fail(item.keys, why)


def _identity(body: dict[str, Any]) -> tuple[int, str, bool]:
    """(lead, interaction id, withdrawn) of an activity, as added or as read back."""
    values = {str(a.get("apiName") or a.get("name")): a.get("value") for a in body["attributes"]}
    named = {_BY_LABEL.get(k, k): v for k, v in values.items()}
    withdrawn = str(named.get(ms.WITHDRAWN)).lower() == "true"
    return int(body["leadId"]), str(named.get(ms.INTERACTION_ID)), withdrawn


# Get Lead Activities names an attribute by its display name.
_BY_LABEL = {a.label: a.name for a in ms.ATTRIBUTES}


def _landed(api: MarketoApi, activity_type: int, lost: list[Input]) -> set[tuple[int, str, bool]]:
    """The socialscore activities the lost inputs' leads hold since the earliest of them."""
    since = min(str(item.body["activityDate"]) for item in lost)
    answer = api.call("GET", f"{PAGING}?sinceDatetime={quote(since)}")
    first = (answer.document or {}).get("nextPageToken") if not codes(answer) else None
    found: set[tuple[int, str, bool]] = set()
    leads = sorted({int(item.body["leadId"]) for item in lost})
    for group in chunks(leads, LEADS_A_READ):
        page = str(first or "")
        while page:
            ids = ",".join(map(str, group))
            answer = api.call(
                "GET",
                f"{READ}?activityTypeIds={activity_type}&leadIds={ids}&nextPageToken={quote(page)}",
            )
            document = answer.document if isinstance(answer.document, dict) else {}
            for record in document.get("result") or []:
                if isinstance(record, dict) and record.get("attributes") is not None:
                    found.add(_identity(record))
            more = document.get("moreResult") and not codes(answer)
            page = str(document.get("nextPageToken") or "") if more else ""
    return found


def _activity(activity: Activity) -> dict[str, Any]:
    values: dict[str, Any] = {
        ms.INTERACTION_ID: activity.id,
        "network": activity.network.value,
        "kind": activity.kind.value,
        "postLink": activity.post_link,
        "sellerId": activity.seller_id,
        "paid": activity.paid,
        "points": activity.points,
        "intent": activity.intent,
        "complaint": activity.complaint,
        ms.WITHDRAWN: False,
    }
    return {
        "activityDate": datetime_value(activity.occurred_at),
        "primaryAttributeValue": title(activity)[:255],
        "attributes": _attributes(values),
    }


def _withdrawal(removal: Removal, at: str | None) -> dict[str, Any]:
    return {
        "activityDate": at,
        "primaryAttributeValue": f"Withdrawn: interaction {removal.id}"[:255],
        "attributes": _attributes({ms.INTERACTION_ID: removal.id, ms.WITHDRAWN: True}),
    }


def _attributes(values: dict[str, Any]) -> list[dict[str, Any]]:
    """An attribute with no value is left out (Marketo omits empty attributes itself)."""
    return [{"apiName": k, "value": v} for k, v in values.items() if v is not None]
