"""Hot-lead tasks and complaint tickets in HubSpot: each opened once, whatever was pushed before,
and never re-created after a create whose answer was lost (the next push reads what landed).

Tasks. HubSpot documents unique-value properties for contacts, companies, deals, tickets and
custom objects, not for tasks ("Historically, HubSpot has provided unique property support for
Companies, Deals, Tickets, and Custom Objects", and contacts since
developers.hubspot.com/changelog/unique-properties-for-contacts), so a task cannot be found by
a key of its own. A task is created with its association to the
contact (developers.hubspot.com/docs/api/crm/tasks, "associations" in the create body), so the
contact's task associations (v4 batch read, read from the record, never from the lagging search
index) name every task it has, the one socialscore opened among them: its
`socialscore_hot_lead_key` holds the profile. A seller who completes the task leaves it there,
and it is never opened again.

Tickets carry the complaining act's key in `socialscore_complaint_key`, a unique-value property
(tickets take one): existing tickets are read by it, and HubSpot refuses a second ticket with it.

Calls, n being the hot leads (complaints) of the push:
  hot leads   ceil(n / 100) owners (contacts batch read) + ceil(n / 100) task associations
              + ceil(tasks those contacts have / 100) task reads + ceil(new / 100) creates
  complaints  ceil(n / 100) tickets read by key + ceil(new / 100) creates
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from socialscore.crm import hubspot_read
from socialscore.crm import hubspot_schema as hs
from socialscore.crm.base import Tracker, complaint_text
from socialscore.crm.hubspot_http import HubSpotApi
from socialscore.crm.hubspot_push import CONTACTS, datetime_value
from socialscore.crm.hubspot_write import NOT_FOUND, Input, by_property, deleted, read, write
from socialscore.domain import record_key as rk
from socialscore.domain.opportunity import ComplaintCase, HotLeadTask
from socialscore.domain.record_key import RecordKey

TASKS = "/crm/v3/objects/tasks"
TICKETS = "/crm/v3/objects/tickets"


def hot_leads(api: HubSpotApi, run: Tracker, tasks: Sequence[HotLeadTask], now: datetime) -> None:
    """One task per profile, on its contact, owned by the contact's owner (read here, and
    handed back to crm_sync for routing)."""
    by_profile = {t.profile: t for t in tasks}
    owners, missing = read(api, f"{CONTACTS}/batch/read", [t.contact_id for t in tasks], [hs.OWNER])
    run.owners |= {
        c: str(owner)
        for c, r in owners.items()
        if (owner := (r.get("properties") or {}).get(hs.OWNER))
    }
    gone: list[RecordKey] = []
    for task in by_profile.values():
        why = missing.get(task.contact_id)
        if why is not None and why.startswith(NOT_FOUND):
            gone.append(rk.hot(task.profile))  # no contact left to put a task on
        elif why is not None:
            run.fail([rk.hot(task.profile)], f"contact:{why}")
    if gone:
        deleted(run, gone)
    wanted = [t for t in by_profile.values() if t.contact_id in owners]
    opened, unread = _opened(api, sorted({t.contact_id for t in wanted}))
    new: list[HotLeadTask] = []
    for task in wanted:
        if task.contact_id in unread:
            run.fail([rk.hot(task.profile)], unread[task.contact_id])
        elif task.profile in opened.get(task.contact_id, set()):
            run.ok([rk.hot(task.profile)])
        else:
            new.append(task)
    inputs = [
        Input(t.profile, _task(t, owners[t.contact_id], now), (rk.hot(t.profile),)) for t in new
    ]
    write(
        api,
        run,
        f"{TASKS}/batch/create",
        inputs,
        ref_of=by_property(hs.HOT_LEAD_KEY),
        resend=False,
    )


def _opened(api: HubSpotApi, contacts: Sequence[str]) -> tuple[dict[str, set[str]], dict[str, str]]:
    """The profiles whose hot-lead task each contact has ({contact: profiles}), and the contacts
    whose tasks could not be read, with why: nothing is created for those."""
    if not contacts:
        return {}, {}
    links, refusal = hubspot_read.associated(api, "contacts", "tasks", contacts)
    if refusal is not None:
        return {}, dict.fromkeys(contacts, f"tasks:{refusal}")
    found, failed = read(
        api, f"{TASKS}/batch/read", [t for ids in links.values() for t in ids], [hs.HOT_LEAD_KEY]
    )
    # A task deleted since its association was read is gone: it holds no hot lead. Any other
    # failure leaves the contact's tasks unknown, and a create could make a second one.
    unknown = {task: why for task, why in failed.items() if not why.startswith(NOT_FOUND)}
    opened: dict[str, set[str]] = {}
    unread: dict[str, str] = {}
    for contact, ids in links.items():
        if problem := next((unknown[t] for t in ids if t in unknown), None):
            unread[contact] = f"tasks:{problem}"
            continue
        keys = {(found[t].get("properties") or {}).get(hs.HOT_LEAD_KEY) for t in ids if t in found}
        opened[contact] = {str(k) for k in keys if k}
    return opened, unread


def complaints(api: HubSpotApi, run: Tracker, cases: Sequence[ComplaintCase]) -> None:
    """One ticket per complaining act, in the default support pipeline, on the contact and
    unassigned (support's queue takes it); a ticket an agent closed is left alone."""
    by_key = {c.key: c for c in cases}
    existing, unread = read(
        api, f"{TICKETS}/batch/read", list(by_key), [hs.COMPLAINT_KEY], hs.COMPLAINT_KEY
    )
    run.ok(RecordKey.of(by_key[key]) for key in existing)
    for key, reason in unread.items():
        if not reason.startswith(NOT_FOUND):
            run.fail([RecordKey.of(by_key[key])], reason)
    inputs = [
        Input(key, _ticket(case), (RecordKey.of(case),))
        for key, case in by_key.items()
        if unread.get(key, "").startswith(NOT_FOUND)
    ]
    write(
        api,
        run,
        f"{TICKETS}/batch/create",
        inputs,
        ref_of=by_property(hs.COMPLAINT_KEY),
        resend=False,
    )


def _ticket(case: ComplaintCase) -> dict[str, Any]:
    subject, content = complaint_text(case)
    properties = {
        "hs_pipeline": hs.TICKET_PIPELINE,
        "hs_pipeline_stage": hs.TICKET_STAGE,
        "hs_ticket_priority": hs.TICKET_PRIORITY,
        "subject": subject,
        "content": content,
        hs.COMPLAINT_KEY: case.key,
    }
    return {"properties": properties, "associations": [_on(case.contact_id, hs.TICKET_TO_CONTACT)]}


def _task(task: HotLeadTask, contact: dict[str, Any], now: datetime) -> dict[str, Any]:
    properties = {
        "hs_task_subject": hs.HOT_LEAD_SUBJECT,
        "hs_task_status": "NOT_STARTED",
        "hs_task_priority": "HIGH",
        "hs_task_type": "TODO",
        "hs_timestamp": datetime_value(now),
        "hs_task_body": (
            f"Organic social score {task.organic_score:.1f} crossed the hot-lead threshold "
            f"{task.threshold:.1f} (socialscore)."
        ),
        hs.HOT_LEAD_KEY: task.profile,
    }
    owner = (contact.get("properties") or {}).get(hs.OWNER)
    if owner:  # a contact without an owner gets an unassigned task
        properties[hs.OWNER] = str(owner)
    return {"properties": properties, "associations": [_on(task.contact_id, hs.TASK_TO_CONTACT)]}


def _on(contact_id: str, association_type: int) -> dict[str, Any]:
    """The create's association to its contact, made with the record, in the same call."""
    return {
        "to": {"id": contact_id},
        "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": association_type}
        ],
    }
