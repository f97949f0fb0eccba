"""A push's lead fields in Marketo: scores, erasures, hot leads and complaints, one stream of lead
updates, each lead once per push (Sync Leads, `action: updateOnly`, `lookupField: id`, 300 a
call: experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/leads,
"Create and Update"). `updateOnly` never creates a lead: a lead id Marketo does not hold is
answered `skipped` 1004 (lead not found), and its keys are done (deleted or merged since).

Calls: ceil(leads touched / 300), whatever mix of scores, erasures, hot leads and complaints.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from socialscore.crm import marketo_schema as ms
from socialscore.crm.base import Tracker
from socialscore.crm.marketo_http import MarketoApi
from socialscore.crm.marketo_write import Input, write
from socialscore.domain import record_key as rk
from socialscore.domain.opportunity import ComplaintCase, ContactScore, HotLeadTask
from socialscore.domain.record_key import RecordKey

LEADS = "/rest/v1/leads.json"
UPDATE_BY_ID = {"action": "updateOnly", "lookupField": "id"}
NOT_A_LEAD_ID = "not_a_marketo_lead_id"


class _Lead:
    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.keys: list[RecordKey] = []


def leads(
    api: MarketoApi,
    run: Tracker,
    scores: Sequence[ContactScore],
    erased: Sequence[str],
    hot_leads: Sequence[HotLeadTask],
    complaints: Sequence[ComplaintCase],
) -> None:
    by_lead: dict[str, _Lead] = {}

    def lead(contact: str, key: RecordKey) -> _Lead:
        entry = by_lead.setdefault(contact, _Lead())
        entry.keys.append(key)
        return entry

    for score in scores:
        lead(score.contact_id, RecordKey.of(score)).fields |= {
            ms.ORGANIC_SCORE: round(score.organic_score, 4),
            ms.PAID_SCORE: round(score.paid_score, 4),
            ms.MODEL_VERSION: score.model_version,
            ms.LAST_ORGANIC_TOUCH: datetime_value(score.last_organic_touch),
            ms.BUCKETS: ";".join(score.buckets) or None,
        }
    for task in hot_leads:
        entry = lead(task.contact_id, RecordKey.of(task))
        crossed = max(task.organic_score, entry.fields.get(ms.HOT_LEAD_SCORE) or 0.0)
        entry.fields |= {ms.HOT_LEAD: True, ms.HOT_LEAD_SCORE: round(crossed, 4)}
    for case in sorted(complaints, key=lambda c: c.occurred_at):  # the latest one's fields win
        lead(case.contact_id, RecordKey.of(case)).fields |= {
            ms.COMPLAINT_AT: datetime_value(case.occurred_at),
            ms.COMPLAINT_PHRASES: ", ".join(case.phrases)[:255],
            ms.COMPLAINT_LINK: case.permalink,
        }
    for contact in erased:
        # An erasure wins over anything else of the same push: every socialscore field emptied.
        lead(contact, rk.erased(contact)).fields = dict.fromkeys(ms.ERASED_FIELDS)
    inputs: list[Input] = []
    for contact, entry in by_lead.items():
        if not contact.isdigit():  # a Marketo lead id is an integer
            run.fail(entry.keys, NOT_A_LEAD_ID)
            continue
        body = {"id": int(contact)} | entry.fields
        inputs.append(Input(body, tuple(entry.keys), missing_ok=True))
    write(api, run, LEADS, inputs, UPDATE_BY_ID)


def datetime_value(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC (Marketo's datetime fields take W3C datetimes); None empties the field."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
