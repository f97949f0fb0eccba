"""A contact's last organic touch in the CRM, end to end: the stream through the real stages,
crm_sync's real handler and adapter, and what the file CRM, the Salesforce stub and the HubSpot
stub hold afterwards. And the daily decay pass, which carries it without reading the ledger."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from socialscore.crm.file import FileCrm
from socialscore.domain import scoring_model
from socialscore.domain.interaction import Category, Kind, Network, Retraction
from socialscore.domain.touch import Touch, Withdrawal
from socialscore.pipeline.crm_sync import CrmSync
from socialscore.store.identities import Identities
from socialscore.store.ledger import Ledger
from socialscore.store.scores import Scores
from socialscore.store.sync_state import SyncState
from socialscore_local.crm_stubs.hubspot import HubSpotStub
from socialscore_local.crm_stubs.salesforce import SalesforceStub
from tests.integration.support import POST_A, POST_B, Stack, identify, running, write_demo_dir
from tests.integration.test_crm_convergence import hubspot_stack
from tests.integration.test_crm_sync_handler import expected_score, lines, outbox_of, seed_touches

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


def file_contact(stack: Stack) -> Callable[[str], dict[str, Any] | None]:
    """The file CRM's contact as its outbox leaves it: the last score pushed, or cleared."""

    def read(contact: str) -> dict[str, Any] | None:
        held: dict[str, Any] | None = None
        for line in lines(outbox_of(stack)):
            if line.get("contact_id") != contact:
                continue
            if line["type"] == "contact_score":
                held = line
            elif line["type"] == "erased_contact":
                held = None
        return held

    return read


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
    if name == "file":
        with running(tmp_path / "work", write_demo_dir(tmp_path / "demo")) as stack:
            seed_touches(stack)
            yield Crm(stack, same, file_contact(stack), ("last_organic_touch", "paid_score"))
    elif name == "salesforce":
        with SalesforceStub() as sf, salesforce_stack(tmp_path, sf) as stack:
            names = ("Social_Last_Organic_Touch__c", "Social_Paid_Score__c")
            yield Crm(stack, same, sf.record, names)
    else:
        with HubSpotStub() as hs, hubspot_stack(tmp_path, hs) as stack:
            names = ("socialscore_last_organic_touch", "socialscore_paid_score")
            yield Crm(stack, {"C-1": "501", "C-2": "502"}, hs.contact, names)


def retract(stack: Stack, n: int, kind: Kind, post: str, at: str) -> None:
    """Take back seed_touches' act `n` (by u1) as an unlike / an undone share would."""
    undo = Retraction(
        interaction_id=f"iid-{n}",
        source="smms",
        network=Network.X,
        kind=kind,
        actor_id="u1",
        target_post=f"x#{post}",
        occurred_at=datetime.fromisoformat(at),
    )
    stack.send("ScoreQueue", [undo])
    stack.rt.drain()


def sync(crm: Crm) -> dict[str, Any]:
    report: dict[str, Any] = crm.stack.rt.run_schedule(FN, at=AS_OF)
    assert report["failed"] == 0
    return report


@pytest.mark.parametrize("name", ["file", "salesforce", "hubspot"])
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


# --- the daily decay pass ---------------------------------------------------------------------
@dataclass
class CountingLedger:
    """The real ledger, with the profiles whose touches were read (a wrapper, not a patch)."""

    inner: Ledger
    read: list[str] = field(default_factory=list)

    def touches_of(self, profile: str) -> list[Touch]:
        self.read.append(profile)
        return self.inner.touches_of(profile)

    def record(self, events: list[Touch | Withdrawal]) -> int:
        return self.inner.record(events)

    def delete_post(self, post: str, at: datetime) -> int:
        return self.inner.delete_post(post, at)

    def erase(self, profile: str) -> int:
        return self.inner.erase(profile)


def test_the_decay_pass_carries_the_last_touch_without_reading_the_ledger(
    stack: Stack, tmp_path: Path
) -> None:
    seed_touches(stack)
    stack.send("ResolveQueue", [identify(9, user="u9", contact="C-9")])  # linked, no touch
    stack.rt.drain()
    outbox = tmp_path / "outbox.jsonl"
    ledger = CountingLedger(Ledger(stack.table("LedgerTable"), stack.table("ScoresTable")))
    # The stages marked their changes now; both runs start later (the schedule's next slots),
    # so the decay pass finds nothing marked since the first run, and the CRM no opportunity.
    later = datetime.now(UTC) + timedelta(hours=1)

    def run(started: datetime, as_of: datetime) -> Any:
        return CrmSync(
            FileCrm(tmp_path / "no-opportunities.json", outbox),
            Identities(stack.table("IdentitiesTable")),
            ledger,
            Scores(stack.table("ScoresTable")),
            SyncState(stack.table("SyncStateTable")),
            MODEL,
            clock=lambda: started,
        ).run(as_of)

    first = run(later, AS_OF)
    assert sorted(ledger.read) == ["x#u1", "x#u2", "x#u9"]  # each contact's first push
    ledger.read.clear()
    before = len(outbox.read_text().splitlines())

    decay = run(later + timedelta(days=1), AS_OF + timedelta(days=1))

    assert (first.daily, decay.daily) == (True, True)
    assert ledger.read == []
    # Pushed: the contacts whose rounded score moved, as before, each carrying its last touch;
    # C-9 (no touch, score 0) is not pushed again.
    moved = [
        c
        for c in ("C-1", "C-2")
        if round(expected_score(c, Category.ORGANIC, AS_OF), 2)
        != round(expected_score(c, Category.ORGANIC, AS_OF + timedelta(days=1)), 2)
    ]
    pushed = [json.loads(line) for line in outbox.read_text().splitlines()[before:]]
    again = {p["contact_id"]: p for p in pushed}
    assert decay.pushed_scores == len(again) == len(moved) == 2
    assert {c: again[c]["last_organic_touch"] for c in moved} == {
        "C-1": "2026-11-12T12:00:00Z",
        "C-2": "2026-11-15T12:00:00Z",
    }
