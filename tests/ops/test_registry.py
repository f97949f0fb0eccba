"""`socialscore sellers import` and `socialscore identities import`, against a deployed stack
(moto): every row checked before anything is written; sellers land in the SellersTable as the
file has them; identity links go through the pipeline, so that the contact is scored with its
identities' history and crm_sync pushes it. (The file's rules on their own, formula cells and
headers, are proven with no stack: tests/unit/test_registry_file.py.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from socialscore.domain import scoring_model
from socialscore.domain.decay import score_at
from socialscore.store import dynamo
from socialscore_local import demo
from tests.ops.conftest import DeployedStack, deployed
from tests.unit.test_registry_file import SELLERS, csv_file

IDENTITIES = "network,network_user_id,contact_id,consent_basis,linked_at"
ANA = "x#217388624"  # a demo seller


@pytest.fixture
def traffic_stack(tmp_path: Path) -> Iterator[DeployedStack]:
    """The demo's data run through the pipeline, for a test that writes. (A module's stack,
    as demo_stack is, would share moto with the fresh stacks of the module's other tests.)"""
    with deployed(tmp_path / "traffic") as stack:
        yield stack


def table(stack: DeployedStack, logical: str, key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in dynamo.scan(stack.rt.table(logical))}


def sellers(stack: DeployedStack) -> dict[str, tuple[str, str]]:
    return {
        k: (v["seller_id"], v["team"]) for k, v in table(stack, "SellersTable", "identity").items()
    }


# --- sellers ---------------------------------------------------------------------------------
def test_sellers_import_writes_exactly_the_file_s_rows(
    fresh_stack: DeployedStack, tmp_path: Path
) -> None:
    before = sellers(fresh_stack)
    assert ANA in before
    path = csv_file(
        tmp_path / "sellers.csv",
        SELLERS,
        "x,9001,s-dan,smb",
        "",  # a blank line, and a row of empty cells, as a sheet leaves them
        ",,,",
        "LinkedIn, urn-li-42 ,s-eve,enterprise",  # a sheet's capitals and spaces
        f"x,{ANA.split('#')[1]},s-ana,strategic",  # already registered: replaced
        excel=True,
    )

    answer = fresh_stack.socialscore("sellers", "import", str(path), "--json")

    assert answer.code == 0, answer.err
    assert answer.json() | {"file": None} == {
        "file": None,
        "rows": 3,
        "written": 3,
        "table": fresh_stack.rt.table("SellersTable"),
    }
    assert sellers(fresh_stack) == before | {
        "x#9001": ("s-dan", "smb"),
        "linkedin#urn-li-42": ("s-eve", "enterprise"),
        ANA: ("s-ana", "strategic"),
    }


def test_a_big_sellers_file_shows_its_progress(fresh_stack: DeployedStack, tmp_path: Path) -> None:
    rows = [f"x,{7000 + n},s-{n},team-{n % 7}" for n in range(1_200)]
    path = csv_file(tmp_path / "big.csv", SELLERS, *rows)

    answer = fresh_stack.socialscore("sellers", "import", str(path))

    assert answer.code == 0, answer.err
    assert answer.out == "big.csv: 1,200 rows read, 1,200 sellers written\n"
    assert "sellers [####################] 1,200/1,200" in answer.err
    found = sellers(fresh_stack)
    assert all(found[f"x#{7000 + n}"] == (f"s-{n}", f"team-{n % 7}") for n in range(1_200))


def test_one_bad_row_writes_nothing_and_every_bad_row_is_told_by_line(
    fresh_stack: DeployedStack, tmp_path: Path
) -> None:
    before = sellers(fresh_stack)
    path = csv_file(
        tmp_path / "sellers.csv",
        SELLERS,
        "x,9001,s-dan,smb",
        "myspace,9002,s-x,smb",
        "x,@dan_the_seller,s-x,smb",  # a handle where the id belongs: never printed back
        f"x,9003,s-{'9' * 1000},smb",  # a seller id longer than a key may hold
        "x,9004,s-x,smb\uffff",  # a character SQS cannot carry: every message it is in fails
        "x,9001,s-dan,enterprise",  # the same account twice
        "x,9005,s-x",
        "x,9006,s-ok,smb",
    )

    answer = fresh_stack.socialscore("sellers", "import", str(path))

    assert answer.code == 2
    assert answer.out == ""
    lines = answer.err.splitlines()
    assert [line.split(":")[1].strip() for line in lines[:-1]] == [
        "sellers.csv line 3",
        "sellers.csv line 4",
        "sellers.csv line 5",
        "sellers.csv line 6",
        "sellers.csv line 7",
        "sellers.csv line 8",
    ]
    assert lines[0].startswith("socialscore: sellers.csv line 3: network: Input should be 'x'")
    # a handle starts with @: refused before its form is checked, as a sheet would run it
    assert lines[1] == (
        "socialscore: sellers.csv line 4: network_user_id: starts with '@': a spreadsheet would "
        "run it as a formula"
    )
    assert lines[2].endswith(
        "seller_id: Value error, is 1,002 bytes: part of a DynamoDB key, it may take 960"
    )
    assert lines[3].endswith("team: Value error, holds U+FFFF, a character SQS does not carry")
    assert lines[4].endswith("line 7: the same network and network_user_id as line 2")
    assert lines[5].endswith("line 8: 3 cells, the header has 4")
    assert lines[-1] == "socialscore: sellers.csv: 6 bad rows of 8: nothing written"
    assert "dan_the_seller" not in answer.err
    assert sellers(fresh_stack) == before


# --- identities ------------------------------------------------------------------------------
def test_identities_with_a_bad_row_queue_nothing(
    fresh_stack: DeployedStack, tmp_path: Path
) -> None:
    path = csv_file(
        tmp_path / "contacts.csv",
        IDENTITIES,
        "x,5001,003NEW0001,opt_in,",
        "x,5002,003NEW0001,implied,",  # not a consent basis
        "x,5003,003NEW0002,opt_in,2026-10-01 10:00",  # no time zone
        "x,5004,003NEW0002,opt_in,1999-10-01T10:00:00Z",  # before anything social
        f"x,5005,{'C' * 129},opt_in,",
    )

    answer = fresh_stack.socialscore("identities", "import", str(path))

    assert answer.code == 2
    lines = answer.err.splitlines()
    assert lines[0].startswith("socialscore: contacts.csv line 3: consent_basis: Input should be")
    assert lines[1].startswith(
        "socialscore: contacts.csv line 4: linked_at: Input should have timezone"
    )
    assert lines[2].endswith("line 5: linked_at: Value error, must lie between 2006-03-21 and now")
    assert lines[3].startswith(
        "socialscore: contacts.csv line 6: contact_id: String should have at most 128"
    )
    assert lines[4] == "socialscore: contacts.csv: 4 bad rows of 5: nothing written"
    assert fresh_stack.rt.depth("ResolveQueue") == 0


def anonymous_profiles(stack: DeployedStack) -> list[tuple[str, Decimal]]:
    """(identity, organic units) of the profiles with organic units and no contact yet."""
    linked = table(stack, "IdentitiesTable", "identity")
    found = []
    for key, item in table(stack, "ScoresTable", "pk").items():
        parts = key.split("#")  # profile#<network>#<user>#<category>
        identity = f"{parts[1]}#{parts[2]}" if parts[0] == "profile" else ""
        if parts[-1] == "organic" and identity not in linked and item.get("units", 0) > 0:
            found.append((identity, Decimal(item["units"])))
    return sorted(found)


def test_imported_identities_are_linked_by_the_pipeline_and_the_contact_scored(
    traffic_stack: DeployedStack, tmp_path: Path
) -> None:
    rt = traffic_stack.rt
    (first, first_units), (second, second_units) = anonymous_profiles(traffic_stack)[:2]
    path = csv_file(
        tmp_path / "contacts.csv",
        IDENTITIES,
        f"x,{first.split('#')[1]},003NEW0001,opt_in,2026-11-01T09:00:00+01:00",
        f"X,{second.split('#')[1]},003NEW0001,SOURCE_ASSERTED,",
        excel=True,
    )

    answer = traffic_stack.socialscore("identities", "import", str(path), "--json")

    assert answer.code == 0, answer.err
    assert answer.json()["rows"] == answer.json()["queued"] == 2
    assert answer.json()["queue"] == "ResolveQueue"
    assert rt.depth("ResolveQueue") == 1  # one pack: linked when the stage runs, not before
    assert first not in table(traffic_stack, "IdentitiesTable", "identity")

    rt.drain()

    links = table(traffic_stack, "IdentitiesTable", "identity")
    assert (links[first]["contact_id"], links[first]["consent_basis"]) == ("003NEW0001", "opt_in")
    assert links[first]["linked_at"] == "2026-11-01T08:00:00+00:00"
    assert links[first]["source_event"].startswith("ops:csv-")
    assert (links[second]["contact_id"], links[second]["consent_basis"]) == (
        "003NEW0001",
        "source_asserted",
    )
    # The links were marked for crm_sync, which pushes the contact's score: its two identities'
    # whole history.
    demo.sync(rt, traffic_stack.as_of)
    pushed = [
        line
        for raw in (rt.workdir / "crm" / "outbox.jsonl").read_text().splitlines()
        if (line := json.loads(raw)).get("contact_id") == "003NEW0001"
        and line["type"] != "activity"  # its activities name it too, a line each
    ]
    model = scoring_model.bundled()
    both = round(
        score_at(first_units + second_units, traffic_stack.as_of, model.half_life_seconds), 2
    )
    assert [(p["type"], p["organic_score"]) for p in pushed] == [("contact_score", both)]
    assert both > round(score_at(first_units, traffic_stack.as_of, model.half_life_seconds), 2)
