"""The published contracts (schema/) are what the code accepts and generates."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # no stubs locked
from pydantic import ValidationError

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
    assert set(paths) == {"/webhooks/smms", "/webhooks/x", "/webhooks/meta", "/webhooks/linkedin"}
    assert set(paths["/webhooks/x"]) == {"get", "post"}
    assert set(paths["/webhooks/linkedin"]) == {"get", "post"}
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


def _example_event(n: int) -> dict[str, Any]:
    return dict(json.loads((SCHEMA_DIR / "smms-webhook.example.json").read_text())["events"][n])


LIKE, COMMENT, MENTION, FOLLOW, IDENTIFY = (_example_event(n) for n in (0, 3, 4, 5, 7))
ERASE = {"type": "erase", "id": "e-1", "contact_id": "003A", "occurred_at": LIKE["occurred_at"]}


def _without(event: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in names}


# (case, event, accepted): what a sender's own JSON Schema validator must tell them.
DOCUMENTS: list[tuple[str, dict[str, Any], bool]] = [
    ("like with its post's author and time", LIKE, True),
    ("like without its post", _without(LIKE, "target_permalink", "target_author_id"), False),
    ("post's author without the post", {**FOLLOW, "target_author_id": "1"}, False),
    ("post's time without the post", {**FOLLOW, "target_created_at": LIKE["occurred_at"]}, False),
    ("follow without the account", _without(FOLLOW, "target_user_id"), False),
    (
        "mention of an account",
        {**_without(MENTION, "target_permalink"), "target_user_id": "9"},
        True,
    ),
    ("mention of nothing", _without(MENTION, "target_permalink"), False),
    (
        "like with a post of its own",
        {**LIKE, "interaction_permalink": COMMENT["target_permalink"]},
        False,
    ),
    ("comment with its own post", COMMENT, True),
    ("unknown kind", {**LIKE, "kind": "bookmark"}, False),
    ("unknown network", {**LIKE, "network": "myspace"}, False),
    ("a handle for an id", {**LIKE, "actor_id": "@zoe pm"}, False),
    ("21 tags", {**LIKE, "tags": [f"t{n}" for n in range(21)]}, False),
    ("post text, dropped", {**COMMENT, "text": "we are evaluating vendors"}, True),
    ("identify without consent", _without(IDENTIFY, "consent_basis"), False),
    ("erase by contact", ERASE, True),
    ("erase naming nobody", _without(ERASE, "contact_id"), False),
    ("erase naming two", {**ERASE, "network": "x", "network_user_id": "1"}, False),
]


def _pydantic_accepts(document: dict[str, Any]) -> bool:
    try:
        SmmsWebhook.model_validate(document)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("event", "accepted"), [(e, a) for _, e, a in DOCUMENTS], ids=[c for c, _, _ in DOCUMENTS]
)
def test_the_published_schema_accepts_and_refuses_what_the_api_does(
    event: dict[str, Any], accepted: bool
) -> None:
    schema = json.loads((SCHEMA_DIR / "smms-webhook.schema.json").read_text())
    validator = Draft202012Validator(schema)
    document = {"events": [event]}
    assert _pydantic_accepts(document) is accepted
    assert validator.is_valid(document) is accepted, [
        e.message for e in validator.iter_errors(document)
    ]


@pytest.mark.parametrize("count", [0, 101])
def test_the_published_schema_bounds_the_batch_as_the_api_does(count: int) -> None:
    schema = json.loads((SCHEMA_DIR / "smms-webhook.schema.json").read_text())
    document = {"events": [LIKE] * count}
    assert not _pydantic_accepts(document)
    assert not Draft202012Validator(schema).is_valid(document)
