"""The opportunities a Salesforce run reads: changed since the checkpoint, themselves or their
contact roles.

An OpportunityContactRole is a record of its own, with its own SystemModstamp and
LastModifiedDate (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunitycontactrole.htm),
and adding one to an opportunity need not stamp the opportunity: read by the opportunity's
stamp alone, a contact added to an open deal would never be credited. So the roles changed
since the checkpoint are read too, and their opportunities with them; each opportunity's
`modified_at` is the latest of its own stamp and its roles', so the checkpoint moves past the
role change and the next run does not read it again.

A role removed from an opportunity is deleted outright (its IsDeleted flag serves only when its
opportunity goes to the Recycle Bin, same page), so no query finds it: the contact's credit
leaves with the opportunity's next change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import TypeAdapter, ValidationError

from socialscore.aws.logs import logger
from socialscore.crm.salesforce_api import SalesforceApi
from socialscore.crm.salesforce_records import (
    chunks_for_soql,
    opportunities_query,
    role_changes_query,
)
from socialscore.domain.opportunity import Opportunity

_MOMENT = TypeAdapter(datetime)


def changed_opportunities(api: SalesforceApi, since: datetime | None) -> list[Opportunity]:
    """Raises Refused or CrmStopped: the caller stops the run."""
    org = api.org_currency()
    rows = api.query(opportunities_query(since, multi_currency=org.multi))
    stamps: dict[str, list[str]] = {}  # opportunity -> its roles' stamps seen changed
    if since is not None:  # with no checkpoint every opportunity is read already
        for role in api.query(role_changes_query(since)):
            if role.get("OpportunityId"):
                stamps.setdefault(str(role["OpportunityId"]), []).append(role["SystemModstamp"])
        read = {str(r.get("Id")) for r in rows}
        for chunk in chunks_for_soql([o for o in stamps if o not in read]):
            rows += api.query(opportunities_query(None, multi_currency=org.multi, ids=chunk))
    found = []
    for row in rows:
        roles = (row.get("OpportunityContactRoles") or {}).get("records") or []
        contacts = [str(r["ContactId"]) for r in roles if r.get("ContactId")]
        seen = [row.get("SystemModstamp"), *stamps.get(str(row.get("Id")), [])]
        seen += [r.get("SystemModstamp") for r in roles]
        opp = opportunity(row | {"SystemModstamp": _latest(seen)}, contacts, org.default)
        if opp is None:
            logger().warning(
                "Salesforce opportunity skipped: no currency, or an amount below zero",
                extra={"opportunity_id": row.get("Id")},
            )
        else:
            found.append(opp)
    return found


def _latest(stamps: list[Any]) -> Any:
    """The latest of Salesforce's stamps (2026-11-20T10:00:00.000+0000); an unreadable one is
    left to `opportunity`, which skips the row."""
    try:
        return max((_MOMENT.validate_python(s) for s in stamps if s), default=None)
    except ValidationError:
        return stamps[0]


def opportunity(
    row: Mapping[str, Any], contact_ids: list[str], currency: str | None
) -> Opportunity | None:
    """The domain opportunity of a query row; None when Salesforce holds what the domain cannot
    take (a negative amount, no currency): the caller logs its id and goes on."""
    try:
        # Opportunity rounds it to its currency's minor unit by the one rule (domain.money).
        amount = Decimal(str(row.get("Amount") or 0))
        return Opportunity(
            id=row["Id"],
            contact_ids=list(dict.fromkeys(contact_ids)),
            amount=amount,
            currency=row.get("CurrencyIsoCode") or currency or "",
            created_at=row["CreatedDate"],
            modified_at=row["SystemModstamp"],
            stage=row.get("StageName") or "",
        )
    except (ValidationError, InvalidOperation, KeyError, TypeError):
        return None
