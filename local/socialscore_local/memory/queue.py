"""A queue in lists (pipeline.ports.MessageQueue): every call's messages, each with its body,
correlation id, delay and deferrals (send_later's) and packing, and the ids SQS refuses where
`refuse` names them; `sent` holds what it took, in order, repeats included.

It refuses what SQS refuses whatever the caller, so a rule proven on it holds on SQS: a delay
outside SQS's message timer, 0 to 900 seconds (docs.aws.amazon.com/AWSSimpleQueueService/latest/
SQSDeveloperGuide/quotas-messages.html), is that message refused, as SendMessageBatch reports
each entry's result on its own (API_SendMessageBatch.html; moto answers it so); a message over
262,144 bytes (256 KiB), its attributes counted, raises `TooLong` and takes nothing, as
SendMessageBatch answers a request over its payload limit with BatchRequestTooLong. 256 KiB is
the quotas page's figure and the one aws.sqs packs to; SendMessageBatch's reference now gives
1 MiB: the fake is the stricter of the two. Its messages are the pipeline's own, before aws.sqs
packs them: one over the limit could not travel even alone."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from socialscore.aws.sqs import CORRELATION_ID, DEFERRALS

Refuse = Callable[[int, list[str]], Iterable[str]]
"""(call number from 1, the call's ids) -> the ids refused."""

MAX_DELAY_SECONDS = 900  # SQS's message timer: 15 minutes at most
MAX_MESSAGE_BYTES = 262_144  # 256 KiB, the body and its attributes' names, types and values


class TooLong(ValueError):
    """SQS's refusal of a message (or a batch) over 256 KiB."""


@dataclass(frozen=True)
class Sent:
    id: str
    body: str
    correlation_id: str | None = None
    delay: int | None = None  # None: sent with `send`
    deferrals: int | None = None
    packed: bool = True


def refuse_all(call: int, ids: list[str]) -> list[str]:
    return ids


def refuse_ids(*refused: str) -> Refuse:
    return lambda call, ids: [mid for mid in ids if mid in refused]


class MemoryQueue:
    def __init__(self, refuse: Refuse | None = None, *, defers: bool | None = None) -> None:
        """`defers`: False when send_later must not be called, True when send must not."""
        self.refusing = refuse
        self.defers = defers
        self.calls: list[list[Sent]] = []  # each call's messages, those refused included
        self.sent: list[Sent] = []  # what was taken
        self.correlations: list[dict[str, str]] = []  # each call's correlation ids, as given

    @property
    def bodies(self) -> dict[str, str]:
        return {m.id: m.body for m in self.sent}

    def send(
        self, messages: Sequence[tuple[str, str]], correlation_ids: Mapping[str, str] | None = None
    ) -> list[str]:
        assert self.defers is not True, "these messages go with send_later"
        cids = correlation_ids or {}
        return self._take([Sent(mid, body, cids.get(mid)) for mid, body in messages], cids)

    def send_later(
        self,
        messages: Sequence[tuple[str, str, int]],
        deferrals: Mapping[str, int] | None = None,
        correlation_ids: Mapping[str, str] | None = None,
        *,
        packed: bool = True,
    ) -> list[str]:
        assert self.defers is not False, "nothing is deferred here"
        cids, counts = correlation_ids or {}, deferrals or {}
        return self._take(
            [
                Sent(mid, body, cids.get(mid), delay, counts.get(mid), packed)
                for mid, body, delay in messages
            ],
            cids,
        )

    def _take(self, messages: list[Sent], correlation_ids: Mapping[str, str]) -> list[str]:
        if too_long := [n for m in messages if (n := _size(m)) > MAX_MESSAGE_BYTES]:
            raise TooLong(f"a message of {too_long[0]} bytes is over {MAX_MESSAGE_BYTES}")
        self.calls.append(messages)
        self.correlations.append(dict(correlation_ids))
        ids = [m.id for m in messages]
        refused = list(self.refusing(len(self.calls), ids)) if self.refusing else []
        # InvalidParameterValue, for that entry alone
        refused += [m.id for m in messages if not 0 <= (m.delay or 0) <= MAX_DELAY_SECONDS]
        refused = list(dict.fromkeys(refused))
        self.sent += [m for m in messages if m.id not in refused]
        return refused


def _size(m: Sent) -> int:
    """The bytes SQS counts for a message: its body, and each attribute's name, data type and
    value (aws.sqs sends the correlation id as a String, the deferral count as a Number)."""
    attributes = {CORRELATION_ID: ("String", m.correlation_id)}
    if m.deferrals is not None:
        attributes[DEFERRALS] = ("Number", str(m.deferrals))
    return len(m.body.encode()) + sum(
        len(f"{name}{kind}{value}".encode())
        for name, (kind, value) in attributes.items()
        if value is not None
    )
