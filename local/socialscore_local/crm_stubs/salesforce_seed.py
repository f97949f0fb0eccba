"""Seeding the Salesforce stub's org, and what people do in Salesforce between two runs: add a
contact role, merge two contacts, delete a record, archive a Task."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from socialscore.domain.opportunity import Opportunity
from socialscore_local.crm_stubs.salesforce_org import Org, stamp


class Seeding:
    org: Org
    users: set[str]
    default_owner: str
    multi_currency: bool
    _lock: threading.RLock

    # --- seeding -------------------------------------------------------------------------
    def add_contact(self, contact_id: str | None = None, owner_id: str | None = None) -> str:
        with self._lock:
            owner = owner_id or self.default_owner
            self.users.add(owner)
            return self.org.insert("Contact", {"LastName": "Stub", "OwnerId": owner}, contact_id)

    def add_opportunity(
        self,
        opportunity_id: str | None = None,
        *,
        amount: Decimal | float | None = 1000,
        currency: str = "USD",
        contacts: Iterable[str] = (),
        created_at: datetime | None = None,
        modified_at: datetime | None = None,
        stage: str = "Prospecting",
    ) -> str:
        with self._lock:
            fields: dict[str, Any] = {
                "Name": f"Opportunity {opportunity_id or ''}".strip(),
                "Amount": None if amount is None else float(amount),
                "StageName": stage,
                "CreatedDate": stamp(created_at),
                "SystemModstamp": stamp(modified_at),
            }
            if self.multi_currency:
                fields["CurrencyIsoCode"] = currency
            opp = self.org.insert("Opportunity", fields, opportunity_id)
            for contact in contacts:
                self.add_contact_role(opp, contact, at=modified_at)
            return opp

    def add_contact_role(
        self, opportunity_id: str, contact_id: str, at: datetime | None = None
    ) -> str:
        """A contact role on the opportunity, stamped `at` (now by default). As in Salesforce,
        the opportunity's own SystemModstamp does not move."""
        with self._lock:
            if contact_id not in self.org.records["Contact"]:
                self.add_contact(contact_id)
            role = {
                "OpportunityId": opportunity_id,
                "ContactId": contact_id,
                "Role": "Decision Maker",
            }
            moment = stamp(at)
            role |= {"CreatedDate": moment, "SystemModstamp": moment}
            return self.org.insert("OpportunityContactRole", role)

    def merge_contacts(self, master: str, loser: str) -> None:
        """`loser` merged into `master` (Setup's Merge Contacts): its tasks, cases and roles
        move to the master, and it is deleted; writing to it answers ENTITY_IS_DELETED."""
        with self._lock:
            self.org.merge(master, loser)

    def delete_record(self, record_id: str) -> None:
        """Deleted by a user: in the Recycle Bin, seen by QueryAll only."""
        with self._lock:
            found = self.org.find(record_id)
            assert found is not None, record_id
            self.org.delete(found[0], record_id)

    def archive_task(self, task_id: str) -> None:
        """Archived, as Salesforce does to a Task closed over a year: Query no longer sees it."""
        with self._lock:
            self.org.archive(task_id)

    def seed(
        self,
        opportunities: Iterable[Opportunity | Mapping[str, Any]] = (),
        contacts: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        """Contacts as {"id", "owner"?}; opportunities as the domain's Opportunity (or its
        JSON), ids as given, with a contact role per contact (a contact created if need be)."""
        for contact in contacts:
            self.add_contact(str(contact["id"]), contact.get("owner"))
        for given in opportunities:
            o = given if isinstance(given, Opportunity) else Opportunity.model_validate(given)
            self.add_opportunity(
                o.id,
                amount=o.amount,
                currency=o.currency,
                contacts=o.contact_ids,
                created_at=o.created_at,
                modified_at=o.modified_at,
                stage=o.stage,
            )
