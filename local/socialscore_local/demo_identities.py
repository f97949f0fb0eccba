"""The demo's last act, against a CRM's stub: a marketer fills in contacts' social fields in the
CRM (HubSpot's Twitter Username, or a Salesforce org's own Twitter_Handle__c), and the next
crm_sync run links them to their X accounts through X's user lookup (a local stub of the X API):
anonymous profiles become known contacts, and one doubtful match waits for review. It prints
the identity coverage of the demo's period before and after, and the X calls it took."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialscore.domain.coverage import Coverage, coverage
from socialscore.report.period import DEFAULT_PERIOD, Period
from socialscore.store.identity_review import IdentityReview
from socialscore.wiring.reads import Stores
from socialscore_local.runtime import LocalRuntime

# Contacts the marketer fills in, as the demo spells them (the CRM's ids are made with `ids`):
# three new contacts naming the demo's most active anonymous X profiles, and one naming the
# account an identify event linked to another contact already (doubtful: it waits for review).
FIELDS = {
    "003A000101": ("@Prospect_Ada", "2507953681"),
    "003A000102": ("https://x.com/prospect_bo", "279676599"),
    "003A000103": ("twitter.com/Prospect_Cy/status/1", "1147122202"),
}
DOUBTFUL = ("003A000104", "x.com/known_dee")  # names the account of the demo's first identify
KNOWN = "known_dee"


@dataclass
class FieldWriter:
    """How the demo writes a contact's social field in the CRM's stub, and which field it is."""

    field: str
    write: Callable[[str, str], object]  # (the CRM's contact id, the field's value)
    environment: dict[str, str]  # crm_sync's variables to read it
    score: Callable[[str], object]  # the contact's organic score as the CRM shows it


def first_identified(deliveries: list[dict[str, Any]]) -> str:
    """The X user id the demo's first identify event links."""
    events = (e for d in deliveries for e in d["body"]["events"])
    return str(next(e["network_user_id"] for e in events if e.get("type") == "identify"))


def epilogue(
    rt: LocalRuntime,
    writer: FieldWriter,
    ids: Callable[[str], str],
    known: str,
    sync: Callable[[LocalRuntime], object],
    as_of: datetime,
) -> str:
    """`known`: the X user id of an account an identify event linked to a contact."""
    from tests.stubs.x_api_stub import XApiStub  # the X API's stub (a development tool)

    period = Period(as_of, DEFAULT_PERIOD)
    before = _coverage(rt, period)
    with XApiStub() as x:
        x.accounts = {_name(v): i for v, i in FIELDS.values()} | {KNOWN: known}
        secrets = rt.client("secretsmanager")
        arn = rt.physical["XApiCredentials"]["Ref"]
        secrets.put_secret_value(SecretId=arn, SecretString=x.token)
        rt.local_environment |= writer.environment | {
            "X_API_SECRET_ARN": arn,
            "X_API_BASE_URL": x.url,
        }
        for contact, (value, _) in FIELDS.items():
            writer.write(ids(contact), value)
        writer.write(ids(DOUBTFUL[0]), DOUBTFUL[1])
        sync(rt)
        calls = x.calls
    after = _coverage(rt, period)
    linked = Stores(rt.table).identities.contacts_of([f"x#{i}" for _, i in FIELDS.values()])
    waiting = [
        e.review
        for e in IdentityReview(rt.table("SyncStateTable")).entries().values()
        if e.status.value == "pending"
    ]
    usernames = len(FIELDS) + 1
    lines = [
        f"The CRM's own social fields ({writer.field}), read by the next crm_sync run:",
        *(
            f"  {c} linked to {i} (basis crm_record): organic score {writer.score(c)} pushed"
            for i, c in sorted(linked.items())
        ),
        *(
            f"  waiting for review ({r.doubt.value}): {r.identity} named by {r.contact_id}, "
            f"linked to {r.linked_to}"
            for r in waiting
        ),
        f"  X user lookups: {calls} call(s) for {usernames} usernames "
        f"(bound: ceil({usernames}/100) = {math.ceil(usernames / 100)})",
        f"  Identity coverage, {period.label}, organic points from known contacts:",
        f"    before {_share(before)}, after {_share(after)}",
    ]
    return "\n".join(lines)


def _name(value: str) -> str:
    return value.rstrip("/").split("/status")[0].rsplit("/", 1)[-1].lstrip("@").lower()


def _coverage(rt: LocalRuntime, period: Period) -> Coverage | None:
    stores = Stores(rt.table)
    touches = [t for t in stores.ledger.every_touch() if period.holds(t.occurred_at)]
    linked = {i for ids in stores.identities.all_contacts().values() for i in ids}
    rows = coverage(touches, linked)
    return rows[0] if rows else None


def _share(row: Coverage | None) -> str:
    if row is None:
        return "-"
    points, touches = row.point_share * 100, row.touch_share * 100
    return f"{points:.1f} % ({touches:.1f} % of touches)"
