"""Ingest: verify a webhook, validate and normalise its events, queue them durably.

Answers 2xx only once every accepted message is in SQS; a rejected request queues nothing.
Interactions, identity links and deleted posts (rehydrate purges its cache) go to rehydration;
retractions of an act and erasures, which need no post facts, straight to scoring.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from socialscore.domain.interaction import Answered, Erase, Retraction
from socialscore.pipeline.ports import MessageQueue
from socialscore.sources import signatures, smms
from socialscore.sources.base import Answer, Message, Source
from socialscore.sources.meta import MetaSource
from socialscore.sources.x import XSource

DEFAULT_MAX_BODY_BYTES = 256 * 1024
SOURCES: dict[str, Source] = {s.name: s for s in (smms.SmmsSource(), XSource(), MetaSource())}


class Accepted(BaseModel):
    accepted: int


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    error: str
    fields: list[FieldError] | None = None


class CrcAnswer(BaseModel):
    response_token: str


@dataclass
class Ingest:
    secrets: Callable[[], Mapping[str, Any]]  # the webhook secrets, by source
    interactions: MessageQueue  # to rehydrate
    retractions: MessageQueue  # to score
    clock: Callable[[], datetime]
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    def receive(
        self,
        method: str,
        source_name: str,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        body: bytes,
        correlation_id: str | None = None,
    ) -> Answer:
        """`correlation_id` (the API request's id) travels on with every message queued."""
        source = SOURCES.get(source_name)
        if source is None:
            return Answer(
                404, {"error": f"unknown source {source_name!r}", "sources": list(SOURCES)}
            )
        method = method.upper()
        if method not in source.methods:
            allow = ", ".join(source.methods)
            return Answer(405, {"error": f"{method} is not allowed here"}, {"allow": allow})
        if method == "GET":
            return source.challenge(self.secrets().get(source.name), query)
        if len(body) > self.max_body_bytes:
            return Answer(413, {"error": f"body over {self.max_body_bytes} bytes"})
        lowered = {k.lower(): v for k, v in headers.items()}
        now = self.clock()
        try:
            source.verify(self.secrets().get(source.name), lowered, body, now)
        except signatures.SignatureError as err:
            return Answer(401, {"error": str(err)})
        try:
            messages = source.messages(body, now)
        except ValidationError as err:
            return Answer(400, {"error": "invalid webhook body", "fields": fields(err)})
        except ValueError as err:  # a source's own check outside its models (X's times)
            problem = [{"field": "body", "message": str(err)}]
            return Answer(400, {"error": "invalid webhook body", "fields": problem})
        queued, unsent = self._send(messages, correlation_id)
        if unsent:
            # Some messages are queued, some not: the sender retries the whole request, and the
            # deterministic ids make the repeats count once.
            return Answer(503, {"error": "queue unavailable, retry", "unsent": unsent})
        return Answer(source.success_status, {"accepted": queued})

    def _send(self, messages: list[Message], correlation_id: str | None) -> tuple[int, int]:
        """Queue the distinct messages; returns how many there were and how many failed."""
        forward: dict[str, str] = {}
        back: dict[str, str] = {}
        for m in messages:
            body = m.model_dump_json()
            queue = back if isinstance(m, Retraction | Erase | Answered) else forward
            # Identical messages in one request are one message.
            queue.setdefault(hashlib.sha256(body.encode()).hexdigest()[:40], body)
        ids = {mid: correlation_id for mid in [*forward, *back]} if correlation_id else {}
        unsent = self.interactions.send(list(forward.items()), ids) if forward else []
        unsent += self.retractions.send(list(back.items()), ids) if back else []
        return len(forward) + len(back), len(unsent)


def fields(err: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": smms.field_path(e["loc"]), "message": e["msg"]}
        for e in err.errors(include_url=False)
    ]
