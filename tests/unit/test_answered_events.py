"""The SMMS's `answered` event (someone on the team answered an act of the engage-now queue) at
ingest, in memory (tests/unit/test_ingest.py's `receive` on a recording queue): its link must be
a post link socialscore can read, or the webhook is refused naming the field, without echoing
the value, and nothing is queued. Moved from tests/integration/test_engage.py (the same webhook on
moto)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.unit.test_ingest import RecordingQueue, body_of, receive


def test_the_answered_event_needs_a_post_link_socialscore_can_read() -> None:
    event = {
        "type": "answered",
        "id": "evt-answer-x",
        "permalink": "https://t.co/abc123",
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    queue = RecordingQueue()

    answer = receive(queue, body_of(event))

    assert answer.status == 400
    assert isinstance(answer.body, dict)
    assert [f["field"] for f in answer.body["fields"]] == ["events.0.permalink"]
    assert "t.co" not in json.dumps(answer.body)  # the value is not echoed
    assert queue.calls == []
