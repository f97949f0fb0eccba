"""`crm-setup hubspot`: create what the HubSpot adapter writes to, once, idempotently.

The `socialscore` property group and its properties on contacts, deals and tasks, then the
`socialscore_influence` custom object that holds the influence breakdown. Whatever exists already
is left as it is (HubSpot answers 409), so a second run creates nothing and an upgrade that
adds a property creates just that one. The one exception is `socialscore_buckets`, whose options
are the scoring model's buckets: HubSpot refuses a value it has no option for, so when the model
has a bucket the property lacks, setup adds the option (a PATCH of the property, the options it
had kept: a contact may still hold one). Run it again after adding a bucket to the model.

Custom objects need an Enterprise subscription. `custom_object=None` (the default) tries and,
when the account refuses (403), carries on without it: the headline still lands on deals, the
breakdown records fail until the object exists. True makes the refusal an error; False skips it.
"""

from __future__ import annotations

import logging
from typing import Any

from socialscore.crm import hubspot_schema as hs
from socialscore.crm.hubspot import HubSpotCrm
from socialscore.crm.hubspot_http import HubSpotApi
from socialscore.domain import scoring_model
from socialscore.domain.scoring_model import ScoringModel

log = logging.getLogger(__name__)

SCHEMAS = "/crm/v3/schemas"


class HubSpotSetupError(RuntimeError):
    """HubSpot refused to create something setup needs (a scope missing, say)."""


def setup(
    crm_or_client: HubSpotCrm | HubSpotApi,
    *,
    custom_object: bool | None = None,
    model: ScoringModel | None = None,
) -> list[str]:
    """Create the group, properties and custom object, and the options of the buckets of
    `model` (default: the bundled one); the names of those it created."""
    api = crm_or_client.api if isinstance(crm_or_client, HubSpotCrm) else crm_or_client
    created: list[str] = []
    for object_type, properties in hs.PROPERTIES.items():
        group = {"name": hs.GROUP, "label": hs.GROUP_LABEL, "displayOrder": -1}
        if _create(api, f"/crm/v3/properties/{object_type}/groups", group):
            created.append(f"group {object_type}.{hs.GROUP}")
        for prop in properties:
            if _create(api, f"/crm/v3/properties/{object_type}", prop.definition()):
                created.append(f"property {object_type}.{prop.name}")
    created += _buckets(api, hs.buckets(model or scoring_model.bundled()))
    if custom_object is not False and _influence_object(api, required=bool(custom_object)):
        created.append(f"custom object {hs.INFLUENCE_OBJECT}")
    return created


def _influence_object(api: HubSpotApi, required: bool) -> bool:
    # Looked up first: the schema is keyed by name, and a portal may hold it from an earlier run.
    listed = api.call("GET", SCHEMAS)
    if listed.status == 200 and any(
        schema.get("name") == hs.INFLUENCE_OBJECT for schema in _results(listed.document)
    ):
        return False
    if listed.status == 403 and not required:
        _skip(listed.category)
        return False
    answer = api.call("POST", SCHEMAS, hs.influence_schema())
    if answer.status in (200, 201):
        return True
    if answer.status == 409:
        return False
    if answer.status == 403 and not required:
        _skip(answer.category)
        return False
    raise HubSpotSetupError(
        f"creating the {hs.INFLUENCE_OBJECT} custom object: HTTP {answer.status} {answer.category}"
    )


def _buckets(api: HubSpotApi, prop: hs.Prop) -> list[str]:
    """Create the buckets property, or add the options it lacks to the one there."""
    path = "/crm/v3/properties/contacts"
    if _create(api, path, prop.definition()):
        return [f"property contacts.{prop.name}"]
    answer = api.call("GET", f"{path}/{prop.name}")
    if answer.status != 200 or not isinstance(answer.document, dict):
        raise HubSpotSetupError(f"GET {path}/{prop.name}: HTTP {answer.status} {answer.category}")
    had = [o for o in answer.document.get("options") or [] if isinstance(o, dict)]
    missing = [(v, label) for v, label in prop.options if v not in {o.get("value") for o in had}]
    if not missing:
        return []
    added = hs.options(tuple(missing))
    for n, option in enumerate(added):
        option["displayOrder"] = len(had) + n
    answer = api.call("PATCH", f"{path}/{prop.name}", {"options": had + added})
    if answer.status != 200:
        raise HubSpotSetupError(f"PATCH {path}/{prop.name}: HTTP {answer.status} {answer.category}")
    return [f"option contacts.{prop.name}.{v}" for v, _ in missing]


def _create(api: HubSpotApi, path: str, body: dict[str, Any]) -> bool:
    """True when created, False when it existed (409)."""
    answer = api.call("POST", path, body)
    if answer.status in (200, 201):
        return True
    if answer.status == 409:
        return False
    raise HubSpotSetupError(f"POST {path} {body['name']}: HTTP {answer.status} {answer.category}")


def _skip(category: str) -> None:
    log.warning(
        "custom object %s not created (%s): custom objects need an Enterprise subscription and "
        "the crm.schemas.custom.write scope; influence breakdown records will fail until it exists",
        hs.INFLUENCE_OBJECT,
        category,
    )


def _results(document: Any) -> list[dict[str, Any]]:
    results = document.get("results") if isinstance(document, dict) else None
    return [r for r in results or [] if isinstance(r, dict)]
