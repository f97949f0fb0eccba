"""The demo's "who should act" lines: the hot leads and complaints as their events named them
(owner included), heard on the bus as the template's delivery rules hear them, and the top of
the engage-now queue."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from socialscore.domain.engage import entry_json
from socialscore.domain.scoring_model import ScoringModel
from socialscore.report.engage import why_text
from socialscore.wiring.reads import engage_reader

if TYPE_CHECKING:
    from socialscore_local.runtime import LocalRuntime

LISTENER = "socialscore-demo-events"


def listen(rt: LocalRuntime) -> str:
    """A queue subscribed to this stack's HotLead and Complaint events, by the pattern the
    template's email and Slack rules use; returns its URL."""
    sqs, events = rt.client("sqs"), rt.client("events")
    url: str = sqs.create_queue(QueueName=LISTENER)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    pattern = {
        "source": ["socialscore"],
        "detail-type": ["HotLead", "Complaint"],
        "resources": [rt.parameters["AWS::StackId"]],
    }
    events.put_rule(Name=LISTENER, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=LISTENER, Targets=[{"Id": "demo", "Arn": arn["QueueArn"]}])
    return url


def heard(rt: LocalRuntime, url: str) -> list[dict[str, Any]]:
    """Every event the listener got, oldest first (a redelivered one as often as it came)."""
    sqs, out = rt.client("sqs"), []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        out += [json.loads(m["Body"]) for m in got]
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)
            ],
        )
    return sorted(out, key=lambda e: str(e.get("time", "")))


def lines(
    rt: LocalRuntime,
    events: list[dict[str, Any]],
    contacts: dict[str, str],
    model: ScoringModel,
    last_act: datetime,
) -> list[str]:
    """`contacts`: identity -> the contact it is linked to now (an event tells what it knew)."""
    distinct = {e["detail"]["id"]: e for e in events}  # delivery is at least once: by its id
    out = [
        f"Who should act: {len(distinct)} HotLead and Complaint events on EventBridge, each "
        "naming its owner (CRM owner, else top seller, else queue)"
    ]
    for e in distinct.values():
        d, owner = e["detail"], e["detail"]["owner"]
        who = d.get("contact_id") or f"anonymous {d['profile']}"
        if not d.get("contact_id") and d["profile"] in contacts:
            who += f" (linked later to {contacts[d['profile']]})"
        what = (
            f"organic score {d['organic_score']}"
            if e["detail-type"] == "HotLead"
            else f"{', '.join(d['phrases'])} at {d['permalink']}"
        )
        out.append(f"  {e['detail-type']:<9} {who}: {what} -> {owner['type']} {owner['id']}")
    # As of the stream's last act: the queue holds the last hours' acts only.
    queue = engage_reader(rt.table).queue(model, last_act, 3)
    out.append(
        f"Engage now, as of the stream's last act ({last_act:%Y-%m-%d %H:%M} UTC): top "
        f"{len(queue.entries)} of {queue.waiting} unanswered replies, quotes and mentions"
    )
    for entry in queue.entries:
        j = entry_json(entry, queue.contacts.get(entry.touch.profile))
        who, answer = j["contact_id"] or j["profile"], j["seller_id"] or "-"
        out.append(
            f"  {entry.rank:>6.1f}  {j['kind']:<8} {j['permalink']}  {who}, answer: {answer}"
        )
        out.append(f"          why: {why_text(j['why'])}")
    return out
