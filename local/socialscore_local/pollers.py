"""The local runtime's SQS event sources: Lambda's poller for each queue trigger of the
template (batch size, ReportBatchItemFailures; SQS itself moves a message to its DLQ after
maxReceiveCount), draining, and an operator's redrive of a DLQ."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from socialscore_local import moto_queues
from socialscore_local.sqs_events import failed_ids, message_attributes, sqs_record
from socialscore_ops.template import Function, QueueSource, Template

log = logging.getLogger("socialscore_local")


class QueueDriving:
    """A mixin of LocalRuntime: what it needs of the runtime is declared here."""

    functions: dict[str, Function]
    physical: dict[str, dict[str, str]]
    template: Template
    longest_batch: int | None
    _api_waiting: int

    if TYPE_CHECKING:

        def client(self, service: str) -> Any: ...

        def invoke(self, logical_id: str, event: Any) -> Any: ...

    def queue_url(self, logical: str) -> str:
        return self.physical[logical]["Ref"]

    def depth(self, logical: str) -> int:
        """Messages visible and in flight, as GetQueueAttributes counts them."""
        url = self.queue_url(logical)
        if moto_queues.holds_no_message(url):
            return 0  # both counts, without the call
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def drain(self, max_rounds: int = 100_000) -> int:
        """Deliver queued messages until every event-source queue is empty; returns batches run."""
        batches = 0
        for _ in range(max_rounds):
            delivered = 0
            for fn in self.functions.values():
                for source in fn.queue_sources:
                    delivered += self.poll(fn, source)
            if not delivered:
                return batches
            batches += delivered
        raise RuntimeError("queues did not drain")

    def poll(self, fn: Function, source: QueueSource) -> int:
        """One batch from one event source, as Lambda's SQS poller runs it: receives of up to
        10 until the batch size is reached or the queue has nothing visible. Returns 1 or 0."""
        while self._api_waiting:  # an API request goes first
            time.sleep(0.001)
        sqs = self.client("sqs")
        url = self.queue_url(source.queue)
        size = min(source.batch_size, self.longest_batch or source.batch_size)
        messages: list[dict[str, Any]] = []
        while len(messages) < size:
            if moto_queues.holds_no_visible_message(url):
                break  # what its receive would answer, without the call
            got = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(size - len(messages), 10),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages += got
            if not got:
                break
        if not messages:
            return 0
        arn = self.physical[source.queue]["Arn"]
        event = {"Records": [sqs_record(m, arn) for m in messages]}
        ids = {m["MessageId"] for m in messages}
        try:
            result = self.invoke(fn.logical_id, event)
            failed = failed_ids(result, ids) if source.report_failures else set()
        except Exception as err:  # the whole batch returns to the queue, as on AWS
            log.warning("%s failed a batch of %d: %r", fn.logical_id, len(ids), err)
            failed = ids
        done = [m for m in messages if m["MessageId"] not in failed]
        retry = [m for m in messages if m["MessageId"] in failed]
        for start in range(0, len(done), 10):
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                    for n, m in enumerate(done[start : start + 10])
                ],
            )
        for start in range(0, len(retry), 10):
            # Visible again at once instead of after the visibility timeout: same semantics, faster.
            sqs.change_message_visibility_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for n, m in enumerate(retry[start : start + 10])
                ],
            )
        return 1

    def dead_letter_queues(self) -> dict[str, str]:
        """DLQ -> the queue it serves, from the template's redrive policies."""
        return {
            props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]: logical
            for logical, props in self.template.of_type("AWS::SQS::Queue").items()
            if "RedrivePolicy" in props
        }

    def redrive(self, dlq: str, queue: str) -> int:
        """Move every message of a DLQ back to its queue, as an operator's
        `aws sqs start-message-move-task` does; returns how many moved."""
        sqs = self.client("sqs")
        moved = 0
        while got := sqs.receive_message(
            QueueUrl=self.queue_url(dlq), MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", []):
            sqs.send_message_batch(
                QueueUrl=self.queue_url(queue),
                Entries=[
                    {"Id": str(n), "MessageBody": m["Body"], **message_attributes(m)}
                    for n, m in enumerate(got)
                ],
            )
            sqs.delete_message_batch(
                QueueUrl=self.queue_url(dlq),
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)
                ],
            )
            moved += len(got)
        return moved
