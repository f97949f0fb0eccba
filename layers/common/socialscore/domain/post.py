"""Posts: identified by (network, post_id); their facts come from the source that reported an
interaction with them, or from a social data provider (`providers.base`)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import AwareDatetime, BaseModel, Field

from socialscore.domain.acts import post_key
from socialscore.domain.interaction import MESSAGE, KeyText, Network


@dataclass(frozen=True, order=True)
class PostRef:
    network: Network
    post_id: str

    @property
    def key(self) -> str:
        return post_key(self.network, self.post_id)

    @classmethod
    def from_key(cls, key: str) -> PostRef:
        network, post_id = key.split("#", 1)
        return cls(Network(network), post_id)


class PostFacts(BaseModel):
    """What socialscore may keep about a post: ids, times and its author's follower count, never
    its text nor a handle."""

    model_config = MESSAGE

    network: Network
    post_id: KeyText  # the post's key and its author's identity are DynamoDB keys
    author_id: KeyText
    created_at: AwareDatetime | None = None  # unknown when the source, not a provider, told
    referenced_post_id: str | None = None
    conversation_id: str | None = None
    # How many followers the provider said the author had when it answered (X: the lookup's
    # `includes.users`); None: it told none. Left out of the JSON when None: messages stay small.
    author_followers: int | None = Field(default=None, exclude_if=lambda n: n is None)

    @property
    def ref(self) -> PostRef:
        return PostRef(self.network, self.post_id)


@dataclass(frozen=True)
class CachedPost:
    """What the post cache keeps of a post: its facts and the intent keywords and complaint
    phrases its text hit (never the text)."""

    facts: PostFacts
    # Hits depend on the keywords and phrases, so they are valid only for the model that found
    # them.
    intent_hits: tuple[str, ...]
    model_version: str
    complaint_hits: tuple[str, ...] = ()
