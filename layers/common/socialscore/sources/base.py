"""What a webhook source is: how it proves a request, what it sends, how it answers a GET."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol, runtime_checkable

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# Every source reads a delivery into these; named here too, beside what else a source is.
from socialscore.domain.messages import Message as Message


class LenientModel(BaseModel):
    """A part of a body as its sender writes it: the fields not read here are ignored (a network
    adds fields without notice; a delivery is never refused for one)."""

    model_config = ConfigDict(extra="ignore")


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)


class Source(Protocol):
    name: str
    success_status: int
    methods: tuple[str, ...]  # POST, and GET where the source verifies the endpoint

    def verify(
        self, secrets: Any, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> str | None:
        """Raise signatures.SignatureError unless the request is the source's own. Returns the
        delivery's id when the signature covers one (Standard Webhooks' webhook-id), for
        ingest's replay memory; None otherwise. `secrets` is this source's entry of the
        webhook secrets; headers are lower-case."""
        ...

    def messages(self, body: bytes, received: datetime) -> list[Message]:
        """The normalised messages of a verified body; raise pydantic.ValidationError."""
        ...

    def challenge(self, secrets: Any, query: Mapping[str, str]) -> Answer:
        """The answer to the source's verification GET (when GET is in its methods)."""
        ...


@dataclass(frozen=True)
class Reading:
    """What a source made of a verified body: the messages to queue, and the events it
    acknowledged without queueing, counted by reason. A reason is one of the source's own fixed
    words (snake_case), never taken from the input: it is safe to log and to use as a metric
    dimension."""

    messages: list[Message]
    ignored: Counter[str] = field(default_factory=Counter)

    def keep(self, made: Message | str) -> None:
        """What an event made: a message to queue, or the reason it is ignored (counted)."""
        if isinstance(made, str):
            self.ignored[made] += 1
        else:
            self.messages.append(made)


@runtime_checkable
class Reader(Protocol):
    """A source that says what it ignored, and why (X)."""

    def read(self, body: bytes, received: datetime) -> Reading:
        """Like Source.messages, with the events acknowledged and ignored counted by reason."""
        ...


def read(source: Source, body: bytes, received: datetime) -> Reading:
    """A verified body's messages and ignored events, for any source: one that ignores nothing
    silently (a Reader) counts its own; another's reading has no ignored events."""
    if isinstance(source, Reader):
        return source.read(body, received)
    return Reading(source.messages(body, received))


class BodyProblem(ValueError):
    """A body a source's models took but its own rule refuses: the field at fault and the rule,
    both fixed text (the value is never part of them: the answer and the logs would echo it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def unix_time(seconds: float) -> datetime:
    """A network's unix timestamp; one out of any calendar is a ValueError (a 400), not a crash.
    Its message is fixed: pydantic puts a validator's message in its own, and the answer."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError("not a unix time within any calendar") from None


def live_secrets(value: Any) -> list[str]:
    """A secret entry as a list: one secret, or several while a rotation is under way."""
    return [value] if isinstance(value, str) else list(value or [])


def secret_field(secrets: Any, name: str) -> Any:
    """A named field of a source's secret entry (X and Meta keep several)."""
    return secrets.get(name) if isinstance(secrets, Mapping) else None


def _digits(value: Any) -> Any:
    # JSON numbers past 2**53 lose digits in most languages: ids travel as strings.
    return str(value) if isinstance(value, int) else value


# A network's id: a string, accepting a JSON integer too. Sources add their id's shape.
NetworkId = Annotated[str, BeforeValidator(_digits), Field(min_length=1)]
