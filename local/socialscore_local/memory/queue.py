"""A queue in lists (pipeline.ports.MessageQueue): every call's messages, each with its body,
correlation id, delay and deferrals (send_later's) and packing, and the ids SQS refuses where
`refuse` names them; `sent` holds what it took, in order, repeats included."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

Refuse = Callable[[int, list[str]], Iterable[str]]
"""(call number from 1, the call's ids) -> the ids refused."""


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
        self.calls.append(messages)
        self.correlations.append(dict(correlation_ids))
        ids = [m.id for m in messages]
        refused = list(self.refusing(len(self.calls), ids)) if self.refusing else []
        self.sent += [m for m in messages if m.id not in refused]
        return refused
