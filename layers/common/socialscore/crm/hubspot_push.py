"""A push to HubSpot, object by object, each in batches of 100 (`hubspot_write`).

Calls per push (no retries), n being the records of each kind:
  contacts   ceil(n scores and erasures / 100)   batch/update (an erasure sets "")
  deals      ceil(n influences / 100)            batch/update
  breakdown  2 ceil(n records / 100)             upsert by `key`, then associate to the deal
  retired    2 ceil(n retired / 100)             read by `key` (archive takes record ids), archive
  GDPR       1 per erased contact, only with gdpr_delete (HubSpot has no batch for it), last
Hot-lead tasks and complaint tickets, opened once each: `hubspot_tasks`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from socialscore.crm import hubspot_schema as hs
from socialscore.crm.base import OUT_OF_TIME, CrmStopped, Tracker
from socialscore.crm.hubspot_http import HubSpotApi
from socialscore.crm.hubspot_write import NOT_FOUND, Input, by_property, read, refusal, write
from socialscore.domain import record_key as rk
from socialscore.domain.opportunity import ContactScore, InfluenceRecord, OpportunityInfluence

CONTACTS = "/crm/v3/objects/contacts"
DEALS = "/crm/v3/objects/deals"
INFLUENCE = f"/crm/v3/objects/{hs.INFLUENCE_TYPE}"
INFLUENCE_TO_DEAL = f"/crm/v4/associations/{hs.INFLUENCE_TYPE}/deals/batch/associate/default"
# Seconds a GDPR delete is given before it is made: one answer's timeout (hubspot_http); its
# retries, if any, fit in crm_sync's reserve.
GDPR_CALL_SECONDS = 10.0


def contacts(
    api: HubSpotApi, run: Tracker, scores: Sequence[ContactScore], erased: Sequence[str]
) -> set[str]:
    """Scores and erasures in one stream of contact updates; the erased contacts that exist."""
    inputs: dict[str, Input] = {}
    for score in scores:
        properties = {
            hs.ORGANIC_SCORE: _number(score.organic_score),
            hs.PAID_SCORE: _number(score.paid_score),
            hs.MODEL_VERSION: score.model_version,
            hs.LAST_ORGANIC_TOUCH: datetime_value(score.last_organic_touch),
            hs.BUCKETS: ";".join(score.buckets),  # a checkbox's values; "" empties it
        }
        body = {"id": score.contact_id, "properties": properties}
        key = (rk.contact(score.contact_id),)
        inputs[score.contact_id] = Input(score.contact_id, body, key, missing_ok=True)
    for contact in erased:
        # An erasure wins over a score of the same push; a contact that no longer exists has
        # nothing left to clear (nor to score).
        earlier = inputs[contact].keys if contact in inputs else ()
        cleared = dict.fromkeys(hs.CONTACT_SCORE_PROPERTIES, "")
        body = {"id": contact, "properties": cleared}
        inputs[contact] = Input(contact, body, (*earlier, rk.erased(contact)), missing_ok=True)
    done = write(api, run, f"{CONTACTS}/batch/update", list(inputs.values()))
    return {contact for contact in erased if contact in done}


def pending_delete(run: Tracker, contacts: Sequence[str]) -> None:
    """The erasures whose fields were cleared are written only once their contact is deleted:
    a push stopped before is not done with them."""
    run.reopen(rk.erased(contact) for contact in contacts)


def gdpr_delete(
    api: HubSpotApi, run: Tracker, contacts: Sequence[str], time_left: Callable[[], float]
) -> None:
    """HubSpot's GDPR delete, one call a contact: it deletes the contact itself. An erasure
    is written once its contact is deleted, not when its fields were cleared. A call is made
    only while `time_left` (seconds the run may still spend) allows one: else the push stops
    OUT_OF_TIME, the contacts deleted so far written, the others not (`pending_delete`
    reopened them when their fields were cleared)."""
    for contact in contacts:
        key = rk.erased(contact)
        if key in run.failed:
            continue
        if time_left() < GDPR_CALL_SECONDS:
            raise CrmStopped(OUT_OF_TIME)
        answer = api.call("POST", f"{CONTACTS}/gdpr-delete", {"objectId": contact})
        # 204 is the answer HubSpot documents (its OpenAPI document for contacts,
        # github.com/HubSpot/HubSpot-public-api-spec-collection, lists 204 and a default error
        # only). What a contact already gone answers, HubSpot does not document: taken as 404,
        # which is what was asked; any other refusal fails the key and the next run tries again
        # (README, Known limits).
        if answer.status in (200, 204, 404):
            run.ok([key])
        else:
            run.fail([key], refusal(answer))


def deals(api: HubSpotApi, run: Tracker, influences: Sequence[OpportunityInfluence]) -> None:
    inputs = [
        Input(
            i.opportunity_id,
            {
                "id": i.opportunity_id,
                "properties": {
                    hs.ATTRIBUTED_AMOUNT: _decimal(i.attributed_amount),
                    hs.ATTRIBUTION_MODEL: i.attribution_model,
                    hs.TOUCHES: str(i.touches),
                },
            },
            (rk.opportunity(i.opportunity_id),),
            missing_ok=True,  # a deal deleted or merged has no headline left to take
        )
        for i in influences
    ]
    write(api, run, f"{DEALS}/batch/update", inputs)


def records(api: HubSpotApi, run: Tracker, breakdown: Sequence[InfluenceRecord]) -> None:
    """Upsert by `key` (a re-run updates, never duplicates), then associate each record to its
    deal, which is what puts it on the deal's record and in deal-based reports. Associating
    again is harmless, so a record whose association failed last time gets it now."""
    by_key = {r.key: r for r in breakdown}
    inputs = [
        Input(
            r.key,
            {"idProperty": hs.INFLUENCE_KEY, "id": r.key, "properties": _influence(r)},
            (rk.influence(r.key),),
        )
        for r in by_key.values()
    ]
    done = write(
        api, run, f"{INFLUENCE}/batch/upsert", inputs, ref_of=by_property(hs.INFLUENCE_KEY)
    )
    run.reopen(rk.influence(key) for key in done)  # written once associated
    links = [
        Input(
            str(result["id"]),
            {"from": {"id": str(result["id"])}, "to": {"id": by_key[key].opportunity_id}},
            (rk.influence(key),),
        )
        for key, result in done.items()
    ]
    write(api, run, INFLUENCE_TO_DEAL, links, ref_of=_from_id, traced=False)


def retired(api: HubSpotApi, run: Tracker, keys: Sequence[str]) -> None:
    """Archive breakdown records by `key`: batch/archive takes record ids, so read them first.
    A key with no record is already gone, which is what was asked."""
    found, failed = read(
        api, f"{INFLUENCE}/batch/read", keys, [hs.INFLUENCE_KEY], id_property=hs.INFLUENCE_KEY
    )
    for key, reason in failed.items():
        if reason.startswith(NOT_FOUND):
            run.ok([rk.retired(key)])
        else:
            run.fail([rk.retired(key)], reason)
    inputs = [
        Input(str(record["id"]), {"id": str(record["id"])}, (rk.retired(key),))
        for key, record in found.items()
    ]
    write(api, run, f"{INFLUENCE}/batch/archive", inputs, traced=False)


def _influence(record: InfluenceRecord) -> dict[str, str]:
    properties = {name: getattr(record, name) or "" for name in hs.INFLUENCE_FIELDS}
    return properties | {
        hs.INFLUENCE_KEY: record.key,
        "amount": _decimal(record.amount),
        "currency": record.currency,
        "touches": str(record.touches),
        hs.PRIMARY_MODEL: "true" if record.primary else "false",
    }


def _from_id(result: dict[str, Any]) -> str:
    return str((result.get("from") or {}).get("id", ""))


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def datetime_value(moment: datetime | None) -> str:
    """ISO 8601 in UTC to the millisecond, as HubSpot gives datetimes back; "" empties it."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _decimal(value: Decimal) -> str:
    # Already in its currency's minor unit (domain.money): JPY whole, KWD to the thousandth.
    return format(value, "f")
