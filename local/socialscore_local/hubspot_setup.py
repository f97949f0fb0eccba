"""`crm-setup hubspot`: create what the HubSpot adapter writes to, once, idempotently.

The `socialscore` property group and its properties on contacts, deals, tasks and tickets, then
the `socialscore_influence` custom object that holds the influence breakdown. Whatever exists
already is left as it is (HubSpot answers 409), so a second run creates nothing and an upgrade
that adds a property creates just that one. The one exception is `socialscore_buckets`, whose
options are the scoring model's buckets: HubSpot refuses a value it has no option for, so when
the model has a bucket the property lacks, setup adds the option (a PATCH of the property, the
options it had kept: a contact may still hold one). Run it again after adding a bucket.

Every step is tried, whatever an earlier one answered: the report names each thing created and
each HubSpot refused, with HubSpot's status and category (a scope missing, say), so one refusal
never leaves the rest undone. An answer no step can get past (HubSpot unreachable, the token
missing or refused) stops setup at once, with one line saying why (SetupStopped).

Custom objects need an Enterprise subscription. `custom_object=None` (the default) tries and,
when the account refuses (403), notes it as skipped: the headline still lands on deals, the
breakdown records fail until the object exists. True counts the refusal as a failure; False
skips it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from socialscore.crm import hubspot_schema as hs
from socialscore.crm.base import CrmStopped
from socialscore.crm.hubspot import HubSpotCrm
from socialscore.crm.hubspot_http import Answer, HubSpotApi
from socialscore.domain import scoring_model
from socialscore.domain.scoring_model import ScoringModel

log = logging.getLogger(__name__)

# The path HubSpot's OpenAPI document of the schemas API names (api.hubspot.com/api-catalog-public,
# "CRM Schemas v3").
SCHEMAS = "/crm-object-schemas/v3/schemas"
CREATED, EXISTS = "created", "exists"


# What no later step can get past: HubSpot not reached at all (no connection, after the
# client's retries), the token missing or refused. Setup stops at the first, in one line,
# instead of trying every step for the same answer. An HTTP 5xx is an answer: HubSpot is there,
# and that step alone failed (reported; the next step is tried).
STOPS = ("unauthorized", "no_token")
UNREACHED, FAILED_ANSWER = "unavailable_", "unavailable_http_"


class SetupStopped(Exception):
    """Nothing more can be created: why, in one line for the person running crm-setup."""


@dataclass
class SetupReport:
    created: list[str] = field(default_factory=list)  # e.g. "property contacts.<name>"
    failed: list[str] = field(default_factory=list)  # "<what>: HTTP <status> <category>"
    skipped: list[str] = field(default_factory=list)  # the custom object, without Enterprise

    def text(self) -> str:
        lines = [f"created {name}" for name in self.created]
        lines += [f"could not create {why}" for why in self.failed]
        lines += [f"skipped {why}" for why in self.skipped]
        return "\n".join(lines) or "nothing to create: already set up"


def setup(
    crm_or_client: HubSpotCrm | HubSpotApi,
    *,
    custom_object: bool | None = None,
    model: ScoringModel | None = None,
) -> SetupReport:
    """Create the group, properties and custom object, and the options of the buckets of
    `model` (default: the bundled one); what was created, refused or skipped."""
    api = crm_or_client.api if isinstance(crm_or_client, HubSpotCrm) else crm_or_client
    report = SetupReport()
    for object_type, properties in hs.PROPERTIES.items():
        group = {"name": hs.GROUP, "label": hs.GROUP_LABEL, "displayOrder": -1}
        _note(
            report, f"group {object_type}.{hs.GROUP}", _create(api, f"{object_type}/groups", group)
        )
        for prop in properties:
            what = f"property {object_type}.{prop.name}"
            _note(report, what, _create(api, object_type, prop.definition()))
    _buckets(api, hs.buckets(model or scoring_model.bundled()), report)
    if custom_object is not False:
        _influence_object(api, report, required=bool(custom_object))
    return report


def _note(report: SetupReport, what: str, outcome: str) -> None:
    if outcome == CREATED:
        report.created.append(what)
    elif outcome != EXISTS:
        report.failed.append(f"{what}: {outcome}")
        log.warning("HubSpot refused %s: %s", what, outcome)


def _create(api: HubSpotApi, path: str, body: dict[str, Any]) -> str:
    """CREATED, EXISTS (HubSpot answers 409), or why HubSpot refused."""
    answer = _call(api, "POST", f"/crm/v3/properties/{path}", body)
    if isinstance(answer, str):
        return answer
    if answer.status in (200, 201):
        return CREATED
    return EXISTS if answer.status == 409 else _refused(answer)


def _buckets(api: HubSpotApi, prop: hs.Prop, report: SetupReport) -> None:
    """Create the buckets property, or add the options it lacks to the one there."""
    what = f"property contacts.{prop.name}"
    outcome = _create(api, "contacts", prop.definition())
    if outcome != EXISTS:
        _note(report, what, outcome)
        return
    path = f"/crm/v3/properties/contacts/{prop.name}"
    answer = _call(api, "GET", path)
    if isinstance(answer, str) or answer.status != 200 or not isinstance(answer.document, dict):
        report.failed.append(f"options of {what}: {_why(answer)}")
        return
    had = [o for o in answer.document.get("options") or [] if isinstance(o, dict)]
    missing = [(v, label) for v, label in prop.options if v not in {o.get("value") for o in had}]
    if not missing:
        return
    added = hs.options(tuple(missing))
    for n, option in enumerate(added):
        option["displayOrder"] = len(had) + n
    answer = _call(api, "PATCH", path, {"options": had + added})
    names = [f"option contacts.{prop.name}.{v}" for v, _ in missing]
    if not isinstance(answer, str) and answer.status == 200:
        report.created += names
    else:
        report.failed += [f"{name}: {_why(answer)}" for name in names]


def _influence_object(api: HubSpotApi, report: SetupReport, required: bool) -> None:
    what = f"custom object {hs.INFLUENCE_OBJECT}"
    # Looked up first: the schema is keyed by name, and a portal may hold it from an earlier run.
    listed = _call(api, "GET", SCHEMAS)
    schemas = [] if isinstance(listed, str) else _results(listed.document)
    if hs.INFLUENCE_OBJECT in [s.get("name") for s in schemas]:
        _influence_properties(api, report, schemas)
        return
    answer = listed if _forbidden(listed) else _call(api, "POST", SCHEMAS, hs.influence_schema())
    if not isinstance(answer, str) and answer.status in (200, 201):
        report.created.append(what)
    elif not isinstance(answer, str) and answer.status == 409:
        return
    elif _forbidden(answer) and not required:
        report.skipped.append(f"{what}: {_why(answer)} (custom objects need Enterprise)")
        _skip(_why(answer))
    else:
        report.failed.append(f"{what}: {_why(answer)}")


def _influence_properties(
    api: HubSpotApi, report: SetupReport, schemas: list[dict[str, Any]]
) -> None:
    """An object an earlier version made lacks the properties added since (the primary model's
    flag): add those its schema does not list, to the object's own property group."""
    schema = next(s for s in schemas if s.get("name") == hs.INFLUENCE_OBJECT)
    has = {p.get("name") for p in schema.get("properties") or [] if isinstance(p, dict)}
    for prop in hs.INFLUENCE_PROPERTIES:
        if prop.name not in has:
            body = prop.definition(group=hs.INFLUENCE_GROUP)
            outcome = _create(api, hs.INFLUENCE_TYPE, body)
            _note(report, f"property {hs.INFLUENCE_OBJECT}.{prop.name}", outcome)


def _call(api: HubSpotApi, method: str, path: str, body: Any = None) -> Answer | str:
    """The answer, or why there is none (HubSpot down, the token refused, the daily limit):
    setup goes on with the next step either way."""
    try:
        return api.call(method, path, body)
    except CrmStopped as stopped:
        unreached = stopped.reason.startswith(UNREACHED) and not stopped.reason.startswith(
            FAILED_ANSWER
        )
        if unreached or stopped.reason.startswith(STOPS):
            raise SetupStopped(_stopped(api, stopped.reason)) from None
        return stopped.reason


def _stopped(api: HubSpotApi, reason: str) -> str:
    if reason.startswith("unavailable_"):
        why = reason.removeprefix("unavailable_")
        return (
            f"HubSpot did not answer at {api.base_url} ({why}): check the network and "
            "--base-url, then run crm-setup again"
        )
    return f"HubSpot refused the token ({reason}): check the private app's token and scopes"


def _forbidden(answer: Answer | str) -> bool:
    return not isinstance(answer, str) and answer.status == 403


def _why(answer: Answer | str) -> str:
    return answer if isinstance(answer, str) else _refused(answer)


def _refused(answer: Answer) -> str:
    return f"HTTP {answer.status} {answer.category}"


def _skip(reason: str) -> None:
    log.warning(
        "custom object %s not created (%s): custom objects need an Enterprise subscription and "
        "the crm.schemas.custom.write scope; influence breakdown records will fail until it exists",
        hs.INFLUENCE_OBJECT,
        reason,
    )


def _results(document: Any) -> list[dict[str, Any]]:
    results = document.get("results") if isinstance(document, dict) else None
    return [r for r in results or [] if isinstance(r, dict)]
