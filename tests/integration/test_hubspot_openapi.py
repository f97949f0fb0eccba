"""Every request the HubSpot adapter and `crm-setup hubspot` send, checked against HubSpot's own
OpenAPI documents (vendored in tests/hubspot_openapi/, see its SOURCE.md): the endpoint exists
with that method, and the JSON body is valid for its request schema, with no field HubSpot's
document does not name (strict: every object schema closed).

Errata, where HubSpot's document and HubSpot's API disagree (applied here, the vendored files
kept as published):
- `PublicObjectSearchRequest.sorts` is typed as strings, while the API takes (and its search
  guide, developers.hubspot.com/docs/api/crm/search, shows) objects {propertyName, direction};
  HubSpot's own SDK tracks it: github.com/HubSpot/hubspot-api-python/issues/236.
- An object type is addressed by name or by id: the deals document names deals `0-3`
  (developers.hubspot.com/docs/api/crm/understanding-the-crm, "Object type IDs").
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from socialscore.crm.base import Push
from socialscore.crm.hubspot import HubSpotCrm
from socialscore.domain.opportunity import InfluenceRecord, OpportunityInfluence
from socialscore.domain.scoring_model import BucketRule, bundled
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.hubspot_setup import setup
from tests.integration.test_hubspot import Sleeps, deals, score
from tests.integration.test_hubspot_faults import PUSH, complaint, hot

DOCUMENTS = Path(__file__).parents[1] / "hubspot_openapi"
OBJECT_IDS = {"deals": "0-3"}
SORT = {
    "type": "object",
    "required": ["propertyName"],
    "properties": {
        "propertyName": {"type": "string"},
        "direction": {"type": "string", "enum": ["ASCENDING", "DESCENDING"]},
    },
}


@cache
def operations() -> list[tuple[str, re.Pattern[str], str, dict[str, Any], dict[str, Any]]]:
    """(method, path pattern, path template, operation, its document), fixed paths first."""
    found = []
    for file in sorted(DOCUMENTS.glob("*.json")):
        document = json.loads(file.read_text())
        request = document.get("components", {}).get("schemas", {})
        if "PublicObjectSearchRequest" in request:
            request["PublicObjectSearchRequest"]["properties"]["sorts"]["items"] = SORT
        for template, methods in document["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
            for method, operation in methods.items():
                if method in ("get", "post", "patch", "put", "delete"):
                    found.append((method.upper(), pattern, template, operation, document))
    return sorted(found, key=lambda o: o[2].count("{"))


def operation(method: str, path: str) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    path = path.split("?", 1)[0]
    for name, object_id in OBJECT_IDS.items():
        path = path.replace(f"/objects/{name}/", f"/objects/{object_id}/")
    for verb, pattern, template, found, document in operations():
        if verb == method and pattern.match(path):
            return template, found, document
    return None


def closed(schema: Any, document: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """`schema` with its $refs inlined and every object closed to the fields it names."""
    if isinstance(schema, list):
        return [closed(s, document, seen) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if ref := schema.get("$ref"):
        if ref in seen:
            return {}
        target: Any = document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        return closed(target, document, (*seen, ref))
    inlined = {k: closed(v, document, seen) for k, v in schema.items() if k != "example"}
    if "properties" in inlined and "additionalProperties" not in inlined:
        inlined["additionalProperties"] = False
    return inlined


def violations(method: str, path: str, body: Any) -> list[str]:
    # Imported when checking, not at collection: every xdist worker collects every file, and
    # the validator (jsonschema, pydantic-settings) took each of them 0.26 s.
    from openapi_schema_validator import OAS30Validator

    found = operation(method, path)
    if found is None:
        return [f"{method} {path}: no such operation in HubSpot's documents"]
    template, op, document = found
    if body is None:
        return []
    content = (op.get("requestBody") or {}).get("content") or {}
    if "application/json" not in content:
        return [f"{method} {template}: HubSpot's document takes no JSON body"]
    schema = closed(copy.deepcopy(content["application/json"]["schema"]), document)
    return [
        f"{method} {template}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in OAS30Validator(schema).iter_errors(body)
    ]


@pytest.fixture
def stub() -> Iterator[HubSpotStub]:
    with HubSpotStub() as s:
        yield s


def test_every_request_the_adapter_and_setup_send_is_valid_for_hubspots_openapi_documents(
    stub: HubSpotStub,
) -> None:
    adapter = HubSpotCrm(lambda refresh: stub.token, stub.url, sleep=Sleeps(), gdpr_delete=True)
    setup(adapter)
    model = bundled()
    extra = BucketRule(name="churn_risk", label="Churn", otherwise=False, all=model.buckets[0].all)
    setup(adapter, model=model.model_copy(update={"buckets": [*model.buckets, extra]}))
    stub.seed(
        deals=deals(3) + deals(1, first=2000, currency=None),
        contacts=[{"id": "7000", "owner": "31"}, {"id": "7001"}, {"id": "7002"}],
    )
    task = stub.store.put("tasks", None, {"hs_task_subject": "call back"})
    stub.store.link("tasks", task, "contacts", "7000")

    adapter.changed_opportunities(None)
    adapter.changed_opportunities(datetime(2026, 11, 1, 9, tzinfo=UTC) + timedelta(seconds=1))
    record = InfluenceRecord(
        key="1000#linear#s-ana",
        opportunity_id="1000",
        model="linear",
        seller_id="s-ana",
        team="t",
        network="x",
        amount=Decimal("10.00"),
        currency="EUR",
        touches=1,
    )
    headline = OpportunityInfluence(
        opportunity_id="1000",
        currency="EUR",
        attributed_amount=Decimal("10.00"),
        attribution_model="linear",
        touches=1,
        by_seller={},
        by_post={},
        by_network={},
    )
    adapter.push(Push(records=[record]))
    outcome = adapter.push(
        Push(
            scores=[*PUSH.scores, score("7002")],
            influences=[headline],
            retired=["1000#linear#s-ana"],
            erased=["7002"],
            hot_leads=[*PUSH.hot_leads, hot("x#3", "7000")],
            complaints=[*PUSH.complaints, complaint("complaint#x#4004#i#c", "7000")],
        )
    )

    assert outcome.failed == {}
    problems = [p for c in stub.calls for p in violations(c.method, c.path, c.body)]
    assert problems == []
    used = {(c.method, str((operation(c.method, c.path) or ("?",))[0])) for c in stub.calls}
    assert used == {
        ("GET", "/account-info/v3/details"),
        ("GET", "/crm-object-schemas/v3/schemas"),
        ("POST", "/crm-object-schemas/v3/schemas"),
        ("POST", "/crm/v3/properties/{objectType}"),
        ("POST", "/crm/v3/properties/{objectType}/groups"),
        ("GET", "/crm/v3/properties/{objectType}/{propertyName}"),
        ("PATCH", "/crm/v3/properties/{objectType}/{propertyName}"),
        ("POST", "/crm/v3/objects/0-3/search"),
        ("POST", "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read"),
        ("POST", "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/associate/default"),
        ("POST", "/crm/v3/objects/contacts/batch/read"),
        ("POST", "/crm/v3/objects/contacts/batch/update"),
        ("POST", "/crm/v3/objects/contacts/gdpr-delete"),
        ("POST", "/crm/v3/objects/0-3/batch/update"),
        ("POST", "/crm/v3/objects/{objectType}/batch/upsert"),
        ("POST", "/crm/v3/objects/{objectType}/batch/read"),
        ("POST", "/crm/v3/objects/{objectType}/batch/archive"),
        ("POST", "/crm/v3/objects/tasks/batch/read"),
        ("POST", "/crm/v3/objects/tasks/batch/create"),
        ("POST", "/crm/v3/objects/tickets/batch/read"),
        ("POST", "/crm/v3/objects/tickets/batch/create"),
    }


def test_the_check_refuses_what_hubspots_documents_refuse() -> None:
    search = "/crm/v3/objects/deals/search"
    good = {"filterGroups": [], "sorts": [], "properties": [], "limit": 1, "after": "0"}
    assert violations("POST", search, good) == []
    assert violations("POST", search, good | {"limits": 1}) != []  # a field it does not name
    assert violations("POST", search, {k: v for k, v in good.items() if k != "after"}) != []
    assert violations("POST", search, good | {"sorts": [{"propertyName": 1}]}) != []
    assert violations("POST", "/crm/v3/objects/deals/batch/upsertt", good) != []
    assert violations("GET", "/crm/v3/objects/deals/batch/read", None) != []  # a POST
    task = {"properties": {"hs_task_subject": "x"}, "associations": []}
    assert violations("POST", "/crm/v3/objects/tasks/batch/create", {"inputs": [task]}) == []
    assert violations("POST", "/crm/v3/objects/tasks/batch/create", {"inputs": [{}]}) != []
    group = {"name": "socialscore", "label": "socialscore", "displayOrder": "first"}
    assert violations("POST", "/crm/v3/properties/contacts/groups", group) != []
