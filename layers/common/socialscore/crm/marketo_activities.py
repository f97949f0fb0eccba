"""Each interaction as a `socialscoreInteraction` custom activity on its lead (Add Custom
Activities, `POST /rest/v1/activities/external.json`, up to 300 a call:
experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/activities).

Custom activities are write-once: Marketo has no key that makes a second add a repeat, no update
and no delete. So:
- an add is never sent twice on a lost answer (`resend=False`): its activities fail
  `answer_lost:<problem>`; crm_sync pushes them again on its next run;
- a removal (a retraction, an erasure) adds a withdrawal: an activity of the same type with
  `withdrawn` true and the interaction's id, which a smart list filters out ("Withdrawn is
  false") and a smart campaign can trigger on;
- the activity type's id, which every add names, is read once per container from the type's
  describe (`GET .../external/type/socialscoreInteraction/describe.json`); until `crm-setup
  marketo` created and approved it, every activity fails `activity_type_missing`.

Calls: ceil(activities / 300) (+ 1 describe per container).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

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
    write(api, run, ADD, inputs, resend=False)


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
