"""The Salesforce report shipped in salesforce/force-app sums each opportunity once: a report type
on Social_Influence__c, and "Social influence by seller, primary" filtered on the primary
model's flag and on seller records, every column a field the metadata deploys."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "salesforce" / "force-app" / "main" / "default"
NS = "{http://soap.sforce.com/2006/04/metadata}"
OBJECT = "Social_Influence__c"
REPORT_TYPE = SOURCE / "reportTypes" / "Social_Influences.reportType-meta.xml"
FOLDER = SOURCE / "reports" / "Socialscore"
REPORT = FOLDER / "Social_Influence_by_Seller_Primary_Model.report-meta.xml"


def xml(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def texts(element: ET.Element, path: str) -> list[str]:
    return [e.text or "" for e in element.iterfind(NS + path.replace("/", f"/{NS}"))]


def text(element: ET.Element, path: str) -> str:
    return next(iter(texts(element, path)), "")


def deployed_fields() -> set[str]:
    return {
        p.name.removesuffix(".field-meta.xml")
        for p in (SOURCE / "objects" / OBJECT).rglob("*.field-meta.xml")
    }


def test_the_primary_flag_is_a_checkbox_every_permission_set_can_read() -> None:
    field = xml(SOURCE / "objects" / OBJECT / "fields" / "Primary_Model__c.field-meta.xml")
    assert (text(field, "type"), text(field, "defaultValue")) == ("Checkbox", "false")
    for name, editable in (("Socialscore_Integration", "true"), ("Socialscore_Viewer", "false")):
        permissions = xml(SOURCE / "permissionsets" / f"{name}.permissionset-meta.xml")
        granted = {
            text(p, "field"): (text(p, "readable"), text(p, "editable"))
            for p in permissions.iter(f"{NS}fieldPermissions")
        }
        assert granted[f"{OBJECT}.Primary_Model__c"] == ("true", editable), name


def test_the_report_type_exposes_deployed_fields_of_the_influence_object() -> None:
    report_type = xml(REPORT_TYPE)
    assert text(report_type, "fullName") == REPORT_TYPE.name.removesuffix(".reportType-meta.xml")
    assert (text(report_type, "baseObject"), text(report_type, "deployed")) == (OBJECT, "true")
    columns = list(report_type.iter(f"{NS}columns"))
    assert {text(c, "table") for c in columns} == {OBJECT}
    exposed = {text(c, "field") for c in columns}
    assert exposed <= deployed_fields()
    assert {"Primary_Model__c", "Seller__c", "Amount__c", "Opportunity__c"} <= exposed


def test_the_report_sums_the_primary_models_seller_records_grouped_by_seller() -> None:
    report = xml(REPORT)
    exposed = {text(c, "field") for c in xml(REPORT_TYPE).iter(f"{NS}columns")}
    # A report on a custom report type names it with __c, and its fields as <object>$<field>.
    assert text(report, "reportType") == "Social_Influences__c"
    named = [
        *texts(report, "columns/field"),
        *texts(report, "groupingsDown/field"),
        *texts(report, "filter/criteriaItems/column"),
    ]
    for column in named:
        table, field = column.split("$")
        assert (table, field in exposed) == (OBJECT, True), column
    assert texts(report, "groupingsDown/field") == [f"{OBJECT}$Seller__c"]
    assert f"{OBJECT}$Seller__c" not in texts(report, "columns/field")  # grouped, not a column
    summed = {
        text(c, "field") for c in report.iter(f"{NS}columns") if text(c, "aggregateTypes") == "Sum"
    }
    assert f"{OBJECT}$Amount__c" in summed
    criteria = {
        (text(c, "column"), text(c, "operator"), text(c, "value"))
        for c in report.iter(f"{NS}criteriaItems")
    }
    # Only the primary model (a Checkbox filters on 1), and only seller records: the post
    # records of the same model split the same deal again.
    assert criteria == {
        (f"{OBJECT}$Primary_Model__c", "equals", "1"),
        (f"{OBJECT}$Seller__c", "notEqual", ""),
    }
    assert (text(report, "format"), text(report, "scope")) == ("Summary", "organization")
    assert len(text(report, "name")) <= 40  # Salesforce's limits
    assert len(text(report, "description")) <= 255


def test_the_report_lives_in_a_folder_shared_read_only() -> None:
    folder = xml(FOLDER.with_name(f"{FOLDER.name}.reportFolder-meta.xml"))
    assert text(folder, "name") == FOLDER.name
    shares = {
        (text(s, "accessLevel"), text(s, "sharedTo")) for s in folder.iter(f"{NS}folderShares")
    }
    assert shares == {("View", "AllInternalUsers")}
    assert REPORT.parent == FOLDER
