"""Publish the API contracts from the code: the HTTP API's OpenAPI document, and the SMMS
webhook's JSON Schema and an example body.

From the repository root: `.venv/bin/python schema/generate.py`. Rerun whenever smms.py changes
(a test fails while the committed files differ from what this writes). The cross-field rules
(a follow needs target_user_id, ...) come from the model's json_schema_extra as if/then rules.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from socialscore.sources.smms import SmmsWebhook

HERE = Path(__file__).resolve().parent
DIALECT = "https://json-schema.org/draft/2020-12/schema"
BRAND = "https://x.com/acmeinsights/status/2105658993670537609"
SELLER = "https://twitter.com/ana_at_acme/status/2105949658936367823?s=20"


def _interaction(n: int, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "interaction",
        "id": f"evt_example_{n:02d}",
        "network": "x",
        "kind": kind,
        "actor_id": "1456048545596377351",
        **fields,
        "occurred_at": f"2026-10-{10 + n:02d}T09:30:00Z",
    }


EXAMPLE: dict[str, Any] = {
    "events": [
        _interaction(
            1,
            "like",
            target_permalink=BRAND,
            # The SMMS published the brand's post: it can say whose it is and when it went out.
            target_author_id="657892279",
            target_created_at="2026-10-01T14:00:00Z",
            tags=["branded"],
        ),
        _interaction(
            2,
            "share",
            target_permalink=BRAND,
            interaction_permalink="https://x.com/zoe_pm/status/2107840011295621120",
            tags=["branded", "retweet"],
        ),
        _interaction(
            3,
            "quote",
            target_permalink=SELLER,
            interaction_permalink="https://x.com/zoe_pm/status/2108202396312068107",
            tags=["employee"],
        ),
        _interaction(
            4,
            "comment",
            target_permalink=SELLER,
            interaction_permalink="https://mobile.twitter.com/zoe_pm/status/2108564784328515584",
            tags=["employee"],
        ),
        _interaction(
            5,
            "mention",
            target_permalink=BRAND,
            interaction_permalink="https://x.com/zoe_pm/status/2108927172344962048",
            tags=["branded"],
        ),
        _interaction(6, "follow", target_user_id="217388624", tags=["employee"]),
        _interaction(7, "click", target_permalink=BRAND, tags=["branded", "paid"]),
        {
            "type": "identify",
            "id": "evt_example_08",
            "network": "x",
            "network_user_id": "1456048545596377351",
            "contact_id": "003A000001",
            "consent_basis": "opt_in",
            "occurred_at": "2026-10-18T12:00:00Z",
        },
    ]
}


def schema() -> dict[str, Any]:
    return {"$schema": DIALECT, **SmmsWebhook.model_json_schema()}


def write(name: str, data: dict[str, Any], sort_keys: bool) -> None:
    (HERE / name).write_text(json.dumps(data, indent=2, sort_keys=sort_keys) + "\n")


def openapi() -> dict[str, Any]:
    """The HTTP API's OpenAPI document, generated from the ingest handler's routes."""
    path = HERE.parent / "functions" / "ingest" / "ingest_handler.py"
    spec = importlib.util.spec_from_file_location("ingest_handler_for_openapi", path)
    assert spec is not None
    assert spec.loader is not None
    handler = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = handler  # so its annotations resolve
    spec.loader.exec_module(handler)
    document: dict[str, Any] = json.loads(handler.openapi_document())
    return document


def main() -> None:
    SmmsWebhook.model_validate(EXAMPLE)  # refuse to publish an example the API would reject
    write("smms-webhook.schema.json", schema(), sort_keys=True)  # stable diffs
    write("smms-webhook.example.json", EXAMPLE, sort_keys=False)  # reads in field order
    write("openapi.json", openapi(), sort_keys=True)


if __name__ == "__main__":
    main()
