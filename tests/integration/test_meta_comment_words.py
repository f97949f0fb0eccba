"""A Facebook Page comment's words through the whole chain on the local runtime: the buying words
earn the intent bonus and a complaint phrase makes a complaint, as on X, while no word of the
comment is kept anywhere. The comment's shape is the Page `feed` reference's
(https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from socialscore.domain.interaction import identity_key
from socialscore.domain.messages import Seller
from socialscore.store.sellers import Sellers
from tests.integration.support import Stack, running, write_demo_dir

META_SECRET = "meta-app-secret-for-words"
PAGE = "104857600000001"
POST = f"{PAGE}_778899001122334"
BUYER, UNHAPPY = "6543210987654321", "6543210987654322"
# Words nobody may find again in the tables, only the model's keywords and phrases they hit.
BUYING = "Quetzalcoatl Logistics is evaluating vendors, send pricing"
COMPLAINING = "Quetzalcoatl Logistics again: the export is still broken"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with running(tmp_path / "work", write_demo_dir(tmp_path / "demo")) as s:
        secrets = s.rt.client("secretsmanager")
        arn = s.rt.physical["WebhookSecrets"]["Ref"]
        value = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
        value["meta"] = {"app_secrets": [META_SECRET], "verify_token": "tok"}
        secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(value))
        Sellers(s.rt.table("SellersTable")).register(
            identity_key("facebook", PAGE), Seller(seller_id="brand", team="mkt")
        )
        yield s


def comment(actor: str, n: int, message: str) -> dict[str, Any]:
    return {
        "field": "feed",
        "value": {
            "item": "comment",
            "verb": "add",
            "post_id": POST,
            "parent_id": POST,
            "comment_id": f"778899001122334_11223344556677{n:02d}",
            "message": message,
            "from": {"id": actor, "name": "Pat Prospect"},
            "created_time": 1795000000 + n,
        },
    }


def test_comment_words_score_as_on_x_and_are_kept_nowhere(stack: Stack) -> None:
    changes = [comment(BUYER, 1, BUYING), comment(UNHAPPY, 2, COMPLAINING)]
    body = json.dumps({"object": "page", "entry": [{"id": PAGE, "changes": changes}]}).encode()
    signature = "sha256=" + hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    answer = stack.rt.request("POST", "/webhooks/meta", {"x-hub-signature-256": signature}, body)
    assert answer.status == 200
    stack.rt.drain()

    touches = {t["profile"]: t for t in stack.scan("LedgerTable") if "profile" in t}
    buyer, unhappy = touches[f"facebook#{BUYER}"], touches[f"facebook#{UNHAPPY}"]
    assert (buyer["weight"], buyer["intent_hits"]) == (4 + 10, ["evaluating vendors", "pricing"])
    assert (unhappy["weight"], unhappy["intent_hits"]) == (4, [])  # a complaint: no bonus
    assert unhappy["complaint_hits"] == ["still broken"]
    tables = [stack.scan(t) for t in stack.rt.physical if t.endswith("Table")]
    everything = json.dumps(tables, default=str)
    assert "Quetzalcoatl" not in everything
    assert "Pat Prospect" not in everything
