"""The world the contract samples run in: one local runtime, the accounts the platforms' own
samples name registered as the brand's, the secrets set, and each platform's way of signing.

The samples keep the ids their documentation prints; the registry is built around them (the
X Activity API's filtered user is the brand, the Account Activity examples' subscribed user
too), so a payload is changed only where a sample alone cannot name a registered account (each
sample file says what was adapted).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from standardwebhooks.webhooks import Webhook

from socialscore.domain.touch import Touch
from socialscore.store.ledger import Ledger
from socialscore_local import demo
from socialscore_local.http_api import HttpAnswer
from socialscore_local.runtime import LocalRuntime

SAMPLES = Path(__file__).parent / "samples"
# The SMMS contract's own example: its documented sample is the project's schema example.
SMMS_EXAMPLE = Path(__file__).parents[2] / "schema" / "smms-webhook.example.json"

CRC = json.loads((SAMPLES / "x_webhooks" / "crc.json").read_text())["body"]
VECTOR = json.loads((SAMPLES / "standard_webhooks" / "sign_vector.json").read_text())["body"]
# X's own CRC example secret doubles as the app's consumer secret: the CRC answer is then X's.
X_CONSUMER_SECRET: str = CRC["consumer_secret"]
META_APP_SECRET = "contract-app-secret"
META_VERIFY_TOKEN = "contract-verify-token"
LINKEDIN_CLIENT_SECRET = "contract-li-client-secret"

# The brand's and sellers' accounts, as the samples name them.
SELLERS = [
    # The Account Activity examples' subscribed user (XDevelopers).
    {"network": "x", "network_user_id": "2244994945", "seller_id": "brand-x", "team": "brand"},
    # The X Activity API examples' filtered user.
    {
        "network": "x",
        "network_user_id": "1111111111111111111",
        "seller_id": "brand-xaa",
        "team": "brand",
    },
    # The account the Account Activity longform example mentions only in extended_tweet.
    {
        "network": "x",
        "network_user_id": "1661523610111193088",
        "seller_id": "s-xai",
        "team": "sales",
    },
    # The author of the liked post in the SMMS contract's example.
    {"network": "x", "network_user_id": "657892279", "seller_id": "s-smms", "team": "sales"},
    # The Page of the real delivery quoted in restfb/restfb#741.
    {
        "network": "facebook",
        "network_user_id": "436913053309741",
        "seller_id": "brand-fb",
        "team": "brand",
    },
    # The Company Page of LinkedIn's notification examples.
    {
        "network": "linkedin",
        "network_user_id": "urn:li:organization:5515715",
        "seller_id": "brand-li",
        "team": "brand",
    },
    # The Instagram account of Meta's mention samples.
    {
        "network": "instagram",
        "network_user_id": "17841405726653026",
        "seller_id": "brand-ig",
        "team": "brand",
    },
]
# What the fixture provider knows: the X Activity API example post the reply, quote and repost
# examples act on (https://docs.x.com/x-api/activity/event-payloads, post.create).
POSTS = [
    {
        "network": "x",
        "post_id": "2080761390344937796",
        "author_id": "1111111111111111111",
        "created_at": "2026-07-24T21:05:48Z",
        "text": "Hello from the Activity API",
    }
]


PIPELINE_LOG_GROUPS = ("IngestLogGroup", "RehydrateLogGroup", "ResolveLogGroup", "ScoreLogGroup")


def sample(name: str) -> dict[str, Any]:
    """A sample file: its source address, what was adapted, and the body as sent."""
    loaded: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    return loaded


def every_sample() -> list[str]:
    return sorted(str(p.relative_to(SAMPLES).with_suffix("")) for p in SAMPLES.rglob("*.json"))


@dataclass
class World:
    rt: LocalRuntime
    smms_secret: str
    _log_lines_seen: dict[str, int] = field(default_factory=dict)

    # --- signed as each platform signs --------------------------------------------------
    def x(self, body: bytes) -> HttpAnswer:
        """X signs the raw body with the consumer secret, base64, `sha256=` prefixed
        (https://docs.x.com/x-api/webhooks/quickstart#signature-verification)."""
        digest = hmac.new(X_CONSUMER_SECRET.encode(), body, hashlib.sha256).digest()
        headers = {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode()}
        return self.rt.request("POST", "/webhooks/x", headers, body)

    def meta(self, body: bytes) -> HttpAnswer:
        """Meta signs the raw body with the app secret, hex, `sha256=` prefixed
        (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads)."""
        digest = hmac.new(META_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        return self.rt.request(
            "POST", "/webhooks/meta", {"x-hub-signature-256": "sha256=" + digest}, body
        )

    def linkedin(self, body: bytes) -> HttpAnswer:
        """LinkedIn signs "hmacsha256=" + the raw body with the client secret, hex
        (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/webhook-validation)."""
        signed = b"hmacsha256=" + body
        digest = hmac.new(LINKEDIN_CLIENT_SECRET.encode(), signed, hashlib.sha256).hexdigest()
        return self.rt.request("POST", "/webhooks/linkedin", {"x-li-signature": digest}, body)

    def smms(
        self, body: bytes, secret: str | None = None, bogus: tuple[str, ...] = ()
    ) -> HttpAnswer:
        """Signed now by the reference Standard Webhooks package, its signature offered after
        any `bogus` ones (a sender may list several)."""
        msg_id = f"msg_{uuid.uuid4().hex}"
        now = datetime.now(UTC)
        signature = Webhook(secret or self.smms_secret).sign(msg_id, now, body.decode())
        headers = {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": " ".join([*bogus, signature]),
        }
        return self.rt.request("POST", "/webhooks/smms", headers, body)

    def post(self, name: str) -> HttpAnswer:
        """POST a sample to its platform's route, signed as that platform signs."""
        body = json.dumps(sample(name)["body"]).encode()
        if name.startswith("linkedin/"):
            return self.linkedin(body)
        return self.meta(body) if name.startswith("meta/") else self.x(body)

    # --- what was scored, through the ledger's own reads --------------------------------
    def touches(self, profile: str) -> list[Touch]:
        ledger = Ledger(self.rt.table("LedgerTable"), self.rt.table("ScoresTable"))
        return ledger.touches_of(profile)

    def every_touch(self) -> list[Touch]:
        ledger = Ledger(self.rt.table("LedgerTable"), self.rt.table("ScoresTable"))
        return ledger.every_touch()

    def new_log_lines(self) -> list[str]:
        """The pipeline's log lines since the last call, from the functions' log groups (as the
        ops CLI reads a deployed stack's): an act may be ignored at the door or at resolve."""
        logs = self.rt.client("logs").get_paginator("filter_log_events")
        fresh: list[str] = []
        for group in PIPELINE_LOG_GROUPS:
            name = self.rt.physical[group]["Ref"]
            lines = [
                e["message"] for page in logs.paginate(logGroupName=name) for e in page["events"]
            ]
            fresh += lines[self._log_lines_seen.get(group, 0) :]
            self._log_lines_seen[group] = len(lines)
        return fresh


def build(workdir: Path) -> tuple[LocalRuntime, Path]:
    """A runtime over a demo directory of the samples' accounts and posts."""
    demo_dir = workdir / "demo"
    demo_dir.mkdir(parents=True)
    (demo_dir / "sellers.json").write_text(json.dumps(SELLERS))
    (demo_dir / "posts.json").write_text(json.dumps(POSTS))
    (demo_dir / "opportunities.json").write_text("[]")
    # INFO: the lines saying what was ignored, and why, are the operator's to read.
    return demo.runtime(workdir / "work", demo_dir=demo_dir, log_level="INFO"), demo_dir


def seed(rt: LocalRuntime, demo_dir: Path) -> World:
    smms_secret = demo.seed(rt, demo_dir)
    secrets = rt.client("secretsmanager")
    arn = rt.physical["WebhookSecrets"]["Ref"]
    value = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
    # The Standard Webhooks vector's secret is live beside the generated one (a rotation).
    value["smms"] = [smms_secret, VECTOR["secret"]]
    value["x"] = {"consumer_secrets": [X_CONSUMER_SECRET]}
    value["meta"] = {"app_secrets": [META_APP_SECRET], "verify_token": META_VERIFY_TOKEN}
    value["linkedin"] = {"client_secrets": [LINKEDIN_CLIENT_SECRET]}
    secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(value))
    return World(rt, smms_secret)
