"""Posts: identified by (network, post_id); facts come from a social data provider."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict

from socialscore.domain.interaction import Network


@dataclass(frozen=True, order=True)
class PostRef:
    network: Network
    post_id: str

    @property
    def key(self) -> str:
        return f"{self.network}#{self.post_id}"

    @classmethod
    def from_key(cls, key: str) -> PostRef:
        network, post_id = key.split("#", 1)
        return cls(Network(network), post_id)


class PostFacts(BaseModel):
    """What socialscore may keep about a post: ids and times, never its text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    network: Network
    post_id: str
    author_id: str
    created_at: AwareDatetime | None = None  # unknown when the source, not a provider, told
    referenced_post_id: str | None = None
    conversation_id: str | None = None

    @property
    def ref(self) -> PostRef:
        return PostRef(self.network, self.post_id)


@dataclass(frozen=True)
class CachedPost:
    """What the post cache keeps of a post: its facts and the intent keywords its text hit."""

    facts: PostFacts
    # Intent hits depend on the keywords, so they are valid only for the model that found them.
    intent_hits: tuple[str, ...]
    model_version: str


@dataclass(frozen=True)
class Lookup:
    """A provider's answer for one post. `text` lives in memory only, for intent matching."""

    facts: PostFacts | None
    text: str | None = field(default=None, repr=False)  # never in a log line or an error
    gone_reason: str | None = None


class PostProvider(Protocol):
    """A social data provider: post facts for many posts in as few calls as it allows.

    `lookup` answers every ref it was given, or raises ProviderRateLimited / ProviderUnavailable
    carrying the answers it did get before it had to stop.
    """

    max_ids_per_call: int | None  # None: no limit, one call whatever the number of refs

    @property
    def networks(self) -> frozenset[Network]:
        """The networks it can look posts up on."""
        ...

    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]: ...


@dataclass
class ProviderStopped(Exception):
    """The provider stopped before answering every ref; `answered` holds what it did answer."""

    answered: Mapping[PostRef, Lookup] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{type(self).__name__}: {len(self.answered)} refs answered"


@dataclass
class ProviderRateLimited(ProviderStopped):
    """The provider's rate limit is spent until `reset_at` (unix seconds)."""

    reset_at: float = 0.0


@dataclass
class ProviderUnavailable(ProviderStopped):
    """Server errors or timeouts outlasted the retries: try again later."""

    reason: str = "unavailable"
