"""What a CRM's local stub is to the demo (`demo --crm NAME`): its crm_sync variables and
credentials, the demo's ids as it spells them, and what landed, read back as the CRM shows it.
Apart from demo_crm (Salesforce, HubSpot) so that each CRM's demo module (demo_marketo) builds
one without importing the others'."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from socialscore_local.demo_identities import FieldWriter
from socialscore_local.runtime import LocalRuntime

Ids = Callable[[str], str]


@dataclass
class StubCrm:
    """A running stub and how the demo talks to it."""

    name: str
    environment: dict[str, str]  # crm_sync's variables for it
    credentials: dict[str, Any]  # what an operator puts in CrmCredentials
    ids: Ids  # the demo's contact and opportunity ids, as this CRM spells them
    landed: Callable[[], dict[str, dict[str, Any]]]  # opportunity headline and breakdown
    breakdown: Callable[[], list[tuple[str, str, str, Decimal]]]  # (opp, model, seller, amount)
    counts: Callable[[], str]  # one line: what the CRM holds
    # the activities on the people's records (demo_activities.summary); "": told in `counts`
    activities: Callable[[], str] = lambda: ""
    fields: FieldWriter | None = None  # a contact's social field written (demo_identities)

    def connect(self, rt: LocalRuntime) -> None:
        secrets = rt.client("secretsmanager")
        arn = rt.physical["CrmCredentials"]["Ref"]
        secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(self.credentials))


def contacts_table(crm: str, names: tuple[str, str, str], held: dict[str, dict[str, Any]]) -> str:
    """The contacts' social fields as the CRM shows them (organic, paid, last organic touch),
    most engaged first."""
    rows = sorted(held.items(), key=lambda kv: (-float(kv[1].get(names[0]) or 0), kv[0]))
    out = [f"Contacts in the {crm} stub: {', '.join(names)}"]
    for contact, fields in rows:
        organic, paid, touch = (fields.get(n) for n in names)
        out.append(
            f"  {contact:<12} {float(organic or 0):>9.2f} {float(paid or 0):>9.2f}  {touch or '-'}"
        )
    return "\n".join(out) + "\n\n"
