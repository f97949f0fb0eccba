"""The Salesforce metadata an admin deploys (salesforce/, SFDX source) holds what the adapter
writes: every custom field it writes, with a type that takes the value; the unique external ids
that make a repeat an update; the permission sets granting each field and object; a valid SFDX
project. Read from the files, with the adapter's own payload builders (no org, no stub needed).
Moved from tests/integration/test_salesforce.py and test_salesforce_activities.py."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from socialscore.crm import salesforce_activities as activities
from socialscore.crm import salesforce_records as payloads
from socialscore.domain.opportunity import ComplaintCase
from tests.integration.test_salesforce import OWNER, T0, headline, hot, record, score
from tests.integration.test_salesforce_activities import activity
from tests.unit.salesforce_source import NS, PROJECT, SOURCE, text, xml


def complaint() -> ComplaintCase:
    return ComplaintCase(
        key="complaint#x#1456#i#" + "f" * 32,
        contact_id="003000000000000001",
        profile="x#1456",
        interaction_id="f" * 32,
        network="x",
        kind="comment",
        post="x#2100000000000000001",
        seller_id="s-ana",
        permalink="https://x.com/i/web/status/2100000000000000004",
        phrases=["refund"],
        occurred_at=T0,
    )


def written() -> dict[str, dict[str, Any]]:
    """Every field the adapter writes, with a value it writes, from its own payload builders."""
    by_post = record(1, seller_id=None, team=None, post="x#21", network="x")
    built = [
        payloads.contact_scores(score("003000000000000001", last_touch=T0)),
        payloads.erased_contact("003000000000000001"),
        payloads.opportunity_headline(headline()),
        payloads.influence_record(record(1), multi_currency=False),
        payloads.influence_record(by_post, multi_currency=False),
        payloads.hot_lead_task(hot(), OWNER),
        payloads.complaint_case(complaint()),
    ]
    fields: dict[str, dict[str, Any]] = {}
    for payload in built:
        sobject = payload["attributes"]["type"]
        for name, value in payload.items():
            if name not in ("attributes", "id") and value is not None:
                fields.setdefault(sobject, {})[name] = value
    return fields


def test_every_custom_field_the_adapter_writes_is_deployed_with_its_type() -> None:
    fields = written()
    assert set(fields) == {"Case", "Contact", "Opportunity", "Social_Influence__c", "Task"}
    for sobject, values in fields.items():
        folder = "Activity" if sobject == "Task" else sobject  # a Task's custom fields
        for name, value in values.items():
            if not name.endswith("__c"):
                continue  # a standard field (WhoId, Subject, ...)
            field = xml(SOURCE / "objects" / folder / "fields" / f"{name}.field-meta.xml")
            assert text(field, "fullName") == name
            kind = text(field, "type")
            if kind == "DateTime":  # ISO 8601 with its zone, as the REST API reads it
                assert datetime.fromisoformat(value).tzinfo is not None, name
            elif isinstance(value, bool):
                assert kind == "Checkbox", name
            elif isinstance(value, str):
                assert kind in ("Text", "Lookup"), name
                assert kind == "Lookup" or int(text(field, "length")) >= len(value), name
            else:
                assert kind in ("Number", "Currency"), name
                scale = int(text(field, "scale"))
                assert isinstance(value, float) or scale == 0, name
    key = xml(SOURCE / "objects" / "Social_Influence__c" / "fields" / "Key__c.field-meta.xml")
    assert [text(key, t) for t in ("type", "length", "externalId", "unique", "caseSensitive")] == [
        "Text",
        str(payloads.TEXT_MAX),
        "true",
        "true",
        "true",
    ]
    lookup = xml(
        SOURCE / "objects" / "Social_Influence__c" / "fields" / "Opportunity__c.field-meta.xml"
    )
    assert (text(lookup, "type"), text(lookup, "referenceTo")) == ("Lookup", "Opportunity")
    post = xml(SOURCE / "objects" / "Social_Influence__c" / "fields" / "Post__c.field-meta.xml")
    assert int(text(post, "length")) == payloads.TEXT_MAX  # what the adapter cuts a post to
    task_key = xml(
        SOURCE / "objects" / "Activity" / "fields" / f"{payloads.TASK_KEY}.field-meta.xml"
    )
    assert text(task_key, "type") == "Text"
    case_key = xml(SOURCE / "objects" / "Case" / "fields" / f"{payloads.CASE_KEY}.field-meta.xml")
    # What makes a second create of the same complaint a DUPLICATE_VALUE, not a second case.
    assert [text(case_key, t) for t in ("externalId", "unique", "caseSensitive")] == ["true"] * 3
    influence = xml(
        SOURCE / "objects" / "Social_Influence__c" / "Social_Influence__c.object-meta.xml"
    )
    assert influence.find(f"{NS}nameField/{NS}type").text == "AutoNumber"  # type: ignore[union-attr]
    assert (payloads.INFLUENCE, payloads.INFLUENCE_KEY) == ("Social_Influence__c", "Key__c")


def test_the_integration_permission_set_grants_every_field_and_object_written() -> None:
    permissions = xml(SOURCE / "permissionsets" / "Socialscore_Integration.permissionset-meta.xml")
    editable = {
        text(p, "field")
        for p in permissions.iter(f"{NS}fieldPermissions")
        if text(p, "editable") == text(p, "readable") == "true"
    }
    for sobject, values in written().items():
        for name in values:
            if name.endswith("__c"):
                assert f"{sobject}.{name}" in editable
    objects = {
        text(o, "object"): {c.tag.removeprefix(NS) for c in o if c.text == "true"}
        for o in permissions.iter(f"{NS}objectPermissions")
    }
    assert {"allowCreate", "allowRead", "allowEdit", "allowDelete", "viewAllRecords"} <= objects[
        "Social_Influence__c"
    ]
    for sobject in ("Contact", "Opportunity"):
        assert {"allowRead", "allowEdit", "viewAllRecords"} <= objects[sobject]
    assert "allowRead" in objects["Account"]  # what Contact and Opportunity read depend on
    assert {"allowCreate", "allowRead"} <= objects["Case"]  # complaint cases
    users = {text(u, "name") for u in permissions.iter(f"{NS}userPermissions")}
    assert {"ApiEnabled", "EditTask"} <= users


def test_the_project_is_valid_sfdx_source() -> None:
    project = json.loads((PROJECT / "sfdx-project.json").read_text())
    assert project["packageDirectories"] == [{"path": "force-app", "default": True}]
    assert f"v{project['sourceApiVersion']}" == "v62.0"  # the API version the adapter pins
    documents = sorted(SOURCE.rglob("*-meta.xml"))
    assert documents
    for path in documents:
        root = xml(path)  # parses
        assert root.tag.startswith(NS), path
        if path.name.endswith(".field-meta.xml"):
            assert text(root, "fullName") == path.name.removesuffix(".field-meta.xml")
            assert len(text(root, "label")) <= 40


def test_the_sfdx_source_ships_the_object_and_grants_every_field_written() -> None:
    folder = SOURCE / "objects" / activities.ACTIVITY
    sent = activities.activity_record(activity(1, "003000000000000001"))
    written = [n for n in sent if n.endswith("__c")]
    for name in written:
        field = xml(folder / "fields" / f"{name}.field-meta.xml")
        assert text(field, "fullName") == name
    key = xml(folder / "fields" / f"{activities.ACTIVITY_KEY}.field-meta.xml")
    assert [text(key, t) for t in ("externalId", "unique", "caseSensitive")] == ["true"] * 3
    assert int(text(key, "length")) >= len(sent[activities.ACTIVITY_KEY])
    lookup = xml(folder / "fields" / "Contact__c.field-meta.xml")
    assert (text(lookup, "type"), text(lookup, "referenceTo")) == ("Lookup", "Contact")
    for name, editable in (("Socialscore_Integration", "true"), ("Socialscore_Viewer", "false")):
        permissions = xml(SOURCE / "permissionsets" / f"{name}.permissionset-meta.xml")
        granted = {
            text(p, "field")
            for p in permissions.iter(f"{NS}fieldPermissions")
            if text(p, "readable") == "true" and text(p, "editable") == editable
        }
        assert {f"{activities.ACTIVITY}.{n}" for n in written} <= granted
    integration = xml(SOURCE / "permissionsets" / "Socialscore_Integration.permissionset-meta.xml")
    rights = {
        text(o, "object"): {c.tag.removeprefix(NS) for c in o if c.text == "true"}
        for o in integration.iter(f"{NS}objectPermissions")
    }
    assert {"allowCreate", "allowRead", "allowEdit", "allowDelete", "viewAllRecords"} <= rights[
        activities.ACTIVITY
    ]
