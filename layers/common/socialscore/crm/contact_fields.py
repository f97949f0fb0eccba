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

Before the first read of a run, each HubSpot field is looked up (GET /crm/v3/properties/contacts/
{propertyName}, one call a field a run): a name HubSpot has no property for (a typo, a property
deleted) is absent from every contact HubSpot returns, so read, it would unlink every link it made.
The run stops with FieldsMissing instead. Salesforce needs no look-up: it refuses the whole query
naming an unknown field (INVALID_FIELD), and nothing is read.

Each contact comes with when it was changed, oldest first. Field values pass to the domain's
reading at once: they are never logged nor kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from socialscore.aws.config import ConfigurationError
from socialscore.aws.logs import logger
from socialscore.crm import hubspot_read
from socialscore.crm.base import CrmStopped
from socialscore.crm.hubspot_http import HubSpotApi
from socialscore.crm.salesforce_api import SalesforceApi
from socialscore.crm.salesforce_records import soql_datetime
from socialscore.domain.social_fields import Changed, read_fields

HUBSPOT_FIELDS = ("twitterhandle",)
HUBSPOT_MODIFIED = "lastmodifieddate"
HUBSPOT_OWNER = "hubspot_owner_id"
CONTACT_SEARCH = "/crm/v3/objects/contacts/search"
# "Read a property": 200 with the Property, an Error body otherwise (HubSpot's OpenAPI,
# github.com/HubSpot/HubSpot-public-api-spec-collection, PublicApiSpecs/CRM/Properties/Rollouts/
# 145899/v3/properties.json, GET /crm/v3/properties/{objectType}/{propertyName}; one of its scopes
# is crm.objects.contacts.read, which the search needs already). The document names no status
# for a property the account lacks (its `default` Error: category, correlationId, message);
# HubSpot answers 404 OBJECT_NOT_FOUND, and a deleted property is archived, read only when
# asked with `archived=true` (the document's parameter), so it is missing here too. Any other
# refusal stops the step: the next run tries again.
CONTACT_PROPERTY = "/crm/v3/properties/contacts/"
_SOQL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")


class FieldsMissing(Exception):
    """Fields CRM_SOCIAL_FIELDS names that the CRM has no contact property for."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


class HubSpotContactFields:
    name = "hubspot"

    def __init__(self, api: HubSpotApi, fields: Sequence[str] = HUBSPOT_FIELDS) -> None:
        self._api = api
        self.fields = tuple(fields)
        self._searched = hubspot_read.Searched(
            CONTACT_SEARCH, [*self.fields, HUBSPOT_OWNER, HUBSPOT_MODIFIED], HUBSPOT_MODIFIED
        )

    def changed_contacts(self, since: datetime | None, overlap: bool, limit: int) -> list[Changed]:
        self._check_fields()
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

    def _check_fields(self) -> None:
        """FieldsMissing when HubSpot has no contact property of a field's name."""
        missing = []
        for name in self.fields:
            answer = self._api.call("GET", CONTACT_PROPERTY + quote(name, safe=""))
            if answer.status == 404:
                missing.append(name)
            elif answer.status != 200:
                logger().warning(
                    "HubSpot refused a contact property's read",
                    extra={"status": answer.status, "category": answer.category},
                )
                raise CrmStopped(f"property_http_{answer.status}")
        if missing:
            raise FieldsMissing(missing)


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
