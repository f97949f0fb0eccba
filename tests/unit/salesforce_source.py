"""The Salesforce metadata an admin deploys (salesforce/, SFDX source), read as XML: what the
adapter writes is checked against it (tests/unit/test_salesforce_metadata.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2] / "salesforce"
SOURCE = PROJECT / "force-app" / "main" / "default"
NS = "{http://soap.sforce.com/2006/04/metadata}"


def xml(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def text(element: ET.Element, tag: str) -> str:
    return element.findtext(f"{NS}{tag}") or ""
