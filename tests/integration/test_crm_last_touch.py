"""A contact's last organic touch in the CRM, end to end: the stream through the real stages,
crm_sync's real handler and adapter, and what the Salesforce stub and the HubSpot stub hold
afterwards. The same rule with the file CRM, and the daily decay pass, which carries it without
reading the ledger, are proven in memory (tests/unit/test_crm_daily_pass.py)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from socialscore.domain import scoring_model
from socialscore.domain.interaction import Kind, Network, Retraction
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from tests.integration.support import POST_A, POST_B, Stack, running, write_demo_dir
from tests.integration.test_crm_convergence import hubspot_stack
from tests.integration.test_crm_sync_handler import seed_touches

FN = "CrmSyncFunction"
MODEL = scoring_model.bundled()
AS_OF = datetime(2026, 11, 22, tzinfo=UTC)
# seed_touches: C-1 commented on 11-10 and shared on 11-12 (organic), clicked a paid post on
# 11-13; C-2 shared on 11-15.
C1_COMMENT = datetime(2026, 11, 10, 12, tzinfo=UTC)
C1_SHARE = datetime(2026, 11, 12, 12, tzinfo=UTC)
C2_SHARE = datetime(2026, 11, 15, 12, tzinfo=UTC)


@dataclass
class Crm:
    """One CRM as marketing ops see it: each contact's last organic touch, by our contact name."""

    stack: Stack
    contacts: dict[str, str]  # C-1, C-2 -> the CRM's contact id
    read: Callable[[str], dict[str, Any] | None]  # the CRM's contact id -> its fields (None: none)
    names: tuple[str, str]  # the last organic touch's field, the paid score's

    def last_touch(self, contact: str) -> datetime | None:
        raw = (self.read(self.contacts[contact]) or {}).get(self.names[0])
        return datetime.fromisoformat(raw) if raw else None

    def paid_score(self, contact: str) -> float:
        return float((self.read(self.contacts[contact]) or {}).get(self.names[1]) or 0)


@contextmanager
def salesforce_stack(tmp_path: Path, sf: SalesforceStub) -> Iterator[Stack]:
    demo_dir = write_demo_dir(tmp_path / "demo")
    sf.seed(json.loads((demo_dir / "opportunities.json").read_text()))
    with running(tmp_path / "work", demo_dir, CRM_ADAPTER="salesforce") as stack:
        secrets = stack.rt.client("secretsmanager")
        arn = stack.rt.physical["CrmCredentials"]["Ref"]
        secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(sf.credentials))
        seed_touches(stack)
        yield stack
    shutil.rmtree(tmp_path / "work", ignore_errors=True)


@contextmanager
def crm_of(name: str, tmp_path: Path) -> Iterator[Crm]:
    same = {"C-1": "C-1", "C-2": "C-2"}
    if name == "salesforce":
        with SalesforceStub() as sf, salesforce_stack(tmp_path, sf) as stack:
            names = ("Social_Last_Organic_Touch__c", "Social_Paid_Score__c")
            yield Crm(stack, same, sf.record, names)
    else:
        with HubSpotStub() as hs, hubspot_stack(tmp_path, hs) as stack:
            names = ("socialscore_last_organic_touch", "socialscore_paid_score")
            yield Crm(stack, {"C-1": "501", "C-2": "502"}, hs.contact, names)


def undo(n: int, kind: Kind, post: str, at: str) -> Retraction:
    """The retraction of seed_touches' act `n` (by u1), as an unlike / an undone share sends it."""
    return Retraction(
        interaction_id=f"iid-{n}",
        source="smms",
        network=Network.X,
        kind=kind,
        actor_id="u1",
        target_post=f"x#{post}",
        occurred_at=datetime.fromisoformat(at),
    )


def retract(stack: Stack, n: int, kind: Kind, post: str, at: str) -> None:
    stack.send("ScoreQueue", [undo(n, kind, post, at)])
    stack.rt.drain()


def sync(crm: Crm) -> dict[str, Any]:
    report: dict[str, Any] = crm.stack.rt.run_schedule(FN, at=AS_OF)
    assert report["failed"] == 0
    return report


@pytest.mark.parametrize("name", ["salesforce", "hubspot"])
def test_the_crm_shows_the_latest_organic_touch_and_follows_retractions_and_erasure(
    name: str, tmp_path: Path
) -> None:
    with crm_of(name, tmp_path) as crm:
        sync(crm)

        # C-1's paid click on 11-13 is later, but paid touches are no organic interest.
        assert crm.last_touch("C-1") == C1_SHARE
        assert crm.last_touch("C-2") == C2_SHARE

        retract(crm.stack, 2, Kind.SHARE, POST_B, "2026-11-20T12:00:00Z")  # the share undone
        assert sync(crm)["pushed_scores"] == 1
        assert crm.last_touch("C-1") == C1_COMMENT  # back to the touch before
        assert crm.last_touch("C-2") == C2_SHARE

        retract(crm.stack, 1, Kind.COMMENT, POST_A, "2026-11-20T13:00:00Z")  # the comment too
        sync(crm)
        assert crm.last_touch("C-1") is None  # no organic touch left: the field is emptied
        assert crm.paid_score("C-1") > 0  # the paid click still counts where it counts

        crm.stack.send("ScoreQueue", [erase("C-2", crm.contacts["C-2"])])
        crm.stack.rt.drain()
        assert sync(crm)["erased"] == 1
        assert crm.last_touch("C-2") is None
        # Nothing about the erased person is kept by crm_sync either.
        kept = crm.stack.by_key("SyncStateTable", "key")
        assert f"pushed#contact#{crm.contacts['C-2']}" not in kept


def erase(label: str, contact: str) -> str:
    return json.dumps(
        {
            "type": "erase",
            "event_id": f"erase-{label}",
            "source": "smms",
            "contact_id": contact,
            "occurred_at": "2026-11-21T12:00:00Z",
        }
    )
