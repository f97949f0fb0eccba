"""A queue with nothing to hand out told without a call: the pollers' empty receives.

A drain ends with a round of receives on every event-source queue, each coming back empty, a
batch smaller than its size ends with a receive that finds only its own messages in flight,
and the demo, the chaos replay and the API fuzz drain after every few deliveries: most of the
runtime's SQS calls were such receives (~0.6 ms of botocore and moto each). moto's receive
(5.2, SQSBackend.receive_message) skips every message that is not visible before doing
anything with it: on a queue holding no visible message it returns nothing and changes nothing.
The pollers ask moto's queue directly and skip that call; a queue's depth is 0 without a call
when it holds no message at all.
"""

from __future__ import annotations

from typing import Any

from socialscore_local.sqs_events import REGION


def holds_no_message(url: str) -> bool:
    """Whether the runtime's moto holds no message at all in the queue at `url` (moto's own
    URL: .../<account>/<name>); False for a queue it does not know (the receive then says)."""
    messages = _messages(url)
    return messages is not None and not messages


def holds_no_visible_message(url: str) -> bool:
    """Whether moto's receive on the queue at `url` would find no visible message (its own
    test, Message.visible); False for a queue it does not know."""
    messages = _messages(url)
    return messages is not None and not any(message.visible for message in messages)


def _messages(url: str) -> Any:
    """moto's messages of the queue at `url`, visible or not; None for a queue it does not know."""
    from moto.sqs.models import sqs_backends

    account, name = url.rsplit("/", 2)[-2:]
    queue: Any = sqs_backends[account][REGION].queues.get(name)
    return None if queue is None else queue._messages
