"""Through the local runtime, which drives the score queue as the template declares it
(maxReceiveCount from MaxReceiveCount, LogLevel=ERROR): a poison message delivered until SQS
moves it to the DLQ leaves one line, at ERROR, on its last delivery, naming it and why."""

from __future__ import annotations

import json
import logging
from typing import Any

from tests.integration.support import Stack

FN = "ScoreFunction"
SECRET = "@ceo_private_handle"


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.__dict__ | {"message": record.getMessage()})


def test_a_poison_message_s_reason_is_logged_at_error_on_the_delivery_before_the_dlq(
    stack: Stack,
) -> None:
    environment = stack.rt.function_environment(FN)
    assert environment["MAX_RECEIVE_COUNT"] == "5"
    stack.rt.handler(FN)  # the handler's import makes its service's logger, at the stack's level
    service = logging.getLogger(environment["POWERTOOLS_SERVICE_NAME"])
    assert service.getEffectiveLevel() == logging.ERROR
    keep = Keep()
    service.addHandler(keep)
    poison = json.dumps({"type": "resolved", "interaction": {"actor_id": SECRET}})
    try:
        stack.send("ScoreQueue", [poison])
        deliveries = 0
        while stack.poll(FN):
            deliveries += 1
            assert deliveries < 20
    finally:
        service.removeHandler(keep)

    assert deliveries == 5
    assert stack.take("ScoreDLQ") == [poison]
    [line] = [li for li in keep.lines if "reason" in li]
    assert (line["levelname"], line["message"]) == ("ERROR", "to DLQ: poison message")
    assert line["receive_count"] == 5
    assert line["errors"]  # which fields, never their values
    assert SECRET not in json.dumps([li.get("errors") for li in keep.lines])
