"""The demo against the Marketo stub (`demo --crm marketo`): the demo's contacts as leads (their
ids as numbers, as Marketo's are), `crm-setup marketo` run on it, crm_sync's real adapter pointed
at it, and what landed read back from it: the leads' socialscore fields and their activities.

Marketo holds no opportunities (the CRM is their system of record), so no influence lands in it:
the demo's opportunity sections stay empty with `--crm marketo`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from socialscore.crm import marketo_schema as ms
from socialscore.crm.marketo import MarketoCrm
from socialscore_local import demo_activities
from socialscore_local.crm_stubs.marketo import MarketoStub, WallClock
from socialscore_local.demo_stub_crm import StubCrm, contacts_table
from socialscore_local.marketo_setup import setup


def lead_id(demo_id: str) -> str:
    """A Marketo lead id is a number: 003A000001 -> 3000001."""
    return str(int("".join(ch for ch in demo_id if ch.isdigit())))


@contextmanager
def marketo(contacts: list[str]) -> Iterator[StubCrm]:
    with MarketoStub(clock=WallClock()) as stub:
        stub.seed_leads(int(lead_id(c)) for c in contacts)
        setup(MarketoCrm(lambda refresh: stub.credentials))

        def counts() -> str:
            held = {lead_id(c): stub.lead(int(lead_id(c))) or {} for c in contacts}
            names = (ms.ORGANIC_SCORE, ms.PAID_SCORE, ms.LAST_ORGANIC_TOUCH)
            scored = [c for c, fields in held.items() if fields.get(ms.ORGANIC_SCORE)]
            hot = [c for c, fields in held.items() if fields.get(ms.HOT_LEAD)]
            complained = [c for c, fields in held.items() if fields.get(ms.COMPLAINT_AT)]
            return contacts_table("Marketo", names, held) + (
                f"Marketo stub: {len(scored)} leads with {ms.ORGANIC_SCORE}, "
                f"{len(hot)} with {ms.HOT_LEAD} true, {len(complained)} with "
                f"{ms.COMPLAINT_AT}; {len(stub.calls)} REST calls, "
                f"{stub.token_requests} token request{'' if stub.token_requests == 1 else 's'}"
            )

        def activities() -> str:
            """As the lead's activity log shows them: its summary, the primary attribute."""
            return demo_activities.summary(
                f"Marketo stub, {ms.ACTIVITY_TYPE} custom activities",
                ((str(a["leadId"]), str(a["primaryAttributeValue"])) for a in stub.activities()),
            )

        yield StubCrm(
            "marketo",
            {"CRM_ADAPTER": "marketo"},
            stub.credentials,
            lead_id,
            dict,
            list,
            counts,
            activities=activities,
        )
