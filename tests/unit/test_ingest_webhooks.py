"""What an SMMS webhook's events become on the rehydrate queue, in memory (Ingest.receive on an
in-memory queue): the SMMS's word on whose post it is travels on, in UTC; an event with a field
out of its rules (or one SQS could not carry) refuses the whole webhook, naming the field, and
queues nothing. The same request through the HTTP front door on moto:
tests/integration/test_ingest_handler.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from socialscore.domain.interaction import Interaction
from tests.integration.test_ingest_handler import like
from tests.unit.test_ingest import MESSAGE, RecordingQueue, body_of, identify, receive

POST = "https://x.com/i/web/status/2100000000000000001"


def test_the_smms_word_on_whose_post_it_is_travels_to_rehydrate() -> None:
    queue = RecordingQueue()
    facts = {"target_author_id": "1001", "target_created_at": "2026-10-01T16:00:00+02:00"}

    assert receive(queue, body_of(like(1, **facts))).status == 202

    [(_, raw)] = queue.messages
    queued = MESSAGE.validate_json(raw)
    assert isinstance(queued, Interaction)
    assert queued.target_author_id == "1001"
    assert queued.target_created_at == datetime(2026, 10, 1, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("events", "field"),
    [
        pytest.param([like(1), like(2, actor_id=None)], "events.1.actor_id", id="missing-actor"),
        pytest.param([like(1, kind="poke")], "events.0.kind", id="unknown-kind"),
        pytest.param(
            [like(1, occurred_at="2026-11-22T08:00:00")], "events.0.occurred_at", id="naive-time"
        ),
        pytest.param(
            [like(1, target_permalink="not a url")], "events.0.target_permalink", id="url"
        ),
        pytest.param([], "events", id="no-events"),
        # Characters SQS refuses: on AWS the send would fail on every retry.
        pytest.param([like(1, tags=["vip\uffff"])], "events.0.tags.0", id="tag-U+FFFF"),
        pytest.param([like(1, id="evt-\ufffe")], "events.0.id", id="event-id-U+FFFE"),
        pytest.param(
            [like(1, target_permalink=POST + "?s=\ufffe")],
            "events.0.target_permalink",
            id="permalink-U+FFFE",
        ),
        pytest.param([identify(contact_id="C-\x00")], "events.0.contact_id", id="contact-NUL"),
    ],
)
def test_an_invalid_event_is_a_400_naming_the_field_and_queues_nothing(
    events: list[dict[str, Any]], field: str
) -> None:
    cleaned = [{k: v for k, v in e.items() if v is not None} for e in events]
    queue = RecordingQueue()

    answer = receive(queue, body_of(*cleaned))

    assert answer.status == 400, answer.body
    assert isinstance(answer.body, dict)
    assert field in [f["field"] for f in answer.body["fields"]]
    assert queue.calls == []
