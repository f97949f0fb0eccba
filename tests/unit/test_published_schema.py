"""The published contracts (schema/) are what the code accepts and generates."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from socialscore.sources.smms import SmmsWebhook

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("schema_generate", SCHEMA_DIR / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_schema_is_the_one_the_code_generates() -> None:
    committed = json.loads((SCHEMA_DIR / "smms-webhook.schema.json").read_text())
    assert committed == _generator().schema(), "run schema/generate.py and commit the result"


def test_committed_openapi_is_the_one_the_routes_generate() -> None:
    committed = json.loads((SCHEMA_DIR / "openapi.json").read_text())
    assert committed == _generator().openapi(), "run schema/generate.py and commit the result"


def test_openapi_documents_every_source_and_its_answers() -> None:
    paths = json.loads((SCHEMA_DIR / "openapi.json").read_text())["paths"]
    assert set(paths) == {"/webhooks/smms", "/webhooks/x", "/webhooks/meta"}
    assert set(paths["/webhooks/x"]) == {"get", "post"}
    assert {"202", "400", "401", "413", "503"} <= set(paths["/webhooks/smms"]["post"]["responses"])


def test_published_example_is_accepted() -> None:
    example = json.loads((SCHEMA_DIR / "smms-webhook.example.json").read_text())
    webhook = SmmsWebhook.model_validate(example)
    assert {e.kind for e in webhook.events if e.type == "interaction"} == {
        "like",
        "share",
        "quote",
        "comment",
        "mention",
        "follow",
        "click",
    }


def test_schema_states_which_target_each_kind_needs() -> None:
    schema = json.loads((SCHEMA_DIR / "smms-webhook.schema.json").read_text())
    rules = schema["$defs"]["SmmsInteraction"]["allOf"]
    follow = next(r for r in rules if r["if"]["properties"]["kind"].get("const") == "follow")
    assert follow["then"] == {"required": ["target_user_id"]}
