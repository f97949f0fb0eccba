"""Ingest: verify a webhook, validate and normalise its events, queue them durably.

Answers 202 only once every accepted event is in SQS; a rejected request queues nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from socialscore import settings, smms, webhook_signature
from socialscore.queue import Queue

DEFAULT_MAX_BODY_BYTES = 256 * 1024
SOURCES = {smms.SOURCE}


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


@dataclass
class Ingest:
    secrets: Callable[[str], list[str]]  # source -> its live signing secrets
    queue: Queue
    clock: Callable[[], datetime]
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    def receive(self, source: str, headers: dict[str, str], body: bytes) -> Answer:
        if source not in SOURCES:
            return Answer(404, {"error": f"unknown source {source!r}", "sources": sorted(SOURCES)})
        if len(body) > self.max_body_bytes:
            return Answer(413, {"error": f"body over {self.max_body_bytes} bytes"})
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            webhook_signature.verify(self.secrets(source), lowered, body, self.clock())
        except webhook_signature.SignatureError as err:
            return Answer(401, {"error": str(err)})
        try:
            webhook = smms.SmmsWebhook.model_validate_json(body)
        except ValidationError as err:
            return Answer(400, {"error": "invalid webhook body", "fields": _fields(err)})
        messages: dict[str, str] = {}
        for event in webhook.events:
            normalised = event.normalise()
            message_id = hashlib.sha256(f"{normalised.type}:{event.id}".encode()).hexdigest()[:40]
            messages.setdefault(message_id, normalised.model_dump_json())
        unsent = self.queue.send(list(messages.items()))
        if unsent:
            # Some events are queued, some not: the sender retries the whole request, and the
            # deterministic interaction ids make the repeats count once.
            return Answer(503, {"error": "queue unavailable, retry", "unsent": len(unsent)})
        return Answer(202, {"accepted": len(messages)})


def _fields(err: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": smms.field_path(e["loc"]), "message": e["msg"]}
        for e in err.errors(include_url=False)
    ]


def max_body_bytes() -> int:
    return int(settings.optional("MAX_BODY_BYTES", str(DEFAULT_MAX_BODY_BYTES)))


def secrets_from_settings(source: str) -> list[str]:
    """Live secrets for a source, from the JSON secret WEBHOOK_SECRETS_ARN (cached 5 minutes).

    The secret maps a source to one secret or a list of them: two are live during a rotation.
    """
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(
        settings.required("WEBHOOK_SECRETS_ARN"), transform="json", max_age=300
    )
    live = value.get(source, []) if isinstance(value, dict) else []
    return [live] if isinstance(live, str) else list(live)
