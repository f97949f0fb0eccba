"""Sample Lambda events, in the shapes AWS sends them, built from the demo data and real models.

For `sam local invoke -e events/<file>` and for tests. Run after events/demo/generate.py:

    .venv/bin/python events/make_samples.py

Every function of template.yaml has one, named after its folder in functions/ and its trigger:
ingest_smms.json (API Gateway), rehydrate_sqs.json, resolve_sqs.json, score_sqs.json (SQS),
crm_sync_schedule.json, attribution_schedule.json, report_schedule.json (EventBridge Scheduler),
engage_http.json (API Gateway, GET /engage).

ingest_smms.json is signed with DEMO_SECRET (below) at the time of its newest event: sent as it
is, a handler checking against the wall clock answers 401 (stale timestamp), which is what
Standard Webhooks' replay protection is for. `socialscore invoke ingest -e
events/ingest_smms.json` signs it again at invocation with the stack's own secret.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from socialscore.domain import permalink
from socialscore.domain.interaction import Identify, Interaction, Kind
from socialscore.domain.messages import Rehydrated, Resolved, Seller
from socialscore.domain.post import PostFacts
from socialscore.domain.scoring_model import bundled
from socialscore.pipeline.resolution import credited_account
from socialscore.sources import signatures
from socialscore.sources.smms import SmmsInteraction, SmmsWebhook
from socialscore.sources.smms_events import SmmsIdentify
from socialscore_local.webhooks import SAMPLE_SECRET

Json = dict[str, Any]

HERE = Path(__file__).resolve().parent
DEMO = HERE / "demo"
SEED = 7
REGION = "eu-west-1"
ACCOUNT = "123456789012"
API_ID = "a1b2c3d4e5"
STACK = "socialscore"
DEMO_SECRET = SAMPLE_SECRET
SCHEDULED_TIME = "2026-11-22T06:00:00Z"
QUEUES = {  # queue -> the function whose role sends to it
    "RehydrateQueue": "IngestFunction",
    "ResolveQueue": "RehydrateFunction",
    "ScoreQueue": "ResolveFunction",
}


class Demo:
    """The demo data, read back and parsed with the real models."""

    def __init__(self) -> None:
        hooks = _read(DEMO / "webhooks.json")
        self.events: list[SmmsInteraction | SmmsIdentify] = [
            event
            for delivery in hooks
            if delivery["expect"] == 202
            for event in SmmsWebhook.model_validate(delivery["body"]).events
            if isinstance(event, SmmsInteraction | SmmsIdentify)  # erasures make no sample
        ]
        self.posts: dict[str, Json] = {p["post_id"]: p for p in _read(DEMO / "posts.json")}
        self.sellers: dict[str, Seller] = {
            f"{s['network']}#{s['network_user_id']}": Seller(
                seller_id=s["seller_id"], team=s["team"]
            )
            for s in _read(DEMO / "sellers.json")
        }
        self.contacts: dict[str, str] = {
            e.normalise().identity: e.contact_id for e in self.events if isinstance(e, SmmsIdentify)
        }

    def identify_of(self, interaction: SmmsInteraction) -> SmmsIdentify:
        return next(
            e
            for e in self.events
            if isinstance(e, SmmsIdentify) and e.network_user_id == interaction.actor_id
        )

    def first(self, kind: Kind, identified: bool, intent: bool = False) -> SmmsInteraction:
        """The first live interaction of a kind, by an identified user or not, with intent or not.

        Live: not on the deleted post, so the sample flows through every stage.
        """
        for event in self.events:
            if not isinstance(event, SmmsInteraction) or event.kind is not kind:
                continue
            known = event.normalise().actor_key in self.contacts
            if known == identified and self._live(event) and bool(self.hits(event)) == intent:
                return event
        raise LookupError(f"no {kind.value} (identified={identified}, intent={intent}) in the demo")

    def facts(self, link: str | None) -> PostFacts | None:
        raw = self.posts.get(permalink.parse(link).post_id) if link else None
        if raw is None:
            return None
        return PostFacts.model_validate(
            {k: v for k, v in raw.items() if k not in {"text", "deleted"}}
        )

    def hits(self, event: SmmsInteraction) -> list[str]:
        link = event.interaction_permalink
        own = self.posts.get(permalink.parse(str(link)).post_id) if link else None
        return bundled().intent.hits(own["text"]) if own and own.get("text") else []

    def _live(self, event: SmmsInteraction) -> bool:
        link = event.target_permalink
        return link is None or not self.posts[permalink.parse(str(link)).post_id].get("deleted")

    def rehydrated(self, event: SmmsInteraction) -> Rehydrated:
        interaction = event.normalise()
        return Rehydrated(
            interaction=interaction,
            target=self.facts(interaction.target_permalink),
            intent_hits=self.hits(event),
        )

    def resolved(self, event: SmmsInteraction) -> Resolved:
        item = self.rehydrated(event)
        account = credited_account(item)
        return item.resolved(
            self.contacts.get(item.interaction.actor_key),
            self.sellers.get(account) if account else None,
        )


def _read(path: Path) -> Any:
    if not path.exists():
        raise SystemExit(f"{path} is missing: run events/demo/generate.py first")
    return json.loads(path.read_text())


def _write(name: str, data: Json) -> None:
    (HERE / name).write_text(json.dumps(data, indent=2) + "\n")


def _millis(at: datetime) -> int:
    return int(at.timestamp() * 1000)


# --- API Gateway HTTP API (payload 2.0) ------------------------------------------------------


def http_api_event(rng: random.Random, body: bytes, at: datetime) -> Json:
    """POST /webhooks/smms as API Gateway hands it to the ingest function, signed."""
    msg_id = f"msg_{rng.getrandbits(128):032x}"
    timestamp = int(at.timestamp())
    domain = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
    agent = "smms-webhooks/2.4 (+https://smms.example/webhooks)"
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/{source}",
        "rawPath": "/webhooks/smms",
        "rawQueryString": "",
        "headers": {
            "content-length": str(len(body)),
            "content-type": "application/json",
            "host": domain,
            "user-agent": agent,
            "webhook-id": msg_id,
            "webhook-signature": signatures.sign(DEMO_SECRET, msg_id, timestamp, body),
            "webhook-timestamp": str(timestamp),
            "x-amzn-trace-id": f"Root=1-{timestamp:08x}-{rng.getrandbits(96):024x}",
            "x-forwarded-for": "203.0.113.24",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        },
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "domainName": domain,
            "domainPrefix": API_ID,
            "http": {
                "method": "POST",
                "path": "/webhooks/smms",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.24",
                "userAgent": agent,
            },
            "requestId": base64.b64encode(rng.randbytes(11)).decode(),
            "routeKey": "POST /webhooks/{source}",
            "stage": "$default",
            "time": at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": _millis(at),
        },
        "pathParameters": {"source": "smms"},
        "body": body.decode(),
        "isBase64Encoded": False,
    }


def ingest_sample(rng: random.Random, demo: Demo) -> Json:
    """A small batch: a comment with intent, a like, a follow, the commenter's identify."""
    comment = demo.first(Kind.COMMENT, identified=True, intent=True)
    events: list[SmmsInteraction | SmmsIdentify] = [
        comment,
        demo.first(Kind.LIKE, identified=False),
        demo.first(Kind.FOLLOW, identified=False),
        demo.identify_of(comment),
    ]
    body = {"events": [e.model_dump(mode="json", exclude_none=True) for e in events]}
    SmmsWebhook.model_validate(body)
    newest = max(e.occurred_at for e in events)
    raw = json.dumps(body, separators=(",", ":")).encode()
    return http_api_event(rng, raw, newest + timedelta(seconds=4))


# --- SQS --------------------------------------------------------------------------------------


def sqs_record(rng: random.Random, queue: str, body: str, sent: datetime) -> Json:
    sent_ms = _millis(sent)
    function = QUEUES[queue]
    return {
        "messageId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "receiptHandle": "AQEB" + base64.b64encode(rng.randbytes(120)).decode(),
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(sent_ms),
            # The sending function's role id, and its name as the session name.
            "SenderId": f"AROA{_suffix(function, 16)}:{STACK}-{function}-{_suffix(function)}",
            "ApproximateFirstReceiveTimestamp": str(sent_ms + rng.randint(5, 900)),
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{STACK}-{queue}-{_suffix(queue)}",
        "awsRegion": REGION,
    }


def _suffix(logical_id: str, length: int = 12) -> str:
    """The random part CloudFormation puts in a resource's name or id, stable per resource."""
    return hashlib.sha256(logical_id.encode()).hexdigest()[:length].upper()


def sqs_event(rng: random.Random, queue: str, messages: list[tuple[BaseModel, datetime]]) -> Json:
    return {
        "Records": [
            sqs_record(rng, queue, model.model_dump_json(), at + timedelta(milliseconds=350))
            for model, at in messages
        ]
    }


def rehydrate_sample(rng: random.Random, demo: Demo) -> Json:
    """Two normalised interactions, as ingest queues them: a comment with intent and a like."""
    picked = [demo.first(Kind.COMMENT, identified=True, intent=True), demo.first(Kind.LIKE, False)]
    messages: list[tuple[BaseModel, datetime]] = [(e.normalise(), e.occurred_at) for e in picked]
    return sqs_event(rng, "RehydrateQueue", messages)


def resolve_sample(rng: random.Random, demo: Demo) -> Json:
    """Rehydrated interactions and, in the same batch, the identify that links the commenter."""
    comment = demo.first(Kind.COMMENT, identified=True, intent=True)
    like = demo.first(Kind.LIKE, identified=False)
    identify = demo.identify_of(comment)
    messages: list[tuple[BaseModel, datetime]] = [
        (demo.rehydrated(comment), comment.occurred_at),
        (demo.rehydrated(like), like.occurred_at),
        (identify.normalise(), identify.occurred_at),
    ]
    return sqs_event(rng, "ResolveQueue", messages)


def score_sample(rng: random.Random, demo: Demo) -> Json:
    """Resolved: a known contact's comment, an anonymous like, a follow credited to a seller."""
    picked = [
        demo.first(Kind.COMMENT, identified=True, intent=True),
        demo.first(Kind.LIKE, identified=False),
        demo.first(Kind.FOLLOW, identified=False),
    ]
    messages: list[tuple[BaseModel, datetime]] = [(demo.resolved(e), e.occurred_at) for e in picked]
    return sqs_event(rng, "ScoreQueue", messages)


# --- EventBridge Scheduler ---------------------------------------------------------------------


def schedule_sample() -> Json:
    """A schedule's Input with `<aws.scheduler.scheduled-time>` filled in, as delivered (crm_sync
    and the daily attribution take the same)."""
    return {"as_of": SCHEDULED_TIME}


def report_sample() -> Json:
    """The report's schedule Input: its slot time and the period the page shows (30 days)."""
    return {"as_of": SCHEDULED_TIME, "period": 30}


def engage_sample(rng: random.Random) -> Json:
    """GET /engage?limit=5 as API Gateway hands it over once IAM auth let it through."""
    at = datetime.fromisoformat(SCHEDULED_TIME)
    domain = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
    agent = "smms-engage/1.0"
    caller = f"arn:aws:iam::{ACCOUNT}:user/smms-engage"
    return {
        "version": "2.0",
        "routeKey": "GET /engage",
        "rawPath": "/engage",
        "rawQueryString": "limit=5",
        "headers": {"host": domain, "user-agent": agent, "x-forwarded-proto": "https"},
        "queryStringParameters": {"limit": "5"},
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "authorizer": {
                "iam": {
                    "accessKey": "AKIA" + _suffix("smms-engage", 16),
                    "accountId": ACCOUNT,
                    "callerId": "AIDA" + _suffix("smms-engage-user", 17),
                    "principalOrgId": None,
                    "userArn": caller,
                    "userId": "AIDA" + _suffix("smms-engage-user", 17),
                }
            },
            "domainName": domain,
            "domainPrefix": API_ID,
            "http": {
                "method": "GET",
                "path": "/engage",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.24",
                "userAgent": agent,
            },
            "requestId": base64.b64encode(rng.randbytes(11)).decode(),
            "routeKey": "GET /engage",
            "stage": "$default",
            "time": at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": _millis(at),
        },
        "isBase64Encoded": False,
    }


def check(samples: dict[str, Json]) -> None:
    """Each SQS body parses as its consumer parses it (the handlers' message types)."""
    consumers: dict[str, TypeAdapter[Any]] = {
        "rehydrate_sqs.json": TypeAdapter(Interaction | Identify),
        "resolve_sqs.json": TypeAdapter(Rehydrated | Identify),
        "score_sqs.json": TypeAdapter(Resolved),
    }
    for name, adapter in consumers.items():
        for record in samples[name]["Records"]:
            adapter.validate_json(record["body"])
            digest = hashlib.md5(record["body"].encode(), usedforsecurity=False).hexdigest()
            if record["md5OfBody"] != digest:
                raise SystemExit(f"{name}: md5OfBody does not match")


def main() -> None:
    rng = random.Random(SEED)  # noqa: S311 - sample data, not cryptography
    demo = Demo()
    samples = {
        "ingest_smms.json": ingest_sample(rng, demo),
        "rehydrate_sqs.json": rehydrate_sample(rng, demo),
        "resolve_sqs.json": resolve_sample(rng, demo),
        "score_sqs.json": score_sample(rng, demo),
        "crm_sync_schedule.json": schedule_sample(),
        "attribution_schedule.json": schedule_sample(),
        "report_schedule.json": report_sample(),
        "engage_http.json": engage_sample(rng),
    }
    check(samples)
    for name, data in samples.items():
        _write(name, data)
        print(f"wrote events/{name}")


if __name__ == "__main__":
    main()
