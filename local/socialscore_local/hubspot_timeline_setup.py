"""`crm-setup hubspot --app-id N --developer-key-from-env VAR`: the socialscore public app's two
timeline event templates (socialscore.crm.hubspot_timeline), once, idempotently.

Event templates belong to an app and are managed with the app's developer API key (`hapikey`),
not a portal's token: `POST /integrators/timeline/v3/{appId}/event-templates`
(developers.hubspot.com/docs/api-reference/crm-timeline-v3/templates/post-integrators-timeline-v3-appId-event-templates),
an app holding at most 750 (developers.hubspot.com/docs/api/crm/timeline). The app's templates
are listed first (`GET` on the same path) and one already there by name is kept, so a second run
creates nothing. The report names both templates' ids: they go in the CRM secret's `timeline`
object (README, HubSpot activities).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from socialscore.crm.hubspot_http import HubSpotApi
from socialscore.crm.hubspot_timeline import ACTIVITY_TEMPLATE, WITHDRAWN_TEMPLATE
from socialscore_local.hubspot_setup import SetupReport, _call, _why


def setup_timeline(
    api: HubSpotApi, app_id: int, developer_key: str
) -> tuple[SetupReport, dict[str, str]]:
    """Create the templates the app lacks; the report, and the secret's template ids found or
    made (`activity_template`, `withdrawn_template`)."""
    report = SetupReport()
    path = f"/integrators/timeline/v3/{app_id}/event-templates?hapikey={quote(developer_key)}"
    listed = _call(api, "GET", path)
    found: dict[str, str] = {}
    if isinstance(listed, str) or listed.status != 200:
        report.failed.append(f"event templates of app {app_id}: {_why(listed)}")
        return report, found
    results = listed.document.get("results") if isinstance(listed.document, dict) else None
    by_name = {str(t.get("name")): str(t.get("id")) for t in results or [] if isinstance(t, dict)}
    for field, template in (
        ("activity_template", ACTIVITY_TEMPLATE),
        ("withdrawn_template", WITHDRAWN_TEMPLATE),
    ):
        name = str(template["name"])
        if name in by_name:
            found[field] = by_name[name]
            continue
        answer = _call(api, "POST", path, template)
        created: Any = None if isinstance(answer, str) else answer.document
        if (
            not isinstance(answer, str)
            and answer.status in (200, 201)
            and isinstance(created, dict)
        ):
            found[field] = str(created.get("id"))
            report.created.append(f"event template {name!r} (id {found[field]})")
        else:
            report.failed.append(f"event template {name!r}: {_why(answer)}")
    return report, found
