"""Ingest: verify a webhook, validate and normalise its events, queue them durably.

Answers 2xx only once every accepted message is in SQS; a rejected request queues nothing.
Interactions, identity links and deleted posts (rehydrate purges its cache) go to rehydration;
retractions of an act and erasures, which need no post facts, straight to scoring.

Every answer says why it refused (`Receipt.reason`, a fixed word) and what it acknowledged
without queueing (`Receipt.ignored`, counts by reason), for the handler's logs and metrics.
No answer echoes the request: a 400 names the field and the rule, never the value.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ValidationError

from socialscore.domain.delivery import Claim
from socialscore.domain.interaction import Answered, Erase, Retraction
from socialscore.pipeline.ports import DeliveryLog, MessageQueue
from socialscore.pipeline.webhook_secrets import WebhookSecrets
from socialscore.sources import signatures, smms
from socialscore.sources.base import Answer, BodyProblem, Message, Source, read
from socialscore.sources.linkedin import LinkedInSource
from socialscore.sources.meta import MetaSource
from socialscore.sources.x import XSource

DEFAULT_MAX_BODY_BYTES = 256 * 1024
SOURCES: dict[str, Source] = {
    s.name: s for s in (smms.SmmsSource(), XSource(), MetaSource(), LinkedInSource())
}
# A delivery id is remembered until no replay of its signature can pass the timestamp check:
# signed within the tolerance of now, replayable until the tolerance after that, plus a minute
# of clock difference between Lambda's hosts.
REMEMBER_SECONDS = 2 * signatures.TOLERANCE_SECONDS + 60
# Signature failures after which the secrets are read again (a rotation may have happened).
_STALE_SECRETS = {"bad_signature", "no_secret"}
# A verification GET's refusal, by status.
_CHALLENGE_REFUSALS = {400: "bad_verification_request", 401: "no_secret", 403: "bad_verify_token"}


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


@dataclass(frozen=True)
class Receipt(Answer):
    reason: str | None = None  # why the request was refused; None when it was not
    ignored: Mapping[str, int] = field(default_factory=dict)  # acknowledged, not queued


@dataclass
class Ingest:
    secrets: WebhookSecrets  # the webhook secrets, by source
    interactions: MessageQueue  # to rehydrate
    retractions: MessageQueue  # to score
    deliveries: DeliveryLog  # the signed delivery ids seen (replay memory)
    clock: Callable[[], datetime]
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # By name; the handler's Meta source matches comment words with the live scoring model.
    sources: Mapping[str, Source] = field(default_factory=lambda: SOURCES)
    # What the queues and the delivery log raise when their service does not answer (the
    # wiring names botocore's errors: the use case imports no AWS library). Such a request is
    # a 503 with a fixed reason, logged and counted, never a bare 500.
    outages: tuple[type[Exception], ...] = ()

    def receive(
        self,
        method: str,
        source_name: str,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        body: bytes,
        correlation_id: str | None = None,
    ) -> Receipt:
        """`correlation_id` (the API request's id) travels on with every message queued."""
        source = self.sources.get(source_name)
        if source is None:
            error = {"error": f"unknown source {source_name!r}", "sources": list(self.sources)}
            return Receipt(404, error, reason="unknown_source")
        method = method.upper()
        if method not in source.methods:
            allow = {"allow": ", ".join(source.methods)}
            error = {"error": f"{method} is not allowed here"}
            return Receipt(405, error, allow, reason="method_not_allowed")
        if method == "GET":
            answer = source.challenge(self.secrets.current().get(source.name), query)
            refused = _CHALLENGE_REFUSALS.get(answer.status, "bad_verification_request")
            reason = refused if answer.status >= 300 else None
            return Receipt(answer.status, answer.body, answer.headers, reason=reason)
        if len(body) > self.max_body_bytes:
            error = {"error": f"body over {self.max_body_bytes} bytes"}
            return Receipt(413, error, reason="too_large")
        lowered = {k.lower(): v for k, v in headers.items()}
        now = self.clock()
        try:
            delivery = self._verify(source, lowered, body, now)
        except signatures.SignatureError as err:
            return Receipt(401, {"error": str(err)}, reason=err.reason)
        try:
            reading = read(source, body, now)
        except ValidationError as err:
            problem = {"error": "invalid webhook body", "fields": fields(err)}
            return Receipt(400, problem, reason="invalid_body")
        except BodyProblem as err:  # a source's own check outside its models
            problem = {"error": "invalid webhook body", "fields": [_field(err.field, err.message)]}
            return Receipt(400, problem, reason="invalid_body")
        except (ValueError, OverflowError):  # any other: its message may hold the value
            problem = {"error": "invalid webhook body", "fields": [_field("body", _UNREADABLE)]}
            return Receipt(400, problem, reason="invalid_body")
        messages = reading.messages
        forward, back = distinct_messages(messages)
        distinct = len(forward) + len(back)
        ignored = reading.ignored + Counter({"repeated_in_delivery": len(messages) - distinct})
        key, digest = f"{source.name}#{delivery}", hashlib.sha256(body).hexdigest()
        if delivery is not None:
            expires = int(now.timestamp()) + REMEMBER_SECONDS
            try:
                claim = self.deliveries.claim(key, digest, expires, int(now.timestamp()))
            except self.outages:
                return _LOG_UNAVAILABLE  # nothing queued: the sender's retry starts afresh
            if claim is Claim.CONFLICT:
                error = {"error": "webhook-id was already used for another body"}
                return Receipt(409, error, reason="webhook_id_reused")
            if claim is Claim.QUEUED:
                ignored = reading.ignored + Counter({"repeated_delivery": len(messages)})
                return Receipt(source.success_status, {"accepted": distinct}, ignored=+ignored)
        try:
            unsent = self._queue(forward, back, correlation_id)
        except self.outages:
            unsent = distinct  # how many of them SQS took is unknown: the sender resends all
        if unsent:
            # Some messages are queued, some not: the sender retries the whole request, and the
            # deterministic ids make the repeats count once; the delivery id stays unqueued, so
            # the retry queues again.
            unavailable = {"error": "queue unavailable, retry", "unsent": unsent}
            return Receipt(503, unavailable, reason="queue_unavailable")
        if delivery is not None:
            try:
                self.deliveries.queued(key, digest)
            except self.outages:
                # Every message is queued, but the mark is not: a 2xx would let a retry of this
                # webhook-id queue its messages again (they count once all the same); a 503
                # tells the sender to retry, and that retry queues them again, counting once.
                return _LOG_UNAVAILABLE
        return Receipt(source.success_status, {"accepted": distinct}, ignored=+ignored)

    def _verify(
        self, source: Source, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> str | None:
        """The source's check, with the secrets read again once after a signature that matched
        none of them: they may have been rotated within the cache's 5 minutes."""
        try:
            return source.verify(self.secrets.current().get(source.name), headers, body, now)
        except signatures.SignatureError as err:
            fresh = self.secrets.reread() if err.reason in _STALE_SECRETS else None
            if fresh is None:
                raise
            return source.verify(fresh.get(source.name), headers, body, now)

    def _queue(
        self, forward: dict[str, str], back: dict[str, str], correlation_id: str | None
    ) -> int:
        """Queue the messages; returns how many were not sent."""
        ids = {mid: correlation_id for mid in [*forward, *back]} if correlation_id else {}
        unsent = self.interactions.send(list(forward.items()), ids) if forward else []
        unsent += self.retractions.send(list(back.items()), ids) if back else []
        return len(unsent)


def distinct_messages(messages: list[Message]) -> tuple[dict[str, str], dict[str, str]]:
    """The distinct messages (identical ones in one request are one), by their id: those for
    rehydration, and those straight for scoring. Backfill queues a file's packs with it too."""
    forward: dict[str, str] = {}
    back: dict[str, str] = {}
    for m in messages:
        body = m.model_dump_json()
        queue = back if isinstance(m, Retraction | Erase | Answered) else forward
        queue.setdefault(hashlib.sha256(body.encode()).hexdigest()[:40], body)
    return forward, back


_UNREADABLE = "a value is malformed or out of range"
_LOG_UNAVAILABLE = Receipt(
    503, {"error": "delivery log unavailable, retry"}, reason="delivery_log_unavailable"
)


def _field(name: str, message: str) -> dict[str, str]:
    return {"field": name, "message": message}


def fields(err: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": smms.field_path(e["loc"]), "message": e["msg"]}
        for e in err.errors(include_url=False)
    ]
