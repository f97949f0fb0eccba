"""The operator's commands, run as a person runs them: a subprocess against a stub CRM."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from socialscore.domain import permalink
from socialscore.domain.scoring_model import bundled
from socialscore.pipeline.links import OWN_WORDS, own_words
from socialscore_local import demo
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.paths import DEMO_DIR

pytestmark = pytest.mark.slow  # dealt first: see tests/conftest.py


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socialscore_local", *args],
        capture_output=True,
        text=True,
        env=os.environ | env,
        timeout=60,
        check=False,
    )


def test_crm_setup_creates_the_hubspot_properties_once() -> None:
    with HubSpotStub() as stub:
        args = ("crm-setup", "hubspot", "--token-from-env", "HS_TOKEN", "--base-url", stub.url)
        first = cli(*args, HS_TOKEN=stub.token)
        assert first.returncode == 0, first.stderr
        assert "created property contacts.socialscore_organic_score" in first.stdout
        again = cli(*args, HS_TOKEN=stub.token)
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip() == "nothing to create: already set up"


def test_crm_setup_says_what_is_missing_in_one_line() -> None:
    answer = cli("crm-setup", "hubspot", "--token-from-env", "HS_TOKEN", HS_TOKEN="")
    assert answer.returncode != 0
    assert answer.stderr.strip().splitlines()[-1] == (
        "HS_TOKEN is not set: export it with the private app's token"
    )


def test_crm_setup_with_hubspot_out_of_reach_is_one_line() -> None:
    # Nothing listens on port 9 of loopback: as HubSpot with no network, refused at once.
    answer = cli(
        "crm-setup", "hubspot", "--token-from-env", "HS_TOKEN", "--base-url", "http://127.0.0.1:9",
        HS_TOKEN="pat-test",
    )  # fmt: skip
    assert answer.returncode == 1
    assert "Traceback" not in answer.stderr
    assert answer.stderr.strip().splitlines()[-1] == (
        "crm-setup: HubSpot did not answer at http://127.0.0.1:9 (NewConnectionError): check "
        "the network and --base-url, then run crm-setup again"
    )


def test_crm_setup_with_a_model_file_it_cannot_read_is_one_line(tmp_path: Path) -> None:
    answer = cli(
        "crm-setup", "hubspot", "--token-from-env", "HS_TOKEN", "--model",
        str(tmp_path / "missing.json"), HS_TOKEN="pat-test",
    )  # fmt: skip
    assert answer.returncode == 1
    assert answer.stderr.strip() == (
        f"crm-setup: [Errno 2] No such file or directory: '{tmp_path / 'missing.json'}'"
    )


def complaints_of_contacts() -> int:
    """The complaining acts in the demo's stream whose actor is linked to a contact: one case
    or ticket each, however often each is delivered (every one is, more than once)."""
    posts = json.loads((DEMO_DIR / "posts.json").read_text())
    said = {p["post_id"] for p in posts if own_words(p.get("text") or "", bundled())[1]}
    deliveries = json.loads((DEMO_DIR / "webhooks.json").read_text())
    events = [e for d in deliveries if d["expect"] == 202 for e in d["body"]["events"]]
    linked = {e["network_user_id"] for e in events if e["type"] == "identify"}
    reports = Counter(
        (e["actor_id"], own)
        for e in events
        if e["type"] == "interaction"
        and e["kind"] in OWN_WORDS
        and (own := permalink.parse(e["interaction_permalink"]).post_id) in said
    )
    assert len(reports) == len(said) == 2  # one linked, one anonymous
    assert min(reports.values()) > 1
    return sum(1 for actor, _ in reports if actor in linked)


@pytest.mark.parametrize(
    ("crm", "opportunity", "landed"),
    [
        (
            "salesforce",
            "006A000002",  # Salesforce keeps the demo's ids
            "Salesforce stub: 12 contacts with Social_Organic_Score__c, "
            "108 Social_Influence__c records, 2 tasks, {} cases",
        ),
        (
            "hubspot",
            "6000002",  # HubSpot's ids are numbers
            "HubSpot stub: 12 contacts with socialscore_organic_score, "
            "108 socialscore_influence records, 2 tasks, {} tickets",
        ),
    ],
)
def test_the_demo_lands_its_credit_in_each_crm_s_stub(
    tmp_path: Path, crm: str, opportunity: str, landed: str
) -> None:
    summary = demo.run(tmp_path / crm, crm=crm).splitlines()
    assert landed.format(complaints_of_contacts()) in summary
    # It ends with the activities on the people's records: one per counted act of a linked
    # contact, a line for the first of five contacts'.
    assert summary[-6].endswith(": 96 activities on 12 contacts' records")
    headline = f"  {opportunity}: 125000.00 USD over 10 touches; by seller: "
    (line,) = [line for line in summary if line.startswith(headline)]
    # Read back as a report filtered on the primary model sums it: the deal once, not once per
    # configured model (six times its amount before the records were marked).
    shares = [Decimal(seller.split()[1]) for seller in line.removeprefix(headline).split(", ")]
    assert sum(shares) == Decimal("125000.00")

    # Who should act: the linked complainer's identify event named a CRM owner, the anonymous
    # one is routed to the seller whose posts it touched most; each event once, by its id.
    deliveries = json.loads((DEMO_DIR / "webhooks.json").read_text())
    (owner,) = {e["owner_id"] for d in deliveries for e in d["body"]["events"] if "owner_id" in e}
    complaints = [line for line in summary if line.startswith("  Complaint ")]
    assert len(complaints) == 2
    (known,) = [line for line in complaints if not line.startswith("  Complaint anonymous")]
    (anonymous,) = [line for line in complaints if line.startswith("  Complaint anonymous")]
    assert known.endswith(f"-> crm_owner {owner}")
    assert " -> seller " in anonymous
    # The demo's stream is moved so that its last act is an hour old: its two hot leads are hot
    # whatever the day (on its own dates they decayed under the threshold, one by 2026-12-02,
    # both by 2026-12-06), each a task in the CRM (above), both routed to a seller.
    hot = [line for line in summary if line.startswith("  HotLead ")]
    assert len(hot) == 2
    assert all(" -> seller " in line for line in hot)
