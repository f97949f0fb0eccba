"""`crm-setup marketo`: create what the Marketo adapter writes to, once, idempotently.

The custom lead fields (`marketo_schema.LEAD_FIELDS`), then the `socialscoreInteraction` custom
activity type with its attributes, approved (a type is created as a draft, and activities can be
added only to an approved one: experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/
lead-database/activities, "Create type"). What exists is read first and left as it is, so a second
run creates nothing and an upgrade that adds a field or an attribute creates just that (and
approves the type again). Lead fields cannot be deleted once created, only hidden (.../leads,
"Create Fields"): setup only ever adds.

At most 7 calls, through the adapter's client (paced, within the daily budget, 606/615 waited
on, 607 and a refused token stopping setup): fields read, fields created, types read, type
created, draft described, attributes created, type approved. Every step is tried whatever an
earlier one answered, and the report names what was created and what Marketo refused, with its
code (603: the API user's role lacks the Read-Write Schema permissions).
"""

from __future__ import annotations

import os
from typing import Any

from socialscore.crm import marketo_schema as ms
from socialscore.crm.base import CrmStopped
from socialscore.crm.marketo import MarketoCrm
from socialscore.crm.marketo_http import MarketoApi, codes
from socialscore.crm.marketo_write import skipped_code
from socialscore_local.hubspot_setup import SetupReport, SetupStopped

FIELDS = "/rest/v1/leads/schema/fields.json"
TYPES = "/rest/v1/activities/external/types.json"
CREATE_TYPE = "/rest/v1/activities/external/type.json"
TYPE = f"/rest/v1/activities/external/type/{ms.ACTIVITY_TYPE}"


def setup(crm: MarketoCrm) -> SetupReport:
    api = crm.api
    report = SetupReport()
    try:
        _fields(api, report)
        _activity_type(api, report)
    except CrmStopped as stopped:
        raise SetupStopped(
            f"Marketo stopped setup ({stopped.reason}): check the endpoint, the custom "
            "service's client id and secret and the instance's API quota, then run again"
        ) from None
    return report


def _fields(api: MarketoApi, report: SetupReport) -> None:
    existing: set[str] = set()
    token = ""
    while True:  # paged: 300 fields a page
        answer = api.call("GET", FIELDS + (f"?nextPageToken={token}" if token else ""))
        if codes(answer):
            report.failed.append(f"lead fields (read): Marketo {codes(answer)[0]}")
            return
        document = answer.document if isinstance(answer.document, dict) else {}
        existing |= {
            str(f.get("name")) for f in document.get("result") or [] if isinstance(f, dict)
        }
        token = str(document.get("nextPageToken") or "")
        if not document.get("moreResult") or not token:
            break
    missing = [f for f in ms.LEAD_FIELDS if f.name not in existing]
    if not missing:
        return
    answer = api.call("POST", FIELDS, {"input": [f.lead_field() for f in missing]})
    if codes(answer):
        report.failed += [f"lead field {f.name}: Marketo {codes(answer)[0]}" for f in missing]
        return
    results = _results(answer)
    for n, spec in enumerate(missing):
        result = results[n] if n < len(results) else {}
        if result.get("status") == "created":
            report.created.append(f"lead field {spec.name}")
        else:
            report.failed.append(f"lead field {spec.name}: Marketo {skipped_code(result)}")


def _activity_type(api: MarketoApi, report: SetupReport) -> None:
    what = f"activity type {ms.ACTIVITY_TYPE}"
    listed = api.call("GET", TYPES)
    if codes(listed):
        report.failed.append(f"{what} (read): Marketo {codes(listed)[0]}")
        return
    found = [t for t in _results(listed) if t.get("apiName") == ms.ACTIVITY_TYPE]
    pending = not found or found[0].get("status") != "approved"
    if not found:
        created = api.call("POST", CREATE_TYPE, ms.activity_type())
        result = (_results(created) or [{}])[0]
        if codes(created) or result.get("status") == "skipped":
            why = codes(created)[0] if codes(created) else skipped_code(result)
            report.failed.append(f"{what}: Marketo {why}")  # 1027: the 10 types are taken
            return
        report.created.append(what)
    draft = api.call("GET", f"{TYPE}/describe.json?draft=true")
    has = {str(a.get("apiName")) for t in _results(draft) for a in t.get("attributes") or []}
    missing = [a for a in ms.ATTRIBUTES if a.name not in has]
    if missing:
        body = {"attributes": [a.attribute() for a in missing]}
        added = api.call("POST", f"{TYPE}/attributes/create.json", body)
        if codes(added):
            report.failed.append(f"attributes of {what}: Marketo {codes(added)[0]}")
            return
        report.created += [f"attribute {ms.ACTIVITY_TYPE}.{a.name}" for a in missing]
    if pending or missing:
        approved = api.call("POST", f"{TYPE}/approve.json")
        if codes(approved):
            report.failed.append(f"approval of {what}: Marketo {codes(approved)[0]}")
        else:
            report.created.append(f"approval of {what}")


def _results(answer: Any) -> list[dict[str, Any]]:
    document = answer.document if isinstance(answer.document, dict) else {}
    return [r for r in document.get("result") or [] if isinstance(r, dict)]


def run(endpoint: str | None, client_id: str | None, secret_variable: str | None) -> None:
    """`crm-setup marketo`: prints what it created; exits 1 when Marketo refused a step."""
    secret = os.environ.get(secret_variable or "", "")
    if not (endpoint and client_id and secret):
        raise SystemExit(
            "crm-setup marketo needs --endpoint, --client-id and --client-secret-from-env "
            "naming a set variable (Admin > LaunchPoint > the custom service > View Details)"
        )
    credentials = {"endpoint": endpoint, "client_id": client_id, "client_secret": secret}
    try:
        report = setup(MarketoCrm(lambda refresh: credentials))
    except SetupStopped as err:
        raise SystemExit(f"crm-setup: {' '.join(str(err).split())}") from None
    print(report.text())
    if report.failed:
        raise SystemExit(f"Marketo refused {len(report.failed)} of the setup's steps (above)")
