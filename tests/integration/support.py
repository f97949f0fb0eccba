"""Integration test support: the real local runtime on moto, wired to a small demo directory.

Every test gets a fresh runtime (moto starts empty, warm-container state is forgotten) built
from template.yaml, with a fixture post provider and a file CRM under its own tmp_path. The
`stack` fixture wraps it with what the tests need to drive and observe it from the outside:
signed webhooks, raw queue sends and reads, table scans, and builders for the messages that
travel between the stages.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from socialscore.aws.sqs import unpack
from socialscore.domain.interaction import (
    Category,
    ConsentBasis,
    Identify,
    Interaction,
    Kind,
    Network,
)
from socialscore.domain.messages import Rehydrated, Resolved, Seller
from socialscore.domain.post import PostFacts
from socialscore.store import dynamo
from socialscore_local import demo, webhooks
from socialscore_local.http_api import HttpAnswer
from socialscore_local.runtime import LocalRuntime

# --- the small world every integration test runs in ---------------------------------------
SELLER_AUTHOR = "1001"  # s-ana (enterprise) writes POST_A
OTHER_AUTHOR = "2002"  # not a seller: writes POST_B
SELLER_FOLLOWED = "1003"  # s-ben (smb): followed, never posts here
POST_A = "2100000000000000001"
POST_B = "2100000000000000002"
POST_GONE = "2100000000000000003"  # deleted per the provider
REPLY = "2100000000000000004"  # a reply whose text holds an intent keyword
REPLY_TEXT = "We are evaluating vendors for this, who should we talk to?"
POST_TEXT = "Meet Acme Insights, our launch post."
ANA = Seller(seller_id="s-ana", team="enterprise")
BEN = Seller(seller_id="s-ben", team="smb")

POSTS: list[dict[str, Any]] = [
    {
        "network": "x",
        "post_id": POST_A,
        "author_id": SELLER_AUTHOR,
        "created_at": "2026-10-01T14:00:00Z",
        "text": POST_TEXT,
    },
    {
        "network": "x",
        "post_id": POST_B,
        "author_id": OTHER_AUTHOR,
        "created_at": "2026-10-02T09:15:00Z",
        "text": "Five questions for CIOs.",
    },
    {
        "network": "x",
        "post_id": POST_GONE,
        "author_id": SELLER_AUTHOR,
        "created_at": "2026-10-02T18:05:00Z",
        "text": "Q4 roadmap, a thread.",
        "deleted": True,
    },
    {
        "network": "x",
        "post_id": REPLY,
        "author_id": "3003",
        "created_at": "2026-10-05T01:30:19Z",
        "referenced_post_id": POST_A,
        "text": REPLY_TEXT,
    },
]
SELLERS = [
    {"network": "x", "network_user_id": SELLER_AUTHOR, "seller_id": "s-ana", "team": "enterprise"},
    {"network": "x", "network_user_id": SELLER_FOLLOWED, "seller_id": "s-ben", "team": "smb"},
]
OPPORTUNITIES = [
    {
        "id": "006-O1",
        "contact_ids": ["C-1"],
        "amount": "1000.00",
        "currency": "USD",
        "created_at": "2026-11-21T10:00:00Z",
        "modified_at": "2026-11-21T10:17:00Z",
        "stage": "Proposal",
    },
    {
        "id": "006-O2",
        "contact_ids": ["C-2", "C-unknown"],
        "amount": "500.00",
        "currency": "EUR",
        "created_at": "2026-11-21T11:00:00Z",
        "modified_at": "2026-11-21T11:34:00Z",
        "stage": "Negotiation",
    },
]
POST_FACTS = {
    p["post_id"]: PostFacts.model_validate({k: v for k, v in p.items() if k not in {"text"}})
    for p in POSTS
    if not p.get("deleted")
}


def permalink(post_id: str) -> str:
    """An X permalink without a handle in it."""
    return f"https://x.com/i/web/status/{post_id}"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# --- messages between the stages ----------------------------------------------------------
def interaction(
    n: int | str,
    *,
    kind: Kind = Kind.LIKE,
    actor: str = "u1",
    post: str | None = POST_A,
    own_post: str | None = None,
    followed: str | None = None,
    category: Category = Category.ORGANIC,
    at: datetime | str = "2026-11-01T12:00:00Z",
    target_link: str | None = None,
) -> Interaction:
    """What ingest puts on the rehydrate queue."""
    paid = category is Category.PAID
    return Interaction(
        interaction_id=f"iid-{n}",
        source="smms",
        network=Network.X,
        kind=kind,
        category=category,
        actor_id=actor,
        target_permalink=target_link or (permalink(post) if post is not None else None),
        target_user_id=followed,
        interaction_permalink=permalink(own_post) if own_post is not None else None,
        tags=["paid"] if paid else ["branded"],
        occurred_at=utc(at) if isinstance(at, str) else at,
    )


def rehydrated(n: int | str, *, intent_hits: Sequence[str] = (), **kwargs: Any) -> Rehydrated:
    """What rehydrate puts on the resolve queue."""
    i = interaction(n, **kwargs)
    post = kwargs.get("post", POST_A)
    target = POST_FACTS[post] if i.target_permalink is not None and post is not None else None
    return Rehydrated(interaction=i, target=target, intent_hits=list(intent_hits))


def resolved(
    n: int | str,
    *,
    contact: str | None = None,
    seller: Seller | None = None,
    intent_hits: Sequence[str] = (),
    **kwargs: Any,
) -> Resolved:
    """What resolve puts on the score queue."""
    r = rehydrated(n, intent_hits=intent_hits, **kwargs)
    return r.resolved(contact, seller)


def identify(
    n: int | str,
    *,
    user: str = "u1",
    contact: str = "C-1",
    at: datetime | str = "2026-11-01T09:00:00Z",
    owner: str | None = None,
) -> Identify:
    return Identify(
        event_id=f"evt-id-{n}",
        source="smms",
        network=Network.X,
        network_user_id=user,
        contact_id=contact,
        consent_basis=ConsentBasis.OPT_IN,
        occurred_at=datetime.fromisoformat(at) if isinstance(at, str) else at,
        owner_id=owner,
    )


def link(
    user: str, contact: str, minutes: int = 0, owner: str | None = None, *, since: datetime
) -> Identify:
    """X user `user` linked to `contact` `minutes` after `since`: one event per user and minute."""
    at = since + timedelta(minutes=minutes)
    return identify(f"{user}-{minutes}", user=user, contact=contact, at=at, owner=owner)


def body(message: BaseModel | str) -> str:
    return message if isinstance(message, str) else message.model_dump_json()


def sqs_event(messages: Sequence[BaseModel | str], queue_arn: str) -> dict[str, Any]:
    """An SQS event as Lambda's poller builds it, one record per message (copies included)."""
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": uuid.uuid4().hex,
                "body": body(m),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
    }


# --- the running stack ----------------------------------------------------------------------
@dataclass
class Stack:
    rt: LocalRuntime
    secret: str

    # HTTP
    def webhook(
        self,
        events: list[dict[str, Any]] | None = None,
        *,
        raw: bytes | None = None,
        secret: str | None = None,
        source: str = "smms",
        headers: dict[str, str] | None = None,
    ) -> HttpAnswer:
        payload = raw if raw is not None else json.dumps({"events": events}).encode()
        signed = webhooks.signed(secret or self.secret, payload)
        return self.rt.request("POST", f"/webhooks/{source}", signed | (headers or {}), payload)

    # queues
    def send(self, queue: str, messages: Sequence[BaseModel | str]) -> list[str]:
        """Put raw bodies on a queue (as the previous stage would); returns their message ids."""
        sqs = self.rt.client("sqs")
        ids: list[str] = []
        for start in range(0, len(messages), 10):
            reply = sqs.send_message_batch(
                QueueUrl=self.rt.queue_url(queue),
                Entries=[
                    {"Id": str(n), "MessageBody": body(m)}
                    for n, m in enumerate(messages[start : start + 10])
                ],
            )
            assert not reply.get("Failed")
            ids += [s["MessageId"] for s in sorted(reply["Successful"], key=lambda s: int(s["Id"]))]
        return ids

    def poll(self, function: str) -> int:
        """One batch from the function's queue, as Lambda's SQS poller runs it."""
        fn = self.rt.functions[function]
        return self.rt.poll(fn, fn.queue_sources[0])

    def take(self, queue: str) -> list[str]:
        """Receive and delete every SQS message on a queue; returns the pipeline messages they
        carry (a pack's each), as JSON."""
        sqs = self.rt.client("sqs")
        url = self.rt.queue_url(queue) if not queue.startswith("http") else queue
        bodies: list[str] = []
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                return bodies
            bodies += [body for m in got for _, body in unpack(m["MessageId"], m["Body"])]
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)
                ],
            )

    def queue_arn(self, queue: str) -> str:
        return self.rt.physical[queue]["Arn"]

    # tables
    def table(self, logical: str) -> str:
        return self.rt.physical[logical]["Ref"]

    def scan(self, logical: str) -> list[dict[str, Any]]:
        pages = (
            self.rt.client("dynamodb").get_paginator("scan").paginate(TableName=self.table(logical))
        )
        return [dynamo.from_item(item) for page in pages for item in page["Items"]]

    def by_key(self, logical: str, key: str) -> dict[str, Any]:
        return {item[key]: item for item in self.scan(logical)}

    def calls(self, function: str, operation: str) -> int:
        return self.rt.calls[(function, operation)]


def write_demo_dir(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "posts.json").write_text(json.dumps(POSTS))
    (d / "sellers.json").write_text(json.dumps(SELLERS))
    (d / "opportunities.json").write_text(json.dumps(OPPORTUNITIES))
    return d


@contextmanager
def running(workdir: Path, demo_dir: Path, **environment: str) -> Iterator[Stack]:
    """A seeded runtime: sellers registered, CRM opportunities in place, an SMMS secret set."""
    rt = demo.runtime(workdir, demo_dir=demo_dir)
    rt.local_environment |= environment
    with rt:
        yield Stack(rt, demo.seed(rt, demo_dir))
