"""A backfill file is read with the SMMS webhook's own contract: the same events make the same
messages, a bad line is named by number and reason (never its value), CSV reads as JSON lines
do, and an act's text leaves only the model's hits."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from socialscore.domain.scoring_model import bundled
from socialscore.sources.smms import SmmsSource
from socialscore_ops.backfill_file import MAX_LINE_BYTES, model_words, read_file

POST = "https://x.com/acme/status/2300000000000000001"
HANDLE = "@jane_doe_private"  # a value no report may repeat


def event(n: int, **overrides: Any) -> dict[str, Any]:
    e: dict[str, Any] = {
        "type": "interaction",
        "id": f"evt-{n}",
        "network": "x",
        "kind": "like",
        "actor_id": str(1000 + n),
        "target_permalink": POST,
        "occurred_at": "2026-03-01T11:59:00Z",
    }
    return e | overrides


EVENTS = [
    event(1),
    event(
        2, kind="comment", interaction_permalink="https://x.com/i/web/status/2400000000000000002"
    ),
    event(3, kind="follow", target_permalink=None, target_user_id="657892279"),
    event(4, kind="click", tags=["paid", "campaign"]),
    {
        "type": "identify",
        "id": "idf-1",
        "network": "x",
        "network_user_id": "1001",
        "contact_id": "003A",
        "consent_basis": "opt_in",
        "occurred_at": "2026-03-01T12:00:00Z",
    },
    {"type": "erase", "id": "er-1", "contact_id": "003B", "occurred_at": "2026-03-02T00:00:00Z"},
]


def jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def dumped(messages: list[Any]) -> list[str]:
    return [m.model_dump_json() for m in messages]


def test_lines_make_the_messages_the_webhook_makes_of_the_same_events(tmp_path: Path) -> None:
    clean = [{k: v for k, v in e.items() if v is not None} for e in EVENTS]
    reading = read_file(jsonl(tmp_path / "h.jsonl", clean))

    live = SmmsSource().messages(json.dumps({"events": clean}).encode(), datetime.now(UTC))
    assert reading.refused == []
    assert [n for n, _ in reading.messages] == [1, 2, 3, 4, 5, 6]
    assert dumped([m for _, m in reading.messages]) == dumped(live)


def test_bad_lines_are_named_by_number_and_reason_never_by_value(tmp_path: Path) -> None:
    rows: list[Any] = [
        event(1),
        event(2, actor_id=HANDLE),  # not a network user id
        "",  # blank: skipped, not counted
        f"{{not json {HANDLE}",
        event(5, kind="like", target_permalink=None),
        [HANDLE],
        event(7, kind="poke"),
        {"type": HANDLE, "id": "x"},
        {"id": "x"},
        event(10, own_text=HANDLE),  # a like has no words of its own
        "x" * (MAX_LINE_BYTES + 1),
    ]
    reading = read_file(jsonl(tmp_path / "h.jsonl", rows), model_words(bundled()))

    assert [n for n, _ in reading.messages] == [1]
    assert [r.line for r in reading.refused] == [2, 4, 5, 6, 7, 8, 9, 10, 11]
    assert reading.lines == 10
    reasons = [r.reason for r in reading.refused]
    assert reasons[0].startswith("actor_id: ")
    assert reasons[1] == "line: not JSON"
    assert reasons[2] == "target_permalink: Value error, required for a like"
    assert reasons[3] == "line: not a JSON object"
    assert reasons[4].startswith("kind: ")
    assert reasons[5] == "type: not one of interaction, identify, erase, answered"
    assert reasons[6] == "type: missing"
    assert reasons[7] == "own_text: Value error, a like has no words of its own"
    assert reasons[8] == f"line: over {MAX_LINE_BYTES:,} bytes"
    assert not any(HANDLE in r or "poke" in r for r in reasons)


def test_csv_reads_as_json_lines_do(tmp_path: Path) -> None:
    columns = sorted({k for e in EVENTS[:4] for k in e})
    out = io.StringIO()
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    for e in EVENTS[:4]:
        cells = {k: ("|".join(v) if k == "tags" else v) for k, v in e.items() if v is not None}
        writer.writerow(cells)
    (tmp_path / "h.csv").write_text(out.getvalue())
    clean = [{k: v for k, v in e.items() if v is not None} for e in EVENTS[:4]]

    from_csv = read_file(tmp_path / "h.csv")
    from_jsonl = read_file(jsonl(tmp_path / "h.jsonl", clean))

    assert from_csv.refused == []
    assert [n for n, _ in from_csv.messages] == [2, 3, 4, 5]  # the header is line 1
    assert dumped([m for _, m in from_csv.messages]) == dumped([m for _, m in from_jsonl.messages])


def test_a_csv_row_with_more_cells_than_the_header_is_refused(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text(
        "type,id,network,kind,actor_id,target_permalink,occurred_at\n"
        f"interaction,e1,x,like,1,{POST},2026-03-01T11:59:00Z,{HANDLE}\n"
    )
    reading = read_file(tmp_path / "h.csv")

    assert [(r.line, r.reason) for r in reading.refused] == [
        (2, "line: not as many cells as the header")
    ]


@pytest.mark.parametrize("kind", ["comment", "quote", "mention"])
def test_an_acts_text_leaves_only_the_models_hits(tmp_path: Path, kind: str) -> None:
    words = f"{HANDLE} what does pricing look like for 500 seats?"
    line = event(1, kind=kind, own_text=words)
    reading = read_file(jsonl(tmp_path / "h.jsonl", [line]), model_words(bundled()))

    ((_, message),) = reading.messages
    body = message.model_dump_json()
    assert json.loads(body)["own_words"]["intent_hits"] == ["pricing"]
    assert HANDLE not in body
    assert "seats" not in body


def test_text_is_dropped_as_the_webhook_drops_it(tmp_path: Path) -> None:
    # An SMMS's text may be the post acted on's (a like may carry one): not the act's words.
    lines = [event(1, text=HANDLE), event(2, kind="comment", text="pricing please")]
    reading = read_file(jsonl(tmp_path / "h.jsonl", lines), model_words(bundled()))

    bodies = dumped([m for _, m in reading.messages])
    assert reading.refused == []
    assert all(HANDLE not in b and "own_words" not in b for b in bodies)


def test_text_without_a_model_to_read_it_is_refused(tmp_path: Path) -> None:
    reading = read_file(jsonl(tmp_path / "h.jsonl", [event(1, kind="comment", own_text="hi")]))

    assert [(r.line, r.reason) for r in reading.refused] == [
        (1, "own_text: no scoring model to read it with")
    ]
