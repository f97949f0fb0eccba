"""Activities in HubSpot: each interaction as a timeline event on the contact, through the
socialscore public app's event templates (crm-setup creates them; their ids go in the secret).

HubSpot's rules this follows:
- Timeline events are an app's: "the v1 and v3 timeline events APIs are only available for app
  partners with existing v1/v3 timeline events defined in their public app"
  (developers.hubspot.com/docs/api/crm/timeline), and private apps cannot write them
  (developers.hubspot.com/docs/api/private-apps). The events go with the app's OAuth token
  (hubspot_app_token), not the private app token the rest of the adapter uses.
- Events are created in batches, `POST /integrators/timeline/v3/events/batch/create`
  (developers.hubspot.com/docs/api-reference/crm-timeline-v3/events/post-integrators-timeline-v3-events-batch-create),
  100 a call: the v3 reference states no maximum, the timeline batch endpoint documents "up to
  100 events can be included in a single batch"
  (developers.hubspot.com/docs/methods/timeline/batch-create-or-update-events), as HubSpot's
  other batch APIs take 100. The account's rate limits and 429s are HubSpotApi's.
- Each event's `id` is ours: `socialscore-<interaction id>-<contact id>`. HubSpot requires ids
  unique and refuses a second event with one ("Event ID already in use, please choose a new
  unique ID", HubSpot's announcement "Timeline API IDs must be globally unique",
  community.hubspot.com/t5/Developer-Announcements/
  Timeline-API-IDs-must-be-globally-unique/m-p/402048):
  a push sent again (its answer lost, or a run redone) is refused that way, and counts as done.
  So a batch is safely sent again, and a push is idempotent by the interaction's id.
- Events are immutable: "Immutable events cannot be modified or deleted after their creation"
  (developers.hubspot.com/docs/api/crm/timeline/migration). No API removes one. A retraction or an
  erasure therefore adds a second event, from the "withdrawn" template, on the same contact
  (id `<the event's id>-withdrawn`): the timeline shows the act was taken back, and a list or
  workflow can leave such contacts out. An event holds ids only (no words, no handle, no
  profile), and the GDPR delete of the contact (HUBSPOT_GDPR_DELETE) deletes its timeline.
Calls: ceil(n / 100) for n activities, the same for n withdrawals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from socialscore.aws.batch import chunks
from socialscore.crm.base import PushOutcome, Tracker
from socialscore.crm.hubspot_http import AnswerLost, HubSpotApi, category
from socialscore.crm.hubspot_write import refusal
from socialscore.domain import record_key as rk
from socialscore.domain.activity import Activity, Removal, title

EVENTS = "/integrators/timeline/v3/events/batch/create"
BATCH = 100
ALREADY = "already in use"  # HubSpot's message for an event id it holds: the event is there


def _token(name: str, label: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "label": label, "type": kind}


# The two event templates crm-setup creates (developers.hubspot.com/docs/api/crm/timeline,
# "Create an event template": name, objectType, headerTemplate and detailTemplate in Markdown
# with Handlebars, tokens of type string, number, date or enumeration). Tokens are what a
# list or a workflow can filter contacts on ("intent is true").
ACTIVITY_TEMPLATE: dict[str, Any] = {
    "name": "socialscore social interaction",
    "objectType": "contacts",
    "headerTemplate": "{{title}}",
    "detailTemplate": "Post: {{post_link}}\n\nSeller: {{seller}} · {{category}} · "
    "{{points}} points · intent {{intent}} · complaint {{complaint}}\n\n"
    "Interaction {{interaction}} (socialscore keeps no words and no handle).",
    "tokens": [
        _token("title", "What they did"),
        _token("network", "Network"),
        _token("kind", "Kind"),
        _token("post_link", "Post"),
        _token("seller", "Seller credited"),
        _token("category", "Organic or paid"),
        _token("points", "Points", "number"),
        _token("intent", "Intent"),
        _token("complaint", "Complaint"),
        _token("interaction", "Interaction id"),
    ],
}
WITHDRAWN_TEMPLATE: dict[str, Any] = {
    "name": "socialscore social interaction withdrawn",
    "objectType": "contacts",
    "headerTemplate": "Social interaction {{interaction}} withdrawn",
    "detailTemplate": "The act was taken back (an unlike, a deleted reply or post) or its "
    "person erased: it no longer counts.",
    "tokens": [_token("interaction", "Interaction id")],
}


@dataclass(frozen=True)
class Templates:
    """The app's two event templates, by their HubSpot ids (what crm-setup printed)."""

    activity: str
    withdrawn: str

    @classmethod
    def of(cls, timeline: Mapping[str, Any]) -> Templates | None:
        activity, withdrawn = timeline.get("activity_template"), timeline.get("withdrawn_template")
        if not activity or not withdrawn:
            return None
        return cls(str(activity), str(withdrawn))


def event_id(activity: str, contact: str) -> str:
    return f"socialscore-{activity}-{contact}"


def tokens(a: Activity) -> dict[str, str]:
    """The activity template's tokens (hubspot_timeline_setup defines them): strings, as the
    events API takes them."""
    return {
        "title": title(a),
        "network": a.network.value,
        "kind": a.kind.value,
        "post_link": a.post_link or "",
        "seller": a.seller_id or "",
        "category": "paid" if a.paid else "organic",
        "points": f"{a.points:g}",
        "intent": "true" if a.intent else "false",
        "complaint": "true" if a.complaint else "false",
        "interaction": a.id,
    }


class HubSpotTimeline:
    activity_batch = BATCH

    def __init__(self, api: HubSpotApi, templates: Callable[[], Templates | None]) -> None:
        self.api = api
        self._templates = templates

    def ready(self) -> bool:
        """Whether the secret names the app's templates (crm-setup printed them)."""
        return self._templates() is not None

    def push_activities(self, activities: Sequence[Activity]) -> PushOutcome:
        return self._send(
            [
                (
                    rk.activity(a.id),
                    {
                        "id": event_id(a.id, a.contact_id),
                        "objectId": a.contact_id,
                        "timestamp": a.occurred_at.isoformat().replace("+00:00", "Z"),
                        "tokens": tokens(a),
                    },
                )
                for a in activities
            ],
            withdrawn=False,
        )

    def remove_activities(self, removals: Sequence[Removal]) -> PushOutcome:
        return self._send(
            [
                (
                    rk.activity(r.id),
                    {
                        "id": event_id(r.id, r.contact_id) + "-withdrawn",
                        "objectId": r.contact_id,
                        "tokens": {"interaction": r.id},
                    },
                )
                for r in removals
            ],
            withdrawn=True,
        )

    def _send(
        self, events: list[tuple[rk.RecordKey, dict[str, Any]]], withdrawn: bool
    ) -> PushOutcome:
        run = Tracker(k for k, _ in events)
        start = self.api.calls
        templates = self._templates()
        if templates is None:
            run.fail(run.keys, "timeline_not_configured")
            return run.outcome(0)
        template = templates.withdrawn if withdrawn else templates.activity

        def send() -> None:
            for chunk in chunks(events, BATCH):
                self._batch(run, [(k, e | {"eventTemplateId": template}) for k, e in chunk])

        return run.through(send, lambda: self.api.calls - start)

    def _batch(self, run: Tracker, chunk: list[tuple[rk.RecordKey, dict[str, Any]]]) -> None:
        by_id = {e["id"]: k for k, e in chunk}
        try:
            # Sent again on a lost answer: an event that landed is refused as a repeat (done).
            answer = self.api.call("POST", EVENTS, {"inputs": [e for _, e in chunk]})
        except AnswerLost as lost:
            run.fail(by_id.values(), f"answer_lost:{lost.problem}")
            return
        document = answer.document if isinstance(answer.document, dict) else {}
        if answer.status not in (200, 201, 207):
            if len(chunk) > 1 and ALREADY in str(document.get("message", "")):
                for one in chunk:  # one repeat refused the whole batch: each on its own
                    self._batch(run, [one])
                return
            reason = refusal(answer)
            if ALREADY in str(document.get("message", "")):
                run.ok(by_id.values())
                return
            run.fail(by_id.values(), reason)
            return
        run.ok(
            by_id[str(r.get("id"))] for r in document.get("results") or [] if r.get("id") in by_id
        )
        for error in document.get("errors") or []:
            context = error.get("context") if isinstance(error, dict) else None
            named = context.get("id") or context.get("ids") if isinstance(context, dict) else None
            ids = [named] if isinstance(named, str) else list(named or [])
            keys = [by_id[i] for i in ids if i in by_id]
            if ALREADY in str(error.get("message", "")):
                run.ok(keys)
            else:
                run.fail(keys, category(error))
