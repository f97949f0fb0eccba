"""An empty queue told without a call: the pollers' receives on queues that hold nothing.

A drain ends with a round of receives on every event-source queue, each coming back empty, and
the demo, the chaos replay and the API fuzz drain after every few deliveries: most of the
runtime's SQS calls were such receives (~0.6 ms of botocore and moto each). moto's receive on a
queue that holds no message at all (none visible, in flight or delayed) returns nothing and
changes nothing (moto 5.2, SQSBackend.receive_message walks the queue's messages, and there are
none): the pollers ask moto's queue directly and skip that call. A queue holding any message is
received from as before.
"""

from __future__ import annotations

from typing import Any

from socialscore_local.sqs_events import REGION


def holds_no_message(url: str) -> bool:
    """Whether the runtime's moto holds no message at all in the queue at `url` (moto's own
    URL: .../<account>/<name>); False for a queue it does not know (the receive then says)."""
    from moto.sqs.models import sqs_backends

    account, name = url.rsplit("/", 2)[-2:]
    queue: Any = sqs_backends[account][REGION].queues.get(name)
    return queue is not None and not queue._messages
