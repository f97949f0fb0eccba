"""Signing and sending SMMS webhooks, as an SMMS would (Standard Webhooks)."""

from __future__ import annotations

import base64
import json
import secrets
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from socialscore.sources.signatures import SECRET_PREFIX, sign

if TYPE_CHECKING:
    from socialscore_local.runtime import LocalRuntime

# What the sample events in events/ are signed with (events/make_samples.py); never deployed.
SAMPLE_SECRET = SECRET_PREFIX + base64.b64encode(b"socialscore-demo-signing-key-0001").decode()


@dataclass
class Replay:
    """What a sender saw of replaying deliveries: the local demo's report shows it."""

    deliveries: int = 0
    events: int = 0  # interaction and identify events in deliveries that were accepted
    statuses: Counter[int] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signed(secret: str, body: bytes) -> dict[str, str]:
    msg_id = f"msg_{uuid.uuid4().hex}"
    stamp = int(time.time())
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(secret, msg_id, stamp, body),
    }


def post(url: str, secret: str, payload: dict[str, Any]) -> tuple[int, Any]:
    """POST a signed webhook over HTTP; returns (status, parsed JSON body)."""
    body = json.dumps(payload).encode()
    request = urllib.request.Request(url, data=body, headers=signed(secret, body), method="POST")  # noqa: S310 - the caller's URL, http(s) only
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


@dataclass(frozen=True)
class NetworkSecrets:
    """What serve is given for X, Meta and LinkedIn (none by default: their webhooks then
    answer 401)."""

    x_consumer: str | None = None
    x_oauth2_client: str | None = None
    meta_app: str | None = None
    meta_verify_token: str | None = None
    linkedin_client: str | None = None


def set_network_secrets(rt: LocalRuntime, given: NetworkSecrets) -> list[str]:
    """Put the given X, Meta and LinkedIn secrets into the stack's webhook secret, in the shape
    an operator puts them on AWS (README, Webhooks); returns a line per source for serve to
    print. Secrets shorter than ingest takes are refused by ingest as on AWS (401, and an ERROR
    line)."""
    secrets = rt.client("secretsmanager")
    arn = rt.physical["WebhookSecrets"]["Ref"]
    value = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
    x = {
        "consumer_secrets": [given.x_consumer] if given.x_consumer else [],
        "oauth2_client_secrets": [given.x_oauth2_client] if given.x_oauth2_client else [],
    }
    meta: dict[str, Any] = {"app_secrets": [given.meta_app] if given.meta_app else []}
    if given.meta_verify_token:
        meta["verify_token"] = given.meta_verify_token
    linkedin = {"client_secrets": [given.linkedin_client] if given.linkedin_client else []}
    value |= {"x": x, "meta": meta, "linkedin": linkedin}
    secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(value))
    lines = []
    if given.x_consumer or given.x_oauth2_client:
        lines.append("POST /webhooks/x       with the X secrets given (GET answers the CRC)")
    if given.meta_app:
        lines.append("POST /webhooks/meta    with the Meta app secret given")
    if given.meta_verify_token:
        lines.append("GET  /webhooks/meta    answers hub.challenge for the verify token given")
    if given.linkedin_client:
        lines.append(
            "POST /webhooks/linkedin with the LinkedIn client secret given (GET answers the "
            "challengeCode)"
        )
    return lines
