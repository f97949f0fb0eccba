"""Posts: identified by (network, post_id); facts come from a social data provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict

from socialscore.interaction import Network


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
    created_at: AwareDatetime
    referenced_post_id: str | None = None

    @property
    def ref(self) -> PostRef:
        return PostRef(self.network, self.post_id)


@dataclass(frozen=True)
class Lookup:
    """A provider's answer for one post. `text` lives in memory only, for intent matching."""

    facts: PostFacts | None
    text: str | None = None
    gone_reason: str | None = None


class PostProvider(Protocol):
    """A social data provider: post facts for many posts in as few calls as it allows."""

    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]: ...
