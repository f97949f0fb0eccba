"""Signing and sending SMMS webhooks, as an SMMS would (Standard Webhooks)."""

from __future__ import annotations

import base64
import json
import secrets
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from socialscore.sources.signatures import SECRET_PREFIX, sign

# What the sample events in events/ are signed with (events/make_samples.py); never deployed.
SAMPLE_SECRET = SECRET_PREFIX + base64.b64encode(b"socialscore-demo-signing-key-0001").decode()


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
