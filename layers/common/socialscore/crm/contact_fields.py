"""The contacts a CRM changed since a bookmark, with their social profile fields and owner: what
pipeline.crm_identities links from.

- HubSpot: the CRM search on contacts by `lastmodifieddate` (a contact's modification property;
  "for contacts, a search will return createdate, email, firstname, hs_object_id,
  lastmodifieddate, and lastname", https://developers.hubspot.com/docs/api-reference/2026-03/crm/
  search-the-crm), read as crm.hubspot_read reads deals: re-anchored on the last time read, so
  no query nears the search's 10,000-result cap, and starting 5 minutes before the bookmark
  when the index's lag asks for it (pipeline.contact_bookmark); the pages stop at the run's
  limit. The fields are contact properties, by internal name: HubSpot's own
  `twitterhandle` ("Twitter Username") by default (the name integrations search contacts by;
  HubSpot's own list of default properties, knowledge.hubspot.com/properties/hubspots-default-
  contact-properties, names it; CRM_SOCIAL_FIELDS names others). Its owner: `hubspot_owner_id`.
- Salesforce: a SOQL query on Contact by `SystemModstamp` (changed by any write, the system's own),
  Id order within a stamp. Salesforce has no standard X or LinkedIn field on Contact in current orgs
  ("The Social Accounts, Contacts, and Leads feature is now unavailable. See Twitter/X Public API
  Access", developer.salesforce.com/docs/atlas.en-us.pages.meta/pages/
  pages_compref_social_profileViewer.htm): the fields are the org's own custom fields, named in the
  configuration (none by default: nothing is read). A name must be a field's API name
  (`Twitter_Handle__c`), so no configuration can put anything else into the query. Its owner:
  `OwnerId`. SOQL reads what was committed: no overlap. No LIMIT either: rows changed in one second
  may outnumber any limit, and a read cut inside that second would start there again and again; the
  run takes its share of what it reads (pipeline.contact_bookmark).

Each contact comes with when it was changed, oldest first. Field values pass to the domain's
reading at once: they are never logged nor kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from socialscore.aws.config import ConfigurationError
from socialscore.crm import hubspot_read
from socialscore.crm.hubspot_http import HubSpotApi
from socialscore.crm.salesforce_api import SalesforceApi
from socialscore.crm.salesforce_records import soql_datetime
from socialscore.domain.social_fields import Changed, read_fields

HUBSPOT_FIELDS = ("twitterhandle",)
HUBSPOT_MODIFIED = "lastmodifieddate"
HUBSPOT_OWNER = "hubspot_owner_id"
CONTACT_SEARCH = "/crm/v3/objects/contacts/search"
_SOQL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")


class HubSpotContactFields:
    name = "hubspot"

    def __init__(self, api: HubSpotApi, fields: Sequence[str] = HUBSPOT_FIELDS) -> None:
        self._api = api
        self.fields = tuple(fields)
        self._searched = hubspot_read.Searched(
            CONTACT_SEARCH, [*self.fields, HUBSPOT_OWNER, HUBSPOT_MODIFIED], HUBSPOT_MODIFIED
        )

    def changed_contacts(self, since: datetime | None, overlap: bool, limit: int) -> list[Changed]:
        margin = hubspot_read.OVERLAP if overlap else timedelta(0)
        records = hubspot_read.changed(self._api, since, self._searched, margin, limit)
        contacts = []
        for record in records:
            properties: dict[str, Any] = record.get("properties") or {}
            values = [properties.get(f) for f in self.fields]
            fields = read_fields(str(record["id"]), values, properties.get(HUBSPOT_OWNER))
            millis = hubspot_read._modified_ms(record, HUBSPOT_MODIFIED)
            contacts.append((fields, datetime.fromtimestamp(millis / 1000, tz=UTC)))
        return contacts


class SalesforceContactFields:
    name = "salesforce"

    def __init__(self, api: SalesforceApi, fields: Sequence[str]) -> None:
        bad = [f for f in fields if not _SOQL_NAME.fullmatch(f)]
        if bad:
            raise ConfigurationError(
                f"CRM_SOCIAL_FIELDS: not a Salesforce field API name: {', '.join(bad)}"
            )
        self._api = api
        self.fields = tuple(fields)

    def changed_contacts(self, since: datetime | None, overlap: bool, limit: int) -> list[Changed]:
        if not self.fields:
            return []  # none configured: nothing to read
        where = f" WHERE SystemModstamp >= {soql_datetime(since)}" if since else ""
        # Built from checked API names and a formatted datetime only (S608).
        soql = (
            f"SELECT Id, OwnerId, SystemModstamp, {', '.join(self.fields)} "  # noqa: S608
            f"FROM Contact{where} ORDER BY SystemModstamp, Id"
        )
        return [
            (
                read_fields(str(r["Id"]), [r.get(f) for f in self.fields], r.get("OwnerId")),
                datetime.fromisoformat(str(r["SystemModstamp"]).replace("+0000", "+00:00")),
            )
            for r in self._api.query(soql)
        ]
